//! Timers and tasklets for modules (Linux's include/linux/timer.h and the
//! tasklets of interrupt.h): both run on the softirq thread
//! (`ksoftirqd/0`), in atomic context, through their module's protected
//! boundary. Timers are kept by expiry (jiffies, turned into monotonic
//! deadlines); the thread sleeps until the earliest one, or until woken
//! by a new earlier timer or a scheduled tasklet. A `struct timer_list`
//! stays the module's: the kernel writes its `expires` and marks it
//! pending in `entry.pprev` (what timer_pending reads).
//!
//! Delayed work (workqueue.rs) arms timers of the kernel's own here: when
//! they expire the work is queued.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::{c_int, c_uint, c_ulong};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use ax_kspin::SpinRaw;

use super::AddrFn;
use super::time::{jiffies, jiffies_deadline};
use crate::console::level;
use crate::klog;
use crate::module::{self, Module};
use crate::platform;
use crate::sched::{self, Context, KTask, KWait, TASK_INTERRUPTIBLE};

/// `struct timer_list`'s fields the kernel touches.
const T_PPREV: usize = 8;
const T_EXPIRES: usize = 16;
const T_FUNCTION: usize = 24;

/// What an expired timer does.
#[derive(Clone)]
pub(crate) enum Action {
    /// Calls the module's function with the timer.
    Call { f: usize },
    /// Queues a delayed work item (its timer's address is the key).
    Work { wq: usize, work: usize },
}

#[derive(Clone)]
struct Armed {
    addr: usize,
    owner: Arc<Module>,
    action: Action,
}

struct Timers {
    /// (deadline ns, sequence) -> timer.
    queue: BTreeMap<(u64, u64), Armed>,
    /// timer address -> its key in `queue`.
    keys: BTreeMap<usize, (u64, u64)>,
    seq: u64,
    /// The timer whose callback runs now (0: none).
    running: usize,
    /// The module whose timer or tasklet runs now (0: none).
    running_owner: usize,
}

static TIMERS: SpinRaw<Timers> = SpinRaw::new(Timers {
    queue: BTreeMap::new(),
    keys: BTreeMap::new(),
    seq: 0,
    running: 0,
    running_owner: 0,
});

/// Tasklet state bits (TASKLET_STATE_SCHED, TASKLET_STATE_RUN).
const TASKLET_SCHED: usize = 1 << 0;
const TASKLET_RUN: usize = 1 << 1;

/// `struct tasklet_struct`.
#[repr(C)]
pub struct Tasklet {
    next: usize,
    state: AtomicUsize,
    count: AtomicU32,
    use_callback: bool,
    func: usize,
    data: usize,
}

const _: () = {
    assert!(core::mem::size_of::<Tasklet>() == 40);
    assert!(core::mem::offset_of!(Tasklet, func) == 24);
};

struct Tasklets {
    queue: VecDeque<(usize, Arc<Module>)>,
    /// Scheduled while disabled: queued again by tasklet_enable.
    parked: Vec<(usize, Arc<Module>)>,
}

static TASKLETS: SpinRaw<Tasklets> = SpinRaw::new(Tasklets {
    queue: VecDeque::new(),
    parked: Vec::new(),
});

/// Woken when a timer callback or a tasklet finishes.
static IDLE: SpinRaw<Option<Arc<KWait>>> = SpinRaw::new(None);

/// The softirq thread's task.
static SOFTIRQ: SpinRaw<Option<Arc<KTask>>> = SpinRaw::new(None);
static STARTING: AtomicBool = AtomicBool::new(false);

fn idle() -> Arc<KWait> {
    IDLE.lock()
        .get_or_insert_with(|| Arc::new(KWait::new()))
        .clone()
}

/// Wakes the softirq thread, starting it on first use.
fn kick() {
    if let Some(t) = SOFTIRQ.lock().clone() {
        t.try_wake(TASK_INTERRUPTIBLE);
        return;
    }
    if STARTING.swap(true, Ordering::AcqRel) {
        return;
    }
    let t = KTask::new_kthread("ksoftirqd/0");
    *SOFTIRQ.lock() = Some(t.clone());
    let ok =
        platform::get().spawn_thread("ksoftirqd/0", alloc::boxed::Box::new(move || softirqd(t)));
    if !ok {
        klog!(level::ERR, "softirq: cannot start ksoftirqd/0");
        *SOFTIRQ.lock() = None;
        STARTING.store(false, Ordering::Release);
    }
}

