/*
 * clientaddr.h — who the client of a request is: the TCP peer, or, when the
 * peer is one of TRUSTED_PROXIES, the address that proxy forwarded.
 *
 * TRUSTED_PROXIES is a comma-separated list of IP addresses and CIDR
 * networks ("172.16.0.0/12, ::1").  A request from a peer outside the list
 * is that peer, whatever headers it sends.  From a trusted peer, the
 * forwarding chain is read from `Forwarded` (RFC 7239, its for= parameters)
 * or, when that header is absent, from `X-Forwarded-For`; the chain is
 * walked from the right (the hop closest to us), skipping addresses that
 * are themselves trusted proxies, and the first other address is the
 * client (if every hop is trusted, the leftmost one).  A trusted peer that
 * sends neither header is the client itself (a proxy's own health check).
 * A chain entry that is not an IP address (obfuscated "_hidden", "unknown",
 * garbage) makes the client "unknown": never loopback, one shared rate
 * bucket.
 *
 * `loopback` is set when the resolved client is 127.0.0.0/8 or ::1 (also as
 * an IPv4-mapped IPv6 address); the admin rule of the HTTP server uses it.
 *
 * Lifecycle: clientaddr_proxies_t is a plain value, parsed once from the
 * configuration; read it from any number of threads.  No heap memory.
 *
 * Errors: clientaddr_proxies_parse returns AI_ERR_VALIDATION_ERROR naming
 * the entry at fault ("TRUSTED_PROXIES: \"10.0.0.0/33\" is not an IP
 * address or CIDR network") or when there are more than
 * CLIENTADDR_PROXIES_MAX entries.
 */
#ifndef AI_HTTP_CLIENTADDR_H
#define AI_HTTP_CLIENTADDR_H

#include <stddef.h>
#include <sys/socket.h>

#include "base/error.h"

#define CLIENTADDR_PROXIES_MAX 32
#define CLIENTADDR_CHAIN_MAX   64 /* forwarded hops looked at; more = "unknown" */
#define CLIENTADDR_IP_MAX      64

typedef struct {
    unsigned char addr[16]; /* IPv6, IPv4 as ::ffff:a.b.c.d */
    unsigned prefix;        /* 0..128 */
} clientaddr_net_t;

typedef struct {
    clientaddr_net_t nets[CLIENTADDR_PROXIES_MAX];
    size_t n;
} clientaddr_proxies_t;

typedef struct {
    char ip[CLIENTADDR_IP_MAX]; /* printable address, or "unknown" */
    int loopback;
    int forwarded; /* 1 when the address came from a forwarding header */
} clientaddr_t;

ai_err_t clientaddr_proxies_parse(const char *list, clientaddr_proxies_t *out, ai_error_t *err);

/* The 16-byte form of a socket address (IPv4 as ::ffff:a.b.c.d) in out.
 * Returns 1, or 0 when sa is NULL or neither IPv4 nor IPv6. */
int clientaddr_key(const struct sockaddr *sa, unsigned char out[16]);

/* 1 when the address (clientaddr_key form) is one of the trusted proxies. */
int clientaddr_trusted(const clientaddr_proxies_t *proxies, const unsigned char key[16]);

/* Resolves the client of a request from peer `peer` (NULL = unknown) with
 * the values of its Forwarded and X-Forwarded-For headers (NULL when
 * absent; several header lines joined with ", "). */
void clientaddr_resolve(const clientaddr_proxies_t *proxies, const struct sockaddr *peer,
                        const char *forwarded, const char *x_forwarded_for, clientaddr_t *out);

#endif
