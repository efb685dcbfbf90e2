//! Tasks, sleeping and waking (Linux's kernel/sched/core.c, wait.c, in
//! spirit): every thread that runs kernel or module code has a task
//! ([`KTask`]), whose head is the `struct task_struct` modules see through
//! `current` (`include/linux/sched.h`, layout pinned on both sides). A task
//! sleeps on its platform [`Event`]; `wake_up_process` sets it running and
//! notifies the event, so a wake-up between "set the state" and "sleep" is
//! never lost (the event keeps the token).
//!
//! Wait queues are Linux's: a `wait_queue_head` (a spinlock and a list)
//! in the caller's memory, entries on the sleepers' stacks; the kernel's
//! own waits (mutexes, completions, flushes, kthread_stop) use the same
//! code on heads of their own.
//!
//! Execution contexts are explicit: a task's atomic depth counts the
//! spinlocks it holds and the softirq work (timers, tasklets) it runs;
//! [`might_sleep`] there prints Linux's `BUG: sleeping function called
//! from invalid context`. Interruptible sleepers are not hung tasks (the
//! watchdog pauses while they sleep, as Linux flags only
//! TASK_UNINTERRUPTIBLE); every wake-up counts as progress.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use ax_kspin::SpinRaw;

use crate::console::level;
use crate::klog;
use crate::platform::{self, Comm, Event};

/// TASK_RUNNING.
pub const TASK_RUNNING: u32 = 0x0000;
/// TASK_INTERRUPTIBLE: a signal ends the sleep.
pub const TASK_INTERRUPTIBLE: u32 = 0x0001;
/// TASK_UNINTERRUPTIBLE: only the awaited event ends it (the watchdog's).
pub const TASK_UNINTERRUPTIBLE: u32 = 0x0002;
/// TASK_WAKEKILL: a fatal signal ends it too.
pub const TASK_WAKEKILL: u32 = 0x0100;
/// TASK_NOLOAD: not counted as load (TASK_IDLE), not a hung task.
pub const TASK_NOLOAD: u32 = 0x0400;
/// TASK_NORMAL: what wake_up wakes.
pub const TASK_NORMAL: u32 = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;
/// PF_KTHREAD: the task is a kernel thread.
pub const PF_KTHREAD: u32 = 0x0020_0000;
/// SIGKILL.
pub const SIGKILL: u32 = 9;
/// SIGINT.
pub const SIGINT: u32 = 2;
/// Linux's ERESTARTSYS (the interrupted call is restarted or fails EINTR).
pub const ERESTARTSYS: i32 = 512;
/// MAX_SCHEDULE_TIMEOUT.
pub const MAX_SCHEDULE_TIMEOUT: i64 = i64::MAX;

/// `struct task_struct` as modules see it (`include/linux/sched.h`).
#[repr(C)]
pub struct TaskStruct {
    /// `__state`.
    pub state: AtomicU32,
    /// `flags` (PF_KTHREAD).
    pub flags: AtomicU32,
    /// `pid`.
    pub pid: AtomicI32,
    /// `tgid`.
    pub tgid: AtomicI32,
    /// `comm`.
    pub comm: UnsafeCell<[u8; 16]>,
    /// `pending.list` (unused, empty).
    pending_list: [usize; 2],
    /// `pending.signal.sig[0]`: bit n-1 for signal n.
    pub pending: AtomicU64,
    /// `blocked.sig[0]`.
    pub blocked: AtomicU64,
    /// The kernel's.
    kernel: usize,
}

const _: () = {
    assert!(core::mem::size_of::<TaskStruct>() == 72);
    assert!(core::mem::offset_of!(TaskStruct, pid) == 8);
    assert!(core::mem::offset_of!(TaskStruct, tgid) == 12);
    assert!(core::mem::offset_of!(TaskStruct, comm) == 16);
    assert!(core::mem::offset_of!(TaskStruct, pending) == 48);
    assert!(core::mem::offset_of!(TaskStruct, blocked) == 56);
};

