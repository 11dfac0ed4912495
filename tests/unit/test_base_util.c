#include "test.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/fsutil.h"
#include "base/progress.h"
#include "base/sha256.h"
#include "base/strbuf.h"
#include "base/uuid.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

TEST(strbuf_append_printf_and_cap)
{
    strbuf_t sb;
    strbuf_init(&sb, 16);
    CHECK_EQ_STR(strbuf_cstr(&sb), "");
    strbuf_append(&sb, "hello");
    strbuf_printf(&sb, " %d", 42);
    CHECK_EQ_STR(strbuf_cstr(&sb), "hello 42");
    CHECK(!sb.overflow);
    strbuf_append(&sb, "0123456789"); /* 18 > cap 16 */
    CHECK(sb.overflow);
    CHECK_EQ_STR(strbuf_cstr(&sb), "hello 42");
    strbuf_append(&sb, "x"); /* ignored after overflow */
    CHECK_EQ_INT(sb.len, 8);
    strbuf_reset(&sb);
    CHECK(!sb.overflow);
    strbuf_append(&sb, "ok");
    size_t n;
    char *s = strbuf_detach(&sb, &n);
    CHECK_EQ_STR(s, "ok");
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(sb.cap, 16);
    free(s);
    strbuf_release(&sb);
}

