/* SPDX-License-Identifier: MIT */
/* <linux/random.h>: random bytes and numbers for modules. */
#ifndef _LINUX_RANDOM_H
#define _LINUX_RANDOM_H

#include <linux/types.h>

extern void get_random_bytes(void *buf, size_t len);
extern u32 get_random_u32(void);
extern u64 get_random_u64(void);

static inline u8 get_random_u8(void) { return (u8)get_random_u32(); }
static inline u16 get_random_u16(void) { return (u16)get_random_u32(); }
static inline unsigned long get_random_long(void) { return get_random_u64(); }
static inline unsigned int get_random_int(void) { return get_random_u32(); }

/* Uniform in [0, ceil) (0 when ceil is 0). */
static inline u32 get_random_u32_below(u32 ceil)
{
	return ceil ? (u32)(((u64)get_random_u32() * ceil) >> 32) : 0;
}

static inline u32 get_random_u32_inclusive(u32 floor, u32 ceil)
{
	return floor + get_random_u32_below(ceil - floor + 1);
}

#define prandom_u32_max(ceil)	get_random_u32_below(ceil)

#endif /* _LINUX_RANDOM_H */
