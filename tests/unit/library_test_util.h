/* Helpers of the library tests (library_test_util.c). */
#ifndef AI_TESTS_LIBRARY_TEST_UTIL_H
#define AI_TESTS_LIBRARY_TEST_UTIL_H

#include "library/library.h"

#include <stddef.h>

/* Fills *cfg for SQLite (pg = 0) or PostgreSQL (pg = 1, AI_TEST_DATABASE_URL,
 * table emptied) with DATA_DIR under the test's temp dir.  Returns 0, 1 when
 * PostgreSQL is not set up, -1 on failure. */
int backend_config(config_t *cfg, int pg);

/* Fills *cfg for the backend; skips the test when PostgreSQL is not set up. */
#define BACKEND_OR_SKIP(cfg, pg)                                                                   \
    do {                                                                                           \
        int b_ = backend_config(cfg, pg);                                                          \
        if (b_ > 0)                                                                                \
            SKIP("AI_TEST_DATABASE_URL not set (run `make test-postgres`)");                       \
        REQUIRE(b_ == 0);                                                                          \
    } while (0)

/* Distinct generated 12 s tracks (sox synth recipes); make_track writes
 * recipes[i] to path.  Returns the shell status. */
extern const char *const recipes[];
#define NRECIPES 4
int make_track(const char *path, int i);

/* Every ready row has its file and fingerprints; nothing pending remains;
 * no orphan fingerprints; raw/ holds exactly the ready rows' files
 * (want_ready = (size_t)-1: any number of ready rows). */
void check_consistent(library_t *lib, size_t want_ready);

#endif
