/* SPDX-License-Identifier: MIT */
/*
 * <linux/timer.h>: timers. An armed timer's function runs on the softirq
 * thread, in atomic context (it must not sleep), once jiffies reaches its
 * `expires`. The kernel writes `expires` and keeps the pending mark in
 * `entry.pprev` (timer_pending); the layout is pinned below. A timer its
 * module leaves armed at unload is deleted by the kernel, with a warning.
 */
#ifndef _LINUX_TIMER_H
#define _LINUX_TIMER_H

#include <linux/types.h>
#include <linux/jiffies.h>
#include <linux/container_of.h>
#include <linux/stddef.h>

struct timer_list {
	struct hlist_node entry;
	unsigned long expires;
	void (*function)(struct timer_list *);
	u32 flags;
};

_Static_assert(sizeof(struct timer_list) == 40, "struct timer_list size");
_Static_assert(offsetof(struct timer_list, entry.pprev) == 8, "timer_list.entry.pprev");
_Static_assert(offsetof(struct timer_list, expires) == 16, "timer_list.expires");
_Static_assert(offsetof(struct timer_list, function) == 24, "timer_list.function");
_Static_assert(offsetof(struct timer_list, flags) == 32, "timer_list.flags");

#define TIMER_DEFERRABLE	0x00080000
#define TIMER_PINNED		0x00100000
#define TIMER_IRQSAFE		0x00200000

#define __TIMER_INITIALIZER(_function, _flags) {			\
		.entry = { .next = NULL, .pprev = NULL },		\
		.function = (_function),				\
		.flags = (_flags),					\
	}

#define DEFINE_TIMER(_name, _function)					\
	struct timer_list _name = __TIMER_INITIALIZER(_function, 0)

extern void init_timer_key(struct timer_list *timer, void (*func)(struct timer_list *),
			   unsigned int flags, const char *name, void *key);

#define timer_setup(timer, callback, flags)				\
	init_timer_key((timer), (callback), (flags), #timer, NULL)
#define timer_setup_on_stack(timer, callback, flags) timer_setup(timer, callback, flags)
#define destroy_timer_on_stack(timer)	do { (void)(timer); } while (0)

#define from_timer(var, callback_timer, timer_fieldname) \
	container_of(callback_timer, __typeof__(*var), timer_fieldname)

static inline int timer_pending(const struct timer_list *timer)
{
	return __atomic_load_n(&timer->entry.pprev, __ATOMIC_RELAXED) != NULL;
}

extern void add_timer(struct timer_list *timer);
extern void add_timer_on(struct timer_list *timer, int cpu);
extern int mod_timer(struct timer_list *timer, unsigned long expires);
extern int mod_timer_pending(struct timer_list *timer, unsigned long expires);
extern int timer_delete(struct timer_list *timer);
extern int timer_delete_sync(struct timer_list *timer);
extern int timer_shutdown_sync(struct timer_list *timer);
extern int del_timer(struct timer_list *timer);
extern int del_timer_sync(struct timer_list *timer);

#define timer_shutdown(timer)	timer_delete(timer)

#endif /* _LINUX_TIMER_H */
