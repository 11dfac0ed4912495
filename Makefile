# audio-ident build. `make help` lists the targets.
#
#   make                release build (-O2) -> build/release/audio-ident
#   make DEBUG=1        debug build (-O0 -g)  -> build/debug/audio-ident
#   make test           install missing deps (Debian), build, run all tests
#   make check          unit tests + API suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make lint           cppcheck + clang-tidy
#   make format         clang-format every source file in place
#   make fuzz           build the libFuzzer harnesses with clang, run each FUZZ_SECONDS
#   make bench          benchmarks (tables + JSON): exact lane, vibe lane, HTTP
#   make bench-api      HTTP latency/throughput at 1, 4, 16 clients
#   make bench-vibe     vibe-lane evaluation on Debian soundtracks
#   make run            install deps, build, serve on embedded defaults
#   make crash-test N=1000  kill -9 crash suite (tests/crash): N kill points SQLite, N/2 PostgreSQL
#
# BUILD=dir puts all objects somewhere else (useful for parallel work trees).

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD      ?= build
DEBUG      ?= 0
SANITIZE   ?=
CC         ?= gcc
PKG_CONFIG ?= pkg-config
FUZZ_SECONDS ?= 60

PKGS := libavformat libavcodec libswresample libavutil libmagic lmdb sqlite3 libpq \
        libcurl libmicrohttpd fftw3f jansson libcrypto libchromaprint

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
        test-unit test-postgres crash-test
all: $(BIN)
bin: $(BIN)

$(OUT)/%.o: %.c
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
deps:
	@scripts/install-deps.sh

# ---------------------------------------------------------------- tests
# `make test` is the README's test command: deps, build, unit tests (SQLite),
# the metadata/library tests again against a throw-away PostgreSQL cluster,
# then the suites under tests/*/run.sh (deploy, API, web).
test: deps
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-postgres
	@scripts/run-suites.sh $(OUT)

test-unit: $(BIN) $(TEST_BIN) $(CRASH_BIN)
	AI_BIN=$(abspath $(BIN)) $(TEST_BIN) $(T)

check:
	@$(MAKE) --no-print-directory SANITIZE=address,undefined test-unit
	@$(MAKE) --no-print-directory SANITIZE=address,undefined bin
	@scripts/run-suites.sh $(BUILD)/san api

test-postgres: $(BIN) $(TEST_BIN)
	@scripts/with-postgres.sh $(MAKE) --no-print-directory test-unit T='$(or $(T),meta library startup)'

crash-test: $(BIN) $(CRASH_BIN) ## kill -9 ingests at N points per backend (default N=20 SQLite, N/2 PostgreSQL)
	@CRASH_N=$(or $(N),20) AI_BIN=$(abspath $(BIN)) bash tests/crash/run.sh

# ---------------------------------------------------------------- quality
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --std=c11 -D_GNU_SOURCE -Isrc --suppress=missingIncludeSystem src tests
	clang-tidy --quiet $(LIB_SRCS) src/main.c -- $(CPPFLAGS) -std=c17 $(PKG_CFLAGS)

