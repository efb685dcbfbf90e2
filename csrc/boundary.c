// SPDX-License-Identifier: MIT
/*
 * The host home's protected boundary for module code (x86_64 Linux user
 * mode). Every call into a module goes through starry_kmod_call_protected:
 * it records a sigsetjmp point; a synchronous fault (SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE, SIGTRAP) whose instruction lies in module memory is
 * turned into a record of the fault and a siglongjmp back here, so the
 * kernel can print an Oops and carry on. Only C and module frames lie
 * between the jump point and the faulting code (the module is called from
 * here, not from Rust), so the jump skips no Rust destructor. A fault
 * anywhere else is a bug of the kernel's own: it is reported on stderr and
 * the previous handler (Rust's, or the default) takes it, so the process
 * still dies loudly.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define FAULT_STACK_WORDS 64
#define FAULT_REGS 18

/* Mirrors platform::host::RawFault. */
struct starry_kmod_fault {
	int64_t sig;
	int64_t code;
	uint64_t addr;
	uint64_t pc;
	uint64_t err;
	/* RSP EFLAGS RAX RBX RCX RDX RSI RDI RBP R8..R15 CR2 (as gregs order below). */
	uint64_t regs[FAULT_REGS];
	uint64_t stack_words;
	uint64_t stack[FAULT_STACK_WORDS];
};

static uintptr_t module_lo, module_hi;
static struct sigaction previous[NSIG];
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };

static __thread sigjmp_buf *current_jump;
static __thread struct starry_kmod_fault *current_fault;

static void say(const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(2, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t pc = (uint64_t)g[REG_RIP];
	struct starry_kmod_fault *f = current_fault;

	if (current_jump && f && pc >= module_lo && pc < module_hi) {
		static const int order[FAULT_REGS] = {
			REG_RSP, REG_EFL, REG_RAX, REG_RBX, REG_RCX, REG_RDX,
			REG_RSI, REG_RDI, REG_RBP, REG_R8,  REG_R9,  REG_R10,
			REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_CR2,
		};
		uint64_t sp = (uint64_t)g[REG_RSP];
		uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;

		f->sig = sig;
		f->code = si->si_code;
		f->addr = addr;
		f->pc = pc;
		f->err = (uint64_t)g[REG_ERR];
		for (int i = 0; i < FAULT_REGS; i++)
			f->regs[i] = (uint64_t)g[order[i]];
		/* The words above the stack pointer, for a call trace; not when
		 * the fault is the stack itself (overflow into the guard). */
		f->stack_words = 0;
		if (!(sig == SIGSEGV && addr + 65536 > sp && addr < sp + 65536)) {
			memcpy(f->stack, (const void *)(uintptr_t)sp, sizeof f->stack);
			f->stack_words = FAULT_STACK_WORDS;
		}
		siglongjmp(*current_jump, 1);
	}
	say("starry-kmod: fault outside module code (a bug of the user-mode kernel): "
	    "it crashes, and the sandbox is stopped\n");
	/* Let the handler that was there take it: the instruction faults again. */
	sigaction(sig, &previous[sig], NULL);
}

static pthread_key_t alt_key;
static pthread_once_t alt_once = PTHREAD_ONCE_INIT;

static void alt_free(void *p)
{
	stack_t off = { .ss_flags = SS_DISABLE };
	sigaltstack(&off, NULL);
	munmap(p, SIGSTKSZ * 4);
}

static void alt_key_init(void)
{
	pthread_key_create(&alt_key, alt_free);
}

/* The handler runs on an alternate stack (a module may overflow its own);
 * threads Rust started have one already. */
static __thread int alt_stack_ready;

static void ensure_alt_stack(void)
{
	stack_t cur;
	if (alt_stack_ready)
		return;
	alt_stack_ready = 1;
	if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
		return;
	pthread_once(&alt_once, alt_key_init);
	void *p = mmap(NULL, SIGSTKSZ * 4, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	stack_t ss = { .ss_sp = p, .ss_size = SIGSTKSZ * 4, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) != 0) {
		munmap(p, SIGSTKSZ * 4);
		return;
	}
	pthread_setspecific(alt_key, p);
}

/* Installs the fault handlers for module memory [lo, hi). */
void starry_kmod_boundary_install(uintptr_t lo, uintptr_t hi)
{
	struct sigaction sa;

	module_lo = lo;
	module_hi = hi;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++)
		sigaction(fault_signals[i], &sa, &previous[fault_signals[i]]);
}

typedef long (*module_fn)(long, long, long);

static __thread long leave_value;

/*
 * Ends the innermost protected call on this thread as if the module
 * function had returned ret (Linux's kthread_exit, called from a
 * kthread's function): a jump back to that call's sigsetjmp point. Only
 * module frames and kernel frames holding nothing to drop lie between.
 * Returns (doing nothing) when no protected call is running here.
 */
void starry_kmod_leave_protected(long ret)
{
	if (!current_jump)
		return;
	leave_value = ret;
	siglongjmp(*current_jump, 2);
}

/*
 * Calls fn(a0, a1, a2), a module function of up to three integer or
 * pointer arguments (extra arguments are ignored by the x86_64 SysV
 * convention, and a void function's return value is not read). Returns
 * its value with *faulted = 0, or 0 with *faulted = 1 and *f filled when
 * it faulted.
 */
long starry_kmod_call_protected(module_fn fn, long a0, long a1, long a2,
				struct starry_kmod_fault *f, int *faulted)
{
	sigjmp_buf jump;
	sigjmp_buf *volatile outer_jump = current_jump;
	struct starry_kmod_fault *volatile outer_fault = current_fault;
	long ret;

	ensure_alt_stack();
	/* No mask saved (that would be a syscall per call): after a jump out
	 * of the handler, only the signal it was handling is still blocked. */
	switch (sigsetjmp(jump, 0)) {
	case 0:
		break;
	case 2:
		/* starry_kmod_leave_protected: the call ends as a return. */
		current_jump = outer_jump;
		current_fault = outer_fault;
		*faulted = 0;
		return leave_value;
	default: {
		sigset_t handled;

		sigemptyset(&handled);
		sigaddset(&handled, (int)f->sig);
		pthread_sigmask(SIG_UNBLOCK, &handled, NULL);
		current_jump = outer_jump;
		current_fault = outer_fault;
		*faulted = 1;
		return 0;
	}
	}
	current_jump = &jump;
	current_fault = f;
	ret = fn(a0, a1, a2);
	current_jump = outer_jump;
	current_fault = outer_fault;
	*faulted = 0;
	return ret;
}
