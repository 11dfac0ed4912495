/*
 * cli.h — the subcommands of the audio-ident binary.
 *
 * main.c owns the command table and parses the global part of the command
 * line; each command here receives the loaded configuration and its own
 * arguments (argv[0] is the command name) and returns the process exit code:
 * 0 ok, 1 runtime error, 2 usage error.  Commands print results on stdout and
 * diagnostics on stderr.
 */
#ifndef AI_CLI_CLI_H
#define AI_CLI_CLI_H

#include "config/config.h"

typedef int (*cli_cmd_fn)(const config_t *cfg, int argc, char **argv);

int cli_config(const config_t *cfg, int argc, char **argv);

/* Returns 1 when argv contains -h/--help (commands print their usage then). */
int cli_wants_help(int argc, char **argv);

#endif
