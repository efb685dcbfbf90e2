//! Work queues for modules (Linux's include/linux/workqueue.h): a queue
//! is a list of work items and its worker threads (`kworker/...`, started
//! on demand up to its max_active, at most [`MAX_WORKERS`]); a work item
//! runs in process context (it may sleep) through its module's protected
//! boundary, never on two workers at once. `system_wq` and its siblings
//! are exported variables, as on Linux. A `struct work_struct` stays the
//! module's: the kernel keeps WORK_STRUCT_PENDING in its `data` word (what
//! work_pending reads). Delayed work arms a kernel timer (timer.rs).

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_uint, c_ulong};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ax_kspin::SpinRaw;

use super::AddrFn;
use super::timer::{self, Action};
use crate::console::level;
use crate::klog;
use crate::module::{self, Module};
use crate::platform;
use crate::sched::{self, Context, KTask, KWait, TASK_INTERRUPTIBLE};

/// Workers a queue starts at most (this machine's scale).
pub const MAX_WORKERS: usize = 4;

const WORK_PENDING: usize = 1;
const W_FUNC: usize = 24;
/// `struct delayed_work`: its timer and queue fields.
const DW_TIMER: usize = 32;
const DW_WQ: usize = 72;

/// WQ_UNBOUND.
const WQ_UNBOUND: u32 = 1 << 1;
/// __WQ_ORDERED.
const WQ_ORDERED: u32 = 1 << 17;

struct Queued {
    work: usize,
    f: usize,
    owner: Arc<Module>,
}

struct WqState {
    queue: VecDeque<Queued>,
    workers: Vec<Arc<KTask>>,
    destroyed: bool,
}

/// A work queue (`struct workqueue_struct`, opaque to modules).
pub struct Workqueue {
    name: String,
    max_workers: usize,
    owner: Option<Arc<Module>>,
    st: SpinRaw<WqState>,
    serial: AtomicUsize,
}

/// Every queue (what a `struct workqueue_struct *` may be).
static WQS: SpinRaw<Vec<Arc<Workqueue>>> = SpinRaw::new(Vec::new());

/// Work items running now: (work, queue).
static RUNNING: SpinRaw<Vec<(usize, usize)>> = SpinRaw::new(Vec::new());

/// Woken whenever a work item finishes or leaves a queue.
static IDLE: SpinRaw<Option<Arc<KWait>>> = SpinRaw::new(None);

fn idle() -> Arc<KWait> {
    IDLE.lock()
        .get_or_insert_with(|| Arc::new(KWait::new()))
        .clone()
}

/// The exported `system_wq` and siblings (their values are queues).
#[unsafe(no_mangle)]
pub static starry_kmod_system_wq: AtomicUsize = AtomicUsize::new(0);
#[unsafe(no_mangle)]
/// `system_long_wq`.
pub static starry_kmod_system_long_wq: AtomicUsize = AtomicUsize::new(0);
#[unsafe(no_mangle)]
/// `system_unbound_wq`.
pub static starry_kmod_system_unbound_wq: AtomicUsize = AtomicUsize::new(0);
#[unsafe(no_mangle)]
/// `system_highpri_wq`.
pub static starry_kmod_system_highpri_wq: AtomicUsize = AtomicUsize::new(0);
#[unsafe(no_mangle)]
/// `system_freezable_wq`.
pub static starry_kmod_system_freezable_wq: AtomicUsize = AtomicUsize::new(0);

static STARTED: AtomicBool = AtomicBool::new(false);

/// Makes the system queues (once; their workers start on demand).
pub fn start() {
    if STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    for (var, name) in [
        (&starry_kmod_system_wq, "events"),
        (&starry_kmod_system_long_wq, "events_long"),
        (&starry_kmod_system_unbound_wq, "events_unbound"),
        (&starry_kmod_system_highpri_wq, "events_highpri"),
        (&starry_kmod_system_freezable_wq, "events_freezable"),
    ] {
        var.store(new_wq(name, MAX_WORKERS, None), Ordering::Release);
    }
}

fn new_wq(name: &str, max_workers: usize, owner: Option<Arc<Module>>) -> usize {
    let wq = Arc::new(Workqueue {
        name: name.into(),
        max_workers: max_workers.clamp(1, MAX_WORKERS),
        owner,
        st: SpinRaw::new(WqState {
            queue: VecDeque::new(),
            workers: Vec::new(),
            destroyed: false,
        }),
        serial: AtomicUsize::new(0),
    });
    let addr = Arc::as_ptr(&wq) as usize;
    WQS.lock().push(wq);
    addr
}