/// Whether the caller is the softirq thread itself.
fn on_softirq() -> bool {
    SOFTIRQ
        .lock()
        .as_ref()
        .is_some_and(|t| t.addr() == sched::current().addr())
}

fn softirqd(me: Arc<KTask>) {
    sched::adopt(&me);
    loop {
        me.set_state(TASK_INTERRUPTIBLE);
        let mut did = run_timers();
        did |= run_tasklets();
        if did {
            me.set_state(sched::TASK_RUNNING);
            continue;
        }
        let next = TIMERS.lock().queue.keys().next().map(|k| k.0);
        sched::schedule_until(next);
    }
}

/// Runs every expired timer; true if any ran.
fn run_timers() -> bool {
    let mut any = false;
    loop {
        let now = platform::get().now_ns();
        let armed = {
            let mut t = TIMERS.lock();
            let Some((&key, _)) = t.queue.iter().next() else {
                break;
            };
            if key.0 > now {
                break;
            }
            let a = t.queue.remove(&key).expect("first key");
            t.keys.remove(&a.addr);
            if matches!(a.action, Action::Call { .. }) {
                // SAFETY: an armed module timer is the module's memory,
                // live while armed (as Linux's); the pending mark goes.
                unsafe { ((a.addr + T_PPREV) as *mut usize).write_volatile(0) };
            }
            t.running = a.addr;
            t.running_owner = Arc::as_ptr(&a.owner) as usize;
            a
        };
        sched::current().set_state(sched::TASK_RUNNING);
        any = true;
        match armed.action {
            Action::Call { f } => {
                // Linux's tick updates jiffies before it runs timers.
                jiffies();
                // SAFETY: f was checked to be the owner's code at mod_timer;
                // it takes the timer.
                let r = unsafe {
                    armed
                        .owner
                        .call_runtime(f, [armed.addr, 0, 0], Context::Atomic)
                };
                if r == Err(crate::errno::Errno::EIO) && !armed.owner.is_broken() {
                    let name = armed
                        .owner
                        .symbol_at(f)
                        .map_or_else(|| alloc::format!("{f:#x}"), |(n, _)| n);
                    klog!(
                        level::WARNING,
                        "{}: not running timer {name}: its exit has returned",
                        armed.owner.name()
                    );
                }
            }
            Action::Work { wq, work } => super::workqueue::timer_queue(wq, work, &armed.owner),
        }
        {
            let mut t = TIMERS.lock();
            t.running = 0;
            t.running_owner = 0;
        }
        idle().wake_all();
    }
    any
}

/// Arms (or re-arms) a timer; whether it was pending. A module whose
/// runtime was stopped (its exit returned, or it oopsed) arms nothing.
pub(crate) fn arm(addr: usize, expires: u64, owner: Arc<Module>, action: Action) -> bool {
    if owner.runtime_stopped() {
        if let Action::Call { f } = action
            && !owner.is_broken()
        {
            let name = owner
                .symbol_at(f)
                .map_or_else(|| alloc::format!("{f:#x}"), |(n, _)| n);
            klog!(
                level::WARNING,
                "{}: not re-arming timer {name}: its exit has returned",
                owner.name()
            );
        }
        return false;
    }
    let deadline = jiffies_deadline(expires);
    let was = {
        let mut t = TIMERS.lock();
        let was = match t.keys.remove(&addr) {
            Some(k) => t.queue.remove(&k).is_some(),
            None => false,
        };
        t.seq += 1;
        let key = (deadline, t.seq);
        if matches!(action, Action::Call { .. }) {
            // SAFETY: the module's timer, marked pending, its expiry set.
            unsafe {
                ((addr + T_EXPIRES) as *mut u64).write_volatile(expires);
                ((addr + T_PPREV) as *mut usize).write_volatile(1);
            }
        }
        t.queue.insert(
            key,
            Armed {
                addr,
                owner,
                action,
            },
        );
        t.keys.insert(addr, key);
        was
    };
    kick();
    was
}

/// Disarms a timer; whether it was pending.
pub(crate) fn disarm(addr: usize) -> bool {
    let mut t = TIMERS.lock();
    let Some(k) = t.keys.remove(&addr) else {
        return false;
    };
    let a = t.queue.remove(&k);
    if let Some(Armed {
        action: Action::Call { .. },
        ..
    }) = a
    {
        // SAFETY: the module's armed timer: no longer pending.
        unsafe { ((addr + T_PPREV) as *mut usize).write_volatile(0) };
    }
    a.is_some()
}

