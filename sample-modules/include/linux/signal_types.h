/* SPDX-License-Identifier: MIT */
/* <linux/signal_types.h>: sigset_t and a task's pending signals. */
#ifndef _LINUX_SIGNAL_TYPES_H
#define _LINUX_SIGNAL_TYPES_H

#include <linux/types.h>

#define _NSIG		64
#define _NSIG_BPW	64
#define _NSIG_WORDS	(_NSIG / _NSIG_BPW)

typedef struct {
	unsigned long sig[_NSIG_WORDS];
} sigset_t;

struct sigpending {
	struct list_head list;
	sigset_t signal;
};

#define SIGHUP		 1
#define SIGINT		 2
#define SIGQUIT		 3
#define SIGKILL		 9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGPIPE		13
#define SIGALRM		14
#define SIGTERM		15
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19

#endif /* _LINUX_SIGNAL_TYPES_H */