/// A kernel task: the `task_struct` modules see, then the kernel's part.
#[repr(C)]
pub struct KTask {
    ts: TaskStruct,
    event: Box<dyn Event>,
    /// Atomic-context depth: spinlocks held, softirq work running.
    atomic: AtomicU32,
    /// A kernel thread of the runtime: fixed pid and name.
    kthread: bool,
    /// kthread_should_stop().
    should_stop: AtomicBool,
    /// The hung-task watch of the module call this task is in (0: none).
    watch: AtomicU64,
    /// The open flags of the open(2) this task is carrying out.
    open_flags: AtomicU32,
}

// SAFETY: the comm cell is written only by its own thread (identity
// refresh) or before the task is shared; the rest is atomics.
unsafe impl Send for KTask {}
// SAFETY: as above.
unsafe impl Sync for KTask {}

/// Every live task, by address (what a `struct task_struct *` may be).
static TASKS: SpinRaw<BTreeMap<usize, Arc<KTask>>> = SpinRaw::new(BTreeMap::new());

/// Pids of kernel threads (Linux's kthreadd is 2; ours count on from here).
static NEXT_KPID: AtomicI32 = AtomicI32::new(100);

impl KTask {
    fn new(kthread: bool, pid: i32, comm: Comm) -> KTask {
        let mut c = [0u8; 16];
        c[..comm.as_str().len()].copy_from_slice(comm.as_str().as_bytes());
        KTask {
            ts: TaskStruct {
                state: AtomicU32::new(TASK_RUNNING),
                flags: AtomicU32::new(if kthread { PF_KTHREAD } else { 0 }),
                pid: AtomicI32::new(pid),
                tgid: AtomicI32::new(pid),
                comm: UnsafeCell::new(c),
                pending_list: [0; 2],
                pending: AtomicU64::new(0),
                blocked: AtomicU64::new(0),
                kernel: 0,
            },
            event: platform::get().new_event(),
            atomic: AtomicU32::new(0),
            kthread,
            should_stop: AtomicBool::new(false),
            watch: AtomicU64::new(0),
            open_flags: AtomicU32::new(0),
        }
    }

    /// A new kernel thread's task (not yet running anywhere), registered.
    pub fn new_kthread(name: &str) -> Arc<KTask> {
        let pid = NEXT_KPID.fetch_add(1, Ordering::Relaxed);
        let t = Arc::new(KTask::new(true, pid, Comm::new(name)));
        TASKS.lock().insert(t.addr(), t.clone());
        t
    }

    /// The address modules know it by (`struct task_struct *`).
    pub fn addr(&self) -> usize {
        self as *const KTask as usize
    }

    /// Its pid.
    pub fn pid(&self) -> i32 {
        self.ts.pid.load(Ordering::Relaxed)
    }

    /// Its name.
    pub fn comm(&self) -> Comm {
        // SAFETY: a copy of the name bytes (a racing rename is a torn
        // name at worst, as Linux's get_task_comm without the lock).
        let c = unsafe { *self.ts.comm.get() };
        let n = c.iter().position(|&b| b == 0).unwrap_or(16);
        Comm::new(core::str::from_utf8(&c[..n]).unwrap_or("?"))
    }

    /// Whether it is a kernel thread of the runtime.
    pub fn is_kthread(&self) -> bool {
        self.kthread
    }

    /// Its state.
    pub fn state(&self) -> u32 {
        self.ts.state.load(Ordering::Acquire)
    }

    /// Sets its state (set_current_state: a full barrier after it).
    pub fn set_state(&self, s: u32) {
        self.ts.state.store(s, Ordering::SeqCst);
    }

    /// signal_pending: a pending signal that is not blocked.
    pub fn signal_pending(&self) -> bool {
        self.ts.pending.load(Ordering::Acquire) & !self.ts.blocked.load(Ordering::Relaxed) != 0
    }

    /// fatal_signal_pending: SIGKILL pending.
    pub fn fatal_signal_pending(&self) -> bool {
        self.ts.pending.load(Ordering::Acquire) & (1 << (SIGKILL - 1)) != 0
    }

