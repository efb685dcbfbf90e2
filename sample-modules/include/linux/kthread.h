/* SPDX-License-Identifier: MIT */
/*
 * <linux/kthread.h>: kernel threads. kthread_create makes a thread that
 * sleeps until its first wake_up_process; kthread_run also wakes it.
 * kthread_stop asks it to stop (kthread_should_stop), wakes it, waits for
 * it to end and returns what its function returned (-EINTR if it never
 * ran). A thread its module leaves running at unload is stopped by the
 * kernel, with a warning.
 */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H

#include <linux/err.h>
#include <linux/sched.h>

struct completion;

#define NUMA_NO_NODE	(-1)

__printf(4, 5)
struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data, int node,
					   const char namefmt[], ...);

#define kthread_create(threadfn, data, namefmt, arg...) \
	kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##arg)

#define kthread_run(threadfn, data, namefmt, ...)			   \
({									   \
	struct task_struct *__k						   \
		= kthread_create(threadfn, data, namefmt, ## __VA_ARGS__); \
	if (!IS_ERR(__k))						   \
		wake_up_process(__k);					   \
	__k;								   \
})

extern int kthread_stop(struct task_struct *k);
extern bool kthread_should_stop(void);
extern void kthread_bind(struct task_struct *k, unsigned int cpu);
extern void *kthread_data(struct task_struct *k);
extern void __noreturn kthread_exit(long result);
extern void __noreturn kthread_complete_and_exit(struct completion *, long);

static inline bool kthread_should_park(void) { return false; }

#endif /* _LINUX_KTHREAD_H */
