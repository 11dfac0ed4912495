/* The client address behind TRUSTED_PROXIES (src/http/clientaddr.c). */
#include "http/clientaddr.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static struct sockaddr_storage peer_storage;

static const struct sockaddr *peer(const char *ip)
{
    memset(&peer_storage, 0, sizeof peer_storage);
    struct sockaddr_in *in = (struct sockaddr_in *)&peer_storage;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&peer_storage;
    if (inet_pton(AF_INET, ip, &in->sin_addr) == 1)
        in->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1)
        in6->sin6_family = AF_INET6;
    return (const struct sockaddr *)&peer_storage;
}

static clientaddr_t resolve(const char *proxies, const char *from, const char *fwd, const char *xff)
{
    clientaddr_proxies_t p;
    ai_error_t err;
    clientaddr_t ca;
    memset(&ca, 0, sizeof ca);
    if (clientaddr_proxies_parse(proxies, &p, &err) != AI_OK) {
        test_fail(__FILE__, __LINE__, "TRUSTED_PROXIES=%s: %s", proxies, err.message);
        return ca;
    }
    clientaddr_resolve(&p, peer(from), fwd, xff, &ca);
    return ca;
}

TEST(clientaddr_untrusted_peer_headers_are_ignored)
{
    clientaddr_t c = resolve("", "203.0.113.9", "for=127.0.0.1", "127.0.0.1");
    CHECK_EQ_STR(c.ip, "203.0.113.9");
    CHECK(!c.loopback && !c.forwarded);
    c = resolve("10.0.0.1", "203.0.113.9", NULL, "127.0.0.1");
    CHECK_EQ_STR(c.ip, "203.0.113.9");
    CHECK(!c.loopback);
    /* loopback peers stay loopback; IPv6 and v4-mapped too */
    c = resolve("", "127.0.0.1", NULL, "198.51.100.1");
    CHECK_EQ_STR(c.ip, "127.0.0.1");
    CHECK(c.loopback);
    CHECK(resolve("", "::1", NULL, NULL).loopback);
    CHECK(resolve("", "::ffff:127.0.0.2", NULL, NULL).loopback);
    CHECK(!resolve("", "::ffff:10.0.0.2", NULL, NULL).loopback);
}

TEST(clientaddr_trusted_proxy_forwards_the_client)
{
    /* a single hop */
    clientaddr_t c = resolve("172.16.0.0/12", "172.18.0.5", NULL, "198.51.100.7");
    CHECK_EQ_STR(c.ip, "198.51.100.7");
    CHECK(c.forwarded && !c.loopback);
    /* a client-supplied entry on the left is not believed: the rightmost
     * untrusted hop is the client */
    c = resolve("172.16.0.0/12", "172.18.0.5", NULL, "127.0.0.1, 198.51.100.7");
    CHECK_EQ_STR(c.ip, "198.51.100.7");
    CHECK(!c.loopback);
    /* trusted hops are skipped; repeated header lines joined by the server */
    c = resolve("172.16.0.0/12, 10.1.2.3", "172.18.0.5", NULL, "198.51.100.7, 10.1.2.3");
    CHECK_EQ_STR(c.ip, "198.51.100.7");
    /* every hop trusted: the leftmost */
    c = resolve("10.0.0.0/8", "10.0.0.2", NULL, "10.9.9.9, 10.0.0.3");
    CHECK_EQ_STR(c.ip, "10.9.9.9");
    /* ports and IPv6 forms */
    CHECK_EQ_STR(resolve("10.0.0.2", "10.0.0.2", NULL, "198.51.100.7:4711").ip, "198.51.100.7");
    CHECK_EQ_STR(resolve("10.0.0.2", "10.0.0.2", NULL, "2001:db8::5").ip, "2001:db8::5");
    CHECK_EQ_STR(resolve("10.0.0.2", "10.0.0.2", NULL, "[2001:db8::5]:80").ip, "2001:db8::5");
    /* a proxy may forward a loopback client (a browser on the proxy host) */
    CHECK(resolve("10.0.0.2", "10.0.0.2", NULL, "127.0.0.1").loopback);
    /* a trusted peer without the header is the client */
    c = resolve("10.0.0.2", "10.0.0.2", NULL, NULL);
    CHECK_EQ_STR(c.ip, "10.0.0.2");
    CHECK(!c.forwarded);
    /* IPv6 proxies, v4-mapped peers matched against IPv4 networks */
    CHECK_EQ_STR(resolve("::1", "::1", NULL, "198.51.100.7").ip, "198.51.100.7");
    CHECK_EQ_STR(resolve("10.0.0.0/8", "::ffff:10.0.0.2", NULL, "198.51.100.7").ip, "198.51.100.7");
    CHECK_EQ_STR(resolve("fd00::/8", "fd12::1", NULL, "198.51.100.7").ip, "198.51.100.7");
    CHECK_EQ_STR(resolve("fd00::/8", "fe80::1", NULL, "198.51.100.7").ip, "fe80::1");
}

