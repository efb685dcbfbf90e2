//! Wait queues and completions for modules (Linux's include/linux/wait.h,
//! completion.h): the wait_event family is Linux's macros over
//! prepare_to_wait_event / schedule / finish_wait (`include/linux/wait.h`);
//! completions count `done` and sleep on a wait queue head of their own.

use core::ffi::{c_int, c_long, c_uint, c_ulong};
use core::sync::atomic::{AtomicU32, Ordering};

use super::AddrFn;
use super::time::{jiffies, jiffies_deadline};
use crate::sched::{
    self, ERESTARTSYS, TASK_INTERRUPTIBLE, TASK_NORMAL, TASK_UNINTERRUPTIBLE, TASK_WAKEKILL,
    WQ_FLAG_EXCLUSIVE, WaitEnd, WaitQueueEntry, WaitQueueHead,
};

/// `init_wait_entry(entry, flags)`: the current task, autoremove.
///
/// # Safety
/// `e` is valid for writes.
pub unsafe extern "C" fn kapi_init_wait_entry(e: *mut WaitQueueEntry, flags: c_int) {
    // SAFETY: per the contract.
    unsafe {
        e.write(sched::wait_entry(false));
        (*e).flags = flags as u32;
        (*e).func = kapi_autoremove_wake_function as *const () as usize;
    }
}

/// `prepare_to_wait_event(wq_head, entry, state)`: 0, or -ERESTARTSYS
/// when a signal ends a sleep in that state.
///
/// # Safety
/// Both valid; the entry stays put while queued.
pub unsafe extern "C" fn kapi_prepare_to_wait_event(
    h: *mut WaitQueueHead,
    e: *mut WaitQueueEntry,
    state: c_int,
) -> c_long {
    // SAFETY: per the contract.
    unsafe { sched::prepare_to_wait_event(h, e, state as u32) as c_long }
}

/// `prepare_to_wait(wq_head, entry, state)`.
///
/// # Safety
/// As [`kapi_prepare_to_wait_event`].
pub unsafe extern "C" fn kapi_prepare_to_wait(
    h: *mut WaitQueueHead,
    e: *mut WaitQueueEntry,
    state: c_int,
) {
    // SAFETY: per the contract.
    unsafe {
        (*e).flags &= !WQ_FLAG_EXCLUSIVE;
        queue_and_set(h, e, state as u32);
    }
}

/// `prepare_to_wait_exclusive(wq_head, entry, state)`.
///
/// # Safety
/// As [`kapi_prepare_to_wait_event`].
pub unsafe extern "C" fn kapi_prepare_to_wait_exclusive(
    h: *mut WaitQueueHead,
    e: *mut WaitQueueEntry,
    state: c_int,
) -> bool {
    // SAFETY: per the contract.
    unsafe {
        (*e).flags |= WQ_FLAG_EXCLUSIVE;
        queue_and_set(h, e, state as u32);
    }
    true
}

/// Queues `e` (once) and sets the state, ignoring signals (prepare_to_wait).
///
/// # Safety
/// As [`kapi_prepare_to_wait_event`].
unsafe fn queue_and_set(h: *mut WaitQueueHead, e: *mut WaitQueueEntry, state: u32) {
    // SAFETY: per the contract.
    unsafe {
        sched::raw_lock(&(*h).lock);
        if sched::list::empty(&raw const (*e).entry) {
            let tail = (*e).flags & WQ_FLAG_EXCLUSIVE != 0;
            sched::list::add(&raw mut (*e).entry, &raw mut (*h).head, tail);
        }
        sched::current().set_state(state);
        sched::raw_unlock(&(*h).lock);
    }
}

/// `finish_wait(wq_head, entry)`.
///
/// # Safety
/// Both valid.
pub unsafe extern "C" fn kapi_finish_wait(h: *mut WaitQueueHead, e: *mut WaitQueueEntry) {
    // SAFETY: per the contract.
    unsafe { sched::finish_wait(h, e) };
}