    /// Linux's signal_pending_state: whether a sleep in `state` is ended
    /// by the task's signals.
    pub fn signal_pending_state(&self, state: u32) -> bool {
        if state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL) == 0 || !self.signal_pending() {
            return false;
        }
        state & TASK_INTERRUPTIBLE != 0 || self.fatal_signal_pending()
    }

    /// Sends it signal `sig` (as the sandbox does when the calling process
    /// is interrupted or dies): pending, and an interruptible sleep ends.
    pub fn signal(&self, sig: u32) {
        if !(1..=64).contains(&sig) {
            return;
        }
        self.ts.pending.fetch_or(1 << (sig - 1), Ordering::SeqCst);
        let mask = if sig == SIGKILL {
            TASK_INTERRUPTIBLE | TASK_WAKEKILL
        } else {
            TASK_INTERRUPTIBLE
        };
        self.try_wake(mask);
    }

    /// Forgets its pending signals (a thread serving another caller next).
    pub fn clear_signals(&self) {
        self.ts.pending.store(0, Ordering::SeqCst);
    }

    /// The open flags of the open(2) it carries out (0 outside one).
    pub fn open_flags(&self) -> u32 {
        self.open_flags.load(Ordering::Relaxed)
    }

    /// Sets them; the previous flags.
    pub fn set_open_flags(&self, flags: u32) -> u32 {
        self.open_flags.swap(flags, Ordering::Relaxed)
    }

    /// kthread_should_stop for this task.
    pub fn should_stop(&self) -> bool {
        self.should_stop.load(Ordering::Acquire)
    }

    /// Asks it to stop (kthread_stop's flag).
    pub(crate) fn set_should_stop(&self) {
        self.should_stop.store(true, Ordering::SeqCst);
    }

    /// Linux's try_to_wake_up: a task sleeping in a state of `mask` is set
    /// running and its event notified; true if it was.
    pub fn try_wake(&self, mask: u32) -> bool {
        let ok = self
            .ts
            .state
            .try_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                (s != TASK_RUNNING && s & mask != 0).then_some(TASK_RUNNING)
            })
            .is_ok();
        if ok {
            self.event.notify();
        }
        ok
    }

    /// Its atomic-context depth.
    pub fn atomic_depth(&self) -> u32 {
        self.atomic.load(Ordering::Relaxed)
    }

    /// Enters atomic context (a spinlock taken, softirq work started).
    pub fn atomic_enter(&self) {
        self.atomic.fetch_add(1, Ordering::Relaxed);
    }

    /// Leaves atomic context.
    pub fn atomic_exit(&self) {
        let _ = self
            .atomic
            .try_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_sub(1));
    }

    /// The hung-task watch of its current module call.
    pub(crate) fn set_watch(&self, id: u64) -> u64 {
        self.watch.swap(id, Ordering::Relaxed)
    }

    /// Refreshes pid and name from the platform's current caller (a thread
    /// of the host serves many callers in turn).
    fn refresh(&self) {
        if self.kthread {
            return;
        }
        let t = platform::get().current_task();
        self.ts.pid.store(t.pid as i32, Ordering::Relaxed);
        self.ts.tgid.store(t.pid as i32, Ordering::Relaxed);
        let mut c = [0u8; 16];
        c[..t.comm.as_str().len()].copy_from_slice(t.comm.as_str().as_bytes());
        // SAFETY: only this task's own thread writes its name.
        unsafe { *self.ts.comm.get() = c };
    }
}

fn release_word(w: usize) {
    // SAFETY: the word is the strong count `adopt` leaked for the thread.
    let t = unsafe { Arc::from_raw(w as *const KTask) };
    if !t.kthread {
        TASKS.lock().remove(&t.addr());
    }
    drop(t);
}

/// Makes `t` the current thread's task (a kthread starting on its thread).
pub fn adopt(t: &Arc<KTask>) {
    let w = Arc::into_raw(t.clone()) as usize;
    platform::get().set_task_word(w, release_word);
}

/// Lets go of the current thread's task (a runtime thread about to end;
/// where the platform has no thread-exit hook this is what frees it).
pub fn forget_current() {
    platform::get().set_task_word(0, release_word);
}

