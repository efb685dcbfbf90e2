/* SPDX-License-Identifier: MIT */
/*
 * <linux/spinlock_types.h>: spinlock_t and rwlock_t. This kernel's layout
 * (src/kapi/locking.rs): a spinlock is one word, 0 free, 1 held; an rwlock
 * one word counting readers, its top bit a writer.
 */
#ifndef __LINUX_SPINLOCK_TYPES_H
#define __LINUX_SPINLOCK_TYPES_H

#include <linux/types.h>

typedef struct raw_spinlock {
	volatile unsigned int raw_lock;
} raw_spinlock_t;

typedef struct spinlock {
	volatile unsigned int raw_lock;
} spinlock_t;

_Static_assert(sizeof(spinlock_t) == 4, "spinlock_t size");

#define __RAW_SPIN_LOCK_UNLOCKED(lockname)	((raw_spinlock_t){ .raw_lock = 0 })
#define __SPIN_LOCK_UNLOCKED(lockname)		((spinlock_t){ .raw_lock = 0 })
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x)	raw_spinlock_t x = __RAW_SPIN_LOCK_UNLOCKED(x)

typedef struct {
	volatile unsigned int cnts;
} rwlock_t;

_Static_assert(sizeof(rwlock_t) == 4, "rwlock_t size");

#define __RW_LOCK_UNLOCKED(lockname)	((rwlock_t){ .cnts = 0 })
#define DEFINE_RWLOCK(x)	rwlock_t x = __RW_LOCK_UNLOCKED(x)

#endif /* __LINUX_SPINLOCK_TYPES_H */
