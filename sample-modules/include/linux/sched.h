/* SPDX-License-Identifier: MIT */
/*
 * <linux/sched.h>: tasks. `current` is the calling task: the process a
 * syscall or file operation runs for, or a kernel thread. struct
 * task_struct carries the fields modules read (state, pid, tgid, comm,
 * the pending and blocked signals); its layout is this kernel's
 * (src/sched.rs), pinned by the asserts. A task sleeps with
 * set_current_state + schedule, and wake_up_process wakes it.
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/compiler.h>
#include <linux/signal_types.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/current.h>

#define TASK_RUNNING		0x00000000
#define TASK_INTERRUPTIBLE	0x00000001
#define TASK_UNINTERRUPTIBLE	0x00000002
#define __TASK_STOPPED		0x00000004
#define __TASK_TRACED		0x00000008
#define TASK_DEAD		0x00000080
#define TASK_WAKEKILL		0x00000100
#define TASK_WAKING		0x00000200
#define TASK_NOLOAD		0x00000400
#define TASK_KILLABLE		(TASK_WAKEKILL | TASK_UNINTERRUPTIBLE)
#define TASK_IDLE		(TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define TASK_NORMAL		(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)

#define PF_KTHREAD		0x00200000

#define TASK_COMM_LEN		16
#define MAX_SCHEDULE_TIMEOUT	LONG_MAX

struct task_struct {
	unsigned int __state;
	unsigned int flags;
	pid_t pid;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
	struct sigpending pending;
	sigset_t blocked;
	void *__starry;		/* the kernel's */
};

_Static_assert(sizeof(struct task_struct) == 72, "struct task_struct size");
_Static_assert(offsetof(struct task_struct, pid) == 8, "task_struct.pid");
_Static_assert(offsetof(struct task_struct, tgid) == 12, "task_struct.tgid");
_Static_assert(offsetof(struct task_struct, comm) == 16, "task_struct.comm");
_Static_assert(offsetof(struct task_struct, pending) == 32, "task_struct.pending");
_Static_assert(offsetof(struct task_struct, blocked) == 56, "task_struct.blocked");

#define __set_current_state(state_value)	WRITE_ONCE(current->__state, (state_value))
#define set_current_state(state_value)	smp_store_mb(current->__state, (state_value))
#define get_current_state()	READ_ONCE(current->__state)
#define task_is_running(task)	(READ_ONCE((task)->__state) == TASK_RUNNING)

extern void schedule(void);
extern long schedule_timeout(long timeout);
extern long schedule_timeout_interruptible(long timeout);
extern long schedule_timeout_killable(long timeout);
extern long schedule_timeout_uninterruptible(long timeout);
extern long schedule_timeout_idle(long timeout);
extern long io_schedule_timeout(long timeout);
extern int wake_up_process(struct task_struct *tsk);
extern int wake_up_state(struct task_struct *tsk, unsigned int state);
extern int __cond_resched(void);
extern void yield(void);
extern void set_user_nice(struct task_struct *p, long nice);

#define cond_resched()	__cond_resched()
#define io_schedule()	schedule()

static inline pid_t task_pid_nr(struct task_struct *tsk) { return tsk->pid; }
static inline pid_t task_tgid_nr(struct task_struct *tsk) { return tsk->tgid; }
static inline pid_t task_pid_vnr(struct task_struct *tsk) { return tsk->pid; }

static inline char *__get_task_comm(char *buf, size_t n, struct task_struct *tsk)
{
	size_t i;

	for (i = 0; i + 1 < n && i < TASK_COMM_LEN && tsk->comm[i]; i++)
		buf[i] = tsk->comm[i];
	buf[i] = 0;
	return buf;
}

#define get_task_comm(buf, tsk)	__get_task_comm(buf, sizeof(buf), tsk)

#define get_task_struct(t)	(t)
#define put_task_struct(t)	do { (void)(t); } while (0)

/* Signals (Linux keeps these in <linux/sched/signal.h>, which includes us). */
static inline int signal_pending(struct task_struct *p)
{
	int i;

	for (i = 0; i < _NSIG_WORDS; i++)
		if (READ_ONCE(p->pending.signal.sig[i]) & ~p->blocked.sig[i])
			return 1;
	return 0;
}

static inline int fatal_signal_pending(struct task_struct *p)
{
	return (READ_ONCE(p->pending.signal.sig[0]) >> (SIGKILL - 1)) & 1;
}

static inline int signal_pending_state(unsigned int state, struct task_struct *p)
{
	if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)))
		return 0;
	if (!signal_pending(p))
		return 0;
	return (state & TASK_INTERRUPTIBLE) || fatal_signal_pending(p);
}

#endif /* _LINUX_SCHED_H */
