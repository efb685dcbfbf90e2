//! Time for modules (Linux's include/linux/jiffies.h, ktime.h,
//! timekeeping.h, delay.h): `jiffies`, a real exported variable advanced
//! by a ticker thread at HZ (and brought up to date by every kernel call
//! that reads it), starting where Linux starts it (INITIAL_JIFFIES, five
//! minutes before the 32-bit wrap); ktime from the platform's monotonic
//! and real clocks; the sleeping delays (msleep, ssleep, usleep_range:
//! the task sleeps) and the busy ones (udelay, ndelay, mdelay: they spin,
//! as Linux's).

use core::ffi::{c_uint, c_ulong};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::AddrFn;
use crate::platform;
use crate::sched::{self, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE};

/// HZ: ticks per second (Debian's x86_64 CONFIG_HZ).
pub const HZ: u64 = 250;
/// Nanoseconds per tick.
pub const TICK_NS: u64 = 1_000_000_000 / HZ;
/// Linux's INITIAL_JIFFIES: `(unsigned long)(unsigned int)(-300 * HZ)`.
pub const INITIAL_JIFFIES: u64 = (-300i64 * HZ as i64) as u32 as u64;

/// `jiffies` (and `jiffies_64`, the same word on 64-bit): modules read it
/// directly.
#[unsafe(no_mangle)]
pub static starry_kmod_jiffies: AtomicU64 = AtomicU64::new(INITIAL_JIFFIES);

/// The jiffies value the monotonic clock gives now.
fn jiffies_at(ns: u64) -> u64 {
    INITIAL_JIFFIES.wrapping_add(ns / TICK_NS)
}

/// Brings `jiffies` up to date and returns it.
pub fn jiffies() -> u64 {
    let Some(p) = platform::installed() else {
        return starry_kmod_jiffies.load(Ordering::Relaxed);
    };
    let j = jiffies_at(p.now_ns());
    starry_kmod_jiffies.fetch_max(j, Ordering::Relaxed).max(j)
}

/// The monotonic time (ns) when `jiffies` will read `j` (now if past).
pub fn jiffies_deadline(j: u64) -> u64 {
    let now_ns = platform::get().now_ns();
    let now = jiffies_at(now_ns);
    let ahead = j.wrapping_sub(now) as i64;
    if ahead <= 0 {
        now_ns
    } else {
        // The start of tick `j`.
        (now_ns / TICK_NS + ahead as u64) * TICK_NS
    }
}

static TICKING: AtomicBool = AtomicBool::new(false);

/// Starts the ticker thread (once): it advances `jiffies` every tick.
pub fn start_ticker() {
    if TICKING.swap(true, Ordering::AcqRel) {
        return;
    }
    let Some(p) = platform::installed() else {
        return;
    };
    jiffies();
    let ok = p.spawn_thread(
        "ktick",
        alloc::boxed::Box::new(|| {
            let t = sched::KTask::new_kthread("ktick");
            sched::adopt(&t);
            loop {
                let p = platform::get();
                let next = (p.now_ns() / TICK_NS + 1) * TICK_NS;
                t.set_state(TASK_UNINTERRUPTIBLE);
                sched::schedule_until(Some(next));
                jiffies();
            }
        }),
    );
    if !ok {
        TICKING.store(false, Ordering::Release);
    }
}

/// `get_jiffies_64()`.
pub extern "C" fn kapi_get_jiffies_64() -> u64 {
    jiffies()
}

/// `jiffies_to_msecs(j)`.
pub extern "C" fn kapi_jiffies_to_msecs(j: c_ulong) -> c_uint {
    (j * (1000 / HZ)) as c_uint
}

/// `jiffies_to_usecs(j)`.
pub extern "C" fn kapi_jiffies_to_usecs(j: c_ulong) -> c_uint {
    (j * (1_000_000 / HZ)) as c_uint
}

/// `__msecs_to_jiffies(m)`: rounded up, as Linux's.
pub extern "C" fn kapi_msecs_to_jiffies(m: c_uint) -> c_ulong {
    (m as u64).div_ceil(1000 / HZ) as c_ulong
}

/// `__usecs_to_jiffies(u)`: rounded up.
pub extern "C" fn kapi_usecs_to_jiffies(u: c_uint) -> c_ulong {
    (u as u64).div_ceil(1_000_000 / HZ) as c_ulong
}

/// `nsecs_to_jiffies(n)`: rounded down, as Linux's.
pub extern "C" fn kapi_nsecs_to_jiffies(n: u64) -> c_ulong {
    (n / TICK_NS) as c_ulong
}

/// `ktime_get()`: monotonic nanoseconds.
pub extern "C" fn kapi_ktime_get() -> i64 {
    platform::get().now_ns() as i64
}

