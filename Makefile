# audio-ident build. `make help` lists every target and variable: it prints the
# `## text` after each target's prerequisites and the `##@` / `##` lines below,
# so a target without help text is a bug (scripts/check-docs.sh fails on it).

##@ Variables (on the make command line, e.g. `make DEBUG=1 test-unit T=config`)
##   BUILD=build          output directory; objects go to BUILD/release, BUILD/debug, BUILD/san
##   DEBUG=1              debug build (-O0 -g3) into BUILD/debug instead of release (-O2 -g)
##   SANITIZE=list        -fsanitize=list build into BUILD/san (`make check` uses address,undefined)
##   CC=gcc  PKG_CONFIG=pkg-config   compiler and pkg-config to use
##   T=filter             test-unit / test-postgres: only tests whose name contains filter
##   FUZZ_SECONDS=60      fuzz: seconds per harness
##   POSTGRES_MODE=embedded  QDRANT_MODE=embedded   embedded | docker | external (also read from .env)
##   POSTGRES_PORT=5432  QDRANT_HTTP_PORT=6333      host ports of the docker-mode services (also .env;
##                        QDRANT_GRPC_PORT=6334 only in docker-compose.yml)
##   APP_PORT=17010       host port of the compose `app` service (docker-compose.yml reads it from .env)
##   COMPOSE=docker-compose  HEALTH_TIMEOUT=120     compose command; seconds docker-up waits for health
##   DIR=path             ingest: the file or directory to ingest
##   ARGS=…               rebuild-index: extra arguments, e.g. ARGS=--vectors
##   N=20                 crash-test: kill points on SQLite (N/2 on PostgreSQL)

##@ Benchmark variables (environment of `make bench`, `bench-api`, `bench-vibe`)
##   BENCH_QUICK=1        small smoke run of every benchmark
##   BENCH_DIR=dir        music to build the corpus from (default: Debian wesnoth-music)
##   BENCH_DATA=bench-data   corpus, query clips, indexes and results/*.json
##   BENCH_DISTRACTORS=0  BENCH_HELD_OUT=5  BENCH_REUSE=0  BENCH_EVERY=1   exact lane (bench/exact.sh)
##   BENCH_VIBE_MAX_TRACKS=40  BENCH_VIBE_CLIPS=40  BENCH_VIBE_ARGS=…      vibe lane (bench/vibe.sh)
##   BENCH_API_SECONDS=20  BENCH_API_LEVELS=1,4,16  BENCH_API_MODE=both     HTTP (bench/api.sh)

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD      ?= build
DEBUG      ?= 0
SANITIZE   ?=
CC         ?= gcc
PKG_CONFIG ?= pkg-config
FUZZ_SECONDS ?= 60

PKGS := libavformat libavcodec libswresample libavutil libmagic lmdb sqlite3 libpq \
        libcurl libmicrohttpd gnutls fftw3f jansson libcrypto

ifeq ($(SANITIZE),)
  ifeq ($(DEBUG),1)
    VARIANT := debug
    OPTFLAGS := -O0 -g3
  else
    VARIANT := release
    OPTFLAGS := -O2 -g
  endif
else
  VARIANT := san
  OPTFLAGS := -O1 -g3 -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=undefined
endif

OUT := $(BUILD)/$(VARIANT)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wvla -Wno-unused-parameter -Wno-format-truncation
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CPPFLAGS += -Isrc -D_GNU_SOURCE
CFLAGS   += -std=c17 $(OPTFLAGS) $(WARN) -pthread $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += -pthread $(if $(SANITIZE),-fsanitize=$(SANITIZE))
LDLIBS   += $(PKG_LIBS) -lm

VERSION    := $(shell cat VERSION)
GIT_SHA    := $(shell git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
BUILD_TIME := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)

# Every .c under src/ except main.c goes into one static library that the
# binary, the test runner, benches and fuzzers link against.
LIB_SRCS  := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJS  := $(LIB_SRCS:%.c=$(OUT)/%.o)
LIB       := $(OUT)/libaudioident.a
BIN       := $(OUT)/audio-ident

TEST_SRCS := $(shell find tests/unit -name '*.c' | sort)
TEST_OBJS := $(TEST_SRCS:%.c=$(OUT)/%.o)
TEST_BIN  := $(OUT)/unit-tests
CRASH_BIN := $(OUT)/crash-check

