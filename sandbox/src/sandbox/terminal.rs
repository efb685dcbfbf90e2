//! The terminal of an interactive shell that is PID 1 of its own PID
//! namespace.
//!
//! The shell inherits `starry-kmod`'s process group, which lies outside
//! the namespace, so it sees it as 0: a job-control shell (dash) takes
//! that as the group to give the terminal back to on exit, fails
//! (`Cannot set tty process group (No such process)`) and exits with 2
//! instead of its status. So before the exec, the shell's process gets a
//! group of its own (1, inside the namespace) and the terminal's
//! foreground; once it has exited, the kernel hands the foreground back to
//! the group that had it.

use std::io;

/// The terminal on stdin and its foreground process group, when stdin is
/// a terminal that this process's session controls.
pub fn foreground() -> Option<libc::pid_t> {
    // SAFETY: isatty/tcgetpgrp on fd 0 have no memory preconditions.
    let pgrp = unsafe {
        if libc::isatty(0) != 1 {
            return None;
        }
        libc::tcgetpgrp(0)
    };
    (pgrp > 0).then_some(pgrp)
}

/// In the child before exec (async-signal-safe calls only): a process
/// group of its own, in the terminal's foreground.
pub fn take() -> io::Result<()> {
    // SAFETY: setpgid, signal and tcsetpgrp are async-signal-safe; SIGTTOU
    // is ignored only around tcsetpgrp (a background group asking for the
    // foreground would otherwise be stopped).
    unsafe {
        if libc::setpgid(0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        let old = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        let r = libc::tcsetpgrp(0, libc::getpid());
        libc::signal(libc::SIGTTOU, old);
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Gives the terminal's foreground back to `pgrp` (after the shell).
pub fn give_back(pgrp: libc::pid_t) {
    // SAFETY: as in `take`; this process is in the background group now.
    unsafe {
        let old = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        libc::tcsetpgrp(0, pgrp);
        libc::signal(libc::SIGTTOU, old);
    }
}
