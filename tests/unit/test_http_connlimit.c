/* Connection deadlines and the upload budget, on socketpairs with a test
 * clock (no watchdog thread). */
#include "http/connlimit.h"
#include "test.h"

#include <sys/socket.h>
#include <unistd.h>

static connlimit_t *make(void)
{
    connlimit_opts_t o = {.slots = 4, .header_timeout_s = 10, .min_body_rate = 100,
                          .rate_window_s = 10, .max_inflight = 1000, .sweep_interval_s = 0};
    return connlimit_create(&o);
}

/* 1 when the peer of fds[0] sees end of file (fds[0] was shut down). */
static int shut(int fds[2])
{
    char c;
    return recv(fds[1], &c, 1, MSG_DONTWAIT) == 0;
}

TEST(connlimit_header_deadline_is_absolute)
{
    connlimit_t *cl = make();
    REQUIRE(cl);
    int a[2], b[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
    connlimit_slot_t *sa = connlimit_open(cl, a[0], NULL, 0), *sb = connlimit_open(cl, b[0], NULL, 0);
    CHECK(sa && sb && sa != sb);
    connlimit_headers_done(cl, sb, 0, 5000); /* b: headers in, being handled */
    size_t h = 0, s = 0;
    CHECK_EQ_INT(connlimit_sweep(cl, 9000, &h, &s), 0);
    CHECK(!shut(a));
    CHECK_EQ_INT(connlimit_sweep(cl, 10001, &h, &s), 1);
    CHECK_EQ_INT(h, 1);
    CHECK(shut(a));
    CHECK(!shut(b)); /* handling is never cut */
    CHECK_EQ_INT(connlimit_sweep(cl, 20000, &h, &s), 0); /* counted once */
    connlimit_idle(cl, sb, 20000);                         /* keep-alive: waits again */
    CHECK_EQ_INT(connlimit_sweep(cl, 30001, &h, &s), 1);
    CHECK(shut(b));
    connlimit_close(cl, sa);
    connlimit_close(cl, sb);
    close(a[0]), close(a[1]), close(b[0]), close(b[1]);
    connlimit_destroy(cl);
}

TEST(connlimit_min_body_rate_per_window)
{
    connlimit_t *cl = make();
    REQUIRE(cl);
    int a[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
    connlimit_slot_t *sa = connlimit_open(cl, a[0], NULL, 0);
    connlimit_headers_done(cl, sa, 1, 0);
    connlimit_body(cl, sa, 5000, 1000); /* a fast first window */
    size_t h, s;
    CHECK_EQ_INT(connlimit_sweep(cl, 10000, &h, &s), 0);
    connlimit_body(cl, sa, 10, 15000); /* then a trickle: 10 bytes in the next 10 s */
    CHECK_EQ_INT(connlimit_sweep(cl, 19000, &h, &s), 0);
    CHECK_EQ_INT(connlimit_sweep(cl, 20001, &h, &s), 1);
    CHECK_EQ_INT(s, 1);
    CHECK(shut(a));
    connlimit_close(cl, sa);
    close(a[0]), close(a[1]);
    connlimit_destroy(cl);
}

TEST(connlimit_slots_and_budget)
{
    connlimit_t *cl = make();
    REQUIRE(cl);
    connlimit_slot_t *slots[5];
    for (int i = 0; i < 5; i++)
        slots[i] = connlimit_open(cl, -1, NULL, 0);
    CHECK(slots[3] != NULL);
    CHECK(slots[4] == NULL); /* all 4 taken: no deadline, no crash */
    connlimit_close(cl, slots[0]);
    CHECK(connlimit_open(cl, -1, NULL, 0) == slots[0]);
    connlimit_close(cl, NULL); /* untracked: ignored */
    connlimit_body(cl, NULL, 5, 0);
    connlimit_idle(cl, NULL, 0);
    CHECK(connlimit_reserve(cl, 600));
    CHECK(!connlimit_reserve(cl, 401));
    CHECK(connlimit_reserve(cl, 400));
    CHECK_EQ_INT(connlimit_inflight(cl), 1000);
    connlimit_release(cl, 1000);
    CHECK_EQ_INT(connlimit_inflight(cl), 0);
    connlimit_destroy(cl);
    connlimit_destroy(NULL);
}
