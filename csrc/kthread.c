/* SPDX-License-Identifier: MIT */
/*
 * kthread_create_on_node and kthread_create_worker's name formatting
 * (the variadic part of src/kapi/kthread.rs): the name is formatted into
 * TASK_COMM_LEN bytes, as Linux's set_task_comm cuts it, then the thread
 * is made by starry_kmod_kthread_create.
 */
#include <stdarg.h>
#include <stddef.h>

int starry_kmod_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void *starry_kmod_kthread_create(int (*threadfn)(void *), void *data, const char *name);

void *starry_kmod_kthread_create_on_node(int (*threadfn)(void *), void *data, int node,
					 const char *namefmt, ...)
{
	char name[16];
	va_list ap;

	(void)node;
	va_start(ap, namefmt);
	starry_kmod_vsnprintf(name, sizeof name, namefmt, ap);
	va_end(ap);
	return starry_kmod_kthread_create(threadfn, data, name);
}

unsigned long starry_kmod_alloc_workqueue(const char *name, unsigned int flags, int max_active,
					  unsigned long hint);

/*
 * alloc_workqueue(fmt, flags, max_active, ...): the name formatted, the
 * caller's return address telling the kernel which module owns the queue.
 */
unsigned long starry_kmod_alloc_workqueue_fmt(const char *fmt, unsigned int flags,
					      int max_active, ...)
{
	char name[32];
	va_list ap;

	va_start(ap, max_active);
	starry_kmod_vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	return starry_kmod_alloc_workqueue(name, flags, max_active,
					   (unsigned long)__builtin_return_address(0));
}
