/*
 * version.h — build identity baked in at compile time (see Makefile).
 */
#ifndef AI_BASE_VERSION_H
#define AI_BASE_VERSION_H

const char *ai_version(void);    /* "0.1.0" */
const char *ai_git_sha(void);    /* short sha or "unknown" */
const char *ai_build_time(void); /* RFC 3339 UTC */

#endif
