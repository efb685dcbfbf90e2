/* SPDX-License-Identifier: MIT */
/*
 * The variadic part of the kernel API (stable Rust cannot define C-variadic
 * functions): printk, snprintf, sprintf and vsnprintf, formatted by lwprintf
 * and handed to Rust (console.rs) as finished text.
 *
 * The names carry a starry_kmod_ prefix so that, in the user-mode kernel,
 * they never interpose the host C library's own snprintf; src/kapi/printk.rs
 * exports them to modules under their Linux names.
 */
#include <stdarg.h>
#include <stddef.h>

typedef struct lwprintf lwprintf_t;
int lwprintf_vsnprintf_ex(lwprintf_t *lwobj, char *s, size_t n, const char *format, va_list arg);

/* Implemented in Rust: one printk message at a level (0-7), continuation flag. */
void starry_kmod_printk_emit(int level, int cont, const char *text, size_t len);

#define PRINTK_MAX 1024
#define KERN_SOH_ASCII '\001'
#define DEFAULT_LEVEL 4

/*
 * Linux's vsprintf reads the length modifier `L` as `ll` (%Ld, %Lu);
 * lwprintf does not know it. A format using it is rewritten into `buf`
 * (when it fits; else it is used as it is).
 */
static const char *linux_fmt(const char *fmt, char *buf, size_t size)
{
	size_t i = 0, o = 0;
	int in_spec = 0, changed = 0;

	/* Only 'L' is rewritten: most formats have none and are used as
	 * they are, without a copy (seq_printf calls this per record). */
	while (fmt[i] != '\0' && fmt[i] != 'L')
		i++;
	if (fmt[i] == '\0')
		return fmt;
	i = 0;
	for (; fmt[i] != '\0'; i++) {
		char c = fmt[i];

		if (o + 2 >= size)
			return fmt;
		if (in_spec && c == 'L') {
			buf[o++] = 'l';
			buf[o++] = 'l';
			changed = 1;
			continue;
		}
		if (c == '%')
			in_spec = !in_spec;
		else if (in_spec && ((c >= 'a' && c <= 'z' && c != 'l' && c != 'h' && c != 'z' && c != 't' && c != 'j') ||
				     (c >= 'A' && c <= 'Z')))
			in_spec = 0;
		buf[o++] = c;
	}
	if (!changed)
		return fmt;
	buf[o] = '\0';
	return buf;
}

int starry_kmod_vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_MAX];
	int level = DEFAULT_LEVEL, cont = 0, n;

	if (fmt == NULL)
		return 0;
	/* Linux's printk_get_level: KERN_SOH followed by '0'..'7' or 'c'. */
	while (fmt[0] == KERN_SOH_ASCII && fmt[1] != '\0') {
		if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		else if (fmt[1] == 'c')
			cont = 1;
		fmt += 2;
	}
	{
		char fbuf[256];

		n = lwprintf_vsnprintf_ex(NULL, buf, sizeof(buf),
					  linux_fmt(fmt, fbuf, sizeof(fbuf)), ap);
	}
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	starry_kmod_printk_emit(level, cont, buf, (size_t)n);
	return n;
}

int starry_kmod_printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = starry_kmod_vprintk(fmt, ap);
	va_end(ap);
	return n;
}

int starry_kmod_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	char fbuf[256];

	if (fmt == NULL)
		return 0;
	return lwprintf_vsnprintf_ex(NULL, buf, size, linux_fmt(fmt, fbuf, sizeof(fbuf)), ap);
}

int starry_kmod_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = starry_kmod_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int starry_kmod_sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	/* Linux's sprintf is vsnprintf(buf, INT_MAX, ...). */
	n = starry_kmod_vsnprintf(buf, 0x7fffffff, fmt, ap);
	va_end(ap);
	return n;
}
