/* SPDX-License-Identifier: MIT */
/*
 * <linux/jiffies.h>: `jiffies` is the kernel's variable (it advances HZ
 * times a second, from Linux's INITIAL_JIFFIES), HZ, the wrap-safe
 * comparisons and the conversions.
 */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#include <linux/types.h>
#include <linux/compiler.h>

#define HZ		250
#define USER_HZ		100
#define TICK_NSEC	(1000000000UL / HZ)
#define MAX_JIFFY_OFFSET ((LONG_MAX >> 1) - 1)
#define INITIAL_JIFFIES	((unsigned long)(unsigned int)(-300 * HZ))

extern unsigned long volatile jiffies;
extern u64 jiffies_64;

extern u64 get_jiffies_64(void);

#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)
#define time_in_range(a, b, c)	(time_after_eq(a, b) && time_before_eq(a, c))
#define time_in_range_open(a, b, c) (time_after_eq(a, b) && time_before(a, c))
#define time_after64(a, b)	((s64)((b) - (a)) < 0)
#define time_before64(a, b)	time_after64(b, a)
#define time_after_eq64(a, b)	((s64)((a) - (b)) >= 0)
#define time_before_eq64(a, b)	time_after_eq64(b, a)
#define time_is_before_jiffies(a)	time_after(jiffies, a)
#define time_is_after_jiffies(a)	time_before(jiffies, a)
#define time_is_before_eq_jiffies(a)	time_after_eq(jiffies, a)
#define time_is_after_eq_jiffies(a)	time_before_eq(jiffies, a)

extern unsigned int jiffies_to_msecs(const unsigned long j);
extern unsigned int jiffies_to_usecs(const unsigned long j);
extern unsigned long __msecs_to_jiffies(const unsigned int m);
extern unsigned long __usecs_to_jiffies(const unsigned int u);
extern unsigned long nsecs_to_jiffies(u64 n);

static inline u64 jiffies_to_nsecs(const unsigned long j)
{
	return (u64)j * TICK_NSEC;
}

/* Rounded up: at least the time asked for. */
static __always_inline unsigned long msecs_to_jiffies(const unsigned int m)
{
	return (m + (1000 / HZ) - 1) / (1000 / HZ);
}

static __always_inline unsigned long usecs_to_jiffies(const unsigned int u)
{
	return (u + (1000000 / HZ) - 1) / (1000000 / HZ);
}

#define secs_to_jiffies(s)	((unsigned long)(s) * HZ)

#endif /* _LINUX_JIFFIES_H */