/// The current thread's task, made on first use. Valid as long as this
/// thread runs.
pub fn current() -> &'static KTask {
    let p = platform::get();
    let w = p.task_word();
    if w != 0 {
        // SAFETY: the word holds a strong count until the thread ends.
        return unsafe { &*(w as *const KTask) };
    }
    let task = p.current_task();
    let t = Arc::new(KTask::new(false, task.pid as i32, task.comm));
    TASKS.lock().insert(t.addr(), t.clone());
    adopt(&t);
    let w = p.task_word();
    if w == 0 {
        // A platform without task words: the task lives on, leaked.
        return Box::leak(Box::new(t));
    }
    // SAFETY: as above.
    unsafe { &*(w as *const KTask) }
}

/// The current task, refreshed for the caller (what `current` returns).
pub fn current_refreshed() -> &'static KTask {
    let t = current();
    t.refresh();
    t
}

/// A shareable handle on the current task (the sandbox keeps one per
/// request it serves, to signal it when the caller is interrupted).
pub fn current_handle() -> Arc<KTask> {
    let t = current();
    TASKS
        .lock()
        .get(&t.addr())
        .cloned()
        .expect("the current task is registered")
}

/// The live task at `addr` (a module's `struct task_struct *`).
pub fn task_at(addr: usize) -> Option<Arc<KTask>> {
    TASKS.lock().get(&addr).cloned()
}

/// Forgets a kernel thread's task (after it ended and nobody can name it).
pub(crate) fn unregister(addr: usize) {
    TASKS.lock().remove(&addr);
}

/// Linux's __might_sleep: sleeping here is a bug when the task is in
/// atomic context (under a spinlock, in a timer or a tasklet); it is
/// reported in the kernel log (at most once a second) with the place,
/// and the kernel tainted W, as Linux. The sleep still happens.
pub fn might_sleep(file: &str, line: u32) {
    let Some(_) = platform::installed() else {
        return;
    };
    let t = current();
    let depth = t.atomic_depth();
    if depth == 0 {
        return;
    }
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = platform::get().now_ns();
    let last = LAST.load(Ordering::Relaxed);
    if last != 0 && now.saturating_sub(last) < 1_000_000_000 {
        return;
    }
    LAST.store(now.max(1), Ordering::Relaxed);
    t.refresh();
    klog!(
        level::ERR,
        "BUG: sleeping function called from invalid context at {file}:{line}"
    );
    klog!(
        level::ERR,
        "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: {}, name: {}",
        t.pid(),
        t.comm()
    );
    klog!(level::ERR, "preempt_count: {depth}, expected: 0");
    klog!(level::ERR, "RCU nest depth: 0, expected: 0");
    klog!(
        level::WARNING,
        "CPU: 0 PID: {} Comm: {} {} {} #1",
        t.pid(),
        t.comm(),
        crate::taint::print_tainted(),
        crate::version::RELEASE
    );
    crate::taint::add_kernel_taint(crate::taint::WARN);
}

/// Sleeps in the state the task has set until woken or `deadline_ns`
/// (Linux's schedule / schedule_timeout): true when woken (or not
/// sleeping at all), false on timeout. An interruptible sleep with a
/// signal pending does not sleep.
pub fn schedule_until(deadline_ns: Option<u64>) -> bool {
    let t = current();
    let st = t.state();
    if st == TASK_RUNNING {
        platform::get().yield_now();
        return true;
    }
    if t.signal_pending_state(st) {
        t.set_state(TASK_RUNNING);
        return true;
    }
    if t.atomic_depth() > 0 {
        t.refresh();
        klog!(
            level::ERR,
            "BUG: scheduling while atomic: {}/{}/0x{:08x}",
            t.comm(),
            t.pid(),
            t.atomic_depth()
        );
        crate::taint::add_kernel_taint(crate::taint::WARN);
    }
    // An interruptible (or idle) sleeper is never a hung task; any wake-up
    // is progress.
    let watch = t.watch.load(Ordering::Relaxed);
    let quiet = st & TASK_INTERRUPTIBLE != 0 || st & TASK_NOLOAD != 0;
    if watch != 0 && quiet {
        crate::hung_task::pause(watch, true);
    }
    let woken = t.event.wait(deadline_ns);
    t.set_state(TASK_RUNNING);
    // A task waking up sees the time it woke at (jiffies as a tick would
    // have left it).
    crate::kapi::time::jiffies();
    if watch != 0 {
        crate::hung_task::pause(watch, false);
    }
    woken
}

