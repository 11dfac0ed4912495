/*
 * test.h — the unit-test runner of audio-ident.
 *
 * A test file defines tests with TEST(name) { ... }; they register
 * themselves at load time, so adding tests/unit/test_foo.c is all it takes.
 * The runner (runner.c) runs every test whose name contains one of the
 * command-line arguments (all tests when there are none) and ends with the
 * line "N passed, N failed".
 *
 *   CHECK(cond)    records a failure and continues
 *   REQUIRE(cond)  records a failure and returns from the test
 *   CHECK_EQ_INT / CHECK_EQ_STR / CHECK_NEAR  print both values on failure
 *   SKIP("why")    marks the test skipped and returns (missing tool, no DB)
 *
 * Helpers: test_tmpdir() is a fresh directory per test (removed after it
 * passes); test_sh() runs a shell command and returns its exit status;
 * test_read_file() slurps a file (caller frees).
 */
#ifndef AI_TEST_H
#define AI_TEST_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <math.h>

typedef void (*test_fn)(void);
void test_register(const char *name, const char *file, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void test_skip(const char *why);

/* A per-test temporary directory (created on first call within a test). */
const char *test_tmpdir(void);
/* Returns the path tmpdir/name in a static per-test buffer ring (8 slots). */
const char *test_path(const char *name);
/* Runs `sh -c` on the formatted command; returns the exit status (-1 on error). */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads a whole file; returns malloc'd buffer (NUL-terminated) or NULL. */
unsigned char *test_read_file(const char *path, size_t *len);
/* A raw float32 file as *n samples (caller frees); NULL when unreadable. */
float *test_read_f32(const char *path, size_t *n);
/* Path of the built audio-ident binary (env AI_BIN), or NULL. */
const char *test_bin(void);
/* Returns 1 if a program is on PATH. */
int test_have(const char *prog);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void test_reg_##name(void)                                 \
    {                                                                                              \
        test_register(#name, __FILE__, test_##name);                                               \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                     \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);               \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                    \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                     \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b);                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            test_fail(__FILE__, __LINE__, "%s ~= %s: %g vs %g (tol %g)", #a, #b, a_, b_,           \
                      (double)(tol));                                                              \
    } while (0)

#define SKIP(why)                                                                                  \
    do {                                                                                           \
        test_skip(why);                                                                            \
        return;                                                                                    \
    } while (0)

#endif
