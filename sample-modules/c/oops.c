// SPDX-License-Identifier: GPL-2.0
/*
 * oops: faults on purpose, where its `where` parameter says, to show that
 * a module's bug is an Oops, not a dead kernel:
 *   where=init   NULL write in init       where=exit  NULL read in exit
 *   where=bug    BUG() in init            (empty)     loads and unloads
 *   where=timer  NULL write in a timer callback (on the softirq thread),
 *                with a periodic timer of its own still armed
 *   where=kthread NULL write in a kthread
 * and its `poke` parameter's own set op dereferences NULL when written.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/kthread.h>
#include <linux/timer.h>

static char *where = "";
module_param(where, charp, 0444);
MODULE_PARM_DESC(where, "Where to fault: init, exit, bug, or nowhere");

static int *volatile nowhere;

static int poke_set(const char *val, const struct kernel_param *kp)
{
	pr_info("poking %s\n", val);
	*nowhere = 1;
	return 0;
}

static int poke_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%d\n", 0);
}

static const struct kernel_param_ops poke_ops = {
	.set = poke_set,
	.get = poke_get,
};
module_param_cb(poke, &poke_ops, NULL, 0644);

static struct timer_list bad_timer, good_timer;
static int good_ticks;
module_param(good_ticks, int, 0444);

static void bad_timer_fn(struct timer_list *t)
{
	pr_info("timer callback faults\n");
	*nowhere = 7;
}

static void good_timer_fn(struct timer_list *t)
{
	good_ticks++;
	mod_timer(t, jiffies + 1);
}

static int bad_thread(void *data)
{
	pr_info("kthread faults\n");
	*nowhere = 8;
	return 0;
}

static int __init oops_init(void)
{
	pr_info("init, faulting at '%s'\n", where);
	if (!strcmp(where, "init"))
		*nowhere = 42;
	if (!strcmp(where, "bug"))
		BUG();
	if (!strcmp(where, "timer")) {
		timer_setup(&good_timer, good_timer_fn, 0);
		mod_timer(&good_timer, jiffies + 1);
		timer_setup(&bad_timer, bad_timer_fn, 0);
		mod_timer(&bad_timer, jiffies + msecs_to_jiffies(30));
	}
	if (!strcmp(where, "kthread"))
		kthread_run(bad_thread, NULL, "oops-thread");
	return 0;
}

static void __exit oops_exit(void)
{
	pr_info("exit, faulting at '%s'\n", where);
	if (!strcmp(where, "exit"))
		pr_info("read %d\n", *nowhere);
	timer_delete_sync(&good_timer);
	timer_delete_sync(&bad_timer);
}

module_init(oops_init);
module_exit(oops_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Faults on purpose: the Oops path");
