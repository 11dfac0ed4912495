/* TLS certificate loading, validation and self-signed generation (src/tls). */
#include "test.h"
#include "tls/tls.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static ai_err_t make(const char *name, long offset_s, int days, ai_error_t *err)
{
    char cert[512], key[512];
    snprintf(cert, sizeof cert, "%s/%s.crt", test_tmpdir(), name);
    snprintf(key, sizeof key, "%s/%s.key", test_tmpdir(), name);
    const char *hosts[] = {"127.0.0.1", "music.lan", "::1"};
    return tls_selfsigned_write(hosts, 3, days, offset_s, cert, key, 0, err);
}

static const char *crt(const char *name)
{
    static char buf[4][512];
    static int i;
    char *b = buf[i++ % 4];
    snprintf(b, 512, "%s/%s.crt", test_tmpdir(), name);
    return b;
}

static const char *key(const char *name)
{
    static char buf[4][512];
    static int i;
    char *b = buf[i++ % 4];
    snprintf(b, 512, "%s/%s.key", test_tmpdir(), name);
    return b;
}

TEST(tls_selfsigned_loads_with_names_and_private_key)
{
    ai_error_t err;
    REQUIRE(make("a", 0, 30, &err) == AI_OK);
    struct stat st;
    REQUIRE(stat(key("a"), &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    tls_cert_info_t info;
    tls_pem_t pem = {NULL, NULL};
    REQUIRE(tls_load(crt("a"), key("a"), time(NULL), &info, &pem, &err) == AI_OK);
    CHECK(strstr(info.subject, "CN=127.0.0.1") != NULL);
    CHECK(strstr(info.names, "IP:127.0.0.1") && strstr(info.names, "DNS:music.lan") &&
          strstr(info.names, "IP:::1"));
    CHECK_EQ_INT(info.days_left, 30);
    CHECK_EQ_INT(info.chain, 1);
    CHECK_EQ_INT(strlen(info.sha256), 95);
    CHECK(pem.cert && strstr(pem.cert, "BEGIN CERTIFICATE"));
    CHECK(pem.key && strstr(pem.key, "PRIVATE KEY"));
    char line[1024];
    tls_describe(&info, line, sizeof line);
    CHECK(strstr(line, "expires ") && strstr(line, "(in 30 days)"));
    tls_pem_release(&pem);
    CHECK(pem.cert == NULL && pem.key == NULL);
    /* existing files are kept without force */
    CHECK_EQ_INT(make("a", 0, 30, &err), AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "--force") != NULL);
    /* openssl agrees that the certificate is for a TLS server at these names */
    if (test_have("openssl"))
        CHECK_EQ_INT(test_sh("openssl verify -CAfile '%s' -purpose sslserver -verify_ip 127.0.0.1 "
                             "'%s' >/dev/null 2>&1 && openssl verify -CAfile '%s' "
                             "-verify_hostname music.lan '%s' >/dev/null 2>&1",
                             crt("a"), crt("a"), crt("a"), crt("a")),
                     0);
}

TEST(tls_load_refuses_mismatch_expired_and_missing)
{
    ai_error_t err;
    tls_cert_info_t info;
    REQUIRE(make("a", 0, 30, &err) == AI_OK);
    REQUIRE(make("b", 0, 30, &err) == AI_OK);
    REQUIRE(make("old", -10L * 86400, 3, &err) == AI_OK);
    REQUIRE(make("future", 5L * 86400, 3, &err) == AI_OK);
    CHECK_EQ_INT(tls_load(crt("a"), key("b"), time(NULL), &info, NULL, &err),
                 AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "does not match the certificate in TLS_CERT_FILE") != NULL);
    CHECK_EQ_INT(tls_load(crt("old"), key("old"), time(NULL), &info, NULL, &err),
                 AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "expired on ") != NULL);
    CHECK_EQ_INT(tls_load(crt("future"), key("future"), time(NULL), &info, NULL, &err),
                 AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "not valid before") != NULL);
    CHECK_EQ_INT(tls_load(crt("nope"), key("a"), time(NULL), &info, NULL, &err),
                 AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "TLS_CERT_FILE") && strstr(err.message, "no such file"));
    /* swapped files: the key file holds no certificate */
    CHECK_EQ_INT(tls_load(key("a"), crt("a"), time(NULL), &info, NULL, &err),
                 AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "no PEM certificate") != NULL);
    /* a certificate where the key should be */
    CHECK_EQ_INT(tls_load(crt("a"), crt("b"), time(NULL), &info, NULL, &err),
                 AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "TLS_KEY_FILE") && strstr(err.message, "no PEM private key"));
    /* the same certificate is fine at a time inside its validity */
    CHECK_EQ_INT(tls_load(crt("old"), key("old"), time(NULL) - 9L * 86400, &info, NULL, &err),
                 AI_OK);
}

TEST(tls_load_counts_a_chain_and_refuses_encrypted_keys)
{
    ai_error_t err;
    tls_cert_info_t info;
    REQUIRE(make("a", 0, 30, &err) == AI_OK);
    REQUIRE(make("b", 0, 30, &err) == AI_OK);
    REQUIRE(test_sh("cat '%s' '%s' > '%s/chain.crt'", crt("a"), crt("b"), test_tmpdir()) == 0);
    char chain[512];
    snprintf(chain, sizeof chain, "%s/chain.crt", test_tmpdir());
    REQUIRE(tls_load(chain, key("a"), time(NULL), &info, NULL, &err) == AI_OK);
    CHECK_EQ_INT(info.chain, 2);
    if (!test_have("openssl"))
        SKIP("openssl not installed");
    REQUIRE(test_sh("openssl pkey -in '%s' -aes128 -passout pass:x -out '%s/enc.key' 2>/dev/null",
                    key("a"), test_tmpdir()) == 0);
    char enc[512];
    snprintf(enc, sizeof enc, "%s/enc.key", test_tmpdir());
    CHECK_EQ_INT(tls_load(crt("a"), enc, time(NULL), &info, NULL, &err), AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "encrypted") != NULL);
}

