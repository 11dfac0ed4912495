/* `audio-ident cert --self-signed`: an ECDSA P-256 key and a self-signed
 * certificate for LAN use, written with libcrypto. */
#include "tls/tls.h"
#include "base/fsutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int host_is_ip(const char *h)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

/* A DNS name as certificates carry it: labels of letters, digits and '-',
 * an optional leading "*." wildcard. */
static int host_is_dns(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > TLS_HOST_MAX)
        return 0;
    if (strncmp(h, "*.", 2) == 0)
        h += 2;
    size_t label = 0;
    for (const char *p = h; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (isalnum((unsigned char)*p) || *p == '-') {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return 0;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* Writes PEM text to path through a temp file created with `mode`, so a key
 * is never readable by others, not even for a moment. */
static ai_err_t write_file(const char *path, const char *data, size_t len, int mode, int force,
                           ai_error_t *err)
{
    if (!force && access(path, F_OK) == 0)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "%s exists; pass --force to replace it",
                            path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot create %s: %s", tmp,
                            strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int e = off == len ? (fsync(fd) == 0 ? 0 : errno) : errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot write %s: %s", path, strerror(e));
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    return fs_sync_dir(dirname(dir), err);
}

static ai_err_t pem_of(int (*writer)(BIO *, void *), void *obj, char **out, size_t *len,
                       ai_error_t *err)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL;
    if (!b || !writer(b, obj)) {
        BIO_free(b);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "libcrypto: cannot encode PEM");
    }
    long n = BIO_get_mem_data(b, &data);
    *out = malloc((size_t)n + 1);
    if (!*out) {
        BIO_free(b);
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    }
    memcpy(*out, data, (size_t)n);
    (*out)[n] = '\0';
    *len = (size_t)n;
    OPENSSL_cleanse(data, (size_t)n);
    BIO_free(b);
    return AI_OK;
}

static int write_key(BIO *b, void *k)
{
    return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(BIO *b, void *x)
{
    return PEM_write_bio_X509(b, x);
}

ai_err_t tls_selfsigned_write(const char *const *hosts, size_t nhosts, int days,
                              long not_before_offset_s, const char *cert_file, const char *key_file,
                              int force, ai_error_t *err)
{
    if (nhosts == 0 || nhosts > TLS_HOSTS_MAX)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR, "give 1 to %d host names or IP addresses",
                            TLS_HOSTS_MAX);
    if (days < 1 || days > TLS_SELFSIGNED_DAYS)
        return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                            "--days must be in 1..%d (phones refuse longer certificates)",
                            TLS_SELFSIGNED_DAYS);
    char san[TLS_HOSTS_MAX * (TLS_HOST_MAX + 8)];
    size_t off = 0;
    for (size_t i = 0; i < nhosts; i++) {
        int ip = host_is_ip(hosts[i]);
        if (!ip && !host_is_dns(hosts[i]))
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "\"%.80s\" is neither an IP address nor a DNS name", hosts[i]);
        off += (size_t)snprintf(san + off, sizeof san - off, "%s%s:%s", i ? "," : "",
                                ip ? "IP" : "DNS", hosts[i]);
    }

    ai_err_t rc = AI_ERR_INTERNAL_ERROR;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    BIGNUM *serial = BN_new();
    char *key_pem = NULL, *cert_pem = NULL;
    size_t key_len = 0, cert_len = 0;
    if (!key || !x || !serial) {
        ai_error_set(err, AI_ERR_INTERNAL_ERROR, "libcrypto: cannot make an ECDSA P-256 key");
        goto out;
    }
    X509_NAME *name = X509_get_subject_name(x);
    const char *cn = hosts[0];
    if (!X509_set_version(x, X509_VERSION_3) || !BN_rand(serial, 127, BN_RAND_TOP_ANY, 0) ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), not_before_offset_s) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), days, not_before_offset_s, NULL) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                    (const unsigned char *)"audio-ident (self-signed)", -1, -1,
                                    0) ||
        !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key) ||
        !add_ext(x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign") ||
        !add_ext(x, NID_ext_key_usage, "serverAuth") ||
        !add_ext(x, NID_subject_key_identifier, "hash") || !add_ext(x, NID_subject_alt_name, san) ||
        !X509_sign(x, key, EVP_sha256())) {
        char why[256];
        ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
        ERR_clear_error();
        ai_error_set(err, AI_ERR_INTERNAL_ERROR, "libcrypto: cannot build the certificate: %s",
                     why);
        goto out;
    }
    rc = pem_of(write_key, key, &key_pem, &key_len, err);
    if (!rc)
        rc = pem_of(write_cert, x, &cert_pem, &cert_len, err);
    if (!rc && !force && access(cert_file, F_OK) == 0)
        rc = ai_error_set(err, AI_ERR_VALIDATION_ERROR, "%s exists; pass --force to replace it",
                          cert_file);
    if (!rc)
        rc = write_file(key_file, key_pem, key_len, 0600, force, err);
    if (!rc)
        rc = write_file(cert_file, cert_pem, cert_len, 0644, force, err);
out:
    if (key_pem) {
        OPENSSL_cleanse(key_pem, key_len);
        free(key_pem);
    }
    free(cert_pem);
    BN_free(serial);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}
