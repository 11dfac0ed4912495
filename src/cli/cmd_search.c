/* `audio-ident search FILE`: the same search as POST /api/v1/search. */
#include "base/clock.h"
#include "base/fsutil.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "library/library.h"
#include "search/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_offset(double s)
{
    printf("%d:%04.1f", (int)s / 60, s - 60 * (int)(s / 60));
}

/* The verdict line first, in the words a person reads, then the details. */
static void print_verdict(const search_result_t *res)
{
    const search_exact_match_t *e = res->nexact ? &res->exact[0] : NULL;
    switch (res->verdict) {
    case SEARCH_VERDICT_IDENTIFIED:
    case SEARCH_VERDICT_POSSIBLE:
        if (!e)
            break; /* both verdicts come with an exact match */
        printf("%s: %s - %s at ",
               res->verdict == SEARCH_VERDICT_IDENTIFIED ? "IDENTIFIED" : "POSSIBLE",
               e->track.title[0] ? e->track.title : "(untitled)",
               e->track.artist[0] ? e->track.artist : "(unknown artist)");
        print_offset(e->offset_seconds);
        printf(" (confidence %.2f)\n", e->confidence);
        break;
    case SEARCH_VERDICT_SIMILAR:
        printf("SIMILAR: not identified; %zu track%s in the library sound alike\n", res->nvibe,
               res->nvibe == 1 ? "" : "s");
        break;
    case SEARCH_VERDICT_SILENT:
        printf("SILENT: nothing heard (level %.1f dBFS, %.0f %% active); nothing was searched\n",
               res->clip.rms_dbfs, 100 * res->clip.active_ratio);
        break;
    case SEARCH_VERDICT_NOT_FOUND:
        printf("NOT FOUND: not in the library\n");
        break;
    }
}

static void print_human(const search_result_t *res)
{
    print_verdict(res);
    printf("clip: %.1f s, level %.1f dBFS, %.0f %% active\n", res->clip.duration_seconds,
           res->clip.rms_dbfs, 100 * res->clip.active_ratio);
    for (size_t i = 0; i < res->nexact; i++) {
        const search_exact_match_t *e = &res->exact[i];
        printf("exact  %-30s %-20s at ", e->track.title, e->track.artist);
        print_offset(e->offset_seconds);
        printf("  confidence %.2f  aligned %u  id %s\n", e->confidence, e->aligned_hashes,
               e->track.id);
    }
    for (size_t i = 0; i < res->nvibe; i++) {
        const search_vibe_match_t *v = &res->vibe[i];
        printf("alike  %-30s %-20s score %.2f (%s resemblance)  similarity %.2f  id %s\n",
               v->track.title, v->track.artist, v->score, v->score >= 0.99 ? "strong" : "some",
               v->similarity, v->track.id);
    }
    if (res->vibe_status.code != AI_OK)
        printf("vibe lane error: %s\n", res->vibe_status.message);
    if (res->exact_status.code != AI_OK)
        printf("exact lane error: %s\n", res->exact_status.message);
    printf("(%.1f ms)\n", res->query_ms);
}

int cli_search(const config_t *cfg, int argc, char **argv)
{
    search_opts_t o = {.mode = SEARCH_MODE_BOTH, .max_results = 10, .started_ms = 0};
    int json = 0;
    const char *path = NULL;
    for (int i = 1; i < argc && argv[i]; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--mode") == 0 && v && search_mode_parse(v) >= 0) {
            o.mode = (search_mode_t)search_mode_parse(argv[++i]);
        } else if (strcmp(argv[i], "--max-results") == 0 && v) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > SEARCH_MAX_RESULTS) {
                fprintf(stderr, "audio-ident search: --max-results must be 1..%d\n",
                        SEARCH_MAX_RESULTS);
                return 2;
            }
            o.max_results = (size_t)n;
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            fprintf(stderr, "usage: audio-ident search [--mode exact|vibe|both] "
                            "[--max-results N] [--json] FILE\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: audio-ident search [--mode exact|vibe|both] [--max-results N] "
                        "[--json] FILE\n");
        return 2;
    }
    o.started_ms = clock_now_ms();
    ai_error_t err;
    unsigned char *buf = NULL;
    size_t len = 0;
    ai_err_t rc = fs_read_file(path, (size_t)cfg->max_upload_bytes, &buf, &len, &err);
    if (rc != AI_OK) {
        fprintf(stderr, "audio-ident search: %s: %s\n", ai_err_name(rc), err.message);
        return 1;
    }
    library_t *lib = NULL;
    if (library_open(cfg, &lib, &err) != AI_OK) {
        fprintf(stderr, "FATAL: search: %s\n", err.message);
        free(buf);
        return 1;
    }
    search_result_t res;
    rc = search_run(lib, buf, len, &o, &res, &err);
    free(buf);
    if (rc != AI_OK) {
        fprintf(stderr, "audio-ident search: %s: %s\n", ai_err_name(rc), err.message);
        library_close(lib);
        return 1;
    }
    if (json) {
        strbuf_t sb;
        strbuf_init(&sb, 1 << 20);
        search_result_json(&res, NULL, &sb);
        printf("%s\n", strbuf_cstr(&sb));
        strbuf_release(&sb);
    } else {
        print_human(&res);
    }
    search_result_release(&res);
    library_close(lib);
    return 0;
}
