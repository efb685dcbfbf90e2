/* SPDX-License-Identifier: MIT */
/*
 * <linux/spinlock.h>: spinlocks (and, through <linux/rwlock.h>, rwlocks).
 * A holder spins while another holds the lock and is in atomic context:
 * sleeping under a spinlock is reported in the kernel log as Linux's
 * "BUG: sleeping function called from invalid context". Interrupts are
 * not a module's to mask in this kernel: the _irqsave forms save 0.
 */
#ifndef __LINUX_SPINLOCK_H
#define __LINUX_SPINLOCK_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/spinlock_types.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/bottom_half.h>
#include <linux/atomic.h>

void _raw_spin_lock(void *lock);
void _raw_spin_lock_bh(void *lock);
void _raw_spin_lock_irq(void *lock);
void _raw_spin_unlock(void *lock);
void _raw_spin_unlock_bh(void *lock);
void _raw_spin_unlock_irq(void *lock);
int _raw_spin_trylock(void *lock);
int _raw_spin_trylock_bh(void *lock);
unsigned long _raw_spin_lock_irqsave(void *lock);
void _raw_spin_unlock_irqrestore(void *lock, unsigned long flags);

#define raw_spin_lock_init(lock)	do { (lock)->raw_lock = 0; } while (0)
#define spin_lock_init(lock)		do { (lock)->raw_lock = 0; } while (0)

#define raw_spin_lock(lock)		_raw_spin_lock(lock)
#define raw_spin_unlock(lock)		_raw_spin_unlock(lock)
#define raw_spin_trylock(lock)		_raw_spin_trylock(lock)
#define raw_spin_lock_irq(lock)		_raw_spin_lock_irq(lock)
#define raw_spin_unlock_irq(lock)	_raw_spin_unlock_irq(lock)
#define raw_spin_lock_bh(lock)		_raw_spin_lock_bh(lock)
#define raw_spin_unlock_bh(lock)	_raw_spin_unlock_bh(lock)
#define raw_spin_lock_irqsave(lock, flags) \
	do { (flags) = _raw_spin_lock_irqsave(lock); } while (0)
#define raw_spin_unlock_irqrestore(lock, flags) _raw_spin_unlock_irqrestore(lock, flags)

static __always_inline void spin_lock(spinlock_t *lock) { _raw_spin_lock(lock); }
static __always_inline void spin_lock_bh(spinlock_t *lock) { _raw_spin_lock_bh(lock); }
static __always_inline void spin_lock_irq(spinlock_t *lock) { _raw_spin_lock_irq(lock); }
static __always_inline void spin_unlock(spinlock_t *lock) { _raw_spin_unlock(lock); }
static __always_inline void spin_unlock_bh(spinlock_t *lock) { _raw_spin_unlock_bh(lock); }
static __always_inline void spin_unlock_irq(spinlock_t *lock) { _raw_spin_unlock_irq(lock); }
static __always_inline int spin_trylock(spinlock_t *lock) { return _raw_spin_trylock(lock); }
static __always_inline int spin_trylock_bh(spinlock_t *lock) { return _raw_spin_trylock_bh(lock); }

#define spin_lock_irqsave(lock, flags)					\
	do { (flags) = _raw_spin_lock_irqsave(lock); } while (0)
#define spin_lock_irqsave_nested(lock, flags, subclass) spin_lock_irqsave(lock, flags)
#define spin_lock_nested(lock, subclass)	spin_lock(lock)

static __always_inline void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	_raw_spin_unlock_irqrestore(lock, flags);
}

static __always_inline int spin_is_locked(spinlock_t *lock)
{
	return READ_ONCE(lock->raw_lock) != 0;
}

#define assert_spin_locked(lock)	do { (void)(lock); } while (0)
#define lockdep_assert_held(lock)	do { (void)(lock); } while (0)

#include <linux/rwlock.h>

#endif /* __LINUX_SPINLOCK_H */