/// `__wake_up(wq_head, mode, nr_exclusive, key)`: the tasks woken.
///
/// # Safety
/// `h` is a valid wait queue head.
pub unsafe extern "C" fn kapi_wake_up(
    h: *mut WaitQueueHead,
    mode: c_uint,
    nr: c_int,
    _key: usize,
) -> c_int {
    // SAFETY: per the contract.
    unsafe { sched::wake(h, mode, nr.max(0) as usize) as c_int }
}

/// `__wake_up_locked(wq_head, mode, nr)`: the caller holds the lock.
///
/// # Safety
/// `h` is valid and its lock held.
pub unsafe extern "C" fn kapi_wake_up_locked(h: *mut WaitQueueHead, mode: c_uint, nr: c_int) {
    // SAFETY: per the contract.
    unsafe { sched::wake_locked(h, mode, nr.max(0) as usize) };
}

/// `default_wake_function(entry, mode, sync, key)`: wakes its task.
///
/// # Safety
/// `e` is a valid entry.
pub unsafe extern "C" fn kapi_default_wake_function(
    e: *mut WaitQueueEntry,
    mode: c_uint,
    _sync: c_int,
    _key: usize,
) -> c_int {
    // SAFETY: per the contract.
    let task = unsafe { (*e).private };
    sched::task_at(task).map_or(0, |t| c_int::from(t.try_wake(mode)))
}

/// `autoremove_wake_function(entry, mode, sync, key)`: wakes its task and
/// dequeues the entry.
///
/// # Safety
/// `e` is a valid entry whose queue's lock the caller holds.
pub unsafe extern "C" fn kapi_autoremove_wake_function(
    e: *mut WaitQueueEntry,
    mode: c_uint,
    sync: c_int,
    key: usize,
) -> c_int {
    // SAFETY: per the contract.
    unsafe {
        let r = kapi_default_wake_function(e, mode, sync, key);
        if r != 0 {
            sched::list::del_init(&raw mut (*e).entry);
        }
        r
    }
}

/// `add_wait_queue(wq_head, entry)`.
///
/// # Safety
/// Both valid.
pub unsafe extern "C" fn kapi_add_wait_queue(h: *mut WaitQueueHead, e: *mut WaitQueueEntry) {
    // SAFETY: per the contract.
    unsafe {
        (*e).flags &= !WQ_FLAG_EXCLUSIVE;
        sched::raw_lock(&(*h).lock);
        sched::list::add(&raw mut (*e).entry, &raw mut (*h).head, false);
        sched::raw_unlock(&(*h).lock);
    }
}

/// `add_wait_queue_exclusive(wq_head, entry)`.
///
/// # Safety
/// Both valid.
pub unsafe extern "C" fn kapi_add_wait_queue_exclusive(
    h: *mut WaitQueueHead,
    e: *mut WaitQueueEntry,
) {
    // SAFETY: per the contract.
    unsafe {
        (*e).flags |= WQ_FLAG_EXCLUSIVE;
        sched::raw_lock(&(*h).lock);
        sched::list::add(&raw mut (*e).entry, &raw mut (*h).head, true);
        sched::raw_unlock(&(*h).lock);
    }
}

/// `remove_wait_queue(wq_head, entry)`.
///
/// # Safety
/// Both valid.
pub unsafe extern "C" fn kapi_remove_wait_queue(h: *mut WaitQueueHead, e: *mut WaitQueueEntry) {
    // SAFETY: per the contract.
    unsafe {
        sched::raw_lock(&(*h).lock);
        sched::list::del_init(&raw mut (*e).entry);
        sched::raw_unlock(&(*h).lock);
    }
}

