/* `audio-ident serve`: startup checks, then the HTTP server until SIGINT/SIGTERM
 * (SIGHUP reloads the TLS certificate). */
#include "base/clock.h"
#include "base/log.h"
#include "cli/cli.h"
#include "fpindex/fpindex.h"
#include "http/http.h"
#include "library/library.h"
#include "startup/startup.h"
#include "tls/tls.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SHUTDOWN_GRACE_S 10.0

/* SIGHUP: present the certificate now in TLS_CERT_FILE / TLS_KEY_FILE from
 * the next handshake on, when it passes the startup checks. */
static void on_sighup(http_server_t *srv, const config_t *cfg)
{
    if (!cfg->tls_cert_file[0]) {
        log_write(LOG_INFO, NULL, NULL, 0, "SIGHUP: nothing to reload (plain HTTP)");
        return;
    }
    tls_cert_info_t info;
    ai_error_t err;
    if (http_server_reload_tls(srv, &info, &err) != AI_OK) {
        log_write(LOG_ERROR, NULL, NULL, 0, "SIGHUP: %s; still presenting the previous certificate",
                  err.message);
        return;
    }
    char line[1024];
    tls_describe(&info, line, sizeof line);
    log_write(info.days_left < TLS_EXPIRY_WARN_DAYS ? LOG_WARN : LOG_INFO, NULL, NULL, 0,
              "SIGHUP: tls: now presenting %s (open connections keep theirs)", line);
}

int cli_serve(const config_t *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: audio-ident serve\n");
        return 2;
    }
    /* signals are taken by sigwait below; every thread started from here on
     * inherits the mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP); /* reload the certificate, see on_sighup */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    startup_check_t checks[STARTUP_MAX_CHECKS];
    int failed;
    size_t n = startup_run(cfg, checks, &failed);
    for (size_t i = 0; i < n; i++) {
        int tls = strcmp(checks[i].component, "tls") == 0 && checks[i].status == STARTUP_OK;
        if (checks[i].status == STARTUP_WARN || tls) /* the certificate in use, always */
            log_write(tls ? LOG_INFO : LOG_WARN, NULL, NULL, 0, "startup: %s: %s",
                      checks[i].component, checks[i].detail);
    }
    if (failed >= 0) {
        char line[800];
        startup_fatal_line(&checks[failed], line, sizeof line);
        fprintf(stderr, "%s\n", line);
        return 1;
    }
    ai_error_t err;
    library_t *lib = NULL;
    if (library_open(cfg, &lib, &err) != AI_OK) {
        fprintf(stderr, "FATAL: library: %s\n", err.message);
        return 1;
    }
    /* page the fingerprint index in before the first search (the first
     * queries would otherwise pay for it); a failure here only costs speed */
    double t0 = clock_now_ms();
    if (fpindex_warm(library_fpindex(lib), &err) != AI_OK)
        log_write(LOG_WARN, NULL, NULL, 0, "fingerprint index warm-up: %s", err.message);
    else
        log_write(LOG_INFO, NULL, NULL, 0, "fingerprint index warmed in %.0f ms",
                  clock_now_ms() - t0);
    http_server_t *srv = NULL;
    if (http_server_start(lib, cfg, &srv, &err) != AI_OK) {
        fprintf(stderr, "FATAL: http: %s\n", err.message);
        library_close(lib);
        return 1;
    }
    log_field_t f[] = {LOG_STR("host", cfg->host), LOG_NUM("port", http_server_port(srv))};
    log_write(LOG_INFO, NULL, f, 2, "listening on %s://%s:%u", http_server_scheme(srv), cfg->host,
              http_server_port(srv));
    int sig = 0;
    while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
        on_sighup(srv, cfg);
    log_write(LOG_INFO, NULL, NULL, 0, "signal %d: finishing in-flight requests", sig);
    http_server_stop(srv, SHUTDOWN_GRACE_S);
    library_close(lib);
    log_write(LOG_INFO, NULL, NULL, 0, "stopped");
    return 0;
}