/// `ktime_get_real()`: nanoseconds since the epoch.
pub extern "C" fn kapi_ktime_get_real() -> i64 {
    platform::get().real_ns() as i64
}

/// `ktime_get_seconds()`.
pub extern "C" fn kapi_ktime_get_seconds() -> i64 {
    (platform::get().now_ns() / 1_000_000_000) as i64
}

/// `ktime_get_real_seconds()`.
pub extern "C" fn kapi_ktime_get_real_seconds() -> i64 {
    (platform::get().real_ns() / 1_000_000_000) as i64
}

/// Sleeps in `state` until the monotonic `deadline` (or a signal, when
/// interruptible): the nanoseconds left.
fn sleep_until(deadline: u64, state: u32) -> u64 {
    let t = sched::current();
    loop {
        let now = platform::get().now_ns();
        if now >= deadline {
            return 0;
        }
        t.set_state(state);
        if state & TASK_INTERRUPTIBLE != 0 && t.signal_pending() {
            t.set_state(sched::TASK_RUNNING);
            return deadline - now;
        }
        sched::schedule_until(Some(deadline));
    }
}

/// `msleep(ms)`: sleeps (uninterruptibly) at least `ms` milliseconds.
pub extern "C" fn kapi_msleep(ms: c_uint) {
    sched::might_sleep("kernel/time/timer.c", 2140);
    let deadline = platform::get().now_ns() + ms as u64 * 1_000_000;
    sleep_until(deadline, TASK_UNINTERRUPTIBLE);
}

/// `msleep_interruptible(ms)`: as msleep, ended early by a signal; the
/// milliseconds left.
pub extern "C" fn kapi_msleep_interruptible(ms: c_uint) -> c_ulong {
    sched::might_sleep("kernel/time/timer.c", 2156);
    let deadline = platform::get().now_ns() + ms as u64 * 1_000_000;
    let left = sleep_until(deadline, TASK_INTERRUPTIBLE);
    left.div_ceil(1_000_000) as c_ulong
}

/// `usleep_range_state(min, max, state)`: sleeps at least `min` µs.
pub extern "C" fn kapi_usleep_range_state(min: c_ulong, _max: c_ulong, state: c_uint) {
    sched::might_sleep("kernel/time/timer.c", 2177);
    let deadline = platform::get().now_ns() + min * 1000;
    sleep_until(deadline, state);
}

/// Spins `ns` nanoseconds on the monotonic clock (the busy delays).
fn spin_ns(ns: u64) {
    let p = platform::get();
    let end = p.now_ns() + ns;
    while p.now_ns() < end {
        core::hint::spin_loop();
    }
}

/// `__udelay(us)`: spins.
pub extern "C" fn kapi_udelay(us: c_ulong) {
    spin_ns(us * 1000);
}

/// `__ndelay(ns)`: spins.
pub extern "C" fn kapi_ndelay(ns: c_ulong) {
    spin_ns(ns);
}

/// The address of `jiffies`.
fn jiffies_addr() -> usize {
    &starry_kmod_jiffies as *const AtomicU64 as usize
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("jiffies", jiffies_addr),
    ("jiffies_64", jiffies_addr),
    ("get_jiffies_64", || {
        kapi_get_jiffies_64 as *const () as usize
    }),
    ("jiffies_to_msecs", || {
        kapi_jiffies_to_msecs as *const () as usize
    }),
    ("jiffies_to_usecs", || {
        kapi_jiffies_to_usecs as *const () as usize
    }),
    ("__msecs_to_jiffies", || {
        kapi_msecs_to_jiffies as *const () as usize
    }),
    ("__usecs_to_jiffies", || {
        kapi_usecs_to_jiffies as *const () as usize
    }),
    ("nsecs_to_jiffies", || {
        kapi_nsecs_to_jiffies as *const () as usize
    }),
    ("ktime_get", || kapi_ktime_get as *const () as usize),
    ("ktime_get_real", || {
        kapi_ktime_get_real as *const () as usize
    }),
    ("ktime_get_seconds", || {
        kapi_ktime_get_seconds as *const () as usize
    }),
    ("ktime_get_real_seconds", || {
        kapi_ktime_get_real_seconds as *const () as usize
    }),
    ("msleep", || kapi_msleep as *const () as usize),
    ("msleep_interruptible", || {
        kapi_msleep_interruptible as *const () as usize
    }),
    ("usleep_range_state", || {
        kapi_usleep_range_state as *const () as usize
    }),
    ("__udelay", || kapi_udelay as *const () as usize),
    ("__ndelay", || kapi_ndelay as *const () as usize),
];