/// `__init_waitqueue_head(wq_head, name, key)`.
///
/// # Safety
/// `h` is valid for writes.
pub unsafe extern "C" fn kapi_init_waitqueue_head(
    h: *mut WaitQueueHead,
    _name: usize,
    _key: usize,
) {
    // SAFETY: per the contract.
    unsafe {
        h.write(WaitQueueHead::new());
        sched::list::fix(&raw mut (*h).head);
    }
}

/// `struct completion`: `done`, and its waiters.
#[repr(C)]
pub struct Completion {
    done: AtomicU32,
    _pad: u32,
    wait: WaitQueueHead,
}

const _: () = assert!(core::mem::size_of::<Completion>() == 32);

/// UINT_MAX: complete_all's "done for everyone".
const ALL_DONE: u32 = u32::MAX;

/// `complete(x)`: one waiter (present or future) goes on.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_complete(x: *mut Completion) {
    // SAFETY: per the contract.
    unsafe {
        sched::raw_lock(&(*x).wait.lock);
        let _ = (*x)
            .done
            .try_update(Ordering::SeqCst, Ordering::SeqCst, |d| {
                (d != ALL_DONE).then(|| d + 1)
            });
        sched::wake_locked(&raw mut (*x).wait, TASK_NORMAL, 1);
        sched::raw_unlock(&(*x).wait.lock);
    }
}

/// `complete_all(x)`: every waiter goes on, now and later.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_complete_all(x: *mut Completion) {
    // SAFETY: per the contract.
    unsafe {
        sched::raw_lock(&(*x).wait.lock);
        (*x).done.store(ALL_DONE, Ordering::SeqCst);
        sched::wake_locked(&raw mut (*x).wait, TASK_NORMAL, 0);
        sched::raw_unlock(&(*x).wait.lock);
    }
}

/// Takes one `done` (try_wait_for_completion's step).
fn take(done: &AtomicU32) -> bool {
    done.try_update(Ordering::SeqCst, Ordering::SeqCst, |d| match d {
        0 => None,
        ALL_DONE => Some(ALL_DONE),
        d => Some(d - 1),
    })
    .is_ok()
}

/// Linux's wait_for_common: sleeps in `state` at most `timeout` jiffies
/// (MAX_SCHEDULE_TIMEOUT: no limit): the jiffies left (at least 1) when
/// completed, 0 on timeout, -ERESTARTSYS on a signal.
///
/// # Safety
/// `x` is a valid completion.
unsafe fn wait_common(x: *mut Completion, timeout: c_long, state: u32, line: u32) -> c_long {
    sched::might_sleep("kernel/sched/completion.c", line);
    let forever = timeout == sched::MAX_SCHEDULE_TIMEOUT;
    let expire = jiffies().wrapping_add(timeout.max(0) as u64);
    let deadline = (!forever).then(|| jiffies_deadline(expire));
    // SAFETY: per the contract.
    let end = unsafe {
        let done = &(*x).done;
        sched::wait_event(&raw mut (*x).wait, state, deadline, true, || take(done))
    };
    match end {
        WaitEnd::Done if forever => timeout,
        WaitEnd::Done => (expire.wrapping_sub(jiffies()) as i64).max(1) as c_long,
        WaitEnd::Timeout => 0,
        WaitEnd::Interrupted => -(ERESTARTSYS as c_long),
    }
}

const FOREVER: c_long = sched::MAX_SCHEDULE_TIMEOUT as c_long;

/// `wait_for_completion(x)`.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_wait_for_completion(x: *mut Completion) {
    // SAFETY: per the contract.
    unsafe { wait_common(x, FOREVER, TASK_UNINTERRUPTIBLE, 138) };
}

/// `wait_for_completion_timeout(x, timeout)`: jiffies left, 0 on timeout.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_wait_for_completion_timeout(
    x: *mut Completion,
    timeout: c_ulong,
) -> c_ulong {
    // SAFETY: per the contract.
    unsafe { wait_common(x, timeout as c_long, TASK_UNINTERRUPTIBLE, 161) as c_ulong }
}