/// wake_up_process: wakes a sleeping task; true if it slept.
pub fn wake_up_process(t: &KTask) -> bool {
    t.try_wake(TASK_NORMAL)
}

/// The context a callback runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Process context: it may sleep (kthreads, work items).
    Process,
    /// Atomic context: it must not sleep (timers, tasklets: softirq).
    Atomic,
}

/// `struct list_head`.
#[repr(C)]
pub struct ListHead {
    /// Next.
    pub next: *mut ListHead,
    /// Previous.
    pub prev: *mut ListHead,
}

/// `struct wait_queue_head` (`include/linux/wait.h`): its lock and list.
#[repr(C)]
pub struct WaitQueueHead {
    /// `lock` (spinlock_t).
    pub lock: AtomicU32,
    _pad: u32,
    /// `head`.
    pub head: ListHead,
}

/// `struct wait_queue_entry`.
#[repr(C)]
pub struct WaitQueueEntry {
    /// WQ_FLAG_*.
    pub flags: u32,
    _pad: u32,
    /// The sleeping task.
    pub private: usize,
    /// Its wake function (the kernel's own are recognised).
    pub func: usize,
    /// Its link in the head's list.
    pub entry: ListHead,
}

const _: () = {
    assert!(core::mem::size_of::<WaitQueueHead>() == 24);
    assert!(core::mem::size_of::<WaitQueueEntry>() == 40);
    assert!(core::mem::offset_of!(WaitQueueEntry, entry) == 24);
};

/// WQ_FLAG_EXCLUSIVE.
pub const WQ_FLAG_EXCLUSIVE: u32 = 0x01;
/// WQ_FLAG_WOKEN.
pub const WQ_FLAG_WOKEN: u32 = 0x02;

/// Takes a raw spinlock word (the kernel's own use: no atomic-context
/// accounting), backing off to the scheduler while it spins.
pub fn raw_lock(l: &AtomicU32) {
    let mut spins = 0u32;
    loop {
        if l.load(Ordering::Relaxed) == 0
            && l.compare_exchange_weak(0, 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return;
        }
        spins += 1;
        if spins.is_multiple_of(64) {
            platform::get().yield_now();
        } else {
            core::hint::spin_loop();
        }
    }
}

/// Releases a raw spinlock word.
pub fn raw_unlock(l: &AtomicU32) {
    l.store(0, Ordering::Release);
}

impl WaitQueueHead {
    /// An empty head (its list is made on first use, once it has its
    /// final address).
    pub const fn new() -> WaitQueueHead {
        WaitQueueHead {
            lock: AtomicU32::new(0),
            _pad: 0,
            head: ListHead {
                next: core::ptr::null_mut(),
                prev: core::ptr::null_mut(),
            },
        }
    }
}

impl Default for WaitQueueHead {
    fn default() -> Self {
        WaitQueueHead::new()
    }
}

/// Raw list operations on C lists (the caller holds the head's lock).
pub mod list {
    use super::ListHead;

    /// Makes `h` an empty list (also a never-initialised, zeroed head).
    ///
    /// # Safety
    /// `h` is valid.
    pub unsafe fn fix(h: *mut ListHead) {
        // SAFETY: per the contract.
        unsafe {
            if (*h).next.is_null() {
                (*h).next = h;
                (*h).prev = h;
            }
        }
    }

    /// Whether `h` is empty (or never initialised).
    ///
    /// # Safety
    /// `h` is valid.
    pub unsafe fn empty(h: *const ListHead) -> bool {
        // SAFETY: per the contract.
        unsafe { (*h).next.is_null() || core::ptr::eq((*h).next, h) }
    }

