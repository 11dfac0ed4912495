/* Loading and validating TLS_CERT_FILE / TLS_KEY_FILE with libcrypto. */
#include "tls/tls.h"
#include "base/fsutil.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last libcrypto error as text (the queue is cleared). */
static const char *ossl_reason(char *buf, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (!e)
        snprintf(buf, n, "no detail");
    else
        ERR_error_string_n(e, buf, n);
    ERR_clear_error();
    return buf;
}

static ai_err_t read_pem(const char *var, const char *path, char **out, ai_error_t *err)
{
    unsigned char *text = NULL;
    size_t len = 0;
    ai_error_t e;
    *out = NULL;
    if (!path[0]) {
        ai_error_set(err, AI_ERR_VALIDATION_ERROR, "%s: not set", var);
        return AI_ERR_VALIDATION_ERROR;
    }
    if (!fs_is_file(path)) {
        ai_error_set(err, AI_ERR_VALIDATION_ERROR, "%s %s: no such file", var, path);
        return AI_ERR_VALIDATION_ERROR;
    }
    if (fs_read_file(path, TLS_PEM_MAX, &text, &len, &e) != AI_OK || !text) {
        ai_error_set(err, AI_ERR_VALIDATION_ERROR, "%s %s: cannot read: %s", var, path, e.message);
        return AI_ERR_VALIDATION_ERROR;
    }
    if (strlen((const char *)text) != len) {
        free(text);
        ai_error_set(err, AI_ERR_VALIDATION_ERROR, "%s %s: not a PEM file (binary data)", var,
                     path);
        return AI_ERR_VALIDATION_ERROR;
    }
    *out = (char *)text;
    return AI_OK;
}

static void asn1_time_iso(const ASN1_TIME *t, char *out, size_t n, time_t *epoch)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!ASN1_TIME_to_tm(t, &tm)) {
        snprintf(out, n, "unknown");
        *epoch = 0;
        return;
    }
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    *epoch = timegm(&tm);
}

