/* audio-ident migrate — applies pending metadata-store migrations. */
#include "cli/cli.h"
#include "meta/meta.h"

#include <stdio.h>

int cli_migrate(const config_t *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: audio-ident migrate\n");
        return 2;
    }
    meta_t *m = NULL;
    ai_error_t err;
    int applied = 0;
    if (meta_open(cfg->database_url, 1, &m, &err) != AI_OK) {
        fprintf(stderr, "FATAL: %s\n", err.message);
        return 1;
    }
    if (meta_migrate(m, &applied, &err) != AI_OK) {
        fprintf(stderr, "FATAL: migrating %s: %s\n", meta_display_url(m), err.message);
        meta_close(m);
        return 1;
    }
    if (applied)
        printf("applied %d migration%s to %s\n", applied, applied == 1 ? "" : "s",
               meta_display_url(m));
    else
        printf("%s is up to date\n", meta_display_url(m));
    meta_close(m);
    return 0;
}