    /// Inserts `n` after `h` (list_add) or before it (list_add_tail).
    ///
    /// # Safety
    /// Both valid; `n` on no list.
    pub unsafe fn add(n: *mut ListHead, h: *mut ListHead, tail: bool) {
        // SAFETY: per the contract.
        unsafe {
            fix(h);
            let (prev, next) = if tail { ((*h).prev, h) } else { (h, (*h).next) };
            (*next).prev = n;
            (*n).next = next;
            (*n).prev = prev;
            (*prev).next = n;
        }
    }

    /// Unlinks `n` and makes it an empty list (list_del_init); an entry on
    /// no list is left as it is.
    ///
    /// # Safety
    /// `n` valid.
    pub unsafe fn del_init(n: *mut ListHead) {
        // SAFETY: per the contract.
        unsafe {
            if !(*n).next.is_null() && !core::ptr::eq((*n).next, n) {
                (*(*n).next).prev = (*n).prev;
                (*(*n).prev).next = (*n).next;
            }
            (*n).next = n;
            (*n).prev = n;
        }
    }
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    /// The condition became true.
    Done,
    /// The deadline passed first.
    Timeout,
    /// A signal ended an interruptible (or killable) wait.
    Interrupted,
}

/// The address of the kernel's default_wake_function (an entry with it is
/// not removed when woken).
static DEFAULT_WAKE: AtomicUsize = AtomicUsize::new(0);

/// Records default_wake_function's address (kapi::wait).
pub(crate) fn set_default_wake(addr: usize) {
    DEFAULT_WAKE.store(addr, Ordering::Relaxed);
}

