/* HTTP building blocks without a server: multipart parser, Range parser,
 * route table, token buckets. */
#include "http/http_int.h"
#include "http/multipart.h"
#include "http/ratelimit.h"
#include "test.h"

#include <string.h>

static ai_err_t parse(arena_t *a, const char *ct, const char *body, multipart_part_t **p,
                      size_t *n)
{
    ai_error_t e;
    return multipart_parse(a, ct, (const unsigned char *)body, strlen(body), p, n, &e);
}

TEST(http_multipart_fields_any_order_quoted_boundary)
{
    arena_t a;
    arena_init(&a, 0, 1 << 20);
    multipart_part_t *p;
    size_t n;
    const char *body = "preamble\r\n--a b\r\n"
                       "Content-Disposition: form-data; name=\"mode\"\r\n\r\n"
                       "exact\r\n--a b\r\n"
                       "content-disposition: form-data; filename=\"x;name=y.mp3\"; name=audio\r\n"
                       "Content-Type: text/plain\r\n\r\n"
                       "--a bX not a delimiter\r\n--a b--\r\n";
    REQUIRE(parse(&a, "multipart/form-data; charset=x; boundary=\"a b\"", body, &p, &n) == AI_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(p[0].name, "mode");
    CHECK(p[0].filename == NULL);
    CHECK(p[0].len == 5 && memcmp(p[0].data, "exact", 5) == 0);
    CHECK_EQ_STR(p[1].name, "audio");
    CHECK_EQ_STR(p[1].filename, "x;name=y.mp3");
    CHECK_EQ_STR(p[1].content_type, "text/plain");
    CHECK(p[1].len == strlen("--a bX not a delimiter"));
    size_t count;
    CHECK(multipart_find(p, n, "audio", &count) == &p[1] && count == 1);
    CHECK(multipart_find(p, n, "nope", &count) == NULL && count == 0);
    arena_release(&a);
}

TEST(http_multipart_rejects_malformed_bodies)
{
    arena_t a;
    arena_init(&a, 0, 1 << 20);
    multipart_part_t *p;
    size_t n;
    const char *ok_part = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n";
    CHECK(parse(&a, "application/json", "{}", &p, &n) == AI_ERR_VALIDATION_ERROR);
    CHECK(parse(&a, NULL, "", &p, &n) == AI_ERR_VALIDATION_ERROR);
    CHECK(parse(&a, "multipart/form-data", ok_part, &p, &n) == AI_ERR_VALIDATION_ERROR);
    CHECK(parse(&a, "multipart/form-data; boundary=b", "no delimiter", &p, &n) ==
          AI_ERR_VALIDATION_ERROR);
    CHECK(parse(&a, "multipart/form-data; boundary=b", ok_part, &p, &n) ==
          AI_ERR_VALIDATION_ERROR); /* never closed */
    CHECK(parse(&a, "multipart/form-data; boundary=b",
                "--b\r\nContent-Type: x\r\n\r\n1\r\n--b--", &p, &n) == AI_ERR_VALIDATION_ERROR);
    CHECK(parse(&a, "multipart/form-data; boundary=b", "--b\r\n\r\n1\r\n--b--", &p, &n) ==
          AI_ERR_VALIDATION_ERROR);
    /* too many parts */
    char big[8192] = "";
    for (int i = 0; i <= MULTIPART_MAX_PARTS; i++)
        strcat(big, ok_part);
    strcat(big, "--b--");
    CHECK(parse(&a, "multipart/form-data; boundary=b", big, &p, &n) == AI_ERR_VALIDATION_ERROR);
    /* an empty form is fine */
    REQUIRE(parse(&a, "multipart/form-data; boundary=b", "--b--\r\n", &p, &n) == AI_OK);
    CHECK_EQ_INT(n, 0);
    arena_release(&a);
}

TEST(http_range_parsing)
{
    uint64_t s, l;
    CHECK(http_parse_range("bytes=0-0", 1000, &s, &l) == 1 && s == 0 && l == 1);
    CHECK(http_parse_range("bytes=-500", 1000, &s, &l) == 1 && s == 500 && l == 500);
    CHECK(http_parse_range("bytes=-5000", 1000, &s, &l) == 1 && s == 0 && l == 1000);
    CHECK(http_parse_range("bytes=100-", 1000, &s, &l) == 1 && s == 100 && l == 900);
    CHECK(http_parse_range("bytes=990-5000", 1000, &s, &l) == 1 && s == 990 && l == 10);
    CHECK(http_parse_range("bytes=1000-", 1000, &s, &l) == -1);
    CHECK(http_parse_range("bytes=-0", 1000, &s, &l) == -1);
    CHECK(http_parse_range("bytes=0-", 0, &s, &l) == -1);
    CHECK(http_parse_range("bytes=5-1", 1000, &s, &l) == 0);
    CHECK(http_parse_range("bytes=0-1,5-6", 1000, &s, &l) == 0);
    CHECK(http_parse_range("items=0-1", 1000, &s, &l) == 0);
    CHECK(http_parse_range("bytes=abc", 1000, &s, &l) == 0);
    CHECK(http_parse_range("bytes=1-x", 1000, &s, &l) == 0);
    CHECK(http_parse_range(NULL, 1000, &s, &l) == 0);
}

TEST(http_routes_methods_and_ids)
{
    char arg[64], allow[128];
    int known;
    const http_route_t *r =
        http_route_match("GET", "/api/v1/tracks/abc/audio", arg, sizeof arg, &known, allow, 128);
    REQUIRE(r != NULL);
    CHECK_EQ_STR(r->name, "track_audio");
    CHECK_EQ_STR(arg, "abc");
    r = http_route_match("HEAD", "/api/v1/tracks/abc", arg, sizeof arg, &known, allow, 128);
    CHECK(r && strcmp(r->name, "track_get") == 0);
    r = http_route_match("DELETE", "/api/v1/tracks/abc", arg, sizeof arg, &known, allow, 128);
    CHECK(r && r->admin);
    CHECK(http_route_match("PUT", "/api/v1/tracks/abc", arg, sizeof arg, &known, allow, 128) ==
          NULL);
    CHECK(known);
    CHECK(strstr(allow, "GET") && strstr(allow, "DELETE"));
    CHECK(http_route_match("GET", "/api/v1/nope", arg, sizeof arg, &known, allow, 128) == NULL);
    CHECK(!known);
    r = http_route_match("GET", "/app.js", arg, sizeof arg, &known, allow, 128);
    CHECK(r && strcmp(r->name, "static") == 0);
    CHECK(http_route_match("POST", "/health", arg, sizeof arg, &known, allow, 128) == NULL);
    CHECK(known);
    CHECK_EQ_STR(allow, "GET, HEAD, OPTIONS");
}

TEST(http_ratelimit_buckets_refill_and_stay_bounded)
{
    ratelimit_t *r = ratelimit_create(3);
    REQUIRE(r != NULL);
    int retry;
    for (int i = 0; i < 3; i++)
        CHECK(ratelimit_take(r, "10.0.0.1", 100.0, &retry));
    CHECK(!ratelimit_take(r, "10.0.0.1", 100.0, &retry));
    CHECK_EQ_INT(retry, 20); /* one token per 20 s */
    CHECK(ratelimit_take(r, "10.0.0.2", 100.0, &retry)); /* others are separate */
    CHECK(ratelimit_take(r, "10.0.0.1", 120.5, &retry)); /* refilled */
    /* many clients: memory stays fixed and the table keeps working */
    char ip[32];
    for (int i = 0; i < 3 * RATELIMIT_SLOTS; i++) {
        snprintf(ip, sizeof ip, "192.168.%d.%d", i / 256, i % 256);
        CHECK(ratelimit_take(r, ip, 200.0, &retry));
    }
    ratelimit_destroy(r);
    ratelimit_t *off = ratelimit_create(0);
    for (int i = 0; i < 1000; i++)
        CHECK(ratelimit_take(off, "x", 0, &retry));
    ratelimit_destroy(off);
    ratelimit_destroy(NULL);
}
