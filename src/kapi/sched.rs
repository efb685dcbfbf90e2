//! Tasks for modules (Linux's include/linux/sched.h, asm/current.h):
//! `current`, schedule, schedule_timeout, wake_up_process, might_sleep,
//! cond_resched. The task model is [`crate::sched`].

use core::ffi::{c_char, c_int, c_long, c_uint};

use super::AddrFn;
use super::time::{TICK_NS, jiffies, jiffies_deadline};
use crate::platform;
use crate::sched::{self, MAX_SCHEDULE_TIMEOUT, TASK_RUNNING};

/// `get_current()`: the calling task's `struct task_struct`.
pub extern "C" fn kapi_get_current() -> usize {
    sched::current_refreshed().addr()
}

/// `schedule()`: sleeps in the state the caller set (returns at once
/// when it is TASK_RUNNING).
pub extern "C" fn kapi_schedule() {
    sched::schedule_until(None);
}

/// `schedule_timeout(timeout)`: sleeps at most `timeout` jiffies in the
/// state the caller set; the jiffies left (0 when it timed out).
pub extern "C" fn kapi_schedule_timeout(timeout: c_long) -> c_long {
    if timeout == MAX_SCHEDULE_TIMEOUT {
        sched::schedule_until(None);
        return timeout;
    }
    if timeout < 0 {
        crate::klog!(
            crate::console::level::ERR,
            "schedule_timeout: wrong timeout value {timeout:x}"
        );
        sched::current().set_state(TASK_RUNNING);
        return 0;
    }
    let expire = jiffies().wrapping_add(timeout as u64);
    sched::schedule_until(Some(jiffies_deadline(expire)));
    let left = expire.wrapping_sub(jiffies()) as i64;
    left.max(0) as c_long
}

fn timeout_in(state: u32, timeout: c_long) -> c_long {
    sched::current().set_state(state);
    kapi_schedule_timeout(timeout)
}

/// `schedule_timeout_interruptible(timeout)`.
pub extern "C" fn kapi_schedule_timeout_interruptible(timeout: c_long) -> c_long {
    timeout_in(sched::TASK_INTERRUPTIBLE, timeout)
}

/// `schedule_timeout_uninterruptible(timeout)`.
pub extern "C" fn kapi_schedule_timeout_uninterruptible(timeout: c_long) -> c_long {
    timeout_in(sched::TASK_UNINTERRUPTIBLE, timeout)
}

/// `schedule_timeout_killable(timeout)`.
pub extern "C" fn kapi_schedule_timeout_killable(timeout: c_long) -> c_long {
    timeout_in(sched::TASK_UNINTERRUPTIBLE | sched::TASK_WAKEKILL, timeout)
}

/// `schedule_timeout_idle(timeout)`.
pub extern "C" fn kapi_schedule_timeout_idle(timeout: c_long) -> c_long {
    timeout_in(sched::TASK_UNINTERRUPTIBLE | sched::TASK_NOLOAD, timeout)
}

/// `wake_up_process(p)`: 1 if it was sleeping (or a new kthread started).
pub extern "C" fn kapi_wake_up_process(p: usize) -> c_int {
    match sched::task_at(p) {
        Some(t) => c_int::from(sched::wake_up_process(&t)),
        None => {
            crate::klog!(
                crate::console::level::ERR,
                "wake_up_process: {p:#x} is not a task"
            );
            0
        }
    }
}

/// `wake_up_state(p, state)`.
pub extern "C" fn kapi_wake_up_state(p: usize, state: c_uint) -> c_int {
    sched::task_at(p).map_or(0, |t| c_int::from(t.try_wake(state)))
}

/// `__might_sleep(file, line)`.
///
/// # Safety
/// `file` is NUL-terminated.
pub unsafe extern "C" fn kapi_might_sleep(file: *const c_char, line: c_int) {
    // SAFETY: per the contract.
    let f = unsafe { core::ffi::CStr::from_ptr(file) };
    sched::might_sleep(f.to_str().unwrap_or("?"), line as u32);
}

/// `__cond_resched()`: gives the CPU away; 1 (it may have rescheduled).
pub extern "C" fn kapi_cond_resched() -> c_int {
    sched::might_sleep("kernel/sched/core.c", 8583);
    platform::get().yield_now();
    1
}

/// `yield()`.
pub extern "C" fn kapi_yield() {
    platform::get().yield_now();
}

/// `io_schedule_timeout(timeout)`: as schedule_timeout.
pub extern "C" fn kapi_io_schedule_timeout(timeout: c_long) -> c_long {
    kapi_schedule_timeout(timeout)
}

/// `set_user_nice(p, nice)`: priorities are the platform scheduler's.
pub extern "C" fn kapi_set_user_nice(_p: usize, _nice: c_long) {}

/// `usecs` a tick lasts (for `TICK_NSEC` users).
pub const TICK_NSEC: u64 = TICK_NS;

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("get_current", || kapi_get_current as *const () as usize),
    ("schedule", || kapi_schedule as *const () as usize),
    ("schedule_timeout", || {
        kapi_schedule_timeout as *const () as usize
    }),
    ("schedule_timeout_interruptible", || {
        kapi_schedule_timeout_interruptible as *const () as usize
    }),
    ("schedule_timeout_uninterruptible", || {
        kapi_schedule_timeout_uninterruptible as *const () as usize
    }),
    ("schedule_timeout_killable", || {
        kapi_schedule_timeout_killable as *const () as usize
    }),
    ("schedule_timeout_idle", || {
        kapi_schedule_timeout_idle as *const () as usize
    }),
    ("io_schedule_timeout", || {
        kapi_io_schedule_timeout as *const () as usize
    }),
    ("wake_up_process", || {
        kapi_wake_up_process as *const () as usize
    }),
    ("wake_up_state", || kapi_wake_up_state as *const () as usize),
    ("__might_sleep", || kapi_might_sleep as *const () as usize),
    ("__cond_resched", || kapi_cond_resched as *const () as usize),
    ("yield", || kapi_yield as *const () as usize),
    ("set_user_nice", || kapi_set_user_nice as *const () as usize),
];
