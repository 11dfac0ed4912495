/* `audio-ident check`: the startup checks as a table. */
#include "cli/cli.h"
#include "startup/startup.h"

#include <stdio.h>

int cli_check(const config_t *cfg, int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: audio-ident check\n");
        return 2;
    }
    startup_check_t checks[STARTUP_MAX_CHECKS];
    int failed;
    size_t n = startup_run(cfg, checks, &failed);
    startup_print_table(checks, n, stdout);
    if (failed >= 0) {
        char line[800];
        startup_fatal_line(&checks[failed], line, sizeof line);
        fprintf(stderr, "%s\n", line);
        return 1;
    }
    return 0;
}
