/* audio-ident — command dispatch only (see DESIGN.md "What it is"). */
#include "base/log.h"
#include "base/version.h"
#include "cli/cli.h"
#include "config/config.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    cli_cmd_fn run; /* NULL = not implemented yet */
    const char *summary;
    const char *usage;
} command_t;

static const command_t commands[] = {
    {"serve", cli_serve, "run the HTTP API and web UI",
     "usage: audio-ident serve\n\n"
     "Starts the HTTP API (API.md) and the web UI on HOST:PORT after the startup checks\n"
     "(TLS certificate, data directory, metadata store, fingerprint index, embedder,\n"
     "vector store; see `audio-ident check`). Speaks HTTPS when TLS_CERT_FILE /\n"
     "TLS_KEY_FILE are set; SIGHUP loads a renewed certificate without dropping\n"
     "connections. Stops gracefully on SIGINT/SIGTERM.\n"},
    {"cert", cli_cert, "write a self-signed TLS certificate for HTTPS on a LAN",
     "usage: audio-ident cert --self-signed [--cert FILE] [--key FILE] [--days N] [--force] "
     "HOST...\n\n"
     "Writes an ECDSA P-256 key (mode 0600) and a self-signed certificate whose\n"
     "subjectAltNames are the given host names and IP addresses (the names a phone\n"
     "will open). Default files: TLS_CERT_FILE / TLS_KEY_FILE when set, else\n"
     "DATA_DIR/tls/cert.pem and DATA_DIR/tls/key.pem. --days 1..825 (default 825,\n"
     "the longest phones accept). Existing files are kept unless --force.\n"
     "Example: audio-ident cert --self-signed 192.168.1.20 music.lan localhost\n"},
    {"ingest", cli_ingest, "add audio files or directories to the library",
     "usage: audio-ident ingest [--json] PATH...\n\n"
     "Adds files and directory trees (recursively) to the library with WORKERS parallel\n"
     "workers. Shows a progress bar on a terminal; --json prints one JSON object per file.\n"
     "Files already in the library are reported as duplicates.\n"},
    {"search", cli_search, "identify a clip from the command line",
     "usage: audio-ident search [--mode exact|vibe|both] [--max-results N] [--json] FILE\n\n"
     "Runs the same search as POST /api/v1/search on FILE and prints the matches.\n"},
    {"tracks", cli_tracks, "list or search the library",
     "usage: audio-ident tracks [--search TEXT] [--page N] [--page-size N] [--json]\n"},
    {"rm", cli_rm, "delete a track", "usage: audio-ident rm TRACK_ID\n\n"
                                   "Removes the track's fingerprints, vectors, stored file and row.\n"},
    {"migrate", cli_migrate, "apply metadata-store migrations",
     "usage: audio-ident migrate\n\nApplies pending schema migrations (idempotent).\n"},
    {"rebuild-index", cli_rebuild, "rebuild derived indexes from the stored originals",
     "usage: audio-ident rebuild-index [--vectors|--fingerprints]\n\n"
     "Drops and rebuilds the vector collection and/or the fingerprint index from the\n"
     "stored originals (default: both). Also the way to switch EMBEDDING_MODEL.\n"
     "Restart a running `serve` afterwards so it loads the new embedder statistics.\n"},
    {"bench-vecstore", cli_bench_vecstore, "time exact top-k queries of the flat vector store",
     "usage: audio-ident bench-vecstore [--dim D] [--sizes N,N,...] [--distractors N]\n\n"
     "Fills throw-away flat stores under DATA_DIR with random unit vectors (default\n"
     "1k, 100k, 1M of 149 dimensions) and prints query p50/p95 and bytes per vector.\n"
     "--distractors N instead adds N random vectors to the library's own store (vibe\n"
     "lane timings at scale; their tracks are not in the metadata store).\n"},
    {"check", cli_check, "run the startup checks and print them as a table",
     "usage: audio-ident check\n"},
    {"fp", cli_fp, "print fingerprint statistics of a file (debugging)",
     "usage: audio-ident fp [--peaks] FILE\n"},
    {"bench", cli_bench, "accuracy and latency benchmark",
     "usage: audio-ident bench exact --tracks LIST --queries MANIFEST --index DIR\n"
     "                         [--distractors N] [--json FILE] [--dump TSV]\n"
     "                         [--reuse-index 1] [--every K] [--budget VOTES]\n\n"
     "Indexes LIST, runs every query of MANIFEST through the exact lane and prints\n"
     "accuracy and latency per clip length and degradation. `make bench` prepares\n"
     "the corpus and queries (bench/exact.sh).\n"},
    {"bench-vibe", cli_bench_vibe, "vibe-lane evaluation (embedder, retrieval, scan cost)",
     "usage: audio-ident bench-vibe --tracks TSV --stats FILE [--queries TSV]\n"
     "                              [--synthetic N,N,...] [--weights W,...] [--json FILE]\n"
     "                              [--verbose]\n\n"
     "Embeds every track of TSV (path, label), computes library statistics into FILE,\n"
     "and prints same-label precision@5 / mAP vs random, own-track recall of the query\n"
     "clips (TSV: path, own track path, variant), embed time and brute-force scan\n"
     "time. `make bench-vibe` prepares the corpus (bench/vibe.sh).\n"},
    {"embed", cli_embed, "print the vibe embedding of a file (debugging)",
     "usage: audio-ident embed [--raw] [--vectors] [--stats FILE] FILE\n\n"
     "One line per 10 s window (hop 5 s): start, length, and each block's share of the\n"
     "vector; --vectors prints the vectors, --raw skips standardisation.\n"},
    {"config", cli_config, "print the effective configuration (secrets masked)",
     "usage: audio-ident config\n\n"
     "Prints every setting with its value, where it came from (default, .env,\n"
     "environment) and a help line. Passwords and tokens are masked.\n"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: audio-ident [--version] [--help] COMMAND [ARGS]\n\n"
                 "Music identification: exact (landmark fingerprints) and vibe (embeddings).\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nConfiguration comes from the environment and ./.env (see `audio-ident config`).\n"
                 "Run `audio-ident COMMAND --help` for a command's options.\n"
                 "Exit codes: 0 ok, 1 runtime error, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("audio-ident %s (%s, built %s)\n", ai_version(), ai_git_sha(), ai_build_time());
        return 0;
    }
    const command_t *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "audio-ident: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (cli_wants_help(argc - 1, argv + 1)) {
        fputs(cmd->usage, stdout);
        return 0;
    }
    if (!cmd->run) {
        fprintf(stderr, "audio-ident %s: not implemented yet\n", cmd->name);
        return 2;
    }

    config_t cfg;
    ai_error_t err;
    if (config_load(&cfg, NULL, &err) != AI_OK) {
        fprintf(stderr, "FATAL: invalid configuration: %s\n", err.message);
        return 1;
    }
    log_setup(strcmp(cfg.log_format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT,
              (log_level_t)log_level_parse(cfg.log_level));
    for (const char *w = cfg.warnings; *w;) {
        const char *nl = strchr(w, '\n');
        int len = nl ? (int)(nl - w) : (int)strlen(w);
        log_warn("%.*s", len, w);
        w += len + (nl != NULL);
    }
    return cmd->run(&cfg, argc - 1, argv + 1);
}
