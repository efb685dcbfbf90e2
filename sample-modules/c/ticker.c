// SPDX-License-Identifier: GPL-2.0
/*
 * ticker: things that run over time, counted in read-only parameters
 * (/sys/module/ticker/parameters/<name>):
 *   timer_ticks    a periodic timer, every `period_ms`
 *   works          work its timer queues on the module's own workqueue
 *   delayed        a delayed work item re-queueing itself every period
 *   system_works   work on the system queue (schedule_work), from the
 *                  delayed work
 *   kthread_loops  a kthread sleeping `period_ms` (msleep) per loop
 * Everything is stopped and waited for in exit, in Linux's order. With
 * bad=1 the timer callback calls msleep: sleeping in atomic context,
 * which the kernel reports.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

static int period_ms = 20;
module_param(period_ms, int, 0444);
static int bad;
module_param(bad, int, 0444);
static int timer_ticks, works, delayed, system_works, kthread_loops;
module_param(timer_ticks, int, 0444);
module_param(works, int, 0444);
module_param(delayed, int, 0444);
module_param(system_works, int, 0444);
module_param(kthread_loops, int, 0444);

static struct timer_list timer;
static struct workqueue_struct *wq;
static struct work_struct work;
static struct delayed_work dwork;
static struct task_struct *thread;
static bool stopping;

static void work_fn(struct work_struct *w)
{
	works++;
}

static void system_work_fn(struct work_struct *w)
{
	system_works++;
}
static DECLARE_WORK(system_work, system_work_fn);

static void dwork_fn(struct work_struct *w)
{
	struct delayed_work *d = to_delayed_work(w);

	delayed++;
	schedule_work(&system_work);
	if (!READ_ONCE(stopping))
		queue_delayed_work(wq, d, msecs_to_jiffies(period_ms));
}

static void timer_fn(struct timer_list *t)
{
	timer_ticks++;
	if (bad && timer_ticks == 1)
		msleep(1);
	queue_work(wq, &work);
	mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

static int thread_fn(void *data)
{
	while (!kthread_should_stop()) {
		kthread_loops++;
		msleep(period_ms);
	}
	return kthread_loops;
}

static int __init ticker_init(void)
{
	wq = alloc_workqueue("ticker", WQ_UNBOUND, 1);
	if (!wq)
		return -ENOMEM;
	INIT_WORK(&work, work_fn);
	INIT_DELAYED_WORK(&dwork, dwork_fn);
	timer_setup(&timer, timer_fn, 0);
	mod_timer(&timer, jiffies + msecs_to_jiffies(period_ms));
	queue_delayed_work(wq, &dwork, msecs_to_jiffies(period_ms));
	thread = kthread_run(thread_fn, NULL, "ticker");
	if (IS_ERR(thread)) {
		timer_delete_sync(&timer);
		cancel_delayed_work_sync(&dwork);
		destroy_workqueue(wq);
		return PTR_ERR(thread);
	}
	pr_info("ticking every %d ms (HZ %d)\n", period_ms, HZ);
	return 0;
}

static void __exit ticker_exit(void)
{
	int loops;

	WRITE_ONCE(stopping, true);
	loops = kthread_stop(thread);
	timer_delete_sync(&timer);
	cancel_delayed_work_sync(&dwork);
	destroy_workqueue(wq);
	flush_scheduled_work();
	cancel_work_sync(&system_work);
	pr_info("timer %d works %d delayed %d system %d kthread %d (stop returned %d)\n",
		timer_ticks, works, delayed, system_works, kthread_loops, loops);
}

module_init(ticker_init);
module_exit(ticker_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A periodic timer, work queues, delayed work and a kthread");