/// Waits while the timer at `addr` runs (not from its own callback).
pub(crate) fn wait_running(addr: usize) {
    if on_softirq() {
        return;
    }
    idle().wait_until(None, || TIMERS.lock().running != addr);
}

/// The module and function a timer's `function` field names (the cached
/// owner when re-armed with the same function).
fn owner_of(addr: usize) -> Option<(usize, Arc<Module>)> {
    // SAFETY: the module's timer struct.
    let f = unsafe { ((addr + T_FUNCTION) as *const usize).read_volatile() };
    {
        let t = TIMERS.lock();
        if let Some(k) = t.keys.get(&addr)
            && let Some(Armed {
                owner,
                action: Action::Call { f: old },
                ..
            }) = t.queue.get(k)
            && *old == f
        {
            return Some((f, owner.clone()));
        }
    }
    let m = module::owning(f).filter(|m| m.is_code(f))?;
    Some((f, m))
}

/// `mod_timer(timer, expires)`: 1 if it was pending.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_mod_timer(timer: usize, expires: c_ulong) -> c_int {
    let Some((f, owner)) = owner_of(timer) else {
        klog!(
            level::ERR,
            "mod_timer: timer {timer:#x} has no module function"
        );
        return 0;
    };
    c_int::from(arm(timer, expires, owner, Action::Call { f }))
}

/// `add_timer(timer)`: arms it at its `expires`.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_add_timer(timer: usize) {
    // SAFETY: the module's timer struct.
    let expires = unsafe { ((timer + T_EXPIRES) as *const u64).read_volatile() };
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_mod_timer(timer, expires as c_ulong) };
}

/// `mod_timer_pending(timer, expires)`: only re-arms a pending timer.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_mod_timer_pending(timer: usize, expires: c_ulong) -> c_int {
    if !TIMERS.lock().keys.contains_key(&timer) {
        return 0;
    }
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_mod_timer(timer, expires) }
}

/// `timer_delete(timer)` / `del_timer`: 1 if it was pending.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_timer_delete(timer: usize) -> c_int {
    c_int::from(disarm(timer))
}

/// `timer_delete_sync(timer)` / `del_timer_sync`: also waits for a
/// running callback (unless called from it).
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_timer_delete_sync(timer: usize) -> c_int {
    let was = disarm(timer);
    wait_running(timer);
    // A callback that re-armed itself while we waited: take it off again.
    c_int::from(disarm(timer) || was)
}

/// `add_timer_on(timer, cpu)`.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_add_timer_on(timer: usize, _cpu: c_int) {
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_add_timer(timer) };
}

/// Runs every scheduled tasklet once; true if any ran.
fn run_tasklets() -> bool {
    let batch: Vec<(usize, Arc<Module>)> = TASKLETS.lock().queue.drain(..).collect();
    let any = !batch.is_empty();
    for (addr, owner) in batch {
        // SAFETY: a scheduled tasklet is its module's memory, live while
        // scheduled (as Linux's).
        let t = unsafe { &*(addr as *const Tasklet) };
        if t.count.load(Ordering::SeqCst) != 0 {
            TASKLETS.lock().parked.push((addr, owner));
            continue;
        }
        t.state.fetch_or(TASKLET_RUN, Ordering::SeqCst);
        t.state.fetch_and(!TASKLET_SCHED, Ordering::SeqCst);
        TIMERS.lock().running_owner = Arc::as_ptr(&owner) as usize;
        sched::current().set_state(sched::TASK_RUNNING);
        let (f, arg) = if t.use_callback {
            (t.func, addr)
        } else {
            (t.func, t.data)
        };
        // SAFETY: f was checked to be the owner's code when scheduled.
        let _ = unsafe { owner.call_runtime(f, [arg, 0, 0], Context::Atomic) };
        t.state.fetch_and(!TASKLET_RUN, Ordering::SeqCst);
        TIMERS.lock().running_owner = 0;
        idle().wake_all();
    }
    any
}

