/* A direct finit_module(2) caller: finit FILE FLAGS [ARGS]. Prints
 * "finit: ok" or "finit: <errno name>" and exits 0 or 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOEXEC: return "ENOEXEC";
	case EFBIG: return "EFBIG";
	case ENOMEM: return "ENOMEM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EKEYREJECTED: return "EKEYREJECTED";
	case ENOKEY: return "ENOKEY";
	case EBADMSG: return "EBADMSG";
	case EEXIST: return "EEXIST";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: finit FILE FLAGS [ARGS]\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	int flags = (int)strtol(argv[2], NULL, 0);
	const char *args = argc > 3 ? argv[3] : "";
	if (syscall(SYS_finit_module, fd, args, flags) != 0) {
		printf("finit: %s\n", name(errno));
		return 1;
	}
	printf("finit: ok\n");
	return 0;
}