fn wq_at(addr: usize) -> Option<Arc<Workqueue>> {
    WQS.lock()
        .iter()
        .find(|w| Arc::as_ptr(w) as usize == addr)
        .cloned()
}

/// The work item's data word.
fn data(work: usize) -> &'static AtomicUsize {
    // SAFETY: a module's work_struct: its first word is `data`, live while
    // the module uses it (as Linux's).
    unsafe { &*(work as *const AtomicUsize) }
}

fn worker(wq: Arc<Workqueue>, me: Arc<KTask>) {
    sched::adopt(&me);
    let wq_addr = Arc::as_ptr(&wq) as usize;
    loop {
        me.set_state(TASK_INTERRUPTIBLE);
        let item = {
            let mut st = wq.st.lock();
            let mut running = RUNNING.lock();
            let pos = st
                .queue
                .iter()
                .position(|q| !running.iter().any(|(w, _)| *w == q.work));
            match pos {
                Some(i) => {
                    let q = st.queue.remove(i).expect("position");
                    running.push((q.work, wq_addr));
                    Some(q)
                }
                None if st.destroyed => {
                    st.workers.retain(|t| !Arc::ptr_eq(t, &me));
                    None
                }
                None => {
                    drop(running);
                    drop(st);
                    sched::schedule_until(None);
                    continue;
                }
            }
        };
        let Some(q) = item else {
            // Destroyed and drained: this worker ends.
            me.set_state(sched::TASK_RUNNING);
            sched::unregister(me.addr());
            sched::forget_current();
            return;
        };
        me.set_state(sched::TASK_RUNNING);
        data(q.work).fetch_and(!WORK_PENDING, Ordering::SeqCst);
        // SAFETY: f was checked to be the owner's code when queued; it
        // takes the work item.
        let _ = unsafe { q.owner.call_runtime(q.f, [q.work, 0, 0], Context::Process) };
        {
            let mut running = RUNNING.lock();
            if let Some(i) = running.iter().position(|r| *r == (q.work, wq_addr)) {
                running.swap_remove(i);
            }
        }
        idle().wake_all();
        // Another worker may have skipped the item while it ran here.
        wake_one(&wq);
    }
}

fn wake_one(wq: &Arc<Workqueue>) {
    let workers: Vec<Arc<KTask>> = wq.st.lock().workers.clone();
    for t in workers {
        if t.try_wake(TASK_INTERRUPTIBLE) {
            return;
        }
    }
}

/// Puts a pending work item on `wq` and gets a worker to it.
fn enqueue(wq: &Arc<Workqueue>, work: usize, f: usize, owner: Arc<Module>) -> bool {
    if owner.runtime_stopped() {
        // Its exit returned (or it oopsed): nothing of it is queued now.
        data(work).fetch_and(!WORK_PENDING, Ordering::SeqCst);
        return false;
    }
    let spawn = {
        let mut st = wq.st.lock();
        if st.destroyed {
            drop(st);
            data(work).fetch_and(!WORK_PENDING, Ordering::SeqCst);
            klog!(
                level::WARNING,
                "workqueue: queueing work on destroyed workqueue {}",
                wq.name
            );
            return false;
        }
        st.queue.push_back(Queued { work, f, owner });
        if st.workers.len() < wq.max_workers && st.queue.len() > idle_workers(&st) {
            let n = wq.serial.fetch_add(1, Ordering::Relaxed);
            let unbound = if wq.max_workers > 1 { "u" } else { "" };
            let name = alloc::format!("kworker/{unbound}0:{n}");
            let t = KTask::new_kthread(&name);
            st.workers.push(t.clone());
            Some((name, t))
        } else {
            None
        }
    };
    match spawn {
        Some((name, t)) => {
            let w = wq.clone();
            let t2 = t.clone();
            if !platform::get().spawn_thread(&name, alloc::boxed::Box::new(move || worker(w, t2))) {
                wq.st.lock().workers.retain(|x| !Arc::ptr_eq(x, &t));
                sched::unregister(t.addr());
                klog!(level::ERR, "workqueue {}: cannot start a worker", wq.name);
            }
            wake_one(wq);
        }
        None => wake_one(wq),
    }
    true
}

fn idle_workers(st: &WqState) -> usize {
    st.workers
        .iter()
        .filter(|t| t.state() & TASK_INTERRUPTIBLE != 0)
        .count()
}

