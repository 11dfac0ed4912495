/*
 * tlscreds.h — the certificate the HTTPS listener presents, replaceable
 * while serving (SIGHUP) without dropping a connection.
 *
 * libmicrohttpd hands each TLS handshake to GnuTLS, which asks the server's
 * certificate callback (server.c) for the certificate chain and key; the
 * callback answers with the current generation kept here.  A replacement
 * parses the new PEM text into a new generation and makes it current:
 * handshakes from then on present it, connections already established keep
 * theirs.  Earlier generations stay in memory until tls_creds_destroy (a
 * handshake that started before the swap may still read them), at most
 * TLS_CREDS_GENERATIONS_MAX of them.
 *
 * Lifecycle: create/destroy (destroy accepts NULL; call it after the
 * daemon is stopped).  Thread-safety: tls_creds_current and
 * tls_creds_replace may run concurrently from any threads.
 *
 * Errors: VALIDATION_ERROR when GnuTLS cannot use the PEM text (message
 * names the part and GnuTLS's reason) or after TLS_CREDS_GENERATIONS_MAX
 * replacements (restart then); INTERNAL_ERROR on out of memory.
 */
#ifndef AI_HTTP_TLSCREDS_H
#define AI_HTTP_TLSCREDS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "base/error.h"

#define TLS_CREDS_CHAIN_MAX       16
#define TLS_CREDS_GENERATIONS_MAX 64

typedef struct tls_creds tls_creds_t;

ai_err_t tls_creds_create(const char *cert_pem, const char *key_pem, tls_creds_t **out,
                          ai_error_t *err);
ai_err_t tls_creds_replace(tls_creds_t *c, const char *cert_pem, const char *key_pem,
                           ai_error_t *err);
/* The current chain and key; valid until tls_creds_destroy. */
void tls_creds_current(tls_creds_t *c, gnutls_pcert_st **chain, unsigned *n, gnutls_privkey_t *key);
void tls_creds_destroy(tls_creds_t *c);

#endif
