/* The strict request-text parsers of src/http/fields.c. */
#include "http/fields.h"
#include "http/http_int.h"
#include "test.h"

#include <stdint.h>
#include <string.h>

TEST(http_field_int_is_strict)
{
    long v = 0;
    CHECK(http_field_int("5", 1, 1, 50, &v) && v == 5);
    CHECK(http_field_int("050", 3, 1, 50, &v) && v == 50);
    static const char *const bad[] = {" 5", "5 ", "+5", "-5", "0x5", "", "51", "0", "5.0",
                                      "9999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_field_int(bad[i], strlen(bad[i]), 1, 50, &v))
            test_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
    CHECK(!http_field_int("10\0", 3, 1, 50, &v)); /* a NUL inside the field */
    CHECK(!http_field_int(NULL, 0, 1, 50, &v));
}

TEST(http_field_is_and_text_ok)
{
    CHECK(http_field_is("exact", 5, "exact"));
    CHECK(!http_field_is("exact\0", 6, "exact"));
    CHECK(!http_field_is("exac", 4, "exact"));
    CHECK(!http_field_is("Exact", 5, "exact"));
    CHECK(http_field_text_ok("Caf\xc3\xa9\tNoir", 10, HTTP_TAG_MAX_BYTES));
    CHECK(!http_field_text_ok("a\0b", 3, HTTP_TAG_MAX_BYTES));
    CHECK(!http_field_text_ok("a\nb", 3, HTTP_TAG_MAX_BYTES));
    char big[HTTP_TAG_MAX_BYTES + 1];
    memset(big, 'a', sizeof big);
    CHECK(http_field_text_ok(big, HTTP_TAG_MAX_BYTES, HTTP_TAG_MAX_BYTES));
    CHECK(!http_field_text_ok(big, HTTP_TAG_MAX_BYTES + 1, HTTP_TAG_MAX_BYTES));
}

TEST(http_content_length_parse)
{
    uint64_t n = 0;
    CHECK(http_parse_content_length("0", &n) && n == 0);
    CHECK(http_parse_content_length("18446744073709551615", &n) && n == UINT64_MAX);
    CHECK(!http_parse_content_length("18446744073709551616", &n));
    CHECK(!http_parse_content_length("abc", &n));
    CHECK(!http_parse_content_length("", &n));
    CHECK(!http_parse_content_length(" 5", &n));
    CHECK(!http_parse_content_length("-1", &n));
}

TEST(http_etag_lists_and_if_range)
{
    const char *tag = "\"abc\"";
    CHECK(http_etag_list_matches("\"abc\"", tag));
    CHECK(http_etag_list_matches("W/\"abc\"", tag));
    CHECK(http_etag_list_matches("\"x\", \"abc\"", tag));
    CHECK(http_etag_list_matches(" * ", tag));
    CHECK(!http_etag_list_matches("\"abcd\"", tag)); /* no substring match */
    CHECK(!http_etag_list_matches("x\"abc\"", tag));
    CHECK(!http_etag_list_matches("\"ab", tag));
    CHECK(!http_etag_list_matches("", tag));
    CHECK(!http_etag_list_matches(NULL, tag));
    CHECK(!http_etag_list_matches("*, \"abc\"", tag));
    CHECK(http_if_range_matches("\"abc\"", tag));
    CHECK(!http_if_range_matches("W/\"abc\"", tag));
    CHECK(!http_if_range_matches("Sat, 28 Nov 2026 06:00:00 GMT", tag));
}

TEST(http_cors_match_list)
{
    CHECK(http_cors_match("https://a.example, https://b.example", "https://b.example") != NULL);
    CHECK(http_cors_match("https://a.example", "https://a.example.evil") == NULL);
    CHECK(http_cors_match("https://a.example", "https://a.exampl") == NULL);
    CHECK(http_cors_match(" * ", "http://x") != NULL);
    CHECK(http_cors_match("", "http://x") == NULL);
    CHECK(http_cors_match("https://a.example", NULL) == NULL);
    CHECK(http_cors_match("https://a.example,", "") == NULL);
}

TEST(http_ingest_json_dir_parse)
{
    char dir[64];
    ai_error_t e;
#define J(s) (const unsigned char *)(s), strlen(s)
    CHECK(http_ingest_json_dir(J("{\"directory\":\"more\"}"), 1024, dir, sizeof dir, &e) == AI_OK);
    CHECK_EQ_STR(dir, "more");
    CHECK(http_ingest_json_dir(J("{\"directory\":\"a\\u0000b\"}"), 1024, dir, sizeof dir, &e) ==
          AI_ERR_VALIDATION_ERROR);
    CHECK(http_ingest_json_dir(J("{\"directory\":\"\"}"), 1024, dir, sizeof dir, &e) ==
          AI_ERR_VALIDATION_ERROR);
    CHECK(http_ingest_json_dir(J("[\"directory\"]"), 1024, dir, sizeof dir, &e) ==
          AI_ERR_VALIDATION_ERROR);
    CHECK(http_ingest_json_dir(J("{\"directory\":5}"), 1024, dir, sizeof dir, &e) ==
          AI_ERR_VALIDATION_ERROR);
    CHECK(http_ingest_json_dir(J("{\"directory\":\"more\"}"), 4, dir, sizeof dir, &e) ==
          AI_ERR_VALIDATION_ERROR); /* body over the cap */
    CHECK(http_ingest_json_dir(J("{\"directory\":\"more\"}"), 1024, dir, 4, &e) ==
          AI_ERR_VALIDATION_ERROR); /* does not fit */
    CHECK_EQ_STR(e.details, "{\"field\":\"directory\"}");
#undef J
}

TEST(http_client_message_hides_store_internals)
{
    const char *id = "6f1c0d7e-2b4a-4c1e-9f00-0123456789ab";
    char out[AI_ERROR_MSG_MAX];
    ai_error_t e;
    ai_error_set(&e, AI_ERR_SERVICE_UNAVAILABLE,
                 "cannot reach PostgreSQL at postgresql://user@db.internal:5432/x: refused");
    CHECK(http_client_message(&e, 0, id, out, sizeof out) == 1);
    CHECK(strstr(out, "db.internal") == NULL);
    CHECK(strstr(out, id) != NULL);
    CHECK(strstr(out, "Service unavailable") != NULL);
    ai_error_set(&e, AI_ERR_INTERNAL_ERROR, "open /srv/data/x.mdb: EIO");
    CHECK(http_client_message(&e, 0, id, out, sizeof out) == 1);
    CHECK(strstr(out, "/srv") == NULL);
    CHECK(http_client_message(&e, 1, id, out, sizeof out) == 0); /* written by the HTTP layer */
    ai_error_set(&e, AI_ERR_VALIDATION_ERROR, "max_results must be an integer");
    CHECK(http_client_message(&e, 0, id, out, sizeof out) == 0);
    CHECK_EQ_STR(out, "max_results must be an integer");
    ai_error_clear(&e);
    CHECK(http_client_message(&e, 0, id, out, sizeof out) == 1); /* AI_OK as an error: a 500 */
}
