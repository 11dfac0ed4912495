/* `audio-ident rebuild-index [--vectors|--fingerprints]` */
#include "cli/cli.h"
#include "fpindex/fpindex.h"
#include "library/library.h"

#include <stdio.h>
#include <string.h>

int cli_rebuild(const config_t *cfg, int argc, char **argv)
{
    int vectors = 0, fingerprints = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vectors") == 0) {
            vectors = 1;
        } else if (strcmp(argv[i], "--fingerprints") == 0) {
            fingerprints = 1;
        } else {
            fprintf(stderr, "usage: audio-ident rebuild-index [--vectors|--fingerprints]\n");
            return 2;
        }
    }
    if (!vectors && !fingerprints)
        vectors = fingerprints = 1;
    library_t *lib = NULL;
    ai_error_t err;
    if (fingerprints) {
        /* an index written in an older format cannot be opened by the
         * library; it is emptied here and refilled by the rebuild */
        char fpdir[CONFIG_STR_MAX + 16];
        fpindex_t *idx = NULL;
        snprintf(fpdir, sizeof fpdir, "%s/fpindex", cfg->data_dir);
        if (fpindex_open_reset(fpdir, &idx, &err) != AI_OK) {
            fprintf(stderr, "FATAL: rebuild-index: %s\n", err.message);
            return 1;
        }
        fpindex_close(idx);
    }
    if (library_open(cfg, &lib, &err) != AI_OK) {
        fprintf(stderr, "FATAL: rebuild-index: %s\n", err.message);
        return 1;
    }
    library_rebuild_report_t rep;
    ai_err_t rc = library_rebuild(lib, vectors, fingerprints, stderr, &rep, &err);
    library_close(lib);
    if (rc != AI_OK) {
        fprintf(stderr, "audio-ident rebuild-index: %s: %s\n", ai_err_name(rc), err.message);
        return 1;
    }
    printf("rebuilt %s%s%s for %zu tracks (%zu failed); %.2f h of audio in %.1f s\n",
           fingerprints ? "fingerprints" : "", fingerprints && vectors ? " and " : "",
           vectors ? "vectors" : "", rep.tracks, rep.failed, rep.audio_seconds / 3600.0,
           rep.wall_seconds);
    return rep.failed ? 1 : 0;
}
