/* The client address of a request behind TRUSTED_PROXIES (see clientaddr.h). */
#include "http/clientaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses an IP address as forwarding headers carry it: "1.2.3.4",
 * "1.2.3.4:5678", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:5678",
 * optionally in double quotes, blanks around.  IPv4 becomes ::ffff:a.b.c.d. */
static int parse_ip(const char *s, size_t n, unsigned char out[16])
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    char buf[CLIENTADDR_IP_MAX];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *a = buf;
    if (a[0] == '[') {
        char *close = strchr(a, ']');
        if (!close || (close[1] && (close[1] != ':' || !close[2])))
            return 0;
        *close = '\0';
        a++;
        return inet_pton(AF_INET6, a, out) == 1;
    }
    if (inet_pton(AF_INET6, a, out) == 1)
        return 1;
    char *colon = strchr(a, ':');
    if (colon) {
        if (strchr(colon + 1, ':') || !colon[1])
            return 0;
        for (const char *p = colon + 1; *p; p++)
            if (!isdigit((unsigned char)*p))
                return 0;
        *colon = '\0';
    }
    unsigned char v4[4];
    if (inet_pton(AF_INET, a, v4) != 1)
        return 0;
    memcpy(out, v4_mapped, 12);
    memcpy(out + 12, v4, 4);
    return 1;
}

static int is_v4(const unsigned char a[16])
{
    return memcmp(a, v4_mapped, 12) == 0;
}

static int is_loopback(const unsigned char a[16])
{
    static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return memcmp(a, one, 16) == 0 || (is_v4(a) && a[12] == 127);
}

static void format_ip(const unsigned char a[16], char *out, size_t n)
{
    if (is_v4(a))
        snprintf(out, n, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    else if (!inet_ntop(AF_INET6, a, out, (socklen_t)n))
        snprintf(out, n, "unknown");
}

static int net_contains(const clientaddr_net_t *net, const unsigned char a[16])
{
    unsigned full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, a, full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (a[full] & mask);
}

static int trusted(const clientaddr_proxies_t *p, const unsigned char a[16])
{
    for (size_t i = 0; p && i < p->n; i++)
        if (net_contains(&p->nets[i], a))
            return 1;
    return 0;
}

ai_err_t clientaddr_proxies_parse(const char *list, clientaddr_proxies_t *out, ai_error_t *err)
{
    memset(out, 0, sizeof *out);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ",");
        size_t t = len;
        while (t && (p[t - 1] == ' ' || p[t - 1] == '\t'))
            t--;
        char entry[CLIENTADDR_IP_MAX + 8];
        if (t >= sizeof entry)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "TRUSTED_PROXIES: \"%.40s...\" is not an IP address or CIDR "
                                "network",
                                p);
        memcpy(entry, p, t);
        entry[t] = '\0';
        if (out->n == CLIENTADDR_PROXIES_MAX)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "TRUSTED_PROXIES: more than %d entries", CLIENTADDR_PROXIES_MAX);
        clientaddr_net_t *net = &out->nets[out->n];
        char *slash = strchr(entry, '/');
        long prefix = -1;
        if (slash) {
            char *end;
            *slash = '\0';
            prefix = strtol(slash + 1, &end, 10);
            if (!isdigit((unsigned char)slash[1]) || *end)
                prefix = 999;
        }
        int ok = !strchr(entry, '[') && !strchr(entry, '"');
        unsigned char v4[4];
        int family = inet_pton(AF_INET, entry, v4) == 1           ? 4
                     : inet_pton(AF_INET6, entry, net->addr) == 1 ? 6
                                                                  : 0;
        if (family == 4) {
            memcpy(net->addr, v4_mapped, 12);
            memcpy(net->addr + 12, v4, 4);
            ok = ok && prefix <= 32;
            net->prefix = (unsigned)(prefix < 0 ? 128 : prefix + 96);
        } else if (family == 6) {
            ok = ok && prefix <= 128;
            net->prefix = (unsigned)(prefix < 0 ? 128 : prefix);
        } else {
            ok = 0;
        }
        if (!ok)
            return ai_error_set(err, AI_ERR_VALIDATION_ERROR,
                                "TRUSTED_PROXIES: \"%s%s%s\" is not an IP address or CIDR network",
                                entry, slash ? "/" : "", slash ? slash + 1 : "");
        out->n++;
        p += len;
    }
    return AI_OK;
}

