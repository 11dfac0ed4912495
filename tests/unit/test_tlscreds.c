/* Certificate generations of the HTTPS listener (src/http/tlscreds.c). */
#include "base/fsutil.h"
#include "http/tlscreds.h"
#include "test.h"
#include "tls/tls.h"

#include <stdlib.h>

/* A fresh key and self-signed certificate for host, as PEM text. */
static int make_pair(const char *host, char **cert, char **key)
{
    char c[512], k[512];
    ai_error_t err;
    size_t len;
    snprintf(c, sizeof c, "%s/%s.crt", test_tmpdir(), host);
    snprintf(k, sizeof k, "%s/%s.key", test_tmpdir(), host);
    const char *hosts[] = {host};
    if (tls_selfsigned_write(hosts, 1, 30, 0, c, k, 1, &err) != AI_OK)
        return 0;
    return fs_read_file(c, 0, (unsigned char **)cert, &len, &err) == AI_OK &&
           fs_read_file(k, 0, (unsigned char **)key, &len, &err) == AI_OK;
}

TEST(tlscreds_replace_swaps_the_current_generation)
{
    char *c1 = NULL, *k1 = NULL, *c2 = NULL, *k2 = NULL;
    REQUIRE(make_pair("one.example", &c1, &k1));
    REQUIRE(make_pair("two.example", &c2, &k2));
    tls_creds_t *tc = NULL;
    ai_error_t err;
    REQUIRE(tls_creds_create(c1, k1, &tc, &err) == AI_OK);
    gnutls_pcert_st *chain1, *chain;
    gnutls_privkey_t key1, key;
    unsigned n = 0;
    tls_creds_current(tc, &chain1, &n, &key1);
    CHECK_EQ_INT(n, 1);
    CHECK(key1 != NULL);
    CHECK_EQ_INT(tls_creds_replace(tc, c2, k2, &err), AI_OK);
    tls_creds_current(tc, &chain, &n, &key);
    CHECK(chain != chain1 && key != key1);
    CHECK_EQ_INT(n, 1);
    /* garbage is refused and the current generation stays */
    CHECK_EQ_INT(tls_creds_replace(tc, "not a certificate", k2, &err), AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "TLS_CERT_FILE: GnuTLS cannot use") != NULL);
    CHECK_EQ_INT(tls_creds_replace(tc, c2, "not a key", &err), AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "TLS_KEY_FILE: GnuTLS cannot use") != NULL);
    gnutls_pcert_st *after;
    tls_creds_current(tc, &after, &n, &key1);
    CHECK(after == chain && key1 == key);
    /* a chain counts every certificate */
    size_t l1 = strlen(c2), l2 = strlen(c1);
    char *both = malloc(l1 + l2 + 1);
    REQUIRE(both);
    memcpy(both, c2, l1);
    memcpy(both + l1, c1, l2 + 1);
    CHECK_EQ_INT(tls_creds_replace(tc, both, k2, &err), AI_OK);
    tls_creds_current(tc, &chain, &n, &key);
    CHECK_EQ_INT(n, 2);
    /* bounded: after TLS_CREDS_GENERATIONS_MAX generations a restart is asked for */
    ai_err_t rc = AI_OK;
    for (int i = 0; i < TLS_CREDS_GENERATIONS_MAX && rc == AI_OK; i++)
        rc = tls_creds_replace(tc, c1, k1, &err);
    CHECK_EQ_INT(rc, AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "restart serve") != NULL);
    tls_creds_destroy(tc);
    tls_creds_destroy(NULL);
    CHECK_EQ_INT(tls_creds_create("x", "y", &tc, &err), AI_ERR_VALIDATION_ERROR);
    CHECK(tc == NULL);
    free(both);
    free(c1);
    free(k1);
    free(c2);
    free(k2);
}