TEST(strbuf_json_string_escapes_and_repairs_utf8)
{
    strbuf_t sb;
    strbuf_init(&sb, 1024);
    strbuf_json_string(&sb, "a\"b\\c\n\t\x01 é");
    CHECK_EQ_STR(strbuf_cstr(&sb), "\"a\\\"b\\\\c\\n\\t\\u0001 é\"");
    strbuf_reset(&sb);
    strbuf_json_string(&sb, "bad\xff\xc3(");
    CHECK_EQ_STR(strbuf_cstr(&sb), "\"bad\xEF\xBF\xBD\xEF\xBF\xBD(\"");
    strbuf_reset(&sb);
    strbuf_json_string(&sb, "\xed\xa0\x80"); /* UTF-16 surrogate encoded in UTF-8: invalid */
    CHECK_EQ_STR(strbuf_cstr(&sb), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    strbuf_reset(&sb);
    strbuf_json_string(&sb, NULL);
    CHECK_EQ_STR(strbuf_cstr(&sb), "null");
    strbuf_release(&sb);
}

TEST(arena_alloc_align_cap_realloc)
{
    arena_t a;
    arena_init(&a, 128, 1024);
    char *p = arena_alloc(&a, 3);
    REQUIRE(p);
    CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
    char *q = arena_alloc(&a, 5);
    REQUIRE(q);
    CHECK(((uintptr_t)q % _Alignof(max_align_t)) == 0);
    CHECK(q != p);
    char *s = arena_sprintf(&a, "%s-%d", "x", 7);
    CHECK_EQ_STR(s, "x-7");
    char *big = arena_alloc(&a, 600); /* larger than a block, under the cap */
    REQUIRE(big);
    memset(big, 1, 600);
    CHECK(arena_alloc(&a, 2000) == NULL); /* over the cap */
    CHECK(arena_alloc(&a, 8) != NULL);    /* still usable */
    char *r = arena_strdup(&a, "abc");
    char *r2 = arena_realloc(&a, r, 4, 64);
    REQUIRE(r2);
    CHECK_EQ_STR(r2, "abc");
    int *z = arena_calloc(&a, 4, sizeof(int));
    REQUIRE(z);
    CHECK(z[0] == 0 && z[3] == 0);
    CHECK(arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
    arena_release(&a);
    arena_release(&a); /* twice is fine */
}

TEST(uuid_v4_format_and_validation)
{
    char a[UUID_STR_LEN], b[UUID_STR_LEN];
    REQUIRE(uuid_v4(a) == AI_OK);
    REQUIRE(uuid_v4(b) == AI_OK);
    CHECK(uuid_valid(a));
    CHECK(strcmp(a, b) != 0);
    CHECK_EQ_INT(a[14], '4');
    CHECK(strchr("89ab", a[19]) != NULL);
    CHECK(uuid_valid("6F1C0000-0000-4000-8000-000000000000"));
    CHECK(!uuid_valid("6f1c0000-0000-4000-8000-00000000000"));
    CHECK(!uuid_valid("6f1c0000x0000-4000-8000-000000000000"));
    CHECK(!uuid_valid("zf1c0000-0000-4000-8000-000000000000"));
    CHECK(!uuid_valid(""));
    CHECK(!uuid_valid(NULL));
    char n1[UUID_STR_LEN], n2[UUID_STR_LEN], n3[UUID_STR_LEN];
    REQUIRE(uuid_from_name("track", "abc:1", 5, n1) == AI_OK);
    REQUIRE(uuid_from_name("track", "abc:1", 5, n2) == AI_OK);
    REQUIRE(uuid_from_name("track", "abc:2", 5, n3) == AI_OK);
    CHECK_EQ_STR(n1, n2);
    CHECK(strcmp(n1, n3) != 0);
    CHECK(uuid_valid(n1));
    CHECK_EQ_INT(n1[14], '5');
}

TEST(sha256_known_vectors)
{
    char hex[SHA256_HEX_LEN];
    REQUIRE(sha256_hex("abc", 3, hex) == AI_OK);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    REQUIRE(sha256_hex("", 0, hex) == AI_OK);
    CHECK_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *p = test_path("f.bin");
    REQUIRE(fs_write_atomic(p, "abc", 3, NULL) == AI_OK);
    REQUIRE(sha256_file_hex(p, hex) == AI_OK);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ_INT(sha256_file_hex(test_path("missing"), hex), AI_ERR_FILE_NOT_FOUND);
}

TEST(fsutil_atomic_write_read_and_caps)
{
    ai_error_t err;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/a/b/c", test_tmpdir());
    REQUIRE(fs_mkdir_p(dir, &err) == AI_OK);
    CHECK(fs_is_dir(dir));
    CHECK(fs_mkdir_p(dir, &err) == AI_OK); /* idempotent */
    char file[1100];
    snprintf(file, sizeof file, "%s/x.txt", dir);
    REQUIRE(fs_write_atomic(file, "one", 3, &err) == AI_OK);
    REQUIRE(fs_write_atomic(file, "two!", 4, &err) == AI_OK);
    unsigned char *buf;
    size_t len;
    REQUIRE(fs_read_file(file, 0, &buf, &len, &err) == AI_OK);
    CHECK_EQ_INT(len, 4);
    CHECK_EQ_STR((char *)buf, "two!");
    free(buf);
    CHECK_EQ_INT(fs_read_file(file, 3, &buf, &len, &err), AI_ERR_FILE_TOO_LARGE);
    CHECK(buf == NULL);
    CHECK_EQ_INT(fs_read_file(dir, 0, &buf, &len, &err), AI_ERR_FILE_NOT_FOUND);
    CHECK_EQ_INT(fs_read_file(test_path("nope"), 0, &buf, &len, &err), AI_ERR_FILE_NOT_FOUND);
    /* no temp files are left behind */
    CHECK_EQ_INT(test_sh("test $(ls '%s' | wc -l) -eq 1", dir), 0);
    /* a regular file in the way of mkdir -p is an error */
    char under[1200];
    snprintf(under, sizeof under, "%s/sub", file);
    CHECK_EQ_INT(fs_mkdir_p(under, &err), AI_ERR_INTERNAL_ERROR);
}

TEST(clock_deadlines_and_dates)
{
    CHECK(!deadline_passed(0));
    CHECK(!deadline_passed(deadline_in(10)));
    deadline_t d = deadline_in(0.001);
    while (!deadline_passed(d))
        ;
    CHECK(deadline_passed(d));
    CHECK_EQ_INT(deadline_in(0), 0);
    CHECK_EQ_INT(deadline_in(-1), 0);
    char buf[64];
    CHECK_EQ_STR(clock_rfc3339(1771063200, buf, sizeof buf), "2026-02-14T10:00:00Z");
    CHECK_EQ_STR(clock_http_date(784111777, buf, sizeof buf), "Sun, 06 Nov 1994 08:49:37 GMT");
    clock_rfc3339_now(buf, sizeof buf, 1);
    CHECK_EQ_INT(strlen(buf), 24);
}

TEST(progress_line_has_rate_and_eta)
{
    progress_t p;
    FILE *f = fopen(test_path("progress.txt"), "w");
    REQUIRE(f);
    progress_init(&p, f, "ingest", 10, 0);
    CHECK(!p.enabled); /* a file is not a tty */
    progress_add(&p, 5, 1800.0);
    char line[256];
    progress_format(&p, p.start_ns + 10000000000ull, line, sizeof line); /* 10 s later */
    CHECK(strstr(line, "5/10") != NULL);
    CHECK(strstr(line, "0.50 h audio") != NULL);
    CHECK(strstr(line, "180x real time") != NULL);
    CHECK(strstr(line, "ETA 00:10") != NULL);
    progress_finish(&p);
    fclose(f);
    size_t len = 99;
    unsigned char *out = test_read_file(test_path("progress.txt"), &len);
    CHECK_EQ_INT(len, 0); /* silent when not a tty */
    free(out);
}
