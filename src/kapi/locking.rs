//! Locks for modules (Linux's include/linux/spinlock.h, rwlock.h,
//! mutex.h): spinlocks and rwlocks spin (backing off to the scheduler
//! while they wait) and put their holder in atomic context, so sleeping
//! under one is reported; a mutex sleeps (an exclusive waiter on its wait
//! list, woken one at a time by mutex_unlock). The layouts are
//! `include/linux/spinlock_types.h` and `mutex.h`'s, pinned here.

use core::ffi::{c_int, c_ulong};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use super::AddrFn;
use crate::sched::{self, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE, TASK_WAKEKILL, WaitEnd};

/// `spinlock_t` (and `raw_spinlock_t`): 0 free, 1 held.
pub type SpinLock = AtomicU32;

/// `rwlock_t`: readers counted in the low bits, a writer in the top bit.
pub type RwLock = AtomicU32;

const WRITER: u32 = 1 << 31;

/// `struct mutex`: its owner (the task, 0 when free) and its waiters.
#[repr(C)]
pub struct Mutex {
    owner: AtomicUsize,
    wait: sched::WaitQueueHead,
}

const _: () = assert!(core::mem::size_of::<Mutex>() == 32);

fn enter_atomic() {
    sched::current().atomic_enter();
}

fn leave_atomic() {
    sched::current().atomic_exit();
}

/// `_raw_spin_lock(lock)`.
///
/// # Safety
/// `lock` is a valid spinlock.
pub unsafe extern "C" fn kapi_spin_lock(lock: *const SpinLock) {
    enter_atomic();
    // SAFETY: per the contract.
    sched::raw_lock(unsafe { &*lock });
}

/// `_raw_spin_unlock(lock)`.
///
/// # Safety
/// `lock` is a valid spinlock the caller holds.
pub unsafe extern "C" fn kapi_spin_unlock(lock: *const SpinLock) {
    // SAFETY: per the contract.
    sched::raw_unlock(unsafe { &*lock });
    leave_atomic();
}

/// `_raw_spin_trylock(lock)`: 1 if taken.
///
/// # Safety
/// `lock` is a valid spinlock.
pub unsafe extern "C" fn kapi_spin_trylock(lock: *const SpinLock) -> c_int {
    // SAFETY: per the contract.
    let l = unsafe { &*lock };
    if l.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        enter_atomic();
        1
    } else {
        0
    }
}

/// `_raw_spin_lock_irqsave(lock)`: the flags to restore (interrupts are
/// not the module's to mask here: 0).
///
/// # Safety
/// As [`kapi_spin_lock`].
pub unsafe extern "C" fn kapi_spin_lock_irqsave(lock: *const SpinLock) -> c_ulong {
    // SAFETY: per the contract.
    unsafe { kapi_spin_lock(lock) };
    0
}

/// `_raw_spin_unlock_irqrestore(lock, flags)`.
///
/// # Safety
/// As [`kapi_spin_unlock`].
pub unsafe extern "C" fn kapi_spin_unlock_irqrestore(lock: *const SpinLock, _flags: c_ulong) {
    // SAFETY: per the contract.
    unsafe { kapi_spin_unlock(lock) };
}

/// `_raw_read_lock(lock)`.
///
/// # Safety
/// `lock` is a valid rwlock.
pub unsafe extern "C" fn kapi_read_lock(lock: *const RwLock) {
    enter_atomic();
    // SAFETY: per the contract.
    let l = unsafe { &*lock };
    let mut spins = 0u32;
    loop {
        let v = l.load(Ordering::Relaxed);
        if v & WRITER == 0
            && l.compare_exchange_weak(v, v + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return;
        }
        spins += 1;
        backoff(spins);
    }
}

/// `_raw_read_trylock(lock)`.
///
/// # Safety
/// As [`kapi_read_lock`].
pub unsafe extern "C" fn kapi_read_trylock(lock: *const RwLock) -> c_int {
    // SAFETY: per the contract.
    let l = unsafe { &*lock };
    let v = l.load(Ordering::Relaxed);
    if v & WRITER == 0
        && l.compare_exchange(v, v + 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    {
        enter_atomic();
        return 1;
    }
    0
}

/// `_raw_read_unlock(lock)`.
///
/// # Safety
/// `lock` is a valid rwlock the caller holds for reading.
pub unsafe extern "C" fn kapi_read_unlock(lock: *const RwLock) {
    // SAFETY: per the contract.
    unsafe { &*lock }.fetch_sub(1, Ordering::Release);
    leave_atomic();
}

/// `_raw_write_lock(lock)`.
///
/// # Safety
/// `lock` is a valid rwlock.
pub unsafe extern "C" fn kapi_write_lock(lock: *const RwLock) {
    enter_atomic();
    // SAFETY: per the contract.
    let l = unsafe { &*lock };
    let mut spins = 0u32;
    loop {
        if l.load(Ordering::Relaxed) == 0
            && l.compare_exchange_weak(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return;
        }
        spins += 1;
        backoff(spins);
    }
}

/// `_raw_write_trylock(lock)`.
///
/// # Safety
/// As [`kapi_write_lock`].
pub unsafe extern "C" fn kapi_write_trylock(lock: *const RwLock) -> c_int {
    // SAFETY: per the contract.
    let l = unsafe { &*lock };
    if l.compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        enter_atomic();
        return 1;
    }
    0
}

