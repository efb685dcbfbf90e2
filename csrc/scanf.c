/* SPDX-License-Identifier: MIT */
/*
 * sscanf and vsscanf (Linux's lib/vsprintf.c behaviour, written here):
 * whitespace in the format matches any run of whitespace; %d %i %u %o %x
 * %X with the hh/h/l/ll/z/j qualifiers, a field width and '*'
 * suppression; %c, %s, %n and %%. Scanning stops at the first input that
 * does not match; the result is the number of fields stored.
 */
#include <stdarg.h>
#include <stddef.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Parses an unsigned number of at most `width` characters in `base`
 * (0: 0x/0 prefixes decide); returns the characters used (0: none). */
static size_t parse_number(const char *s, size_t width, unsigned int base,
			   unsigned long long *out)
{
	size_t i = 0;
	unsigned long long v = 0;
	size_t start;

	if (base == 0) {
		if (width >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
		    digit_value(s[2]) < 16 && width > 2) {
			base = 16;
			i = 2;
		} else if (s[0] == '0') {
			base = 8;
		} else {
			base = 10;
		}
	} else if (base == 16 && width > 2 && s[0] == '0' &&
		   (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
		i = 2;
	}
	start = i;
	while (i < width && s[i] && (unsigned int)digit_value(s[i]) < base) {
		v = v * base + (unsigned int)digit_value(s[i]);
		i++;
	}
	*out = v;
	return i == start ? 0 : i;
}

enum qual { Q_HH, Q_H, Q_NONE, Q_L, Q_LL, Q_Z };

static void store(void *p, enum qual q, unsigned long long v)
{
	switch (q) {
	case Q_HH: *(unsigned char *)p = (unsigned char)v; break;
	case Q_H: *(unsigned short *)p = (unsigned short)v; break;
	case Q_NONE: *(unsigned int *)p = (unsigned int)v; break;
	case Q_L: *(unsigned long *)p = (unsigned long)v; break;
	case Q_LL: *(unsigned long long *)p = v; break;
	case Q_Z: *(size_t *)p = (size_t)v; break;
	}
}

int starry_kmod_vsscanf(const char *buf, const char *fmt, va_list args)
{
	const char *str = buf;
	int num = 0;

	while (*fmt) {
		size_t width = (size_t)-1;
		int suppress = 0;
		enum qual q = Q_NONE;
		unsigned int base;
		int is_sign;
		char conv;

		if (is_space(*fmt)) {
			while (is_space(*fmt))
				fmt++;
			while (is_space(*str))
				str++;
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			if (*fmt == '%')
				fmt++;
			if (*fmt++ != *str++)
				break;
			continue;
		}
		fmt++;
		if (*fmt == '*') {
			suppress = 1;
			fmt++;
		}
		if (*fmt >= '0' && *fmt <= '9') {
			width = 0;
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (size_t)(*fmt++ - '0');
		}
		if (*fmt == 'h') {
			q = Q_H;
			if (*++fmt == 'h') {
				q = Q_HH;
				fmt++;
			}
		} else if (*fmt == 'l') {
			q = Q_L;
			if (*++fmt == 'l') {
				q = Q_LL;
				fmt++;
			}
		} else if (*fmt == 'L' || *fmt == 'j' || *fmt == 'q') {
			q = Q_LL;
			fmt++;
		} else if (*fmt == 'z' || *fmt == 'Z' || *fmt == 't') {
			q = Q_Z;
			fmt++;
		}
		conv = *fmt++;
		if (conv == '\0')
			break;
		if (conv == 'n') {
			if (!suppress)
				*va_arg(args, int *) = (int)(str - buf);
			continue;
		}
		if (!*str)
			break;
		if (conv == 'c') {
			size_t n = width == (size_t)-1 ? 1 : width;
			char *out = suppress ? NULL : va_arg(args, char *);

			while (n-- && *str) {
				if (out)
					*out++ = *str;
				str++;
			}
			if (!suppress)
				num++;
			continue;
		}
		while (is_space(*str))
			str++;
		if (conv == 's') {
			char *out = suppress ? NULL : va_arg(args, char *);
			size_t n = width == (size_t)-1 ? 32767 : width;

			if (!*str)
				break;
			while (n-- && *str && !is_space(*str)) {
				if (out)
					*out++ = *str;
				str++;
			}
			if (out) {
				*out = '\0';
				num++;
			}
			continue;
		}
		switch (conv) {
		case 'd': base = 10; is_sign = 1; break;
		case 'i': base = 0; is_sign = 1; break;
		case 'u': base = 10; is_sign = 0; break;
		case 'o': base = 8; is_sign = 0; break;
		case 'x': case 'X': base = 16; is_sign = 0; break;
		default: return num;	/* an unknown conversion ends the scan */
		}
		{
			int neg = 0;
			size_t used;
			unsigned long long v;

			if (is_sign && *str == '-') {
				if (width == 1)
					break;
				neg = 1;
				str++;
				if (width != (size_t)-1)
					width--;
			}
			used = parse_number(str, width, base, &v);
			if (used == 0)
				break;
			str += used;
			if (neg)
				v = (unsigned long long)(-(long long)v);
			if (!suppress) {
				store(va_arg(args, void *), q, v);
				num++;
			}
			continue;
		}
	}
	return num;
}

int starry_kmod_sscanf(const char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = starry_kmod_vsscanf(buf, fmt, ap);
	va_end(ap);
	return n;
}