TEST(clientaddr_forwarded_header_rfc7239)
{
    const char *p = "10.0.0.2";
    CHECK_EQ_STR(resolve(p, "10.0.0.2", "for=198.51.100.7;proto=https", NULL).ip, "198.51.100.7");
    CHECK_EQ_STR(resolve(p, "10.0.0.2", "For=\"[2001:db8:cafe::17]:4711\"", NULL).ip,
                 "2001:db8:cafe::17");
    CHECK_EQ_STR(resolve(p, "10.0.0.2", "for=192.0.2.43, for=198.51.100.17;by=10.0.0.2", NULL).ip,
                 "198.51.100.17");
    /* Forwarded wins over X-Forwarded-For */
    CHECK_EQ_STR(resolve(p, "10.0.0.2", "for=192.0.2.43", "198.51.100.17").ip, "192.0.2.43");
    /* obfuscated or missing for=: unknown, never loopback */
    clientaddr_t c = resolve(p, "10.0.0.2", "for=_hidden", NULL);
    CHECK_EQ_STR(c.ip, "unknown");
    CHECK(!c.loopback);
    CHECK_EQ_STR(resolve(p, "10.0.0.2", "proto=https", NULL).ip, "unknown");
    CHECK_EQ_STR(resolve(p, "10.0.0.2", "for=\"unknown\"", NULL).ip, "unknown");
}

TEST(clientaddr_garbage_from_a_trusted_peer_is_unknown)
{
    const char *bad[] = {"not-an-ip", "1.2.3",           "1.2.3.4:",  "1.2.3.4:x",      "[::1",
                         "[::1]x",    "1.2.3.4 5.6.7.8", "300.1.1.1", "127.0.0.1:80:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clientaddr_t c = resolve("127.0.0.1", "127.0.0.1", NULL, bad[i]);
        if (strcmp(c.ip, "unknown") != 0 || c.loopback)
            test_fail(__FILE__, __LINE__, "X-Forwarded-For: %s gave %s (loopback %d)", bad[i], c.ip,
                      c.loopback);
    }
    /* an empty header: nobody forwarded anything */
    CHECK_EQ_STR(resolve("127.0.0.1", "127.0.0.1", NULL, " , ").ip, "127.0.0.1");
    /* a chain longer than the cap */
    char many[CLIENTADDR_CHAIN_MAX * 12 + 16] = "";
    for (int i = 0; i <= CLIENTADDR_CHAIN_MAX; i++)
        strcat(many, "10.0.0.1, ");
    CHECK_EQ_STR(resolve("127.0.0.1", "127.0.0.1", NULL, many).ip, "unknown");
    /* no peer address at all */
    clientaddr_proxies_t p = {.n = 0};
    clientaddr_t c;
    clientaddr_resolve(&p, NULL, NULL, NULL, &c);
    CHECK_EQ_STR(c.ip, "unknown");
}

TEST(clientaddr_proxies_parse_names_the_bad_entry)
{
    clientaddr_proxies_t p;
    ai_error_t err;
    CHECK_EQ_INT(clientaddr_proxies_parse("", &p, &err), AI_OK);
    CHECK_EQ_INT(p.n, 0);
    CHECK_EQ_INT(clientaddr_proxies_parse("10.0.0.0/8,::1/128, 192.168.1.1", &p, &err), AI_OK);
    CHECK_EQ_INT(p.n, 3);
    CHECK_EQ_INT(p.nets[0].prefix, 104);
    const char *bad[] = {"10.0.0.0/33", "::/129",       "10.0.0.0/", "10.0.0.0/8x",
                         "10.0.0.0/-1", "host.example", "[::1]",     "1.2.3.4.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(clientaddr_proxies_parse(bad[i], &p, &err), AI_ERR_VALIDATION_ERROR);
        if (!strstr(err.message, "TRUSTED_PROXIES: \"") || !strstr(err.message, "not an IP"))
            test_fail(__FILE__, __LINE__, "%s: %s", bad[i], err.message);
    }
    char many[40 * 12] = "";
    for (int i = 0; i <= CLIENTADDR_PROXIES_MAX; i++)
        strcat(many, "10.0.0.1,");
    CHECK_EQ_INT(clientaddr_proxies_parse(many, &p, &err), AI_ERR_VALIDATION_ERROR);
    CHECK(strstr(err.message, "more than 32") != NULL);
}
