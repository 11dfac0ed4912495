#include "base/planlock.h"

#include <pthread.h>

static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

void plan_lock(void)
{
    pthread_mutex_lock(&planner);
}

void plan_unlock(void)
{
    pthread_mutex_unlock(&planner);
}
