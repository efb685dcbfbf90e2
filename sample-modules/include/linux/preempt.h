/* SPDX-License-Identifier: MIT */
/*
 * <linux/preempt.h>: this kernel tracks atomic context itself (spinlocks,
 * timers, tasklets); a module's own preempt_disable() is a barrier.
 */
#ifndef __LINUX_PREEMPT_H
#define __LINUX_PREEMPT_H

#include <linux/compiler.h>

#define preempt_disable()		barrier()
#define preempt_enable()		barrier()
#define preempt_enable_no_resched()	barrier()
#define migrate_disable()		barrier()
#define migrate_enable()		barrier()
#define in_interrupt()			(0)
#define in_irq()			(0)
#define in_hardirq()			(0)
#define in_nmi()			(0)
#define in_task()			(1)

#endif /* __LINUX_PREEMPT_H */
