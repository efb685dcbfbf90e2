// SPDX-License-Identifier: GPL-2.0
/*
 * counters: `threads` kthreads each add 1 to five counters `iters` times,
 * under a mutex, a spinlock, an rwlock (as writer; readers check in
 * between), and with atomic_t and atomic64_t. They start together: each
 * waits on a `go` completion that a starter kthread completes once all
 * are created (a handshake between kthreads), and each completes `done`
 * when it finishes. Init waits for every `done`, then the totals are
 * exact: threads * iters each. They are printed and readable in
 * /proc/counters; exit checks every kthread_stop result.
 *
 * With bench=N, init also times N uncontended mutex and spinlock pairs,
 * N/100 kthread_run+kthread_stop and N/100 work items queued and waited
 * for (ktime_get_ns), and prints the totals (benches/figures.rs).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/rwlock.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>

#define MAX_THREADS 16

static int threads = 4;
module_param(threads, int, 0444);
MODULE_PARM_DESC(threads, "Kthreads hammering the counters (at most 16)");
static int iters = 20000;
module_param(iters, int, 0444);
MODULE_PARM_DESC(iters, "Increments per kthread and counter");

static DEFINE_MUTEX(mutex);
static DEFINE_SPINLOCK(spin);
static DEFINE_RWLOCK(rw);
static atomic_t atom = ATOMIC_INIT(0);
static atomic64_t atom64 = ATOMIC64_INIT(0);
static long by_mutex, by_spin, by_rw;
static long bad_reads;

static DECLARE_COMPLETION(go);
static struct completion done[MAX_THREADS];
static struct task_struct *tasks[MAX_THREADS];
static int results;

static int hammer(void *arg)
{
	long id = (long)arg;
	int i;

	wait_for_completion(&go);
	for (i = 0; i < iters; i++) {
		mutex_lock(&mutex);
		by_mutex++;
		mutex_unlock(&mutex);

		spin_lock(&spin);
		by_spin++;
		spin_unlock(&spin);

		write_lock(&rw);
		by_rw++;
		write_unlock(&rw);
		read_lock(&rw);
		if (by_rw < 0)
			bad_reads++;
		read_unlock(&rw);

		atomic_inc(&atom);
		atomic64_add(1, &atom64);
		if ((i & 1023) == 0)
			cond_resched();
	}
	complete(&done[id]);
	/* Wait to be stopped, as a long-lived kthread does. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule();
	}
	return (int)id + 100;
}

static int starter(void *arg)
{
	pr_info("%s (pid %d) starts %d threads\n", current->comm, current->pid, threads);
	complete_all(&go);
	return 0;
}

static int counters_show(struct seq_file *m, void *v)
{
	seq_printf(m, "mutex %ld\nspinlock %ld\nrwlock %ld\natomic %d\natomic64 %lld\n",
		   by_mutex, by_spin, by_rw, atomic_read(&atom),
		   (long long)atomic64_read(&atom64));
	return 0;
}

static int counters_open(struct inode *inode, struct file *file)
{
	return single_open(file, counters_show, NULL);
}

static const struct proc_ops counters_ops = {
	.proc_open = counters_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int bench;
module_param(bench, int, 0444);
static DECLARE_COMPLETION(bench_done);

static int nothing(void *arg)
{
	return 7;
}

static void bench_work_fn(struct work_struct *w)
{
	complete(&bench_done);
}
static DECLARE_WORK(bench_work, bench_work_fn);

static void run_bench(void)
{
	u64 t0, t1, t2, t3, t4;
	int i, bad = 0;

	t0 = ktime_get_ns();
	for (i = 0; i < bench; i++) {
		mutex_lock(&mutex);
		mutex_unlock(&mutex);
	}
	t1 = ktime_get_ns();
	for (i = 0; i < bench; i++) {
		spin_lock(&spin);
		spin_unlock(&spin);
	}
	t2 = ktime_get_ns();
	for (i = 0; i < bench / 100; i++)
		bad += kthread_stop(kthread_run(nothing, NULL, "bench")) != 7;
	t3 = ktime_get_ns();
	for (i = 0; i < bench / 100; i++) {
		schedule_work(&bench_work);
		wait_for_completion(&bench_done);
	}
	t4 = ktime_get_ns();
	pr_info("bench: %d mutex pairs %llu ns, %d spinlock pairs %llu ns, %d kthread_run+stop %llu ns, %d work round trips %llu ns%s\n",
		bench, t1 - t0, bench, t2 - t1, bench / 100, t3 - t2, bench / 100, t4 - t3,
		bad ? " (wrong results)" : "");
}

static int __init counters_init(void)
{
	struct task_struct *s;
	long i;

	if (threads < 1 || threads > MAX_THREADS)
		return -EINVAL;
	if (bench > 0)
		run_bench();
	for (i = 0; i < threads; i++) {
		init_completion(&done[i]);
		tasks[i] = kthread_run(hammer, (void *)i, "counter/%ld", i);
		if (IS_ERR(tasks[i]))
			return PTR_ERR(tasks[i]);
	}
	s = kthread_run(starter, NULL, "counter-go");
	if (IS_ERR(s))
		return PTR_ERR(s);
	for (i = 0; i < threads; i++)
		wait_for_completion(&done[i]);
	pr_info("mutex %ld spinlock %ld rwlock %ld atomic %d atomic64 %lld (expected %d each)\n",
		by_mutex, by_spin, by_rw, atomic_read(&atom), (long long)atomic64_read(&atom64),
		threads * iters);
	if (bad_reads)
		pr_err("%ld bad reads under the rwlock\n", bad_reads);
	if (!proc_create("counters", 0444, NULL, &counters_ops))
		return -ENOMEM;
	return 0;
}

static void __exit counters_exit(void)
{
	int i;

	remove_proc_entry("counters", NULL);
	for (i = 0; i < threads; i++)
		results += kthread_stop(tasks[i]) - 100 - i;
	pr_info("kthreads stopped, results %s\n", results ? "wrong" : "right");
}

module_init(counters_init);
module_exit(counters_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Counters hammered from kthreads under every lock");