fn schedule_tasklet(t: *mut Tasklet, hi: bool) {
    // SAFETY: the module's tasklet.
    let tl = unsafe { &*t };
    if tl.state.fetch_or(TASKLET_SCHED, Ordering::SeqCst) & TASKLET_SCHED != 0 {
        return;
    }
    let f = tl.func;
    let Some(owner) = module::owning(f).filter(|m| m.is_code(f)) else {
        tl.state.fetch_and(!TASKLET_SCHED, Ordering::SeqCst);
        klog!(level::ERR, "tasklet_schedule: {t:p} has no module function");
        return;
    };
    if owner.runtime_stopped() {
        tl.state.fetch_and(!TASKLET_SCHED, Ordering::SeqCst);
        return;
    }
    {
        let mut g = TASKLETS.lock();
        if hi {
            g.queue.push_front((t as usize, owner));
        } else {
            g.queue.push_back((t as usize, owner));
        }
    }
    kick();
}

/// `__tasklet_schedule(t)` / `tasklet_schedule`.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_tasklet_schedule(t: *mut Tasklet) {
    schedule_tasklet(t, false);
}

/// `__tasklet_hi_schedule(t)` / `tasklet_hi_schedule`.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_tasklet_hi_schedule(t: *mut Tasklet) {
    schedule_tasklet(t, true);
}

/// `tasklet_init(t, func, data)`.
///
/// # Safety
/// `t` is valid for writes.
pub unsafe extern "C" fn kapi_tasklet_init(t: *mut Tasklet, func: usize, data: c_ulong) {
    // SAFETY: per the contract.
    unsafe {
        t.write(Tasklet {
            next: 0,
            state: AtomicUsize::new(0),
            count: AtomicU32::new(0),
            use_callback: false,
            func,
            data: data as usize,
        })
    };
}

/// `tasklet_setup(t, callback)`.
///
/// # Safety
/// `t` is valid for writes.
pub unsafe extern "C" fn kapi_tasklet_setup(t: *mut Tasklet, callback: usize) {
    // SAFETY: per the contract.
    unsafe {
        t.write(Tasklet {
            next: 0,
            state: AtomicUsize::new(0),
            count: AtomicU32::new(0),
            use_callback: true,
            func: callback,
            data: 0,
        })
    };
}

/// `tasklet_kill(t)`: waits for a scheduled run to happen and a running
/// one to finish; it is then not scheduled.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_tasklet_kill(t: *mut Tasklet) {
    sched::might_sleep("kernel/softirq.c", 858);
    // SAFETY: the module's tasklet.
    let tl = unsafe { &*t };
    let idle = idle();
    loop {
        if tl.state.fetch_or(TASKLET_SCHED, Ordering::SeqCst) & TASKLET_SCHED == 0 {
            break;
        }
        idle.wait_until(None, || {
            tl.state.load(Ordering::SeqCst) & TASKLET_SCHED == 0
        });
    }
    idle.wait_until(None, || tl.state.load(Ordering::SeqCst) & TASKLET_RUN == 0);
    tl.state.fetch_and(!TASKLET_SCHED, Ordering::SeqCst);
}

/// `tasklet_disable_nosync(t)`.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_tasklet_disable_nosync(t: *mut Tasklet) {
    // SAFETY: the module's tasklet.
    unsafe { &*t }.count.fetch_add(1, Ordering::SeqCst);
}

/// `tasklet_disable(t)`: also waits for a running one.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_tasklet_disable(t: *mut Tasklet) {
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_tasklet_disable_nosync(t) };
    // SAFETY: the module's tasklet.
    let tl = unsafe { &*t };
    if !on_softirq() {
        idle().wait_until(None, || tl.state.load(Ordering::SeqCst) & TASKLET_RUN == 0);
    }
}

/// `tasklet_enable(t)`: a run scheduled while disabled happens now.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_tasklet_enable(t: *mut Tasklet) {
    // SAFETY: the module's tasklet.
    let tl = unsafe { &*t };
    let _ = tl
        .count
        .try_update(Ordering::SeqCst, Ordering::SeqCst, |c| c.checked_sub(1));
    if tl.count.load(Ordering::SeqCst) == 0 {
        let mut g = TASKLETS.lock();
        let (back, keep): (Vec<_>, Vec<_>) =
            g.parked.drain(..).partition(|(a, _)| *a == t as usize);
        g.parked = keep;
        g.queue.extend(back);
        drop(g);
        kick();
    }
}

