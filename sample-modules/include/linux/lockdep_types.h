/* SPDX-License-Identifier: MIT */
/* Lock classes, as Linux's <linux/lockdep_types.h> without CONFIG_LOCKDEP:
 * a key is an empty object whose address is its identity. */
#ifndef _LINUX_LOCKDEP_TYPES_H
#define _LINUX_LOCKDEP_TYPES_H

struct lock_class_key { };

#endif
