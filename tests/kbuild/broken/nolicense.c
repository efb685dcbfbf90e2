// SPDX-License-Identifier: GPL-2.0
/* Forgot MODULE_LICENSE(). */
#include <linux/module.h>

static int __init nolicense_init(void)
{
	return 0;
}
module_init(nolicense_init);