/// Cancels what `m` left here (timers armed, tasklets scheduled), with a
/// warning naming each, and (when `sync`) waits for its callbacks running.
pub(crate) fn stop_owned(m: &Module, sync: bool) {
    let name_of = |f: usize| {
        m.symbol_at(f)
            .map_or_else(|| alloc::format!("{f:#x}"), |(n, _)| n)
    };
    let armed: Vec<Armed> = TIMERS
        .lock()
        .queue
        .values()
        .filter(|a| core::ptr::eq(&*a.owner, m))
        .cloned()
        .collect();
    for a in armed {
        if disarm(a.addr) {
            match a.action {
                Action::Call { f } => klog!(
                    level::WARNING,
                    "{}: deleting timer {} it left armed",
                    m.name(),
                    name_of(f)
                ),
                Action::Work { work, .. } => {
                    super::workqueue::dropped_delayed(m, work);
                }
            }
        }
    }
    let dropped: Vec<(usize, Arc<Module>)> = {
        let mut g = TASKLETS.lock();
        let mut out = Vec::new();
        g.queue.retain(|e| {
            let mine = core::ptr::eq(&*e.1, m);
            if mine {
                out.push(e.clone());
            }
            !mine
        });
        g.parked.retain(|e| {
            let mine = core::ptr::eq(&*e.1, m);
            if mine {
                out.push(e.clone());
            }
            !mine
        });
        out
    };
    for (addr, _) in dropped {
        // SAFETY: the module's tasklet, still mapped.
        let tl = unsafe { &*(addr as *const Tasklet) };
        tl.state.fetch_and(!TASKLET_SCHED, Ordering::SeqCst);
        klog!(
            level::WARNING,
            "{}: killing tasklet {} it left scheduled",
            m.name(),
            name_of(tl.func)
        );
    }
    if sync {
        wait_owned(m);
    }
}

/// Waits while a timer or tasklet callback of `m` runs (not from the
/// softirq thread itself).
pub(crate) fn wait_owned(m: &Module) {
    if on_softirq() {
        return;
    }
    let me = m as *const Module as usize;
    idle().wait_until(None, || TIMERS.lock().running_owner != me);
}

/// Timers armed (for tests).
pub fn armed_count() -> usize {
    TIMERS.lock().queue.len()
}

/// The current jiffies (for `expires` computations of the kernel's own).
pub(crate) fn now_jiffies() -> u64 {
    jiffies()
}

/// `init_timer_key(timer, func, flags, name, key)`.
///
/// # Safety
/// `timer` is valid for writes of a `struct timer_list`.
pub unsafe extern "C" fn kapi_init_timer_key(
    timer: usize,
    func: usize,
    flags: c_uint,
    _name: usize,
    _key: usize,
) {
    // SAFETY: per the contract.
    unsafe {
        core::ptr::write_bytes(timer as *mut u8, 0, 40);
        ((timer + T_FUNCTION) as *mut usize).write(func);
        ((timer + 32) as *mut u32).write(flags);
    }
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("mod_timer", || kapi_mod_timer as *const () as usize),
    ("mod_timer_pending", || {
        kapi_mod_timer_pending as *const () as usize
    }),
    ("add_timer", || kapi_add_timer as *const () as usize),
    ("add_timer_on", || kapi_add_timer_on as *const () as usize),
    ("timer_delete", || kapi_timer_delete as *const () as usize),
    ("del_timer", || kapi_timer_delete as *const () as usize),
    ("timer_delete_sync", || {
        kapi_timer_delete_sync as *const () as usize
    }),
    ("del_timer_sync", || {
        kapi_timer_delete_sync as *const () as usize
    }),
    ("timer_shutdown_sync", || {
        kapi_timer_delete_sync as *const () as usize
    }),
    ("init_timer_key", || {
        kapi_init_timer_key as *const () as usize
    }),
    ("__tasklet_schedule", || {
        kapi_tasklet_schedule as *const () as usize
    }),
    ("__tasklet_hi_schedule", || {
        kapi_tasklet_hi_schedule as *const () as usize
    }),
    ("tasklet_init", || kapi_tasklet_init as *const () as usize),
    ("tasklet_setup", || kapi_tasklet_setup as *const () as usize),
    ("tasklet_kill", || kapi_tasklet_kill as *const () as usize),
    ("tasklet_disable", || {
        kapi_tasklet_disable as *const () as usize
    }),
    ("tasklet_disable_nosync", || {
        kapi_tasklet_disable_nosync as *const () as usize
    }),
    ("tasklet_enable", || {
        kapi_tasklet_enable as *const () as usize
    }),
];
