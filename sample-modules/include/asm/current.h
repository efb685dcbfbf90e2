/* SPDX-License-Identifier: MIT */
/* <asm/current.h>: `current`, the calling task. */
#ifndef _ASM_CURRENT_H
#define _ASM_CURRENT_H

struct task_struct;

extern struct task_struct *get_current(void);

#define current get_current()

#endif /* _ASM_CURRENT_H */
