// SPDX-License-Identifier: GPL-2.0
/* Calls a function that neither the kernel nor any module exports. */
#include <linux/module.h>

int no_such_function(void);

static int __init undefined_init(void)
{
	return no_such_function();
}
module_init(undefined_init);
MODULE_LICENSE("GPL");
