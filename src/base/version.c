#include "base/version.h"

#ifndef AI_VERSION
#define AI_VERSION "0.0.0"
#endif
#ifndef AI_GIT_SHA
#define AI_GIT_SHA "unknown"
#endif
#ifndef AI_BUILD_TIME
#define AI_BUILD_TIME "1970-01-01T00:00:00Z"
#endif

const char *ai_version(void)
{
    return AI_VERSION;
}

const char *ai_git_sha(void)
{
    return AI_GIT_SHA;
}

const char *ai_build_time(void)
{
    return AI_BUILD_TIME;
}
