//! Never limp on: the sandbox's processes live exactly as long as the
//! user-mode kernel that serves their syscalls.
//!
//! - `starry-kmod run` forks first: the parent only waits for the kernel
//!   (the child) and, if the kernel dies of a signal, says so and exits
//!   non-zero; the kernel's death has already taken the sandbox with it.
//! - The script runs as PID 1 of a PID namespace of its own, through a
//!   reaper process; both have a parent death signal (SIGKILL): when the
//!   kernel dies for any reason, the reaper and the script die, and with
//!   PID 1 Linux kills every other process of the namespace. No sandboxed
//!   program goes on to see ENOSYS from a dead supervisor.

use std::io;

/// Splits off the watcher. Returns in the child (the kernel); the parent
/// never returns from here: it exits with the kernel's status, saying why
/// when the kernel died of a signal. Must run while single-threaded.
pub fn fork_watcher() -> Result<(), String> {
    // SAFETY: fork(2) in a single-threaded process (before any thread).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", io::Error::last_os_error()));
    }
    if pid == 0 {
        return Ok(());
    }
    // The watcher: ^C and ^\ are for the sandbox, not for it.
    // SAFETY: ignoring two signals in this process.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
    }
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            std::process::exit(70);
        }
    }
    if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        eprintln!(
            "starry-kmod: the user-mode kernel died ({}); every process of the sandbox \
             was stopped with it",
            signal_name(sig)
        );
        std::process::exit(128 + sig);
    }
    std::process::exit(libc::WEXITSTATUS(status));
}

fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGKILL => "killed by SIGKILL".into(),
        libc::SIGSEGV => "SIGSEGV: a bug of the kernel's own".into(),
        libc::SIGABRT => "SIGABRT: a bug of the kernel's own".into(),
        libc::SIGTERM => "SIGTERM".into(),
        s => format!("signal {s}"),
    }
}

/// In the child before exec (async-signal-safe calls only): die with the
/// kernel, then become PID 1 of a new PID namespace. The child unshares
/// the namespace and forks; it stays behind as a small reaper that dies
/// with the kernel (parent death signal) and exits with the script's
/// status, while its child, PID 1 of the namespace and dying with it in
/// turn, goes on to exec the script. When PID 1 dies, Linux kills every
/// process of its namespace.
pub fn enter_pid_namespace() -> io::Result<()> {
    die_with_parent()?;
    // SAFETY: unshare(2) and fork(2) in the single-threaded child.
    if unsafe { libc::unshare(libc::CLONE_NEWPID) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid > 0 {
        let mut status = 0;
        // The reaper keeps no descriptor: std's exec-status pipe must see
        // its end closed (as on exec), and nothing else is its business.
        // SAFETY: close_range(2), waitpid(2) and _exit(2) are async-signal-safe.
        unsafe {
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
            while libc::waitpid(pid, &mut status, 0) < 0 {}
            if libc::WIFSIGNALED(status) {
                libc::_exit(128 + libc::WTERMSIG(status));
            }
            libc::_exit(libc::WEXITSTATUS(status));
        }
    }
    die_with_parent()
}

/// Runs the hung-task watchdog of the kernel, once a second.
pub fn start_watchdog() {
    std::thread::spawn(|| {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            starry_kmod::hung_task::check();
        }
    });
}

/// Dies (SIGKILL) when the parent dies (async-signal-safe).
fn die_with_parent() -> io::Result<()> {
    // SAFETY: prctl(2) with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
