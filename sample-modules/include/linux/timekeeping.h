/* SPDX-License-Identifier: MIT */
/* <linux/timekeeping.h>: the monotonic and real clocks. */
#ifndef _LINUX_TIMEKEEPING_H
#define _LINUX_TIMEKEEPING_H

#include <linux/ktime.h>

extern ktime_t ktime_get(void);
extern ktime_t ktime_get_real(void);
extern time64_t ktime_get_seconds(void);
extern time64_t ktime_get_real_seconds(void);

static inline ktime_t ktime_get_boottime(void) { return ktime_get(); }
static inline ktime_t ktime_get_raw(void) { return ktime_get(); }
static inline u64 ktime_get_ns(void) { return ktime_get(); }
static inline u64 ktime_get_raw_ns(void) { return ktime_get(); }
static inline u64 ktime_get_boottime_ns(void) { return ktime_get(); }
static inline u64 ktime_get_real_ns(void) { return ktime_get_real(); }
static inline u64 ktime_get_mono_fast_ns(void) { return ktime_get(); }

#endif /* _LINUX_TIMEKEEPING_H */