/// The function and owner of a work item.
fn work_fn(work: usize) -> Option<(usize, Arc<Module>)> {
    // SAFETY: the module's work_struct.
    let f = unsafe { ((work + W_FUNC) as *const usize).read_volatile() };
    let m = module::owning(f).filter(|m| m.is_code(f))?;
    Some((f, m))
}

/// `queue_work_on(cpu, wq, work)`: false if it was already pending.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_queue_work_on(_cpu: c_int, wq: usize, work: usize) -> bool {
    let Some(q) = wq_at(wq) else {
        klog!(level::ERR, "queue_work: {wq:#x} is not a workqueue");
        return false;
    };
    if data(work).fetch_or(WORK_PENDING, Ordering::SeqCst) & WORK_PENDING != 0 {
        return false;
    }
    let Some((f, owner)) = work_fn(work) else {
        data(work).fetch_and(!WORK_PENDING, Ordering::SeqCst);
        klog!(
            level::ERR,
            "queue_work: work {work:#x} has no module function"
        );
        return false;
    };
    enqueue(&q, work, f, owner)
}

/// A delayed work item's timer expired (on the softirq thread).
pub(crate) fn timer_queue(wq: usize, work: usize, owner: &Arc<Module>) {
    let Some(q) = wq_at(wq) else { return };
    let Some((f, _)) = work_fn(work) else { return };
    enqueue(&q, work, f, owner.clone());
}

/// `queue_delayed_work_on(cpu, wq, dwork, delay)`.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_queue_delayed_work_on(
    cpu: c_int,
    wq: usize,
    dwork: usize,
    delay: c_ulong,
) -> bool {
    if delay == 0 {
        // SAFETY: the caller's contract, passed on.
        return unsafe { kapi_queue_work_on(cpu, wq, dwork) };
    }
    if wq_at(wq).is_none() {
        klog!(level::ERR, "queue_delayed_work: {wq:#x} is not a workqueue");
        return false;
    }
    if data(dwork).fetch_or(WORK_PENDING, Ordering::SeqCst) & WORK_PENDING != 0 {
        return false;
    }
    let Some((_, owner)) = work_fn(dwork) else {
        data(dwork).fetch_and(!WORK_PENDING, Ordering::SeqCst);
        klog!(
            level::ERR,
            "queue_delayed_work: {dwork:#x} has no module function"
        );
        return false;
    };
    // SAFETY: the module's delayed_work: its wq field.
    unsafe { ((dwork + DW_WQ) as *mut usize).write_volatile(wq) };
    let expires = timer::now_jiffies().wrapping_add(delay);
    timer::arm(
        dwork + DW_TIMER,
        expires,
        owner,
        Action::Work { wq, work: dwork },
    );
    true
}

/// Takes a work item off whatever queue holds it; whether it was there.
fn unqueue(work: usize) -> bool {
    let wqs: Vec<Arc<Workqueue>> = WQS.lock().clone();
    let mut found = false;
    for q in wqs {
        let mut st = q.st.lock();
        let before = st.queue.len();
        st.queue.retain(|x| x.work != work);
        found |= st.queue.len() != before;
    }
    if found {
        data(work).fetch_and(!WORK_PENDING, Ordering::SeqCst);
        idle().wake_all();
    }
    found
}

fn is_running(work: usize) -> bool {
    RUNNING.lock().iter().any(|(w, _)| *w == work)
}

/// Whether the caller is the worker running `work` (a work item waiting
/// for itself would wait forever).
fn self_running(work: usize) -> bool {
    let _ = work;
    false
}

fn wait_idle(work: usize) {
    if self_running(work) {
        return;
    }
    idle().wait_until(None, || {
        !is_running(work) && data(work).load(Ordering::SeqCst) & WORK_PENDING == 0
    });
}

/// `cancel_work(work)`: whether it was pending.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_cancel_work(work: usize) -> bool {
    unqueue(work)
}

/// `cancel_work_sync(work)`: also waits for it to finish running.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_cancel_work_sync(work: usize) -> bool {
    sched::might_sleep("kernel/workqueue.c", 3446);
    let was = unqueue(work);
    idle().wait_until(None, || !is_running(work));
    was
}

/// `flush_work(work)`: waits until it is neither pending nor running;
/// whether it waited.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_flush_work(work: usize) -> bool {
    sched::might_sleep("kernel/workqueue.c", 3387);
    let busy = is_running(work) || data(work).load(Ordering::SeqCst) & WORK_PENDING != 0;
    wait_idle(work);
    busy
}

/// `cancel_delayed_work(dwork)`: whether it was pending.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_cancel_delayed_work(dwork: usize) -> bool {
    if timer::disarm(dwork + DW_TIMER) {
        data(dwork).fetch_and(!WORK_PENDING, Ordering::SeqCst);
        return true;
    }
    unqueue(dwork)
}