format:
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
fuzz: $(FUZZ_BINS)
	@set -o pipefail; for f in $(FUZZ_BINS); do \
	  name=$$(basename $$f); mkdir -p $(FUZZ_OUT)/corpus/$$name; \
	  seeds=tests/fuzz/seeds/$${name#fuzz_}; \
	  echo "== $$name ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(FUZZ_OUT)/ \
	     $(FUZZ_OUT)/corpus/$$name \
	     $$( [ -d $$seeds ] && echo $$seeds ) 2>&1 | grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY' || exit 1; \
	done

# ---------------------------------------------------------------- deployment modes
# POSTGRES_MODE / QDRANT_MODE: embedded | docker | external (environment, make
# command line or .env). Only this Makefile and docker-compose read them; the
# app gets DATABASE_URL / QDRANT_URL.
POSTGRES_MODE    ?= $(shell scripts/dotenv-get.sh POSTGRES_MODE embedded)
QDRANT_MODE      ?= $(shell scripts/dotenv-get.sh QDRANT_MODE embedded)
POSTGRES_PORT    ?= $(shell scripts/dotenv-get.sh POSTGRES_PORT 5432)
QDRANT_HTTP_PORT ?= $(shell scripts/dotenv-get.sh QDRANT_HTTP_PORT 6333)
COMPOSE          ?= docker-compose
HEALTH_TIMEOUT   ?= 120

mode_ok = $(if $(filter embedded docker external,$($(1))),,$(error $(1) must be embedded, docker or external (got '$($(1))')))
check_modes = $(call mode_ok,POSTGRES_MODE)$(call mode_ok,QDRANT_MODE)
need_url = $(if $($(1)),,$(error $(2)_MODE=external needs $(1) (e.g. in .env)))

# URLs the host-side binary uses (make dev / ingest / rebuild-index).
ifeq ($(POSTGRES_MODE),docker)
  RUN_DATABASE_URL := postgresql://audio_ident:audio_ident@127.0.0.1:$(POSTGRES_PORT)/audio_ident
else ifeq ($(POSTGRES_MODE),external)
  RUN_DATABASE_URL := $(DATABASE_URL)
endif
ifeq ($(QDRANT_MODE),docker)
  RUN_QDRANT_URL := http://127.0.0.1:$(QDRANT_HTTP_PORT)
else ifeq ($(QDRANT_MODE),external)
  RUN_QDRANT_URL := $(QDRANT_URL)
endif
# URLs the `app` container gets (service names inside the compose network).
APP_DATABASE_URL := $(if $(filter docker,$(POSTGRES_MODE)),postgresql://audio_ident:audio_ident@postgres:5432/audio_ident,$(RUN_DATABASE_URL))
APP_QDRANT_URL   := $(if $(filter docker,$(QDRANT_MODE)),http://qdrant:6333,$(RUN_QDRANT_URL))
DOCKER_SERVICES  := $(if $(filter docker,$(POSTGRES_MODE)),postgres) $(if $(filter docker,$(QDRANT_MODE)),qdrant)
comma := ,
empty :=
space := $(empty) $(empty)
COMPOSE_ENV      := COMPOSE_PROFILES=$(subst $(space),$(comma),$(strip $(DOCKER_SERVICES))) \
                    APP_DATABASE_URL='$(APP_DATABASE_URL)' APP_QDRANT_URL='$(APP_QDRANT_URL)'
RUN_ENV          := $(if $(RUN_DATABASE_URL),DATABASE_URL='$(RUN_DATABASE_URL)') \
                    $(if $(RUN_QDRANT_URL),QDRANT_URL='$(RUN_QDRANT_URL)')

.PHONY: modes docker-up docker-down dev ingest rebuild-index
modes:
	@echo $(check_modes)$(if $(filter external,$(POSTGRES_MODE)),$(call need_url,DATABASE_URL,POSTGRES))$(if $(filter external,$(QDRANT_MODE)),$(call need_url,QDRANT_URL,QDRANT)) "POSTGRES_MODE=$(POSTGRES_MODE) QDRANT_MODE=$(QDRANT_MODE) docker services: $(or $(strip $(DOCKER_SERVICES)),none)"

# Starts only the services whose mode is docker and waits for their health checks.
docker-up: modes
	$(if $(strip $(DOCKER_SERVICES)),$(COMPOSE_ENV) $(COMPOSE) up -d $(strip $(DOCKER_SERVICES)),@echo "nothing to start: no mode is docker")
	$(if $(strip $(DOCKER_SERVICES)),$(COMPOSE_ENV) scripts/compose-wait.sh $(HEALTH_TIMEOUT) $(strip $(DOCKER_SERVICES)))

docker-down:
	COMPOSE_PROFILES=postgres,qdrant $(COMPOSE) down

dev: docker-up $(BIN)
	$(RUN_ENV) $(BIN) migrate
	$(RUN_ENV) $(BIN) serve

ingest: modes $(BIN)
	@test -n "$(DIR)" || { echo "usage: make ingest DIR=/path/to/music" >&2; exit 2; }
	$(RUN_ENV) $(BIN) ingest "$(DIR)"

rebuild-index: modes $(BIN)
	$(RUN_ENV) $(BIN) rebuild-index $(ARGS)

# ---------------------------------------------------------------- run / bench
run: deps $(BIN)
	$(BIN) serve

bench: $(BIN)
	@scripts/bench.sh $(abspath $(BIN))

help:
	@sed -n '1,14p' Makefile | sed 's/^# \{0,1\}//'

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------- vibe-lane evaluation
.PHONY: bench-vibe
bench-vibe: $(BIN)
	AI_BIN=$(abspath $(BIN)) bench/vibe.sh

.PHONY: bench-api
bench-api: $(BIN)
	AI_BIN=$(abspath $(BIN)) bench/api.sh
