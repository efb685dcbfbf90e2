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
	n = lwprintf_vsnprintf_ex(NULL, buf, sizeof(buf), fmt, ap);
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
	if (fmt == NULL)
		return 0;
	return lwprintf_vsnprintf_ex(NULL, buf, size, fmt, ap);
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