TEST(tls_selfsigned_validates_hosts_and_days)
{
    ai_error_t err;
    const char *c = crt("x"), *k = key("x");
    const char *bad_host[] = {"bad host"};
    CHECK_EQ_INT(tls_selfsigned_write(bad_host, 1, 30, 0, c, k, 0, &err), AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "neither an IP address nor a DNS name") != NULL);
    const char *dots[] = {"a..b"};
    CHECK_EQ_INT(tls_selfsigned_write(dots, 1, 30, 0, c, k, 0, &err), AI_ERR_VALIDATION_ERROR);
    const char *ok[] = {"*.music.lan"};
    CHECK_EQ_INT(tls_selfsigned_write(ok, 1, 0, 0, c, k, 0, &err), AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_INT(tls_selfsigned_write(ok, 1, 826, 0, c, k, 0, &err), AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_INT(tls_selfsigned_write(ok, 0, 30, 0, c, k, 0, &err), AI_ERR_VALIDATION_ERROR);
    CHECK_EQ_INT(tls_selfsigned_write(ok, 1, 825, 0, c, k, 0, &err), AI_OK);
}

/* `check` and `serve` show the certificate row; fail fast on a bad one. */
TEST(tls_check_row_warns_near_expiry_and_fails_on_mismatch)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    ai_error_t err;
    REQUIRE(make("soon", 0, 10, &err) == AI_OK);
    REQUIRE(make("b", 0, 30, &err) == AI_OK);
    const char *d = test_tmpdir();
    CHECK_EQ_INT(test_sh("cd '%s' && DATA_DIR=./d TLS_CERT_FILE=soon.crt TLS_KEY_FILE=soon.key "
                         "'%s' check >out.txt 2>err.txt",
                         d, test_bin()),
                 0);
    CHECK_EQ_INT(test_sh("grep -q '^tls  *WARN .*CN=127.0.0.1.*(in 10 days); renew it soon' "
                         "'%s/out.txt'",
                         d),
                 0);
    CHECK_EQ_INT(test_sh("cd '%s' && DATA_DIR=./d TLS_CERT_FILE=soon.crt TLS_KEY_FILE=b.key "
                         "'%s' check >out.txt 2>err.txt",
                         d, test_bin()),
                 1);
    CHECK_EQ_INT(test_sh("grep -q '^FATAL: tls: TLS_KEY_FILE b.key does not match the "
                         "certificate in TLS_CERT_FILE soon.crt' '%s/err.txt'",
                         d),
                 0);
    CHECK_EQ_INT(test_sh("cd '%s' && DATA_DIR=./d '%s' check >out.txt 2>err.txt", d, test_bin()),
                 0);
    CHECK_EQ_INT(test_sh("grep -q '^tls  *skipped .*plain HTTP' '%s/out.txt'", d), 0);
}

/* `audio-ident cert --self-signed` writes files `serve` accepts. */
TEST(tls_cert_command_writes_a_loadable_pair)
{
    if (!test_bin())
        SKIP("AI_BIN not set");
    const char *d = test_tmpdir();
    CHECK_EQ_INT(test_sh("cd '%s' && DATA_DIR=./d '%s' cert --self-signed 10.0.0.5 music.lan "
                         ">out.txt 2>&1",
                         d, test_bin()),
                 0);
    CHECK_EQ_INT(test_sh("grep -q 'SHA-256 fingerprint: [0-9A-F:]\\{95\\}$' '%s/out.txt'", d), 0);
    tls_cert_info_t info;
    ai_error_t err;
    char c[512], k[512];
    snprintf(c, sizeof c, "%s/d/tls/cert.pem", d);
    snprintf(k, sizeof k, "%s/d/tls/key.pem", d);
    REQUIRE(tls_load(c, k, time(NULL), &info, NULL, &err) == AI_OK);
    CHECK(strstr(info.names, "IP:10.0.0.5") && strstr(info.names, "DNS:music.lan"));
    CHECK(info.days_left >= 824);
    /* again without --force: refused, files untouched */
    CHECK_EQ_INT(test_sh("cd '%s' && DATA_DIR=./d '%s' cert --self-signed x.lan >/dev/null 2>&1", d,
                         test_bin()),
                 2);
    CHECK_EQ_INT(test_sh("cd '%s' && DATA_DIR=./d '%s' cert x.lan >/dev/null 2>&1", d, test_bin()),
                 2);
    CHECK_EQ_INT(test_sh("cd '%s' && '%s' cert --self-signed --days 900 x.lan >/dev/null 2>&1", d,
                         test_bin()),
                 2);
    CHECK_EQ_INT(test_sh("cd '%s' && DATA_DIR=./d '%s' cert --self-signed --force --days 7 "
                         "x.lan >/dev/null 2>&1",
                         d, test_bin()),
                 0);
    REQUIRE(tls_load(c, k, time(NULL), &info, NULL, &err) == AI_OK);
    CHECK(strstr(info.names, "DNS:x.lan") != NULL);
}