/// Linux's __wake_up_common, the head's lock held: wakes the sleepers in
/// a state of `mode`; non-exclusive ones all, exclusive ones up to
/// `nr_exclusive` (0: all). Entries are removed as they are woken
/// (autoremove), except default_wake_function's.
///
/// # Safety
/// `h` is a valid wait queue head whose lock the caller holds; its
/// entries are valid.
pub unsafe fn wake_locked(h: *mut WaitQueueHead, mode: u32, nr_exclusive: usize) -> usize {
    let default_wake = DEFAULT_WAKE.load(Ordering::Relaxed);
    let mut left = nr_exclusive;
    let mut woken = 0;
    // SAFETY: per the contract: the list is consistent under the lock.
    unsafe {
        let head = &raw mut (*h).head;
        list::fix(head);
        let mut cur = (*head).next;
        while !core::ptr::eq(cur, head) {
            let next = (*cur).next;
            let e = (cur as *mut u8).sub(core::mem::offset_of!(WaitQueueEntry, entry))
                as *mut WaitQueueEntry;
            let flags = (*e).flags;
            let task = task_at((*e).private);
            let ok = task.as_ref().is_some_and(|t| t.try_wake(mode));
            if ok {
                woken += 1;
                (*e).flags = flags | WQ_FLAG_WOKEN;
                if (*e).func != default_wake || default_wake == 0 {
                    list::del_init(cur);
                }
                if flags & WQ_FLAG_EXCLUSIVE != 0 && nr_exclusive != 0 {
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
            cur = next;
        }
    }
    woken
}

/// __wake_up: takes the head's lock and wakes (see [`wake_locked`]).
///
/// # Safety
/// `h` is a valid wait queue head.
pub unsafe fn wake(h: *mut WaitQueueHead, mode: u32, nr_exclusive: usize) -> usize {
    // SAFETY: per the contract.
    let lock = unsafe { &(*h).lock };
    raw_lock(lock);
    // SAFETY: the lock is held.
    let n = unsafe { wake_locked(h, mode, nr_exclusive) };
    raw_unlock(lock);
    n
}

/// Linux's prepare_to_wait_event: queues `e` (once) and sets the task's
/// state; with a signal ending such a sleep pending, dequeues it instead
/// and returns -ERESTARTSYS.
///
/// # Safety
/// `h` and `e` are valid; `e` stays put while queued.
pub unsafe fn prepare_to_wait_event(
    h: *mut WaitQueueHead,
    e: *mut WaitQueueEntry,
    state: u32,
) -> i64 {
    let t = current();
    // SAFETY: per the contract.
    unsafe {
        let lock = &(*h).lock;
        raw_lock(lock);
        let ret = if t.signal_pending_state(state) {
            list::del_init(&raw mut (*e).entry);
            -(ERESTARTSYS as i64)
        } else {
            if list::empty(&raw const (*e).entry) {
                let tail = (*e).flags & WQ_FLAG_EXCLUSIVE != 0;
                list::add(&raw mut (*e).entry, &raw mut (*h).head, tail);
            }
            t.set_state(state);
            0
        };
        raw_unlock(lock);
        ret
    }
}

/// Linux's finish_wait: running again, and off the queue.
///
/// # Safety
/// `h` and `e` are valid.
pub unsafe fn finish_wait(h: *mut WaitQueueHead, e: *mut WaitQueueEntry) {
    current().set_state(TASK_RUNNING);
    // SAFETY: per the contract.
    unsafe {
        if !list::empty(&raw const (*e).entry) {
            let lock = &(*h).lock;
            raw_lock(lock);
            list::del_init(&raw mut (*e).entry);
            raw_unlock(lock);
        }
    }
}

/// A fresh entry for the current task.
pub fn wait_entry(exclusive: bool) -> WaitQueueEntry {
    WaitQueueEntry {
        flags: if exclusive { WQ_FLAG_EXCLUSIVE } else { 0 },
        _pad: 0,
        private: current().addr(),
        func: 0,
        entry: ListHead {
            next: core::ptr::null_mut(),
            prev: core::ptr::null_mut(),
        },
    }
}

/// Linux's ___wait_event in Rust: sleeps on `h` in `state` until `cond`
/// holds, the monotonic deadline passes, or (interruptible/killable) a
/// signal comes.
///
/// # Safety
/// `h` is a valid wait queue head for the whole wait.
pub unsafe fn wait_event(
    h: *mut WaitQueueHead,
    state: u32,
    deadline_ns: Option<u64>,
    exclusive: bool,
    mut cond: impl FnMut() -> bool,
) -> WaitEnd {
    if cond() {
        return WaitEnd::Done;
    }
    let mut e = wait_entry(exclusive);
    let ep = &raw mut e;
    // SAFETY: `e` lives on this frame until finish_wait has dequeued it.
    unsafe {
        let end = loop {
            if prepare_to_wait_event(h, ep, state) != 0 {
                break WaitEnd::Interrupted;
            }
            if cond() {
                break WaitEnd::Done;
            }
            if let Some(d) = deadline_ns
                && platform::get().now_ns() >= d
            {
                break if cond() {
                    WaitEnd::Done
                } else {
                    WaitEnd::Timeout
                };
            }
            schedule_until(deadline_ns);
        };
        finish_wait(h, ep);
        end
    }
}

/// A wait queue of the kernel's own, with its list at a fixed address.
pub struct KWait(Box<UnsafeCell<WaitQueueHead>>);

// SAFETY: the head is only touched under its own lock.
unsafe impl Send for KWait {}
// SAFETY: as above.
unsafe impl Sync for KWait {}

impl KWait {
    /// An empty queue.
    pub fn new() -> KWait {
        KWait(Box::new(UnsafeCell::new(WaitQueueHead::new())))
    }

    fn head(&self) -> *mut WaitQueueHead {
        self.0.get()
    }

    /// Sleeps uninterruptibly until `cond` holds or the deadline passes.
    pub fn wait_until(&self, deadline_ns: Option<u64>, cond: impl FnMut() -> bool) -> WaitEnd {
        // SAFETY: the head is ours and lives as long as self.
        unsafe { wait_event(self.head(), TASK_UNINTERRUPTIBLE, deadline_ns, false, cond) }
    }

    /// Wakes every sleeper.
    pub fn wake_all(&self) {
        // SAFETY: the head is ours.
        unsafe { wake(self.head(), TASK_NORMAL, 0) };
    }
}

impl Default for KWait {
    fn default() -> Self {
        KWait::new()
    }
}