/// `cancel_delayed_work_sync(dwork)`.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_cancel_delayed_work_sync(dwork: usize) -> bool {
    sched::might_sleep("kernel/workqueue.c", 3524);
    // SAFETY: the caller's contract, passed on.
    let was = unsafe { kapi_cancel_delayed_work(dwork) };
    timer::wait_running(dwork + DW_TIMER);
    // The timer may have queued it meanwhile.
    let again = unqueue(dwork);
    idle().wait_until(None, || !is_running(dwork));
    was || again
}

/// `flush_delayed_work(dwork)`: a waiting item is queued now, then flushed.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_flush_delayed_work(dwork: usize) -> bool {
    if timer::disarm(dwork + DW_TIMER) {
        // SAFETY: the module's delayed_work.
        let wq = unsafe { ((dwork + DW_WQ) as *const usize).read_volatile() };
        if let (Some(q), Some((f, owner))) = (wq_at(wq), work_fn(dwork)) {
            enqueue(&q, dwork, f, owner);
        } else {
            data(dwork).fetch_and(!WORK_PENDING, Ordering::SeqCst);
        }
    }
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_flush_work(dwork) }
}

/// `mod_delayed_work_on(cpu, wq, dwork, delay)`: whether it was pending.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_mod_delayed_work_on(
    cpu: c_int,
    wq: usize,
    dwork: usize,
    delay: c_ulong,
) -> bool {
    // SAFETY: the caller's contract, passed on.
    let was = unsafe { kapi_cancel_delayed_work(dwork) };
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_queue_delayed_work_on(cpu, wq, dwork, delay) };
    was
}

/// `__flush_workqueue(wq)` / `flush_workqueue`: waits until everything
/// queued on it has run.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_flush_workqueue(wq: usize) {
    sched::might_sleep("kernel/workqueue.c", 3040);
    let Some(q) = wq_at(wq) else {
        klog!(level::ERR, "flush_workqueue: {wq:#x} is not a workqueue");
        return;
    };
    idle().wait_until(None, || {
        q.st.lock().queue.is_empty() && !RUNNING.lock().iter().any(|(_, w)| *w == wq)
    });
}

/// `flush_scheduled_work()` (Linux's __flush_workqueue(system_wq)).
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_flush_scheduled_work() {
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_flush_workqueue(starry_kmod_system_wq.load(Ordering::Acquire)) };
}

/// `destroy_workqueue(wq)`: drains it, its workers end.
///
/// # Safety
/// The addresses are the caller's live objects of that kind (as Linux's).
pub unsafe extern "C" fn kapi_destroy_workqueue(wq: usize) {
    let Some(q) = wq_at(wq) else {
        klog!(level::ERR, "destroy_workqueue: {wq:#x} is not a workqueue");
        return;
    };
    if q.owner.is_none() {
        klog!(level::ERR, "destroy_workqueue: {} is the kernel's", q.name);
        return;
    }
    // SAFETY: the caller's contract, passed on.
    unsafe { kapi_flush_workqueue(wq) };
    destroy(&q);
}

fn destroy(q: &Arc<Workqueue>) {
    let workers = {
        let mut st = q.st.lock();
        st.destroyed = true;
        st.workers.clone()
    };
    for t in workers {
        t.try_wake(TASK_INTERRUPTIBLE);
    }
    WQS.lock().retain(|x| !Arc::ptr_eq(x, q));
}

/// `alloc_workqueue`'s body (the name formatted by csrc/kthread.c).
///
/// # Safety
/// `name` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_alloc_workqueue(
    name: *const c_char,
    flags: c_uint,
    max_active: c_int,
    hint: usize,
) -> usize {
    // SAFETY: per the contract.
    let name = unsafe { core::ffi::CStr::from_ptr(name) }.to_string_lossy();
    let Some(owner) = module::owning(hint) else {
        klog!(level::ERR, "alloc_workqueue: called from outside a module");
        return 0;
    };
    let max = if flags & WQ_ORDERED != 0 {
        1
    } else if max_active <= 0 {
        MAX_WORKERS
    } else {
        max_active as usize
    };
    let _ = WQ_UNBOUND;
    new_wq(&name, max, Some(owner))
}

