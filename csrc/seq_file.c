/* SPDX-License-Identifier: MIT */
/*
 * seq_printf and seq_vprintf (the variadic part of src/kapi/seq_file.rs):
 * format straight into the seq_file's buffer at its count; a record that
 * does not fit marks the buffer overflowed (count = size), so seq_read
 * grows it and asks for the record again, as Linux's seq_vprintf.
 */
#include <stdarg.h>
#include <stddef.h>

int starry_kmod_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* The head of struct seq_file (src/kapi/seq_file.rs asserts the rest). */
struct seq_file_head {
	char *buf;
	size_t size;
	size_t from;
	size_t count;
};

void starry_kmod_seq_vprintf(struct seq_file_head *m, const char *fmt, va_list ap)
{
	int len;

	if (m->count < m->size) {
		len = starry_kmod_vsnprintf(m->buf + m->count, m->size - m->count, fmt, ap);
		if (len >= 0 && m->count + (size_t)len < m->size) {
			m->count += (size_t)len;
			return;
		}
	}
	m->count = m->size;
}

void starry_kmod_seq_printf(struct seq_file_head *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	starry_kmod_seq_vprintf(m, fmt, ap);
	va_end(ap);
}
