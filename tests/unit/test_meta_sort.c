/* The tracks list's order and exact filters (meta_tracks_list sort / dir /
 * artist / album) on SQLite, and on PostgreSQL when AI_TEST_DATABASE_URL is
 * set (make test-postgres). */
#include "test.h"

#include "meta/meta.h"

#include <stdlib.h>

static const char *sort_url(int pg)
{
    static char url[2048];
    if (!pg) {
        snprintf(url, sizeof url, "sqlite:///%s", test_path("sort/meta.db"));
        return url;
    }
    const char *u = getenv("AI_TEST_DATABASE_URL");
    if (!u || !u[0] ||
        test_sh("psql -X -q '%s' -c 'DROP TABLE IF EXISTS tracks, schema_migrations' "
                ">/dev/null 2>&1",
                u) != 0)
        return NULL;
    snprintf(url, sizeof url, "%s", u);
    return url;
}

/* title, artist, album, duration; "" = NULL */
static const char *const rows[][3] = {
    {"banana", "The Band", "Fruit"}, {"Apple", "the band", "fruit"}, {"", "Solo", "Fruit"},
    {"cherry", "", "Stones"},        {"apple", "Other", ""},
};
static const double durations[] = {200, 100, 300, 50, 100};

/* The titles of one whole ordering, page by page (pages of 2), joined by
 * "|" with "-" for a missing title. */
static void order_of(meta_t *m, meta_list_opts_t o, char *out, size_t cap, long long *total)
{
    out[0] = '\0';
    o.page_size = 2;
    o.ready_only = 1;
    for (o.page = 1; o.page <= 4; o.page++) {
        meta_track_t *t = NULL;
        size_t n = 0;
        ai_error_t err;
        REQUIRE(meta_tracks_list(m, &o, &t, &n, total, &err) == AI_OK);
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(out);
            snprintf(out + len, cap - len, "%s%s", len ? "|" : "", t[i].title[0] ? t[i].title : "-");
        }
        meta_tracks_free(t, n);
    }
}

static void body_sort(int pg)
{
    const char *url = sort_url(pg);
    if (!url)
        SKIP("AI_TEST_DATABASE_URL not set (run `make test-postgres`)");
    meta_t *m = NULL;
    ai_error_t err;
    REQUIRE(meta_open(url, 2, &m, &err) == AI_OK);
    REQUIRE(meta_migrate(m, NULL, &err) == AI_OK);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        meta_track_t t;
        meta_track_init(&t);
        snprintf(t.title, sizeof t.title, "%s", rows[i][0]);
        snprintf(t.artist, sizeof t.artist, "%s", rows[i][1]);
        snprintf(t.album, sizeof t.album, "%s", rows[i][2]);
        t.duration_seconds = durations[i];
        snprintf(t.format, sizeof t.format, "wav");
        snprintf(t.file_hash_sha256, sizeof t.file_hash_sha256, "%064zx", i + 1);
        int dup = 0;
        REQUIRE(meta_track_insert_pending(m, &t, &dup, &err) == AI_OK);
        REQUIRE(meta_track_set_ready(m, t.id, NULL, &err) == AI_OK);
        meta_track_release(&t);
    }
    char got[512];
    long long total = 0;
    meta_list_opts_t o = {.sort = META_SORT_TITLE};
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_INT(total, 5);
    /* case-insensitive; equal keys keep ingestion order; no title comes last */
    CHECK_EQ_STR(got, "Apple|apple|banana|cherry|-");
    o.dir = META_DIR_DESC;
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_STR(got, "cherry|banana|apple|Apple|-");
    o = (meta_list_opts_t){.sort = META_SORT_DURATION, .dir = META_DIR_DESC};
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_STR(got, "-|banana|apple|Apple|cherry");
    o = (meta_list_opts_t){.sort = META_SORT_INGESTED_AT};
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_STR(got, "apple|cherry|-|Apple|banana"); /* default: newest first */
    o.dir = META_DIR_ASC;
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_STR(got, "banana|Apple|-|cherry|apple");
    o = (meta_list_opts_t){.sort = META_SORT_ARTIST};
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_STR(got, "apple|-|banana|Apple|cherry"); /* Other, Solo, The Band ×2, none */

    o = (meta_list_opts_t){.sort = META_SORT_TITLE, .artist = "THE BAND"};
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_STR(got, "Apple|banana");
    CHECK_EQ_INT(total, 2);
    o.album = "fruit";
    o.search = "NANA";
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_STR(got, "banana");
    CHECK_EQ_INT(total, 1);
    o = (meta_list_opts_t){.album = "Fru"}; /* whole value only */
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_INT(total, 0);
    o = (meta_list_opts_t){.album = "%"};
    order_of(m, o, got, sizeof got, &total);
    CHECK_EQ_INT(total, 0);

    meta_track_t *t = NULL;
    size_t n = 0;
    o = (meta_list_opts_t){.page = 1, .page_size = 10, .sort = (meta_sort_t)9};
    CHECK(meta_tracks_list(m, &o, &t, &n, &total, &err) == AI_ERR_VALIDATION_ERROR);
    o = (meta_list_opts_t){.page = 1, .page_size = 10, .dir = (meta_dir_t)7};
    CHECK(meta_tracks_list(m, &o, &t, &n, &total, &err) == AI_ERR_VALIDATION_ERROR);
    char longv[META_SEARCH_MAX + 2];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    o = (meta_list_opts_t){.page = 1, .page_size = 10, .artist = longv};
    CHECK(meta_tracks_list(m, &o, &t, &n, &total, &err) == AI_ERR_VALIDATION_ERROR);
    meta_close(m);
}

TEST(meta_sqlite_sort_filter)
{
    body_sort(0);
}

TEST(meta_pg_sort_filter)
{
    body_sort(1);
}

TEST(meta_sort_parse_names)
{
    CHECK_EQ_INT(meta_sort_parse("title"), META_SORT_TITLE);
    CHECK_EQ_INT(meta_sort_parse("artist"), META_SORT_ARTIST);
    CHECK_EQ_INT(meta_sort_parse("album"), META_SORT_ALBUM);
    CHECK_EQ_INT(meta_sort_parse("duration"), META_SORT_DURATION);
    CHECK_EQ_INT(meta_sort_parse("ingested_at"), META_SORT_INGESTED_AT);
    CHECK_EQ_INT(meta_sort_parse("Title"), -1);
    CHECK_EQ_INT(meta_sort_parse(""), -1);
    CHECK_EQ_INT(meta_sort_parse(NULL), -1);
}
