/* Certificate generations for the HTTPS listener (see tlscreds.h). */
#include "http/tlscreds.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct generation {
    gnutls_pcert_st chain[TLS_CREDS_CHAIN_MAX];
    unsigned n;
    gnutls_privkey_t key;
    struct generation *older;
} generation_t;

struct tls_creds {
    pthread_mutex_t mu;
    generation_t *current; /* newest first, linked to the older ones */
    unsigned count;
};

static void generation_free(generation_t *g)
{
    for (unsigned i = 0; i < g->n; i++)
        gnutls_pcert_deinit(&g->chain[i]);
    if (g->key)
        gnutls_privkey_deinit(g->key);
    free(g);
}

static ai_err_t generation_new(const char *cert_pem, const char *key_pem, generation_t **out,
                               ai_error_t *err)
{
    generation_t *g = calloc(1, sizeof *g);
    if (!g) {
        ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        return AI_ERR_INTERNAL_ERROR;
    }
    /* GnuTLS only reads the data of an import datum */
    gnutls_datum_t cd = {(unsigned char *)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t kd = {(unsigned char *)key_pem, (unsigned)strlen(key_pem)};
    unsigned n = TLS_CREDS_CHAIN_MAX;
    int rc = gnutls_pcert_list_import_x509_raw(g->chain, &n, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        free(g);
        ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                     "TLS_CERT_FILE: GnuTLS cannot use the certificate chain (at most %d "
                     "certificates): %s",
                     TLS_CREDS_CHAIN_MAX, gnutls_strerror(rc));
        return AI_ERR_VALIDATION_ERROR;
    }
    g->n = n;
    if ((rc = gnutls_privkey_init(&g->key)) < 0 ||
        (rc = gnutls_privkey_import_x509_raw(g->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        generation_free(g);
        ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                     "TLS_KEY_FILE: GnuTLS cannot use the private key: %s", gnutls_strerror(rc));
        return AI_ERR_VALIDATION_ERROR;
    }
    *out = g;
    return AI_OK;
}

ai_err_t tls_creds_create(const char *cert_pem, const char *key_pem, tls_creds_t **out,
                          ai_error_t *err)
{
    *out = NULL;
    tls_creds_t *c = calloc(1, sizeof *c);
    if (!c)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    ai_err_t rc = generation_new(cert_pem, key_pem, &c->current, err);
    if (rc) {
        free(c);
        return rc;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->count = 1;
    *out = c;
    return AI_OK;
}

ai_err_t tls_creds_replace(tls_creds_t *c, const char *cert_pem, const char *key_pem,
                           ai_error_t *err)
{
    pthread_mutex_lock(&c->mu);
    unsigned count = c->count;
    pthread_mutex_unlock(&c->mu);
    if (count >= TLS_CREDS_GENERATIONS_MAX)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "the certificate was replaced %u times; restart serve to replace it "
                            "again",
                            count - 1);
    generation_t *g = NULL;
    ai_err_t rc = generation_new(cert_pem, key_pem, &g, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&c->mu);
    g->older = c->current;
    c->current = g;
    c->count++;
    pthread_mutex_unlock(&c->mu);
    return AI_OK;
}

void tls_creds_current(tls_creds_t *c, gnutls_pcert_st **chain, unsigned *n, gnutls_privkey_t *key)
{
    pthread_mutex_lock(&c->mu);
    *chain = c->current->chain;
    *n = c->current->n;
    *key = c->current->key;
    pthread_mutex_unlock(&c->mu);
}

void tls_creds_destroy(tls_creds_t *c)
{
    if (!c)
        return;
    for (generation_t *g = c->current, *next; g; g = next) {
        next = g->older;
        generation_free(g);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}