/// `wait_for_completion_interruptible(x)`: 0, or -ERESTARTSYS.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_wait_for_completion_interruptible(x: *mut Completion) -> c_int {
    // SAFETY: per the contract.
    let r = unsafe { wait_common(x, FOREVER, TASK_INTERRUPTIBLE, 204) };
    if r < 0 { r as c_int } else { 0 }
}

/// `wait_for_completion_interruptible_timeout(x, timeout)`.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_wait_for_completion_interruptible_timeout(
    x: *mut Completion,
    timeout: c_ulong,
) -> c_long {
    // SAFETY: per the contract.
    unsafe { wait_common(x, timeout as c_long, TASK_INTERRUPTIBLE, 229) }
}

/// `wait_for_completion_killable(x)`: 0, or -ERESTARTSYS on SIGKILL.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_wait_for_completion_killable(x: *mut Completion) -> c_int {
    // SAFETY: per the contract.
    let r = unsafe { wait_common(x, FOREVER, TASK_UNINTERRUPTIBLE | TASK_WAKEKILL, 243) };
    if r < 0 { r as c_int } else { 0 }
}

/// `try_wait_for_completion(x)`: takes a `done` without sleeping.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_try_wait_for_completion(x: *mut Completion) -> bool {
    // SAFETY: per the contract.
    take(unsafe { &(*x).done })
}

/// `completion_done(x)`: whether a wait would not sleep.
///
/// # Safety
/// `x` is a valid completion.
pub unsafe extern "C" fn kapi_completion_done(x: *mut Completion) -> bool {
    // SAFETY: per the contract.
    unsafe { (*x).done.load(Ordering::SeqCst) != 0 }
}

/// The address modules see for default_wake_function.
pub(crate) fn default_wake_addr() -> usize {
    kapi_default_wake_function as *const () as usize
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("init_wait_entry", || {
        kapi_init_wait_entry as *const () as usize
    }),
    ("prepare_to_wait_event", || {
        kapi_prepare_to_wait_event as *const () as usize
    }),
    ("prepare_to_wait", || {
        kapi_prepare_to_wait as *const () as usize
    }),
    ("prepare_to_wait_exclusive", || {
        kapi_prepare_to_wait_exclusive as *const () as usize
    }),
    ("finish_wait", || kapi_finish_wait as *const () as usize),
    ("__wake_up", || kapi_wake_up as *const () as usize),
    ("__wake_up_locked", || {
        kapi_wake_up_locked as *const () as usize
    }),
    ("default_wake_function", default_wake_addr),
    ("autoremove_wake_function", || {
        kapi_autoremove_wake_function as *const () as usize
    }),
    ("add_wait_queue", || {
        kapi_add_wait_queue as *const () as usize
    }),
    ("add_wait_queue_exclusive", || {
        kapi_add_wait_queue_exclusive as *const () as usize
    }),
    ("remove_wait_queue", || {
        kapi_remove_wait_queue as *const () as usize
    }),
    ("__init_waitqueue_head", || {
        kapi_init_waitqueue_head as *const () as usize
    }),
    ("complete", || kapi_complete as *const () as usize),
    ("complete_all", || kapi_complete_all as *const () as usize),
    ("wait_for_completion", || {
        kapi_wait_for_completion as *const () as usize
    }),
    ("wait_for_completion_timeout", || {
        kapi_wait_for_completion_timeout as *const () as usize
    }),
    ("wait_for_completion_interruptible", || {
        kapi_wait_for_completion_interruptible as *const () as usize
    }),
    ("wait_for_completion_interruptible_timeout", || {
        kapi_wait_for_completion_interruptible_timeout as *const () as usize
    }),
    ("wait_for_completion_killable", || {
        kapi_wait_for_completion_killable as *const () as usize
    }),
    ("try_wait_for_completion", || {
        kapi_try_wait_for_completion as *const () as usize
    }),
    ("completion_done", || {
        kapi_completion_done as *const () as usize
    }),
];
