//! Signals reaching a module's sleep: while a request of a sandboxed
//! process runs module code (a FUSE read or open of a module's /proc
//! file), the process is watched; a signal pending for it (SIGINT from
//! ^C, SIGTERM, SIGKILL...) is sent to the kernel task serving the
//! request, so an interruptible sleep there (wait_event_interruptible,
//! mutex_lock_interruptible...) ends with -ERESTARTSYS and the caller
//! sees EINTR or dies of its signal, as on Linux.
//!
//! Why watch: the host kernel waits for a FUSE answer even when the
//! caller is signalled (fuser does not pass FUSE_INTERRUPT on, and even a
//! fatal signal waits once the request was read), so the only way to see
//! the signal is the caller's own pending set (/proc/<pid>/status SigPnd
//! and ShdPnd, less SigBlk and SigIgn), read every few milliseconds while
//! such a request is in flight, and only then.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use starry_kmod::sched::{self, KTask};

struct Watched {
    id: u64,
    pid: u32,
    task: Arc<KTask>,
}

struct Watch {
    list: Mutex<(u64, Vec<Watched>)>,
}

fn watch() -> &'static Watch {
    static W: OnceLock<Watch> = OnceLock::new();
    W.get_or_init(|| {
        std::thread::Builder::new()
            .name("sigwatch".into())
            .spawn(poll)
            .expect("spawning the signal watcher");
        Watch {
            list: Mutex::new((0, Vec::new())),
        }
    })
}

/// The signal to deliver among those pending and not blocked or ignored
/// for `pid` (the lowest), if any.
fn pending(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0)
    };
    let set = (field("SigPnd:") | field("ShdPnd:")) & !field("SigBlk:") & !field("SigIgn:");
    (set != 0).then(|| set.trailing_zeros() + 1)
}

fn poll() {
    loop {
        std::thread::sleep(Duration::from_millis(5));
        let w = watch();
        let targets: Vec<(u32, Arc<KTask>)> = w
            .list
            .lock()
            .unwrap()
            .1
            .iter()
            .map(|x| (x.pid, x.task.clone()))
            .collect();
        for (pid, task) in targets {
            // A process that is gone was killed: SIGKILL.
            let sig = if std::path::Path::new(&format!("/proc/{pid}")).exists() {
                pending(pid)
            } else {
                Some(sched::SIGKILL)
            };
            if let Some(sig) = sig {
                task.signal(sig);
            }
        }
    }
}

/// Supervisor threads opening a module's file for a sandboxed process:
/// (thread id, that process). FUSE names the thread as the requester.
static PROXIES: Mutex<Vec<(u32, u32)>> = Mutex::new(Vec::new());

/// Runs `f` (an open the supervisor makes for process `caller`) so that
/// a FUSE request it causes is watched for `caller`'s signals.
pub fn on_behalf_of<R>(caller: u32, f: impl FnOnce() -> R) -> R {
    // SAFETY: gettid has no arguments and cannot fail.
    let tid = unsafe { libc::gettid() } as u32;
    PROXIES.lock().unwrap().push((tid, caller));
    let r = f();
    PROXIES.lock().unwrap().retain(|p| p.0 != tid);
    r
}

/// Runs `f` (a request of process `pid` that may sleep in a module) with
/// the process's signals reaching the serving task.
pub fn serve<R>(pid: u32, f: impl FnOnce() -> R) -> R {
    let pid = PROXIES
        .lock()
        .unwrap()
        .iter()
        .find(|p| p.0 == pid)
        .map_or(pid, |p| p.1);
    let w = watch();
    let task = sched::current_handle();
    task.clear_signals();
    let id = {
        let mut l = w.list.lock().unwrap();
        l.0 += 1;
        let id = l.0;
        l.1.push(Watched {
            id,
            pid,
            task: task.clone(),
        });
        id
    };
    // `current` is the caller (its pid and name), as for its syscalls.
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let caller = starry_kmod::platform::Task {
        pid,
        comm: starry_kmod::platform::Comm::new(comm.trim_end()),
    };
    let r = starry_kmod::platform::host::with_task(caller, f);
    w.list.lock().unwrap().1.retain(|x| x.id != id);
    task.clear_signals();
    r
}
