/* SPDX-License-Identifier: MIT */
/* <linux/irqflags.h>: interrupts are not a module's to mask here. */
#ifndef _LINUX_IRQFLAGS_H
#define _LINUX_IRQFLAGS_H

#include <linux/compiler.h>

#define local_irq_enable()		barrier()
#define local_irq_disable()		barrier()
#define local_irq_save(flags)		do { (flags) = 0; barrier(); } while (0)
#define local_irq_restore(flags)	do { (void)(flags); barrier(); } while (0)
#define irqs_disabled()			(0)

#endif /* _LINUX_IRQFLAGS_H */
