/* The unit-test runner: see test.h. */
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 2048

typedef struct {
    const char *name;
    const char *file;
    test_fn fn;
} test_entry_t;

/* Registration happens in constructors before main; the runner is single-threaded. */
static test_entry_t tests[MAX_TESTS];
static size_t ntests;
static int cur_failed, cur_skipped;
static char cur_tmp[512];
static char path_ring[8][1024];
static unsigned path_slot;

void test_register(const char *name, const char *file, test_fn fn)
{
    if (ntests < MAX_TESTS)
        tests[ntests++] = (test_entry_t){name, file, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "    %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cur_failed++;
}

void test_skip(const char *why)
{
    fprintf(stderr, "    skipped: %s\n", why);
    cur_skipped = 1;
}

const char *test_tmpdir(void)
{
    if (!cur_tmp[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(cur_tmp, sizeof cur_tmp, "%s/ai-test-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(cur_tmp)) {
            perror("mkdtemp");
            cur_tmp[0] = '\0';
            return "/nonexistent";
        }
    }
    return cur_tmp;
}

const char *test_path(const char *name)
{
    char *p = path_ring[path_slot++ % 8];
    snprintf(p, sizeof path_ring[0], "%s/%s", test_tmpdir(), name);
    return p;
}

int test_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

unsigned char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        unsigned char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (len)
            *len = n;
    }
    return buf;
}

float *test_read_f32(const char *path, size_t *n)
{
    size_t len = 0;
    unsigned char *b = test_read_file(path, &len);
    if (!b)
        return NULL;
    *n = len / sizeof(float);
    float *x = malloc(*n * sizeof *x + 1);
    if (x)
        memcpy(x, b, *n * sizeof *x);
    free(b);
    return x;
}

const char *test_bin(void)
{
    const char *b = getenv("AI_BIN");
    return b && *b ? b : NULL;
}

int test_have(const char *prog)
{
    return test_sh("command -v '%s' >/dev/null 2>&1", prog) == 0;
}

static void rm_rf(const char *path)
{
    if (path[0])
        test_sh("rm -rf '%s'", path);
}

static int selected(const test_entry_t *t, int argc, char **argv)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(t->name, argv[i]) || strstr(t->file, argv[i]))
            return 1;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < ntests; i++) {
        test_entry_t *t = &tests[i];
        if (!selected(t, argc, argv))
            continue;
        cur_failed = 0;
        cur_skipped = 0;
        cur_tmp[0] = '\0';
        double t0 = now_s();
        t->fn();
        double dt = now_s() - t0;
        const char *verdict = cur_failed ? "FAIL" : cur_skipped ? "SKIP" : "ok";
        printf("%-4s %s (%.2fs)\n", verdict, t->name, dt);
        if (cur_failed) {
            failed++;
            if (cur_tmp[0])
                fprintf(stderr, "    kept %s\n", cur_tmp);
        } else {
            cur_skipped ? skipped++ : passed++;
            rm_rf(cur_tmp);
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
