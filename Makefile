# audio-ident build. `make help` lists the targets.
#
#   make                release build (-O2) -> build/release/audio-ident
#   make DEBUG=1        debug build (-O0 -g)  -> build/debug/audio-ident
#   make test           install missing deps (Debian), build, run all tests
#   make check          all tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make lint           cppcheck + clang-tidy
#   make format         clang-format every source file in place
#   make fuzz           build the libFuzzer harnesses with clang, run each FUZZ_SECONDS
#   make bench          benchmarks (tables + JSON)
#   make run            install deps, build, serve on embedded defaults
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

.PHONY: all bin test check lint format fuzz bench run deps help clean \
        test-unit test-postgres
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

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- dependencies
# Installs the Debian packages the build and the tests need when one is missing.
deps:
	@scripts/install-deps.sh

# ---------------------------------------------------------------- tests
# `make test` is the README's test command: deps, build, unit tests, then the
# API/web suites that later modules add under tests/.
test: deps
	@$(MAKE) --no-print-directory test-unit
	@scripts/run-suites.sh $(OUT)

test-unit: $(BIN) $(TEST_BIN)
	AI_BIN=$(abspath $(BIN)) $(TEST_BIN) $(T)

check:
	@$(MAKE) --no-print-directory SANITIZE=address,undefined test-unit

test-postgres: $(BIN) $(TEST_BIN)
	@scripts/with-postgres.sh $(MAKE) --no-print-directory test-unit T=$(or $(T),meta)

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
FUZZ_CFLAGS := -std=c17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined $(filter-out -Wno-format-truncation,$(WARN)) -pthread $(PKG_CFLAGS)

$(FUZZ_OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) $(LDLIBS) -pthread -o $@

.SECONDARY: $(FUZZ_LIB_OBJS)
fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	  name=$$(basename $$f); mkdir -p $(FUZZ_OUT)/corpus/$$name; \
	  seeds=tests/fuzz/seeds/$${name#fuzz_}; \
	  echo "== $$name ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_OUT)/corpus/$$name \
	     $$( [ -d $$seeds ] && echo $$seeds ) 2>&1 | grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY' || exit 1; \
	done

# ---------------------------------------------------------------- run / bench
run: deps $(BIN)
	$(BIN) serve

bench: $(BIN)
	@scripts/bench.sh $(abspath $(BIN))

help:
	@sed -n '1,13p' Makefile | sed 's/^# \{0,1\}//'

clean:
	rm -rf $(BUILD)
