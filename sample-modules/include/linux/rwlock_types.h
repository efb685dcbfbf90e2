/* SPDX-License-Identifier: MIT */
/* <linux/rwlock_types.h>: rwlock_t (in <linux/spinlock_types.h>). */
#include <linux/spinlock_types.h>
