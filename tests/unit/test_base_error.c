#include "test.h"
#include "base/error.h"

TEST(error_table_matches_api_contract)
{
    /* The codes and statuses of shared/API.md's error table. */
    static const struct {
        const char *name;
        int status;
    } api[] = {
        {"VALIDATION_ERROR", 400}, {"FILE_TOO_LARGE", 400},      {"UNSUPPORTED_FORMAT", 400},
        {"AUDIO_TOO_SHORT", 400},  {"AUDIO_TOO_LONG", 400},      {"DIRECTORY_NOT_FOUND", 400},
        {"UNAUTHORIZED", 401},     {"NOT_FOUND", 404},           {"FILE_NOT_FOUND", 404},
        {"METHOD_NOT_ALLOWED", 405}, {"PAYLOAD_TOO_LARGE", 413}, {"RANGE_NOT_SATISFIABLE", 416},
        {"RATE_LIMITED", 429},
        {"INTERNAL_ERROR", 500},   {"SERVICE_UNAVAILABLE", 503}, {"SEARCH_TIMEOUT", 504},
        {"TRACK_TOO_SHORT", 400},  {"INGEST_IN_PROGRESS", 409},  {"STORAGE_FULL", 507},
    };
    CHECK_EQ_INT(AI_ERR__COUNT - 1, sizeof api / sizeof api[0]);
    for (size_t i = 0; i < sizeof api / sizeof api[0]; i++) {
        ai_err_t c = ai_err_from_name(api[i].name);
        REQUIRE(c != AI_ERR__COUNT);
        CHECK_EQ_STR(ai_err_name(c), api[i].name);
        CHECK_EQ_INT(ai_err_http_status(c), api[i].status);
        CHECK(ai_err_default_message(c)[0] != '\0');
    }
    CHECK_EQ_STR(ai_err_name((ai_err_t)999), "INTERNAL_ERROR");
    CHECK_EQ_INT(ai_err_http_status((ai_err_t)-1), 500);
}

TEST(error_set_details_prefix)
{
    ai_error_t e;
    ai_error_clear(&e);
    CHECK_EQ_INT(ai_error_set(&e, AI_ERR_AUDIO_TOO_SHORT, "clip is %.1f s", 2.1), AI_ERR_AUDIO_TOO_SHORT);
    CHECK_EQ_STR(e.message, "clip is 2.1 s");
    ai_error_details(&e, "{\"audio_duration_seconds\":%.1f}", 2.1);
    CHECK_EQ_STR(e.details, "{\"audio_duration_seconds\":2.1}");
    ai_error_prefix(&e, "search");
    CHECK_EQ_STR(e.message, "search: clip is 2.1 s");
    ai_error_set(&e, AI_ERR_NOT_FOUND, NULL);
    CHECK_EQ_STR(e.message, "Not found");
    CHECK_EQ_STR(e.details, "");
    /* NULL error pointers are allowed everywhere. */
    CHECK_EQ_INT(ai_error_set(NULL, AI_ERR_NOT_FOUND, "x"), AI_ERR_NOT_FOUND);
    ai_error_details(NULL, "{}");
    ai_error_prefix(NULL, "p");
}