/// `_raw_write_unlock(lock)`.
///
/// # Safety
/// `lock` is a valid rwlock the caller holds for writing.
pub unsafe extern "C" fn kapi_write_unlock(lock: *const RwLock) {
    // SAFETY: per the contract.
    unsafe { &*lock }.store(0, Ordering::Release);
    leave_atomic();
}

/// `_raw_read_lock_irqsave(lock)`.
///
/// # Safety
/// As [`kapi_read_lock`].
pub unsafe extern "C" fn kapi_read_lock_irqsave(lock: *const RwLock) -> c_ulong {
    // SAFETY: per the contract.
    unsafe { kapi_read_lock(lock) };
    0
}

/// `_raw_read_unlock_irqrestore(lock, flags)`.
///
/// # Safety
/// As [`kapi_read_unlock`].
pub unsafe extern "C" fn kapi_read_unlock_irqrestore(lock: *const RwLock, _flags: c_ulong) {
    // SAFETY: per the contract.
    unsafe { kapi_read_unlock(lock) };
}

/// `_raw_write_lock_irqsave(lock)`.
///
/// # Safety
/// As [`kapi_write_lock`].
pub unsafe extern "C" fn kapi_write_lock_irqsave(lock: *const RwLock) -> c_ulong {
    // SAFETY: per the contract.
    unsafe { kapi_write_lock(lock) };
    0
}

/// `_raw_write_unlock_irqrestore(lock, flags)`.
///
/// # Safety
/// As [`kapi_write_unlock`].
pub unsafe extern "C" fn kapi_write_unlock_irqrestore(lock: *const RwLock, _flags: c_ulong) {
    // SAFETY: per the contract.
    unsafe { kapi_write_unlock(lock) };
}

fn backoff(spins: u32) {
    if spins.is_multiple_of(64) {
        crate::platform::get().yield_now();
    } else {
        core::hint::spin_loop();
    }
}

/// Takes a mutex, sleeping in `state` while another task holds it: 0, or
/// -EINTR when a signal ended the sleep.
///
/// # Safety
/// `m` is a valid mutex.
unsafe fn mutex_lock_state(m: *mut Mutex, state: u32, line: u32) -> c_int {
    sched::might_sleep("kernel/locking/mutex.c", line);
    let me = sched::current().addr();
    // SAFETY: per the contract.
    let owner = unsafe { &(*m).owner };
    if owner
        .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        return 0;
    }
    // SAFETY: the mutex's wait list is a wait queue head.
    let end = unsafe {
        sched::wait_event(&raw mut (*m).wait, state, None, true, || {
            owner
                .compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        })
    };
    match end {
        WaitEnd::Done => 0,
        _ => {
            // A wake-up meant for us may have been taken: pass it on.
            // SAFETY: as above.
            unsafe { sched::wake(&raw mut (*m).wait, sched::TASK_NORMAL, 1) };
            -crate::errno::Errno::EINTR.code()
        }
    }
}

/// `mutex_lock(lock)`.
///
/// # Safety
/// `m` is a valid mutex.
pub unsafe extern "C" fn kapi_mutex_lock(m: *mut Mutex) {
    // SAFETY: per the contract.
    unsafe { mutex_lock_state(m, TASK_UNINTERRUPTIBLE, 283) };
}

/// `mutex_lock_interruptible(lock)`: 0, or -EINTR on a signal.
///
/// # Safety
/// `m` is a valid mutex.
pub unsafe extern "C" fn kapi_mutex_lock_interruptible(m: *mut Mutex) -> c_int {
    // SAFETY: per the contract.
    unsafe { mutex_lock_state(m, TASK_INTERRUPTIBLE, 1057) }
}

/// `mutex_lock_killable(lock)`: 0, or -EINTR on a fatal signal.
///
/// # Safety
/// `m` is a valid mutex.
pub unsafe extern "C" fn kapi_mutex_lock_killable(m: *mut Mutex) -> c_int {
    // SAFETY: per the contract.
    unsafe { mutex_lock_state(m, TASK_UNINTERRUPTIBLE | TASK_WAKEKILL, 1081) }
}

