//! Kernel threads for modules (Linux's include/linux/kthread.h):
//! kthread_create makes a thread that waits, as Linux's, until the first
//! wake_up_process; its function runs through the module's protected
//! boundary; kthread_stop asks it to stop, wakes it, waits for it to end
//! and returns its result (-EINTR if it never ran). A thread's record
//! stays until kthread_stop or its module goes: a module that leaves a
//! thread running is told so, and the thread is stopped before the
//! module's pages are freed.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use ax_kspin::SpinRaw;

use super::AddrFn;
use crate::console::level;
use crate::errno::Errno;
use crate::klog;
use crate::module::{self, Module};
use crate::platform;
use crate::sched::{self, Context, KTask, KWait, TASK_RUNNING, TASK_UNINTERRUPTIBLE, WaitEnd};

struct Kthread {
    task: Arc<KTask>,
    owner: Arc<Module>,
    threadfn: usize,
    data: usize,
    exited: AtomicBool,
    result: AtomicI64,
    done: KWait,
}

static KTHREADS: SpinRaw<Vec<Arc<Kthread>>> = SpinRaw::new(Vec::new());

fn by_task(addr: usize) -> Option<Arc<Kthread>> {
    KTHREADS
        .lock()
        .iter()
        .find(|k| k.task.addr() == addr)
        .cloned()
}

fn err_ptr(e: Errno) -> *mut c_void {
    (-(e.code() as isize)) as usize as *mut c_void
}

/// The thread's life: wait for the first wake-up (or a stop), run the
/// function, record the result, tell kthread_stop.
fn run(k: Arc<Kthread>) {
    sched::adopt(&k.task);
    loop {
        if k.task.state() == TASK_RUNNING || k.task.should_stop() {
            break;
        }
        sched::schedule_until(None);
    }
    let result = if k.task.should_stop() {
        -(Errno::EINTR.code() as i64)
    } else {
        // SAFETY: threadfn was checked to be the owner's code, taking one
        // pointer argument and returning int.
        match unsafe {
            k.owner
                .call_runtime(k.threadfn, [k.data, 0, 0], Context::Process)
        } {
            Ok(v) => v as c_int as i64,
            Err(e) => -(e.code() as i64),
        }
    };
    finish(&k, result);
    drop(k);
    sched::forget_current();
}

fn finish(k: &Kthread, result: i64) {
    k.result.store(result, Ordering::SeqCst);
    k.exited.store(true, Ordering::SeqCst);
    k.done.wake_all();
}

/// `kthread_create_on_node`'s body (the name already formatted by
/// csrc/kthread.c): the new thread's task, or ERR_PTR.
///
/// # Safety
/// `name` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_kthread_create(
    threadfn: usize,
    data: usize,
    name: *const c_char,
) -> *mut c_void {
    // SAFETY: per the contract.
    let name = unsafe { core::ffi::CStr::from_ptr(name) }.to_string_lossy();
    let Some(owner) = module::owning(threadfn).filter(|m| m.is_code(threadfn)) else {
        klog!(
            level::ERR,
            "kthread_create: {threadfn:#x} is not a module's function"
        );
        return err_ptr(Errno::EINVAL);
    };
    if owner.runtime_stopped() {
        return err_ptr(Errno::EINTR);
    }
    let task = KTask::new_kthread(&name);
    task.set_state(TASK_UNINTERRUPTIBLE);
    let k = Arc::new(Kthread {
        task: task.clone(),
        owner,
        threadfn,
        data,
        exited: AtomicBool::new(false),
        result: AtomicI64::new(0),
        done: KWait::new(),
    });
    KTHREADS.lock().push(k.clone());
    let body = k.clone();
    if !platform::get().spawn_thread(&name, alloc::boxed::Box::new(move || run(body))) {
        KTHREADS.lock().retain(|x| !Arc::ptr_eq(x, &k));
        sched::unregister(task.addr());
        return err_ptr(Errno::ENOMEM);
    }
    task.addr() as *mut c_void
}

/// Stops a thread: asks, wakes, waits for it to end; its result.
fn stop(k: &Arc<Kthread>, warn_every_ns: Option<u64>) -> i64 {
    k.task.set_should_stop();
    sched::wake_up_process(&k.task);
    loop {
        let deadline = warn_every_ns.map(|d| platform::get().now_ns() + d);
        if k.done
            .wait_until(deadline, || k.exited.load(Ordering::SeqCst))
            == WaitEnd::Done
        {
            break;
        }
        klog!(
            level::WARNING,
            "{}: kthread {}:{} does not stop; its module's memory stays until it does",
            k.owner.name(),
            k.task.comm(),
            k.task.pid()
        );
        sched::wake_up_process(&k.task);
    }
    KTHREADS.lock().retain(|x| !Arc::ptr_eq(x, k));
    sched::unregister(k.task.addr());
    k.result.load(Ordering::SeqCst)
}

