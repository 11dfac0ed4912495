#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int cli_config(const config_t *cfg, int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "audio-ident config: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    config_print(cfg, stdout);
    return 0;
}
