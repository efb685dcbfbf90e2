/* SPDX-License-Identifier: MIT */
/*
 * <linux/interrupt.h>: tasklets (this kernel has no device interrupts
 * for modules). A scheduled tasklet runs once on the softirq thread, in
 * atomic context; tasklet_kill waits for a scheduled or running one. The
 * layout of struct tasklet_struct is pinned below (src/kapi/timer.rs).
 */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/bottom_half.h>

struct tasklet_struct {
	struct tasklet_struct *next;
	unsigned long state;
	atomic_t count;
	bool use_callback;
	union {
		void (*func)(unsigned long data);
		void (*callback)(struct tasklet_struct *t);
	};
	unsigned long data;
};

_Static_assert(sizeof(struct tasklet_struct) == 40, "struct tasklet_struct size");
_Static_assert(offsetof(struct tasklet_struct, func) == 24, "tasklet_struct.func");

enum {
	TASKLET_STATE_SCHED,
	TASKLET_STATE_RUN
};

#define DECLARE_TASKLET(name, _callback)				\
struct tasklet_struct name = {						\
	.count = ATOMIC_INIT(0),					\
	.callback = _callback,						\
	.use_callback = true,						\
}

#define DECLARE_TASKLET_DISABLED(name, _callback)			\
struct tasklet_struct name = {						\
	.count = ATOMIC_INIT(1),					\
	.callback = _callback,						\
	.use_callback = true,						\
}

#define from_tasklet(var, callback_tasklet, tasklet_fieldname)	\
	container_of(callback_tasklet, __typeof__(*var), tasklet_fieldname)

#define DECLARE_TASKLET_OLD(name, _func)				\
struct tasklet_struct name = {						\
	.count = ATOMIC_INIT(0),					\
	.func = _func,							\
}

#define DECLARE_TASKLET_DISABLED_OLD(name, _func)			\
struct tasklet_struct name = {						\
	.count = ATOMIC_INIT(1),					\
	.func = _func,							\
}

extern void __tasklet_schedule(struct tasklet_struct *t);
extern void __tasklet_hi_schedule(struct tasklet_struct *t);

static inline void tasklet_schedule(struct tasklet_struct *t)
{
	__tasklet_schedule(t);
}

static inline void tasklet_hi_schedule(struct tasklet_struct *t)
{
	__tasklet_hi_schedule(t);
}

extern void tasklet_kill(struct tasklet_struct *t);
extern void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long),
			 unsigned long data);
extern void tasklet_setup(struct tasklet_struct *t,
			  void (*callback)(struct tasklet_struct *));
extern void tasklet_disable_nosync(struct tasklet_struct *t);
extern void tasklet_disable(struct tasklet_struct *t);
extern void tasklet_enable(struct tasklet_struct *t);

#define tasklet_disable_in_atomic(t)	tasklet_disable_nosync(t)

#endif /* _LINUX_INTERRUPT_H */
