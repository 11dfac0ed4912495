/*
 * planlock.h — the process-wide lock around FFT plan creation/destruction.
 *
 * FFTW's planner is not thread-safe and is shared by the whole process, so
 * every module that makes or destroys plans (fp, embed) takes this one lock
 * around those calls.  Executing a plan needs no lock.
 */
#ifndef AI_BASE_PLANLOCK_H
#define AI_BASE_PLANLOCK_H

void plan_lock(void);
void plan_unlock(void);

#endif