.PHONY: all bin test check lint format fuzz bench run deps help clean \
        test-unit test-postgres check-docs crash-test
all: $(BIN) ## release build (default target; DEBUG=1 / SANITIZE=… for other variants)
bin: $(BIN) ## build only the audio-ident binary

$(OUT)/%.o: %.c | pkg-check
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The version object depends on the build stamp so it is rebuilt when HEAD moves.
$(OUT)/src/base/version.o: CPPFLAGS += -DAI_VERSION='"$(VERSION)"' -DAI_GIT_SHA='"$(GIT_SHA)"' \
                                       -DAI_BUILD_TIME='"$(BUILD_TIME)"'
$(OUT)/src/base/version.o: $(OUT)/.git-sha
$(OUT)/.git-sha: FORCE
	@mkdir -p $(OUT)
	@echo '$(GIT_SHA) $(VERSION)' | cmp -s - $@ || echo '$(GIT_SHA) $(VERSION)' > $@
FORCE:

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(OUT)/src/main.o $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(TEST_BIN): $(TEST_OBJS) $(LIB)
	$(CC) $(LDFLAGS) $(TEST_OBJS) $(LIB) $(LDLIBS) -o $@

$(CRASH_BIN): $(OUT)/tests/crash/crash_check.o $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- dependencies
# Installs the Debian packages the build and the tests need when one is missing.
# DEPS_INSTALL is replaceable (the deploy suite runs the targets with a stand-in).
DEPS_INSTALL ?= scripts/install-deps.sh
deps: ## install the Debian (and npm) packages the build and the tests need
	@$(DEPS_INSTALL)

# PKG_CFLAGS/PKG_LIBS are computed when this Makefile is read, so a target that
# installs packages first (`run`, `test`) builds in a sub-make that reads them
# again. This guard stops a build whose flags were computed while a library was
# missing, naming the packages, instead of failing later on a missing header.
PKG_OK := $(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && echo yes)
.PHONY: pkg-check
pkg-check: ## stop with the missing packages named when pkg-config cannot find them (run make deps)
	@$(if $(PKG_OK),true,missing=; for p in $(PKGS); do $(PKG_CONFIG) --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	  echo "ERROR: pkg-config finds no$${missing:- (pkg-config itself failed)}; run 'make deps' (Debian) and build again" >&2; exit 1)

# ---------------------------------------------------------------- tests
# `make test` is the README's test command: deps, the docs check, build, unit tests (SQLite),
# the metadata/library tests again against a throw-away PostgreSQL cluster,
# then the suites under tests/*/run.sh (deploy, API, web).
WITH_POSTGRES ?= scripts/with-postgres.sh
RUN_SUITES    ?= scripts/run-suites.sh
test: deps ## the README test command: deps, docs check, unit tests, PostgreSQL half, every tests/*/run.sh suite
	@scripts/check-docs.sh
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-postgres
	@$(RUN_SUITES) $(OUT)

test-unit: $(BIN) $(TEST_BIN) $(CRASH_BIN) ## unit tests on SQLite (T=filter narrows by test name)
	AI_BIN=$(abspath $(BIN)) $(TEST_BIN) $(T)

check-docs: ## docs name what the code has: settings, error codes, commands, make help texts
	@scripts/check-docs.sh

check: ## unit tests and the API suite under AddressSanitizer + UBSan (BUILD/san)
	@$(MAKE) --no-print-directory SANITIZE=address,undefined test-unit
	@$(MAKE) --no-print-directory SANITIZE=address,undefined bin
	@scripts/run-suites.sh $(BUILD)/san api

test-postgres: $(BIN) $(TEST_BIN) ## meta/library/startup unit tests against a throw-away PostgreSQL cluster (T=… to choose)
	@$(WITH_POSTGRES) $(MAKE) --no-print-directory test-unit T='$(or $(T),meta library startup)'

crash-test: $(BIN) $(CRASH_BIN) ## kill -9 ingests at N points per backend (default N=20 SQLite, N/2 PostgreSQL)
	@CRASH_N=$(or $(N),20) AI_BIN=$(abspath $(BIN)) bash tests/crash/run.sh