static void fill_info(X509 *x, int chain, time_t now, tls_cert_info_t *info)
{
    memset(info, 0, sizeof *info);
    info->chain = chain;
    BIO *b = BIO_new(BIO_s_mem());
    if (b) {
        X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
        int n = BIO_read(b, info->subject, (int)sizeof info->subject - 1);
        info->subject[n > 0 ? n : 0] = '\0';
        BIO_free(b);
    }
    /* " = " from the oneline format reads better as "=" */
    for (char *p; (p = strstr(info->subject, " = "));) {
        *p = '=';
        memmove(p + 1, p + 3, strlen(p + 3) + 1);
    }
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    size_t off = 0;
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        char one[80] = "";
        if (g->type == GEN_DNS) {
            snprintf(one, sizeof one, "DNS:%.70s",
                     (const char *)ASN1_STRING_get0_data(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            int len = ASN1_STRING_length(g->d.iPAddress);
            char ip[64];
            if ((len == 4 || len == 16) &&
                inet_ntop(len == 4 ? AF_INET : AF_INET6, a, ip, (socklen_t)sizeof ip))
                snprintf(one, sizeof one, "IP:%s", ip);
        }
        if (one[0] && off + strlen(one) + 3 < sizeof info->names)
            off += (size_t)snprintf(info->names + off, sizeof info->names - off, "%s%s",
                                    off ? ", " : "", one);
    }
    GENERAL_NAMES_free(gens);
    asn1_time_iso(X509_get0_notAfter(x), info->not_after, sizeof info->not_after,
                  &info->not_after_epoch);
    /* whole days, rounded up: a certificate made for 30 days has 30 left */
    time_t left = info->not_after_epoch - now;
    info->days_left = (long)(left > 0 ? (left + 86399) / 86400 : left / 86400);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (X509_digest(x, EVP_sha256(), md, &mdlen)) {
        size_t k = 0;
        for (unsigned i = 0; i < mdlen && k + 3 < sizeof info->sha256; i++)
            k += (size_t)snprintf(info->sha256 + k, sizeof info->sha256 - k, "%s%02X", i ? ":" : "",
                                  md[i]);
    }
}

ai_err_t tls_load(const char *cert_file, const char *key_file, time_t now, tls_cert_info_t *info,
                  tls_pem_t *pem, ai_error_t *err)
{
    char *cert_text = NULL, *key_text = NULL, why[256];
    X509 *leaf = NULL;
    EVP_PKEY *key = NULL;
    BIO *b = NULL;
    ai_err_t rc = read_pem("TLS_CERT_FILE", cert_file, &cert_text, err);
    if (rc)
        goto out;
    rc = read_pem("TLS_KEY_FILE", key_file, &key_text, err);
    if (rc)
        goto out;

    b = BIO_new_mem_buf(cert_text, -1);
    if (!b) {
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        goto out;
    }
    leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
    if (!leaf) {
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                          "TLS_CERT_FILE %s: no PEM certificate in it (%s)", cert_file,
                          ossl_reason(why, sizeof why));
        goto out;
    }
    int chain = 1;
    for (X509 *more; (more = PEM_read_bio_X509(b, NULL, NULL, NULL)); chain++)
        X509_free(more);
    ERR_clear_error(); /* the end of the file ends the loop with an error */
    BIO_free(b);

    b = BIO_new_mem_buf(key_text, -1);
    if (!b) {
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
        goto out;
    }
    if (strstr(key_text, "ENCRYPTED")) {
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                          "TLS_KEY_FILE %s: the private key is encrypted; give an unencrypted key "
                          "(readable by the server's user only)",
                          key_file);
        goto out;
    }
    /* an empty passphrase keeps libcrypto from prompting on the terminal */
    key = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
    if (!key) {
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                          "TLS_KEY_FILE %s: no PEM private key in it (%s)", key_file,
                          ossl_reason(why, sizeof why));
        goto out;
    }
    fill_info(leaf, chain, now, info);
    if (X509_check_private_key(leaf, key) != 1) {
        ERR_clear_error();
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                          "TLS_KEY_FILE %s does not match the certificate in TLS_CERT_FILE %s "
                          "(%s)",
                          key_file, cert_file, info->subject);
        goto out;
    }
    time_t t = now;
    if (X509_cmp_time(X509_get0_notAfter(leaf), &t) < 0) {
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                          "TLS_CERT_FILE %s: the certificate (%s) expired on %s", cert_file,
                          info->subject, info->not_after);
        goto out;
    }
    if (X509_cmp_time(X509_get0_notBefore(leaf), &t) > 0) {
        char nb[32];
        time_t ep;
        asn1_time_iso(X509_get0_notBefore(leaf), nb, sizeof nb, &ep);
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                          "TLS_CERT_FILE %s: the certificate (%s) is not valid before %s",
                          cert_file, info->subject, nb);
        goto out;
    }
    if (pem) {
        pem->cert = cert_text;
        pem->key = key_text;
        cert_text = key_text = NULL;
    }
    rc = AI_OK;
out:
    BIO_free(b);
    X509_free(leaf);
    EVP_PKEY_free(key);
    free(cert_text);
    if (key_text) {
        OPENSSL_cleanse(key_text, strlen(key_text));
        free(key_text);
    }
    return rc;
}

void tls_pem_release(tls_pem_t *pem)
{
    if (!pem)
        return;
    if (pem->key) {
        OPENSSL_cleanse(pem->key, strlen(pem->key));
        free(pem->key);
    }
    free(pem->cert);
    pem->cert = pem->key = NULL;
}

void tls_describe(const tls_cert_info_t *info, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s%s, expires %s (in %ld day%s)", info->subject,
             info->names[0] ? " (" : "", info->names, info->names[0] ? ")" : "", info->not_after,
             info->days_left, info->days_left == 1 ? "" : "s");
}
