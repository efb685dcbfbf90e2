// SPDX-License-Identifier: GPL-2.0
/*
 * hang: loaded with hold=1, an init that does not return until told to,
 * to show that a stuck module stalls only its caller (other processes and
 * module syscalls go on) and that the hung-task watchdog reports it.
 * Writing 1 to /sys/module/hang/parameters/release (the file exists while
 * the module is coming) lets init finish. Without hold=1 it loads at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/moduleparam.h>

static int hold;
module_param(hold, int, 0444);
MODULE_PARM_DESC(hold, "1: init waits until release is written");

static int release;
module_param(release, int, 0644);
MODULE_PARM_DESC(release, "Write 1 to let init return");

static int __init hang_init(void)
{
	if (!hold)
		return 0;
	pr_info("init waits for release=1\n");
	while (!READ_ONCE(release))
		__asm__ volatile("" ::: "memory");
	pr_info("released\n");
	return 0;
}

static void __exit hang_exit(void)
{
	pr_info("bye\n");
}

module_init(hang_init);
module_exit(hang_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("An init that waits until its parameter releases it");