/// `kthread_stop(k)`: the thread's result (-EINTR if it never ran).
pub extern "C" fn kapi_kthread_stop(task: usize) -> c_int {
    sched::might_sleep("kernel/kthread.c", 715);
    let Some(k) = by_task(task) else {
        klog!(level::ERR, "kthread_stop: {task:#x} is not a kthread");
        return -Errno::EINVAL.code();
    };
    stop(&k, None) as c_int
}

/// `kthread_should_stop()`.
pub extern "C" fn kapi_kthread_should_stop() -> bool {
    sched::current().should_stop()
}

/// `kthread_exit(result)`: ends the calling kthread with `result` (what
/// kthread_stop returns); never returns.
pub extern "C" fn kapi_kthread_exit(result: i64) -> ! {
    let me = sched::current().addr();
    let k = by_task(me);
    let p = platform::get();
    match k {
        Some(k) => {
            drop(k);
            // SAFETY: called from the kthread's function under its
            // protected call; this frame holds nothing to drop.
            unsafe { p.leave_module_call(result as usize) };
            // The platform cannot unwind the call: end the thread here.
            if let Some(k) = by_task(me) {
                k.owner.abandon_call();
                finish(&k, result);
            }
            p.exit_thread()
        }
        None => {
            klog!(
                level::ERR,
                "kthread_exit called from a task that is not a kthread"
            );
            loop {
                sched::current().set_state(TASK_UNINTERRUPTIBLE);
                sched::schedule_until(None);
            }
        }
    }
}

/// `kthread_complete_and_exit(comp, result)`.
///
/// # Safety
/// `comp` is a valid completion (or NULL).
pub unsafe extern "C" fn kapi_kthread_complete_and_exit(
    comp: *mut super::wait::Completion,
    result: i64,
) -> ! {
    if !comp.is_null() {
        // SAFETY: per the contract.
        unsafe { super::wait::kapi_complete(comp) };
    }
    kapi_kthread_exit(result)
}

/// `kthread_bind(k, cpu)`: CPUs are the platform's to choose.
pub extern "C" fn kapi_kthread_bind(_task: usize, _cpu: u32) {}

/// `kthread_data(k)`: the data its function was given.
pub extern "C" fn kapi_kthread_data(task: usize) -> usize {
    by_task(task).map_or(0, |k| k.data)
}

/// At unload (or after an Oops): every thread of `m` still there. Ended
/// ones are forgotten; live ones are stopped with a warning (waited for
/// when `sync`).
pub(crate) fn stop_owned(m: &Module, sync: bool) {
    let mine: Vec<Arc<Kthread>> = KTHREADS
        .lock()
        .iter()
        .filter(|k| core::ptr::eq(&*k.owner, m))
        .cloned()
        .collect();
    for k in mine {
        if k.exited.load(Ordering::SeqCst) {
            KTHREADS.lock().retain(|x| !Arc::ptr_eq(x, &k));
            sched::unregister(k.task.addr());
            continue;
        }
        klog!(
            level::WARNING,
            "{}: stopping kthread {}:{} it left running",
            m.name(),
            k.task.comm(),
            k.task.pid()
        );
        if sync {
            stop(&k, Some(10_000_000_000));
        } else {
            k.task.set_should_stop();
            sched::wake_up_process(&k.task);
        }
    }
}

/// Kthreads alive (for tests and leak checks).
pub fn live_count() -> usize {
    KTHREADS
        .lock()
        .iter()
        .filter(|k| !k.exited.load(Ordering::SeqCst))
        .count()
}

unsafe extern "C" {
    fn starry_kmod_kthread_create_on_node(
        threadfn: usize,
        data: usize,
        node: c_int,
        namefmt: *const c_char,
        ...
    ) -> *mut c_void;
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("kthread_create_on_node", || {
        starry_kmod_kthread_create_on_node as *const () as usize
    }),
    ("kthread_stop", || kapi_kthread_stop as *const () as usize),
    ("kthread_should_stop", || {
        kapi_kthread_should_stop as *const () as usize
    }),
    ("kthread_exit", || kapi_kthread_exit as *const () as usize),
    ("kthread_complete_and_exit", || {
        kapi_kthread_complete_and_exit as *const () as usize
    }),
    ("kthread_bind", || kapi_kthread_bind as *const () as usize),
    ("kthread_data", || kapi_kthread_data as *const () as usize),
];