# ---------------------------------------------------------------- quality
lint: ## cppcheck + clang-tidy over src/ and tests/
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --std=c11 -D_GNU_SOURCE -Isrc --suppress=missingIncludeSystem src tests
	clang-tidy --quiet $(LIB_SRCS) src/main.c -- $(CPPFLAGS) -std=c17 $(PKG_CFLAGS)

format: ## clang-format every C file in place (style file in the repo)
	clang-format -i $$(find src tests bench -name '*.[ch]')

# ---------------------------------------------------------------- fuzzing
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_OUT  := $(BUILD)/fuzz
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_OUT)/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_OUT)/%.o)
FUZZ_CFLAGS := -std=c17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined $(filter-out -Wno-format-truncation,$(WARN)) -Wno-string-concatenation -pthread $(PKG_CFLAGS)

$(FUZZ_OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) $(LDLIBS) -pthread -o $@

.SECONDARY: $(FUZZ_LIB_OBJS)
fuzz: $(FUZZ_BINS) ## build the libFuzzer harnesses of tests/fuzz with clang and run each FUZZ_SECONDS
	@set -o pipefail; for f in $(FUZZ_BINS); do \
	  name=$$(basename $$f); mkdir -p $(FUZZ_OUT)/corpus/$$name; \
	  seeds=tests/fuzz/seeds/$${name#fuzz_}; \
	  echo "== $$name ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(FUZZ_OUT)/ \
	     $(FUZZ_OUT)/corpus/$$name \
	     $$( [ -d $$seeds ] && echo $$seeds ) 2>&1 | grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY' || exit 1; \
	done

# ---------------------------------------------------------------- deployment modes
# POSTGRES_MODE / QDRANT_MODE: embedded | docker | external; APP_MODE: host
# (this machine's binary) | docker (the app container). From the environment,
# the make command line or .env; the program never reads them. Recipes hold no
# URL, password or key: scripts/mode-env.sh derives them and passes them in the
# environment (see docs/deploy.md).
POSTGRES_MODE    ?= $(shell scripts/dotenv-get.sh POSTGRES_MODE embedded)
QDRANT_MODE      ?= $(shell scripts/dotenv-get.sh QDRANT_MODE embedded)
APP_MODE         ?= $(shell scripts/dotenv-get.sh APP_MODE host)
COMPOSE          ?= docker-compose
HEALTH_TIMEOUT   ?= 120
# RUN_BIN: the binary host-mode targets run (another build, or a stand-in).
RUN_BIN          ?= $(BIN)
export POSTGRES_MODE QDRANT_MODE APP_MODE COMPOSE GIT_SHA

mode_ok = $(if $(filter $(2),$($(1))),,$(error $(1) must be $(3) (got '$($(1))')))
check_modes = $(call mode_ok,POSTGRES_MODE,embedded docker external,embedded$(comma) docker or external)$(call mode_ok,QDRANT_MODE,embedded docker external,embedded$(comma) docker or external)$(call mode_ok,APP_MODE,host docker,host or docker)
need_url = $(if $(shell scripts/dotenv-get.sh $(1)),,$(error $(2)_MODE=external needs $(1) (e.g. in .env)))
comma := ,
empty :=
space := $(empty) $(empty)

APP_IN_DOCKER   := $(filter docker,$(APP_MODE))
DOCKER_SERVICES := $(strip $(if $(filter docker,$(POSTGRES_MODE)),postgres) $(if $(filter docker,$(QDRANT_MODE)),qdrant) $(if $(APP_IN_DOCKER),app))
# ARGS of rebuild-index: only these flags (they reach a shell line).
REBUILD_ARGS    := $(filter --vectors --fingerprints,$(ARGS))
ifneq ($(and $(filter rebuild-index,$(MAKECMDGOALS)),$(filter-out --vectors --fingerprints,$(ARGS))),)
  $(error ARGS of rebuild-index may hold only --vectors and/or --fingerprints)
endif

.PHONY: modes docker-up docker-down dev ingest rebuild-index
modes: ## check POSTGRES_MODE / QDRANT_MODE / APP_MODE and say what runs where
	@echo $(check_modes)$(if $(filter external,$(POSTGRES_MODE)),$(call need_url,DATABASE_URL,POSTGRES))$(if $(filter external,$(QDRANT_MODE)),$(call need_url,QDRANT_URL,QDRANT)) "POSTGRES_MODE=$(POSTGRES_MODE) QDRANT_MODE=$(QDRANT_MODE) APP_MODE=$(APP_MODE) docker services: $(or $(DOCKER_SERVICES),none)"

# Generates the secrets into .env when absent, starts the docker-mode services
# (and the app container with APP_MODE=docker, rebuilt) and waits for their health checks.
docker-up: modes ## start the docker-mode services (APP_MODE=docker: also the app) and wait until healthy
ifneq ($(DOCKER_SERVICES),)
	@scripts/docker-env.sh
	scripts/mode-env.sh compose $(COMPOSE) up -d $(if $(APP_IN_DOCKER),--build) $(DOCKER_SERVICES)
	scripts/mode-env.sh compose scripts/compose-wait.sh $(HEALTH_TIMEOUT) $(DOCKER_SERVICES)
else
	@echo "nothing to start: no mode is docker"
endif

docker-down: ## stop the compose services (volumes are kept)
	COMPOSE_PROFILES=postgres,qdrant,app POSTGRES_PASSWORD=unused QDRANT_API_KEY=unused $(COMPOSE) down

ifneq ($(and $(APP_IN_DOCKER),$(filter dev,$(MAKECMDGOALS))),)
  $(error APP_MODE=docker runs the app in its container: use `make docker-up`)
endif
dev: modes docker-up $(RUN_BIN) ## docker-up, then migrate and serve with this machine's binary
	scripts/mode-env.sh host $(RUN_BIN) migrate
	scripts/mode-env.sh host $(RUN_BIN) serve

# DIR reaches the command through the environment, never through shell text.
ingest: export INGEST_DIR = $(value DIR)
ifneq ($(APP_IN_DOCKER),)
ingest: modes docker-up ## ingest DIR (APP_MODE=docker: a directory under MUSIC_DIR, in the app container)
	scripts/mode-env.sh compose-ingest
rebuild-index: modes docker-up ## rebuild-index [ARGS=--vectors|--fingerprints] with the mode's stores
	scripts/mode-env.sh compose $(COMPOSE) run --rm app rebuild-index $(REBUILD_ARGS)
else
ingest: modes $(RUN_BIN)
	@test -n "$$INGEST_DIR" || { echo "usage: make ingest DIR=/path/to/music" >&2; exit 2; }
	scripts/mode-env.sh host sh -c 'exec "$$0" ingest "$$INGEST_DIR"' $(RUN_BIN)
rebuild-index: modes $(RUN_BIN)
	scripts/mode-env.sh host $(RUN_BIN) rebuild-index $(REBUILD_ARGS)
endif

# ---------------------------------------------------------------- run / bench
# The build runs in a sub-make so that it sees the packages `deps` installed.
run: deps ## install deps, build, serve on embedded defaults (http://127.0.0.1:17010)
	@$(MAKE) --no-print-directory bin
	$(BIN) serve

bench: $(BIN) ## every bench/*.sh: exact lane, vibe lane, HTTP (tables + JSON; BENCH_QUICK=1: smoke run)
	@scripts/bench.sh $(abspath $(BIN))

help: ## this list
	@awk 'BEGIN { FS = ":[^=]*## "; print "Targets:" } \
	  /^##@/ { more = more "\n" substr($$0, 5) "\n"; next } \
	  /^## / { more = more substr($$0, 4) "\n"; next } \
	  /^[A-Za-z0-9_.-]+:[^=]*## / { printf "  make %-15s %s\n", $$1, $$2 } \
	  END { printf "%s", more }' \
	  $(filter-out %.d,$(MAKEFILE_LIST))

clean: ## remove BUILD (all variants, fuzzers and their corpora)
	rm -rf $(BUILD)

# ---------------------------------------------------------------- vibe-lane evaluation
.PHONY: bench-vibe
bench-vibe: $(BIN) ## vibe-lane evaluation on Debian soundtracks (precision@5, mAP, recall)
	AI_BIN=$(abspath $(BIN)) bench/vibe.sh

.PHONY: bench-api
bench-api: $(BIN) ## end-to-end HTTP latency/throughput at 1, 4, 16 clients
	AI_BIN=$(abspath $(BIN)) bench/api.sh
