/* SPDX-License-Identifier: MIT */
/*
 * <linux/mutex.h>: sleeping locks. A task that finds the mutex held
 * sleeps on its wait list until mutex_unlock wakes it. This kernel's
 * layout (src/kapi/locking.rs): the owner task, then a wait queue head.
 */
#ifndef __LINUX_MUTEX_H
#define __LINUX_MUTEX_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/spinlock_types.h>
#include <linux/atomic.h>

struct mutex {
	atomic_long_t owner;
	spinlock_t wait_lock;
	struct list_head wait_list;
};

_Static_assert(sizeof(struct mutex) == 32, "struct mutex size");
_Static_assert(offsetof(struct mutex, wait_lock) == 8, "mutex.wait_lock");
_Static_assert(offsetof(struct mutex, wait_list) == 16, "mutex.wait_list");

#define __MUTEX_INITIALIZER(lockname)					\
	{ .owner = ATOMIC_LONG_INIT(0),					\
	  .wait_lock = __SPIN_LOCK_UNLOCKED(lockname.wait_lock),	\
	  .wait_list = { &(lockname).wait_list, &(lockname).wait_list } }

#define DEFINE_MUTEX(mutexname) \
	struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

static inline void __mutex_init(struct mutex *lock)
{
	atomic_long_set(&lock->owner, 0);
	lock->wait_lock.raw_lock = 0;
	lock->wait_list.next = &lock->wait_list;
	lock->wait_list.prev = &lock->wait_list;
}

#define mutex_init(mutex)	__mutex_init(mutex)
#define mutex_destroy(mutex)	do { (void)(mutex); } while (0)

extern void mutex_lock(struct mutex *lock);
extern int __must_check mutex_lock_interruptible(struct mutex *lock);
extern int __must_check mutex_lock_killable(struct mutex *lock);
extern int mutex_trylock(struct mutex *lock);
extern void mutex_unlock(struct mutex *lock);

#define mutex_lock_nested(lock, subclass)	mutex_lock(lock)
#define mutex_lock_interruptible_nested(lock, subclass) mutex_lock_interruptible(lock)

static inline bool mutex_is_locked(struct mutex *lock)
{
	return atomic_long_read(&lock->owner) != 0;
}

#endif /* __LINUX_MUTEX_H */
