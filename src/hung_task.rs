//! The hung-task watchdog (Linux's kernel/hung_task.c, in spirit): a call
//! into module code that has not returned after
//! `/proc/sys/kernel/hung_task_timeout_secs` seconds is reported once, with
//! the calling task, as `INFO: task insmod:PID blocked for more than N
//! seconds.` The platform's clock measures; a home that has a periodic
//! context (the host's watchdog thread) calls [`check`].

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use ax_kspin::SpinRaw;

use crate::console::level;
use crate::platform::{self, Comm, Task};
use crate::{klog, taint, version::RELEASE};

/// Linux's default hung_task_timeout_secs.
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;

static TIMEOUT_SECS: AtomicU64 = AtomicU64::new(DEFAULT_TIMEOUT_SECS);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

struct Call {
    id: u64,
    pid: u32,
    comm: Comm,
    since_ns: u64,
    reported: bool,
    /// Sleeping interruptibly (not a hung task, as Linux's
    /// TASK_UNINTERRUPTIBLE-only check).
    paused: bool,
}

static CALLS: SpinRaw<Vec<Call>> = SpinRaw::new(Vec::new());

/// The timeout in seconds (0: the watchdog is off).
pub fn timeout_secs() -> u64 {
    TIMEOUT_SECS.load(Ordering::Relaxed)
}

/// Sets the timeout (`echo N > /proc/sys/kernel/hung_task_timeout_secs`).
pub fn set_timeout_secs(secs: u64) {
    TIMEOUT_SECS.store(secs, Ordering::Relaxed);
}

/// A call being watched; dropping it ends the watch.
pub struct Watch(u64, u64);

impl Drop for Watch {
    fn drop(&mut self) {
        CALLS.lock().retain(|c| c.id != self.0);
        if platform::installed().is_some() {
            crate::sched::current().set_watch(self.1);
        }
    }
}

/// While the watched call's task sleeps interruptibly (`on`), it is not
/// counted; any wake-up restarts its clock (a sleeping task that keeps
/// waking makes progress, as Linux counts context switches).
pub fn pause(id: u64, on: bool) {
    let now = platform::installed().map_or(0, |p| p.now_ns());
    if let Some(c) = CALLS.lock().iter_mut().find(|c| c.id == id) {
        c.paused = on;
        c.since_ns = now;
    }
}

/// Starts watching a call into module code made for `task`.
pub fn watch(task: &Task) -> Watch {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let since_ns = platform::installed().map_or(0, |p| p.now_ns());
    CALLS.lock().push(Call {
        id,
        pid: task.pid,
        comm: task.comm,
        since_ns,
        reported: false,
        paused: false,
    });
    let outer = if platform::installed().is_some() {
        crate::sched::current().set_watch(id)
    } else {
        0
    };
    Watch(id, outer)
}

/// Reports every watched call older than the timeout, once each.
pub fn check() {
    let secs = timeout_secs();
    let Some(p) = platform::installed() else {
        return;
    };
    if secs == 0 {
        return;
    }
    let now = p.now_ns();
    let mut late = Vec::new();
    for c in CALLS.lock().iter_mut() {
        if !c.reported && !c.paused && now.saturating_sub(c.since_ns) >= secs * 1_000_000_000 {
            c.reported = true;
            late.push((c.comm, c.pid));
        }
    }
    for (comm, pid) in late {
        klog!(
            level::ERR,
            "INFO: task {comm}:{pid} blocked for more than {secs} seconds."
        );
        klog!(level::ERR, "      {} {RELEASE} #1", taint::print_tainted());
        klog!(
            level::ERR,
            "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message."
        );
    }
}
