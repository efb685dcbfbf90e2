// SPDX-License-Identifier: GPL-2.0
/*
 * careless: starts everything and stops nothing. Its exit returns with a
 * periodic timer armed, delayed work pending, work on its own workqueue,
 * a tasklet scheduled, a kthread looping and a kmem_cache. The kernel
 * must stop each (with a warning naming it) before the module's pages
 * are freed: none of these callbacks may run afterwards (each prints, so
 * a line after the unload would show it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

static struct timer_list timer;
static struct delayed_work dwork;
static struct workqueue_struct *wq;
static struct work_struct slow;
static struct kmem_cache *cache;

static void timer_fn(struct timer_list *t)
{
	pr_info("timer still runs\n");
	mod_timer(t, jiffies + msecs_to_jiffies(10));
}

static void dwork_fn(struct work_struct *w)
{
	pr_info("delayed work still runs\n");
	schedule_delayed_work(to_delayed_work(w), msecs_to_jiffies(10));
}

static void slow_fn(struct work_struct *w)
{
	pr_info("slow work still runs\n");
	msleep(50);
	queue_work(wq, w);
}

static void tasklet_fn(struct tasklet_struct *t)
{
	pr_info("tasklet still runs\n");
}
static DECLARE_TASKLET_DISABLED(tasklet, tasklet_fn);

static int loop(void *data)
{
	while (!kthread_should_stop()) {
		pr_info("kthread still runs\n");
		msleep(10);
	}
	return 0;
}

static int __init careless_init(void)
{
	struct task_struct *t;

	timer_setup(&timer, timer_fn, 0);
	mod_timer(&timer, jiffies + 1);
	INIT_DELAYED_WORK(&dwork, dwork_fn);
	schedule_delayed_work(&dwork, 1);
	wq = alloc_workqueue("careless", 0, 1);
	INIT_WORK(&slow, slow_fn);
	queue_work(wq, &slow);
	tasklet_schedule(&tasklet);	/* disabled: it stays scheduled */
	t = kthread_run(loop, NULL, "careless");
	cache = kmem_cache_create("careless_cache", 64, 0, 0, NULL);
	kmem_cache_alloc(cache, GFP_KERNEL);
	pr_info("started everything%s\n", IS_ERR(t) ? " but the kthread" : "");
	return 0;
}

static void __exit careless_exit(void)
{
	pr_info("exit returns, leaving everything running\n");
}

module_init(careless_init);
module_exit(careless_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaves timers, work, a tasklet and a kthread running at unload");