/// `mutex_trylock(lock)`: 1 if taken.
///
/// # Safety
/// `m` is a valid mutex.
pub unsafe extern "C" fn kapi_mutex_trylock(m: *mut Mutex) -> c_int {
    let me = sched::current().addr();
    // SAFETY: per the contract.
    let owner = unsafe { &(*m).owner };
    c_int::from(
        owner
            .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
            .is_ok(),
    )
}

/// `mutex_unlock(lock)`: frees it and wakes one waiter.
///
/// # Safety
/// `m` is a valid mutex the caller holds.
pub unsafe extern "C" fn kapi_mutex_unlock(m: *mut Mutex) {
    // SAFETY: per the contract.
    unsafe {
        (*m).owner.store(0, Ordering::SeqCst);
        // Against a waiter that queued itself and then saw the mutex held:
        // either it sees it free now, or its entry is seen here.
        core::sync::atomic::fence(Ordering::SeqCst);
        let w = &raw mut (*m).wait;
        if !sched::list::empty(&raw const (*w).head) {
            sched::wake(w, sched::TASK_NORMAL, 1);
        }
    }
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("_raw_spin_lock", || kapi_spin_lock as *const () as usize),
    ("_raw_spin_lock_bh", || kapi_spin_lock as *const () as usize),
    ("_raw_spin_lock_irq", || {
        kapi_spin_lock as *const () as usize
    }),
    ("_raw_spin_unlock", || {
        kapi_spin_unlock as *const () as usize
    }),
    ("_raw_spin_unlock_bh", || {
        kapi_spin_unlock as *const () as usize
    }),
    ("_raw_spin_unlock_irq", || {
        kapi_spin_unlock as *const () as usize
    }),
    ("_raw_spin_trylock", || {
        kapi_spin_trylock as *const () as usize
    }),
    ("_raw_spin_trylock_bh", || {
        kapi_spin_trylock as *const () as usize
    }),
    ("_raw_spin_lock_irqsave", || {
        kapi_spin_lock_irqsave as *const () as usize
    }),
    ("_raw_spin_unlock_irqrestore", || {
        kapi_spin_unlock_irqrestore as *const () as usize
    }),
    ("_raw_read_lock", || kapi_read_lock as *const () as usize),
    ("_raw_read_lock_bh", || kapi_read_lock as *const () as usize),
    ("_raw_read_lock_irq", || {
        kapi_read_lock as *const () as usize
    }),
    ("_raw_read_trylock", || {
        kapi_read_trylock as *const () as usize
    }),
    ("_raw_read_unlock", || {
        kapi_read_unlock as *const () as usize
    }),
    ("_raw_read_unlock_bh", || {
        kapi_read_unlock as *const () as usize
    }),
    ("_raw_read_unlock_irq", || {
        kapi_read_unlock as *const () as usize
    }),
    ("_raw_write_lock", || kapi_write_lock as *const () as usize),
    ("_raw_write_lock_bh", || {
        kapi_write_lock as *const () as usize
    }),
    ("_raw_write_lock_irq", || {
        kapi_write_lock as *const () as usize
    }),
    ("_raw_write_trylock", || {
        kapi_write_trylock as *const () as usize
    }),
    ("_raw_write_unlock", || {
        kapi_write_unlock as *const () as usize
    }),
    ("_raw_write_unlock_bh", || {
        kapi_write_unlock as *const () as usize
    }),
    ("_raw_write_unlock_irq", || {
        kapi_write_unlock as *const () as usize
    }),
    ("_raw_read_lock_irqsave", || {
        kapi_read_lock_irqsave as *const () as usize
    }),
    ("_raw_read_unlock_irqrestore", || {
        kapi_read_unlock_irqrestore as *const () as usize
    }),
    ("_raw_write_lock_irqsave", || {
        kapi_write_lock_irqsave as *const () as usize
    }),
    ("_raw_write_unlock_irqrestore", || {
        kapi_write_unlock_irqrestore as *const () as usize
    }),
    ("mutex_lock", || kapi_mutex_lock as *const () as usize),
    ("mutex_lock_interruptible", || {
        kapi_mutex_lock_interruptible as *const () as usize
    }),
    ("mutex_lock_killable", || {
        kapi_mutex_lock_killable as *const () as usize
    }),
    ("mutex_trylock", || kapi_mutex_trylock as *const () as usize),
    ("mutex_unlock", || kapi_mutex_unlock as *const () as usize),
];