/// At unload (or after an Oops): the work of `m` still queued or waiting
/// is cancelled, its queues destroyed, each with a warning; with `sync`,
/// its work running now is waited for.
pub(crate) fn stop_owned(m: &Module, sync: bool) {
    let name_of = |f: usize| {
        m.symbol_at(f)
            .map_or_else(|| alloc::format!("{f:#x}"), |(n, _)| n)
    };
    let wqs: Vec<Arc<Workqueue>> = WQS.lock().clone();
    for q in &wqs {
        let dropped: Vec<Queued> = {
            let mut st = q.st.lock();
            let mut out = Vec::new();
            let mut keep = VecDeque::new();
            for x in st.queue.drain(..) {
                if core::ptr::eq(&*x.owner, m) {
                    out.push(x);
                } else {
                    keep.push_back(x);
                }
            }
            st.queue = keep;
            out
        };
        for x in dropped {
            data(x.work).fetch_and(!WORK_PENDING, Ordering::SeqCst);
            klog!(
                level::WARNING,
                "{}: cancelling work {} it left pending",
                m.name(),
                name_of(x.f)
            );
        }
    }
    if sync {
        wait_owned(m);
    }
    for q in wqs {
        if q.owner.as_ref().is_some_and(|o| core::ptr::eq(&**o, m)) {
            klog!(
                level::WARNING,
                "{}: destroying workqueue {} it left",
                m.name(),
                q.name
            );
            destroy(&q);
        }
    }
    idle().wake_all();
}

/// Waits while work of `m` runs, with a warning.
pub(crate) fn wait_owned(m: &Module) {
    let mine = |w: usize| m.contains(w);
    if RUNNING.lock().iter().any(|(w, _)| mine(*w)) {
        klog!(
            level::WARNING,
            "{}: waiting for its work still running",
            m.name()
        );
        idle().wait_until(None, || !RUNNING.lock().iter().any(|(w, _)| mine(*w)));
    }
}

/// A delayed work item of `m` whose timer was disarmed at unload.
pub(crate) fn dropped_delayed(m: &Module, work: usize) {
    data(work).fetch_and(!WORK_PENDING, Ordering::SeqCst);
    let f = work_fn(work).map_or(0, |(f, _)| f);
    let name = m
        .symbol_at(f)
        .map_or_else(|| alloc::format!("{f:#x}"), |(n, _)| n);
    klog!(
        level::WARNING,
        "{}: cancelling delayed work {name} it left pending",
        m.name()
    );
}

/// Queues that modules made and did not destroy yet (for tests).
pub fn module_queue_count() -> usize {
    WQS.lock().iter().filter(|q| q.owner.is_some()).count()
}

unsafe extern "C" {
    fn starry_kmod_alloc_workqueue_fmt(fmt: *const c_char, flags: c_uint, max: c_int, ...)
    -> usize;
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("system_wq", || &starry_kmod_system_wq as *const _ as usize),
    ("system_long_wq", || {
        &starry_kmod_system_long_wq as *const _ as usize
    }),
    ("system_unbound_wq", || {
        &starry_kmod_system_unbound_wq as *const _ as usize
    }),
    ("system_highpri_wq", || {
        &starry_kmod_system_highpri_wq as *const _ as usize
    }),
    ("system_freezable_wq", || {
        &starry_kmod_system_freezable_wq as *const _ as usize
    }),
    ("alloc_workqueue", || {
        starry_kmod_alloc_workqueue_fmt as *const () as usize
    }),
    ("queue_work_on", || kapi_queue_work_on as *const () as usize),
    ("queue_delayed_work_on", || {
        kapi_queue_delayed_work_on as *const () as usize
    }),
    ("mod_delayed_work_on", || {
        kapi_mod_delayed_work_on as *const () as usize
    }),
    ("cancel_work", || kapi_cancel_work as *const () as usize),
    ("cancel_work_sync", || {
        kapi_cancel_work_sync as *const () as usize
    }),
    ("flush_work", || kapi_flush_work as *const () as usize),
    ("cancel_delayed_work", || {
        kapi_cancel_delayed_work as *const () as usize
    }),
    ("cancel_delayed_work_sync", || {
        kapi_cancel_delayed_work_sync as *const () as usize
    }),
    ("flush_delayed_work", || {
        kapi_flush_delayed_work as *const () as usize
    }),
    ("__flush_workqueue", || {
        kapi_flush_workqueue as *const () as usize
    }),
    ("flush_workqueue", || {
        kapi_flush_workqueue as *const () as usize
    }),
    ("flush_scheduled_work", || {
        kapi_flush_scheduled_work as *const () as usize
    }),
    ("destroy_workqueue", || {
        kapi_destroy_workqueue as *const () as usize
    }),
];
