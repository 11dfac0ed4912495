/*
 * tls.h — the TLS certificate of `serve` (TLS_CERT_FILE / TLS_KEY_FILE):
 * loading and validating it, and writing a self-signed one for LAN use.
 * Built on OpenSSL's libcrypto; the HTTP server hands the validated PEM text
 * to libmicrohttpd (GnuTLS), which does the handshakes.
 *
 * tls_load() reads both PEM files (each at most TLS_PEM_MAX bytes; the
 * certificate file may hold a chain, leaf first) and checks, in order: both
 * readable, a certificate in the first, an unencrypted private key in the
 * second, the key belongs to the leaf certificate, and the leaf is valid at
 * `now` (not before its notBefore, not after its notAfter).  On success it
 * fills the certificate's summary and, when `pem` is not NULL, the PEM text
 * of both files.
 *
 * tls_selfsigned_write() makes an ECDSA P-256 key and a self-signed
 * certificate whose subjectAltName lists every host (IP addresses as IP
 * entries, anything else as DNS names), marked as its own CA (basic
 * constraints CA:TRUE, pathlen 0) so that phones offer to trust it as a
 * root, and usable for TLS servers (extended key usage serverAuth).
 *
 * Ownership: tls_pem_t buffers are heap memory owned by the caller; release
 * them with tls_pem_release() (which wipes the key).  Thread-safety: every
 * function is reentrant (no shared state).
 *
 * Errors: AI_ERR_VALIDATION_ERROR for a file that cannot be read or whose
 * content is wrong (no certificate, no key, key does not match, expired,
 * not yet valid, bad host name, bad day count), with one line naming the
 * variable and the file; AI_ERR_INTERNAL_ERROR when libcrypto fails or an
 * output file cannot be written.
 */
#ifndef AI_TLS_TLS_H
#define AI_TLS_TLS_H

#include <stddef.h>
#include <time.h>

#include "base/error.h"

#define TLS_PEM_MAX          (1024 * 1024)
#define TLS_EXPIRY_WARN_DAYS 14
#define TLS_SELFSIGNED_DAYS  825 /* the longest validity Apple devices accept */
#define TLS_HOSTS_MAX        32
#define TLS_HOST_MAX         253

typedef struct {
    char subject[256];      /* one-line subject, e.g. "CN=audio-ident.lan, O=audio-ident" */
    char names[512];        /* subjectAltNames, "DNS:a, IP Address:1.2.3.4", or "" */
    char not_after[32];     /* "2027-03-02T10:00:00Z" */
    char sha256[96 + 1];    /* fingerprint of the leaf, "AB:CD:..." */
    time_t not_after_epoch; /* seconds since 1970 */
    long days_left;         /* whole days from `now` to notAfter */
    int chain;              /* certificates in the file (leaf included) */
} tls_cert_info_t;

typedef struct {
    char *cert; /* NUL-terminated PEM text, or NULL */
    char *key;
} tls_pem_t;

ai_err_t tls_load(const char *cert_file, const char *key_file, time_t now, tls_cert_info_t *info,
                  tls_pem_t *pem, ai_error_t *err);

/* Frees both buffers (the key is wiped first); pem may be NULL. */
void tls_pem_release(tls_pem_t *pem);

/* One line for logs and `check`: "CN=x (DNS:x, IP Address:y), expires
 * 2027-03-02T10:00:00Z (in 412 days)". */
void tls_describe(const tls_cert_info_t *info, char *out, size_t n);

/* Writes key_file (mode 0600) and cert_file for hosts[0..nhosts), valid
 * from now + not_before_offset_s for `days` days (1..TLS_SELFSIGNED_DAYS).
 * Existing files are replaced only when `force`.  The subject's CN is
 * hosts[0]. */
ai_err_t tls_selfsigned_write(const char *const *hosts, size_t nhosts, int days,
                              long not_before_offset_s, const char *cert_file, const char *key_file,
                              int force, ai_error_t *err);

#endif
