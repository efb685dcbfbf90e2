/* SPDX-License-Identifier: MIT */
/*
 * <linux/delay.h>: msleep, ssleep and usleep_range sleep (the task gives
 * the CPU away); udelay, ndelay and mdelay spin, as Linux's (allowed in
 * atomic context).
 */
#ifndef _LINUX_DELAY_H
#define _LINUX_DELAY_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/sched.h>

extern void __udelay(unsigned long usecs);
extern void __ndelay(unsigned long nsecs);
#define udelay(n)	__udelay(n)
#define ndelay(n)	__ndelay(n)

#define MAX_UDELAY_MS	5
#define mdelay(n) ({ unsigned long __ms = (n); while (__ms--) udelay(1000); })

extern void msleep(unsigned int msecs);
extern unsigned long msleep_interruptible(unsigned int msecs);
extern void usleep_range_state(unsigned long min, unsigned long max, unsigned int state);

static inline void usleep_range(unsigned long min, unsigned long max)
{
	usleep_range_state(min, max, TASK_UNINTERRUPTIBLE);
}

static inline void usleep_idle_range(unsigned long min, unsigned long max)
{
	usleep_range_state(min, max, TASK_IDLE);
}

static inline void ssleep(unsigned int seconds)
{
	msleep(seconds * 1000);
}

static inline void fsleep(unsigned long usecs)
{
	if (usecs <= 10)
		udelay(usecs);
	else if (usecs <= 20000)
		usleep_range(usecs, 2 * usecs);
	else
		msleep((usecs + 999) / 1000);
}

#endif /* _LINUX_DELAY_H */