/* The for= value of one Forwarded element (";"-separated pairs). */
static int forwarded_for(const char *s, size_t n, const char **v, size_t *vn)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == ';'))
            i++;
        size_t start = i;
        int quoted = 0;
        while (i < n && (quoted || s[i] != ';')) {
            if (s[i] == '"')
                quoted = !quoted;
            i++;
        }
        if (i - start > 4 && strncasecmp(s + start, "for=", 4) == 0) {
            *v = s + start + 4;
            *vn = i - start - 4;
            return 1;
        }
    }
    return 0;
}

/* Splits a header value into its comma-separated hops (commas inside
 * quoted strings do not split).  Returns the count, or -1 beyond max. */
static int split_hops(const char *h, const char *start[], size_t len[], int max)
{
    int n = 0;
    const char *p = h;
    while (*p) {
        const char *s = p;
        int quoted = 0;
        while (*p && (quoted || *p != ',')) {
            if (*p == '"')
                quoted = !quoted;
            p++;
        }
        size_t l = (size_t)(p - s);
        size_t blank = 0;
        while (blank < l && (s[blank] == ' ' || s[blank] == '\t'))
            blank++;
        if (blank < l) { /* empty list elements are allowed and skipped */
            if (n == max)
                return -1;
            start[n] = s;
            len[n++] = l;
        }
        if (*p)
            p++;
    }
    return n;
}

static void set_unknown(clientaddr_t *out)
{
    snprintf(out->ip, sizeof out->ip, "unknown");
    out->loopback = 0;
}

int clientaddr_key(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        memcpy(out, v4_mapped, 12);
        memcpy(out + 12, &in->sin_addr, 4);
        return 1;
    }
    if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(out, &in6->sin6_addr, 16);
        return 1;
    }
    return 0;
}

int clientaddr_trusted(const clientaddr_proxies_t *proxies, const unsigned char key[16])
{
    return trusted(proxies, key);
}

void clientaddr_resolve(const clientaddr_proxies_t *proxies, const struct sockaddr *peer,
                        const char *forwarded, const char *x_forwarded_for, clientaddr_t *out)
{
    memset(out, 0, sizeof *out);
    set_unknown(out);
    unsigned char a[16];
    if (!clientaddr_key(peer, a))
        return;
    if (peer->sa_family == AF_INET) {
        format_ip(a, out->ip, sizeof out->ip);
    } else if (!inet_ntop(AF_INET6, a, out->ip, sizeof out->ip)) {
        return set_unknown(out);
    }
    out->loopback = is_loopback(a);
    if (!trusted(proxies, a))
        return;

    int use_fwd = forwarded != NULL;
    const char *h = use_fwd ? forwarded : x_forwarded_for;
    if (!h)
        return;
    const char *start[CLIENTADDR_CHAIN_MAX];
    size_t len[CLIENTADDR_CHAIN_MAX];
    int n = split_hops(h, start, len, CLIENTADDR_CHAIN_MAX);
    if (n == 0)
        return; /* an empty header: nobody forwarded anything */
    out->forwarded = 1;
    if (n < 0)
        return set_unknown(out);
    for (int i = n - 1; i >= 0; i--) {
        const char *v = start[i];
        size_t vn = len[i];
        if (use_fwd && !forwarded_for(start[i], len[i], &v, &vn))
            return set_unknown(out);
        if (!parse_ip(v, vn, a))
            return set_unknown(out);
        if (i > 0 && trusted(proxies, a))
            continue;
        format_ip(a, out->ip, sizeof out->ip);
        out->loopback = is_loopback(a);
        return;
    }
}
