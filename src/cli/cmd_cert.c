/* `audio-ident cert --self-signed HOST...`: a certificate for HTTPS on a LAN. */
#include "base/fsutil.h"
#include "cli/cli.h"
#include "tls/tls.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CERT_USAGE                                                                                 \
    "usage: audio-ident cert --self-signed [--cert FILE] [--key FILE] [--days N] [--force] "       \
    "HOST...\n"

static int usage_error(const char *msg)
{
    fprintf(stderr, "audio-ident cert: %s\n%s", msg, CERT_USAGE);
    return 2;
}

int cli_cert(const config_t *cfg, int argc, char **argv)
{
    char cert[CONFIG_STR_MAX + 32], key[CONFIG_STR_MAX + 32];
    const char *hosts[TLS_HOSTS_MAX];
    size_t nhosts = 0;
    int self_signed = 0, force = 0, days = TLS_SELFSIGNED_DAYS;
    /* default: where TLS_CERT_FILE / TLS_KEY_FILE point, else DATA_DIR/tls */
    if (cfg->tls_cert_file[0])
        snprintf(cert, sizeof cert, "%s", cfg->tls_cert_file);
    else
        snprintf(cert, sizeof cert, "%s/tls/cert.pem", cfg->data_dir);
    if (cfg->tls_key_file[0])
        snprintf(key, sizeof key, "%s", cfg->tls_key_file);
    else
        snprintf(key, sizeof key, "%s/tls/key.pem", cfg->data_dir);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--self-signed") == 0) {
            self_signed = 1;
        } else if (strcmp(a, "--force") == 0) {
            force = 1;
        } else if (strcmp(a, "--cert") == 0 || strcmp(a, "--key") == 0 ||
                   strcmp(a, "--days") == 0) {
            if (i + 1 >= argc)
                return usage_error("an option is missing its value");
            const char *v = argv[++i];
            if (a[2] == 'c')
                snprintf(cert, sizeof cert, "%s", v);
            else if (a[2] == 'k')
                snprintf(key, sizeof key, "%s", v);
            else {
                char *end;
                long d = strtol(v, &end, 10);
                if (*end || d < 1 || d > TLS_SELFSIGNED_DAYS)
                    return usage_error("--days must be a whole number in 1..825");
                days = (int)d;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "audio-ident cert: unknown option '%s'\n%s", a, CERT_USAGE);
            return 2;
        } else if (nhosts == TLS_HOSTS_MAX) {
            return usage_error("too many hosts (at most 32)");
        } else {
            hosts[nhosts++] = a;
        }
    }
    if (!self_signed)
        return usage_error("only --self-signed certificates are made here; a public host name "
                           "gets a real certificate from a reverse proxy (docs/deploy.md)");
    if (nhosts == 0)
        return usage_error("name at least one host name or IP address the phone will open");

    ai_error_t err;
    char dir[sizeof cert];
    const char *files[2] = {cert, key};
    for (int i = 0; i < 2; i++) {
        snprintf(dir, sizeof dir, "%s", files[i]);
        if (fs_mkdir_p(dirname(dir), &err) != AI_OK) {
            fprintf(stderr, "audio-ident cert: %s\n", err.message);
            return 1;
        }
    }
    if (tls_selfsigned_write(hosts, nhosts, days, 0, cert, key, force, &err) != AI_OK) {
        fprintf(stderr, "audio-ident cert: %s\n", err.message);
        return err.code == AI_ERR_VALIDATION_ERROR ? 2 : 1;
    }
    tls_cert_info_t info;
    if (tls_load(cert, key, time(NULL), &info, NULL, &err) != AI_OK) {
        fprintf(stderr, "audio-ident cert: the new certificate does not load: %s\n", err.message);
        return 1;
    }
    char line[1024];
    tls_describe(&info, line, sizeof line);
    printf("wrote %s and %s (key readable by you only)\n"
           "certificate: %s\n"
           "SHA-256 fingerprint: %s\n\n"
           "serve it with:\n  TLS_CERT_FILE=%s TLS_KEY_FILE=%s audio-ident serve\n"
           "then install %s on the phone as a trusted certificate (docs/deploy.md, \"HTTPS\").\n",
           cert, key, line, info.sha256, cert, key, cert);
    return 0;
}
