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

#include "audio/audio.h"
#include "config/config.h"

typedef int (*cli_cmd_fn)(const config_t *cfg, int argc, char **argv);

int cli_config(const config_t *cfg, int argc, char **argv);
int cli_fp(const config_t *cfg, int argc, char **argv);
int cli_bench(const config_t *cfg, int argc, char **argv);
int cli_check(const config_t *cfg, int argc, char **argv);
int cli_ingest(const config_t *cfg, int argc, char **argv);
int cli_tracks(const config_t *cfg, int argc, char **argv);
int cli_rm(const config_t *cfg, int argc, char **argv);
int cli_search(const config_t *cfg, int argc, char **argv);
int cli_migrate(const config_t *cfg, int argc, char **argv);
int cli_embed(const config_t *cfg, int argc, char **argv);
int cli_bench_vibe(const config_t *cfg, int argc, char **argv);
int cli_serve(const config_t *cfg, int argc, char **argv);
int cli_cert(const config_t *cfg, int argc, char **argv);
int cli_rebuild(const config_t *cfg, int argc, char **argv);
int cli_bench_vecstore(const config_t *cfg, int argc, char **argv);


/* Reads and decodes a file to 16 kHz mono (caps MAX_INGEST_BYTES / MAX_TRACK_SECONDS).
 * *d must be zeroed; release it with audio_decoded_release. */
ai_err_t cli_decode_file_16k(const config_t *cfg, const char *path, audio_decoded_t *d,
                             ai_error_t *err);

/* Returns 1 when argv contains -h/--help (commands print their usage then). */
int cli_wants_help(int argc, char **argv);

#endif
