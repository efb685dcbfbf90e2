//! The hung-task watchdog (Linux's kernel/hung_task.c, in spirit): a call
//! into module code that has not returned after
//! `/proc/sys/kernel/hung_task_timeout_secs` seconds is reported once, with
//! the calling task, as `INFO: task insmod:PID blocked for more than N
//! seconds.` The platform's clock measures; a home that has a periodic
//! context (the host's watchdog thread) calls [`check`].

use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};

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

/// Calls watched when every slot was taken.
static CALLS: SpinRaw<Vec<Call>> = SpinRaw::new(Vec::new());

/// Slot states: free, being filled by its caller, watched, being read by
/// [`check`].
const FREE: u8 = 0;
const FILLING: u8 = 1;
const ACTIVE: u8 = 2;
const READING: u8 = 3;

/// One watched call, without a lock: its caller claims it FREE->FILLING,
/// fills it and publishes it ACTIVE; check() borrows it ACTIVE->READING
/// and gives it back; the caller frees it ACTIVE->FREE (waiting out a
/// read). A call into a module costs two atomic operations here.
struct Slot {
    state: AtomicU8,
    reported: AtomicBool,
    /// Sleeping interruptibly, as `Call::paused`.
    paused: AtomicBool,
    since_ns: AtomicU64,
    task: UnsafeCell<Task>,
}

// SAFETY: `task` is written only by the slot's claimer in FILLING and read
// only by check() in READING; the state transitions order them.
unsafe impl Sync for Slot {}

const SLOTS: usize = 64;

static TABLE: [Slot; SLOTS] = [const {
    Slot {
        state: AtomicU8::new(FREE),
        reported: AtomicBool::new(false),
        paused: AtomicBool::new(false),
        since_ns: AtomicU64::new(0),
        task: UnsafeCell::new(Task {
            pid: 0,
            comm: Comm::EMPTY,
        }),
    }
}; SLOTS];

/// Where the next claim starts looking (spreads concurrent callers).
static HINT: AtomicUsize = AtomicUsize::new(0);

/// The timeout in seconds (0: the watchdog is off).
pub fn timeout_secs() -> u64 {
    TIMEOUT_SECS.load(Ordering::Relaxed)
}

/// Sets the timeout (`echo N > /proc/sys/kernel/hung_task_timeout_secs`).
pub fn set_timeout_secs(secs: u64) {
    TIMEOUT_SECS.store(secs, Ordering::Relaxed);
}

/// A call being watched; dropping it ends the watch.
/// A call being watched; dropping it ends the watch (and gives the task
/// back the watch of the call it made this one from, if any).
pub struct Watch(Watched, u64);

enum Watched {
    Slot(usize),
    Listed(u64),
}

/// Watch ids of slots carry this bit; listed calls count up from 1.
const SLOT_ID: u64 = 1 << 63;

impl Watched {
    fn id(&self) -> u64 {
        match *self {
            Watched::Slot(i) => SLOT_ID | i as u64,
            Watched::Listed(id) => id,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        match self.0 {
            Watched::Slot(i) => {
                let state = &TABLE[i].state;
                while state
                    .compare_exchange(ACTIVE, FREE, Ordering::AcqRel, Ordering::Relaxed)
                    .is_err()
                {
                    core::hint::spin_loop();
                }
            }
            Watched::Listed(id) => CALLS.lock().retain(|c| c.id != id),
        }
        if platform::installed().is_some() {
            crate::sched::current().set_watch(self.1);
        }
    }
}

/// While the watched call's task sleeps interruptibly (`on`), it is not
/// counted; any wake-up restarts its clock (a sleeping task that keeps
/// waking makes progress, as Linux counts context switches).
pub fn pause(id: u64, on: bool) {
    let now = platform::installed().map_or(0, |p| p.now_coarse_ns());
    if id & SLOT_ID != 0 {
        // The slot is this task's own while its watch lives (the caller
        // is the watched task): only the flags and clock change.
        if let Some(slot) = TABLE.get((id & !SLOT_ID) as usize) {
            slot.paused.store(on, Ordering::Relaxed);
            slot.since_ns.store(now, Ordering::Relaxed);
        }
    } else if let Some(c) = CALLS.lock().iter_mut().find(|c| c.id == id) {
        c.paused = on;
        c.since_ns = now;
    }
}

/// Starts watching a call into module code made for `task` (at `now_ns`
/// by the platform's coarse clock).
pub fn watch(task: &Task, now_ns: u64) -> Watch {
    let start = HINT.fetch_add(1, Ordering::Relaxed);
    for k in 0..SLOTS {
        let i = (start + k) % SLOTS;
        let slot = &TABLE[i];
        if slot
            .state
            .compare_exchange(FREE, FILLING, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            // SAFETY: this caller owns the slot while it is FILLING.
            unsafe { *slot.task.get() = *task };
            slot.since_ns.store(now_ns, Ordering::Relaxed);
            slot.reported.store(false, Ordering::Relaxed);
            slot.paused.store(false, Ordering::Relaxed);
            slot.state.store(ACTIVE, Ordering::Release);
            return watched(Watched::Slot(i));
        }
    }
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    CALLS.lock().push(Call {
        id,
        pid: task.pid,
        comm: task.comm,
        since_ns: now_ns,
        reported: false,
        paused: false,
    });
    watched(Watched::Listed(id))
}

/// The watch of `w`, made the task's current one (sleeps pause it).
fn watched(w: Watched) -> Watch {
    let outer = if platform::installed().is_some() {
        crate::sched::current().set_watch(w.id())
    } else {
        0
    };
    Watch(w, outer)
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
    let now = p.now_coarse_ns();
    let mut late = Vec::new();
    let limit = secs * 1_000_000_000;
    for slot in &TABLE {
        if slot
            .state
            .compare_exchange(ACTIVE, READING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            continue;
        }
        if !slot.reported.load(Ordering::Relaxed)
            && !slot.paused.load(Ordering::Relaxed)
            && now.saturating_sub(slot.since_ns.load(Ordering::Relaxed)) >= limit
        {
            slot.reported.store(true, Ordering::Relaxed);
            // SAFETY: check() owns the slot while it is READING.
            let t = unsafe { *slot.task.get() };
            late.push((t.comm, t.pid));
        }
        slot.state.store(ACTIVE, Ordering::Release);
    }
    for c in CALLS.lock().iter_mut() {
        if !c.reported && !c.paused && now.saturating_sub(c.since_ns) >= limit {
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
