/* `audio-ident ingest`, `tracks`, `rm`: the library from the command line. */
#include "base/fsutil.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/uuid.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "library/library.h"
#include "search/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static library_t *open_library(const config_t *cfg, const char *cmd)
{
    library_t *lib = NULL;
    ai_error_t err;
    if (library_open(cfg, &lib, &err) != AI_OK) {
        fprintf(stderr, "FATAL: %s: %s\n", cmd, err.message);
        return NULL;
    }
    return lib;
}

int cli_ingest(const config_t *cfg, int argc, char **argv)
{
    int json = 0, npaths = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "audio-ident ingest: unknown option %s\n", argv[i]);
            return 2;
        } else
            npaths++;
    }
    if (npaths == 0) {
        fprintf(stderr, "usage: audio-ident ingest [--json] PATH...\n");
        return 2;
    }
    library_t *lib = open_library(cfg, "ingest");
    if (!lib)
        return 1;
    size_t total = 0, ingested = 0, dups = 0, errors = 0;
    double audio_s = 0, wall_s = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        ai_error_t err;
        ai_error_clear(&err);
        if (fs_is_dir(argv[i])) {
            library_dir_report_t rep;
            if (library_ingest_dir(lib, argv[i], (int)cfg->workers, json, stderr, &rep, &err) !=
                AI_OK) {
                fprintf(stderr, "audio-ident ingest: %s\n", err.message);
                errors++;
                continue;
            }
            total += rep.total;
            ingested += rep.ingested;
            dups += rep.duplicates;
            errors += rep.nerrors;
            audio_s += rep.audio_seconds;
            wall_s += rep.wall_seconds;
            for (size_t k = 0; !json && k < rep.nerrors; k++)
                fprintf(stderr, "  skipped %s: %s\n", rep.errors[k].file, rep.errors[k].error);
            library_dir_report_release(&rep);
            continue;
        }
        library_ingest_result_t res;
        double t0 = clock_now_ms();
        ai_err_t rc = library_ingest_file(lib, argv[i], NULL, &res, &err);
        wall_s += (clock_now_ms() - t0) / 1000.0;
        if (rc == AI_OK && !res.duplicate)
            audio_s += res.duration_s;
        total++;
        strbuf_t sb;
        strbuf_init(&sb, 1 << 16);
        if (rc == AI_OK) {
            res.duplicate ? dups++ : ingested++;
            if (json) {
                strbuf_append(&sb, "{\"file\":");
                strbuf_json_string(&sb, argv[i]);
                strbuf_printf(&sb, ",\"status\":\"%s\",\"track_id\":\"%s\"}",
                              res.duplicate ? "duplicate" : "ingested", res.track_id);
                printf("%s\n", strbuf_cstr(&sb));
            } else {
                printf("%s %s  %s\n", res.duplicate ? "duplicate" : "ingested ", res.track_id,
                       argv[i]);
            }
        } else {
            errors++;
            if (json) {
                strbuf_append(&sb, "{\"file\":");
                strbuf_json_string(&sb, argv[i]);
                strbuf_printf(&sb, ",\"status\":\"error\",\"error\":{\"code\":\"%s\",\"message\":",
                              ai_err_name(rc));
                strbuf_json_string(&sb, err.message);
                strbuf_append(&sb, "}}");
                printf("%s\n", strbuf_cstr(&sb));
            } else {
                fprintf(stderr, "error     %s: %s: %s\n", argv[i], ai_err_name(rc), err.message);
            }
        }
        strbuf_release(&sb);
    }
    if (json)
        printf("{\"status\":\"summary\",\"total\":%zu,\"ingested\":%zu,\"duplicates\":%zu,"
               "\"failed\":%zu}\n",
               total, ingested, dups, errors);
    else
        fprintf(stderr,
                "%zu files: %zu ingested, %zu duplicates, %zu failed; %.2f h of audio at %.0fx "
                "real time\n",
                total, ingested, dups, errors, audio_s / 3600,
                wall_s > 0 ? audio_s / wall_s : 0.0);
    library_close(lib);
    /* 0 only when every file is in the library (new or a true duplicate) */
    return errors ? 1 : 0;
}

int cli_tracks(const config_t *cfg, int argc, char **argv)
{
    meta_list_opts_t o = {.search = NULL, .page = 1, .page_size = 50, .ready_only = 1};
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--search") == 0 && v)
            o.search = argv[++i];
        else if (strcmp(argv[i], "--page") == 0 && v)
            o.page = atoi(argv[++i]);
        else if (strcmp(argv[i], "--page-size") == 0 && v)
            o.page_size = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: audio-ident tracks [--search TEXT] [--page N] "
                            "[--page-size N] [--json]\n");
            return 2;
        }
    }
    library_t *lib = open_library(cfg, "tracks");
    if (!lib)
        return 1;
    meta_track_t *t = NULL;
    size_t n = 0;
    long long total = 0;
    ai_error_t err;
    ai_err_t rc = meta_tracks_list(library_meta(lib), &o, &t, &n, &total, &err);
    if (rc != AI_OK) {
        fprintf(stderr, "audio-ident tracks: %s: %s\n", ai_err_name(rc), err.message);
        library_close(lib);
        return rc == AI_ERR_VALIDATION_ERROR ? 2 : 1;
    }
    if (json) {
        strbuf_t sb;
        strbuf_init(&sb, 1 << 24);
        strbuf_append(&sb, "{\"data\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                strbuf_append(&sb, ",");
            search_track_info_json(&t[i], &sb);
        }
        strbuf_printf(&sb,
                      "],\"pagination\":{\"page\":%d,\"pageSize\":%d,\"totalItems\":%lld,"
                      "\"totalPages\":%lld}}",
                      o.page, o.page_size, total, (total + o.page_size - 1) / o.page_size);
        printf("%s\n", strbuf_cstr(&sb));
        strbuf_release(&sb);
    } else {
        printf("%-36s  %-28s  %-22s  %8s\n", "id", "title", "artist", "duration");
        for (size_t i = 0; i < n; i++)
            printf("%-36s  %-28.28s  %-22.22s  %7.1fs\n", t[i].id, t[i].title, t[i].artist,
                   t[i].duration_seconds);
        printf("page %d of %lld (%lld tracks)\n", o.page,
               total ? (total + o.page_size - 1) / o.page_size : 1, total);
    }
    meta_tracks_free(t, n);
    library_close(lib);
    return 0;
}

int cli_rm(const config_t *cfg, int argc, char **argv)
{
    if (argc != 2 || !uuid_valid(argv[1])) {
        fprintf(stderr, "usage: audio-ident rm TRACK_ID   (a UUID)\n");
        return 2;
    }
    library_t *lib = open_library(cfg, "rm");
    if (!lib)
        return 1;
    ai_error_t err;
    ai_err_t rc = library_delete(lib, argv[1], &err);
    if (rc == AI_OK)
        printf("deleted %s\n", argv[1]);
    else
        fprintf(stderr, "audio-ident rm: %s: %s\n", ai_err_name(rc), err.message);
    library_close(lib);
    return rc == AI_OK ? 0 : 1;
}
