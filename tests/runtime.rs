//! The module runtime in the host home: kthreads hammering counters under
//! every lock (exact totals), a periodic timer, work queues, delayed work
//! and a sleeping kthread (their counts grow, and stop at unload), a /proc
//! read that sleeps until a write and ends on a signal, kmem_cache, kfifo,
//! sleeping in atomic context reported, an Oops in a timer callback or a
//! kthread, and what a careless module leaves running stopped before its
//! pages are freed (nothing of it runs afterwards; nothing leaks).

mod common;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Kernel, Sys, assert_logged, boot, kernel};
use starry_kmod::kapi::{kmalloc_bytes_in_use, kthread, timer, workqueue};
use starry_kmod::syscalls::{O_NONBLOCK, O_TRUNC};
use starry_kmod::vfs::{finit_path, read_path, write_path};
use starry_kmod::{Errno, RELEASE, delete_module, sched};
use starry_kmod_fs::pseudo::to_errno;
use starry_sample_modules::{CARELESS, COUNTERS, FIFO, OOPS, SLABS, SampleModule, TICKER, WAITQ};

fn insmod(sys: &Sys, m: &SampleModule, args: &str) -> Result<(), Errno> {
    let path = format!("/lib/modules/{RELEASE}/kernel/{}.ko", m.name);
    finit_path(&sys.ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
}

fn cat(sys: &Sys, path: &str) -> String {
    String::from_utf8(read_path(&sys.ns, path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn param(sys: &Sys, module: &str, name: &str) -> i64 {
    cat(sys, &format!("/sys/module/{module}/parameters/{name}"))
        .trim()
        .parse()
        .unwrap()
}

/// Waits (up to 10 s) until `f` holds.
fn until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(10), "never: {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Everything back where it was: no module, page, kmalloc byte, kthread,
/// armed timer or module work queue left.
fn assert_clean(k: &Kernel, pages: usize, bytes: usize) {
    assert!(starry_kmod::module::list().is_empty());
    assert_eq!(k.pages(), pages, "module pages");
    assert_eq!(kmalloc_bytes_in_use(), bytes, "kmalloc bytes");
    assert_eq!(kthread::live_count(), 0, "live kthreads");
    assert_eq!(timer::armed_count(), 0, "armed timers");
    assert_eq!(workqueue::module_queue_count(), 0, "module work queues");
}

#[test]
fn kthreads_hammer_counters_under_every_lock() {
    let mut k = kernel();
    let sys = boot(&[COUNTERS]);
    let (pages, bytes) = (k.pages(), kmalloc_bytes_in_use());
    insmod(&sys, &COUNTERS, "threads=6 iters=15000").unwrap();
    let log = k.log();
    assert_logged(&log, "counter-go (pid ");
    assert_logged(
        &log,
        "mutex 90000 spinlock 90000 rwlock 90000 atomic 90000 atomic64 90000 (expected 90000 each)",
    );
    assert!(!log.iter().any(|l| l.contains("bad reads")), "{log:?}");
    assert_eq!(
        cat(&sys, "/proc/counters"),
        "mutex 90000\nspinlock 90000\nrwlock 90000\natomic 90000\natomic64 90000\n"
    );
    // The six hammering threads wait to be stopped.
    assert_eq!(kthread::live_count(), 6);
    delete_module("counters", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "kthreads stopped, results right");
    assert_clean(&k, pages, bytes);
}

#[test]
fn timers_work_and_kthreads_run_until_unload() {
    let mut k = kernel();
    let sys = boot(&[TICKER]);
    let (pages, bytes) = (k.pages(), kmalloc_bytes_in_use());
    let start = Instant::now();
    insmod(&sys, &TICKER, "period_ms=10").unwrap();
    assert_logged(&k.log(), "ticking every 10 ms (HZ 250)");
    until("10 timer ticks", || {
        param(&sys, "ticker", "timer_ticks") >= 10
    });
    let took = start.elapsed();
    // 10 periods of 10 ms, each 3 jiffies of 4 ms from a jiffy that has
    // already begun (more than 8 ms): at least 80 ms, and not wildly late.
    assert!(took >= Duration::from_millis(80), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    for p in ["works", "delayed", "system_works", "kthread_loops"] {
        until(p, || param(&sys, "ticker", p) >= 5);
    }
    delete_module("ticker", O_NONBLOCK).unwrap();
    let log = k.log();
    let line = log
        .iter()
        .find(|l| l.starts_with("ticker: timer "))
        .expect("exit's summary");
    // "timer T works W delayed D system S kthread K (stop returned K)"
    let n: Vec<i64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(
        n[0] >= 10 && n[1] >= 5 && n[2] >= 5 && n[3] >= 5 && n[4] >= 5,
        "{line}"
    );
    assert_eq!(
        n[4], n[5],
        "kthread_stop returns the thread's result: {line}"
    );
    assert!(!log.iter().any(|l| l.contains("it left")), "{log:?}");
    assert_clean(&k, pages, bytes);
}

#[test]
fn a_read_sleeps_until_a_write_and_a_signal_ends_it() {
    let mut k = kernel();
    let sys = boot(&[WAITQ]);
    insmod(&sys, &WAITQ, "").unwrap();
    let node = sys.ns.lookup("/proc/waitq").unwrap();
    // Empty and non-blocking: EAGAIN at once.
    let nb = sys.ns.lookup("/proc/waitq").unwrap();
    let e = starry_kmod::pde::with_open_flags(0o4000, || {
        let mut b = [0u8; 16];
        nb.read_at(0, &mut b)
    })
    .unwrap_err();
    assert_eq!(to_errno(e), Errno::EAGAIN.0);
    drop(nb);
    // A reader sleeps until the write.
    let (tx, rx) = mpsc::channel();
    let reader = {
        let node = node.clone();
        thread::spawn(move || {
            tx.send(sched::current_handle()).unwrap();
            let mut b = [0u8; 64];
            let n = node.read_at(0, &mut b).map_err(to_errno)?;
            Ok::<_, i32>(String::from_utf8(b[..n].to_vec()).unwrap())
        })
    };
    let _task = rx.recv().unwrap();
    until("the reader sleeps", || {
        param(&sys, "waitq", "sleepers") == 1
    });
    thread::sleep(Duration::from_millis(50));
    assert!(!reader.is_finished(), "the read did not sleep");
    write_path(&sys.ns, "/proc/waitq", b"wake up").unwrap();
    assert_eq!(reader.join().unwrap(), Ok("wake up".to_string()));

    // A second reader is signalled: its sleep ends with -ERESTARTSYS.
    let node2 = sys.ns.lookup("/proc/waitq").unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        tx.send(sched::current_handle()).unwrap();
        let mut b = [0u8; 64];
        node2.read_at(0, &mut b).map_err(to_errno)
    });
    let task = rx.recv().unwrap();
    until("the second reader sleeps", || {
        param(&sys, "waitq", "sleepers") == 1
    });
    task.signal(sched::SIGINT);
    assert_eq!(reader.join().unwrap(), Err(Errno::EINTR.0));
    assert_logged(&k.log(), "interrupted while waiting");
    assert_eq!(param(&sys, "waitq", "sleepers"), 0);
    drop(node);
    delete_module("waitq", O_NONBLOCK).unwrap();
}

#[test]
fn kmem_cache_objects_are_constructed_and_freed() {
    let mut k = kernel();
    let sys = boot(&[SLABS]);
    let bytes = kmalloc_bytes_in_use();
    insmod(&sys, &SLABS, "count=250").unwrap();
    assert_logged(
        &k.log(),
        "250 objects of 64 bytes, 250 constructed and aligned",
    );
    assert_eq!(param(&sys, "slabs", "constructed"), 250);
    assert!(kmalloc_bytes_in_use() >= bytes + 250 * 64);
    delete_module("slabs", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "slabs: freed");
    assert_eq!(kmalloc_bytes_in_use(), bytes);
}

#[test]
fn kfifos_behind_proc_files() {
    let mut k = kernel();
    let sys = boot(&[FIFO]);
    let bytes = kmalloc_bytes_in_use();
    insmod(&sys, &FIFO, "").unwrap();
    assert_logged(
        &k.log(),
        "int fifo right, byte fifo of 4096, record fifo of 256",
    );
    write_path(&sys.ns, "/proc/fifo/bytes", b"first ").unwrap();
    write_path(&sys.ns, "/proc/fifo/bytes", b"second").unwrap();
    assert_eq!(cat(&sys, "/proc/fifo/bytes"), "first second");
    assert_eq!(cat(&sys, "/proc/fifo/bytes"), "");
    // 5000 bytes into 4096: as many as fit.
    let big = vec![b'x'; 5000];
    assert_eq!(write_path(&sys.ns, "/proc/fifo/bytes", &big).unwrap(), 4096);
    assert_eq!(cat(&sys, "/proc/fifo/bytes").len(), 4096);
    // Records come out one per read, whole.
    for r in ["one", "two two", "three three three"] {
        write_path(&sys.ns, "/proc/fifo/records", r.as_bytes()).unwrap();
    }
    let node = sys.ns.lookup("/proc/fifo/records").unwrap();
    let mut got = Vec::new();
    loop {
        let mut b = [0u8; 64];
        let n = node.read_at(0, &mut b).unwrap();
        if n == 0 {
            break;
        }
        got.push(String::from_utf8(b[..n].to_vec()).unwrap());
    }
    assert_eq!(got, ["one", "two two", "three three three"]);
    drop(node);
    delete_module("fifo", O_NONBLOCK).unwrap();
    assert_eq!(kmalloc_bytes_in_use(), bytes);
}

#[test]
fn sleeping_in_a_timer_is_reported() {
    let mut k = kernel();
    let sys = boot(&[TICKER]);
    insmod(&sys, &TICKER, "bad=1").unwrap();
    until("a tick", || param(&sys, "ticker", "timer_ticks") >= 2);
    delete_module("ticker", O_NONBLOCK).unwrap();
    let log = k.log();
    assert_logged(
        &log,
        "BUG: sleeping function called from invalid context at kernel/time/timer.c:",
    );
    assert_logged(&log, "name: ksoftirqd/0");
    assert_logged(&log, "preempt_count: 1, expected: 0");
    assert!(starry_kmod::taint::kernel_tainted(starry_kmod::taint::WARN));
}

#[test]
fn an_oops_in_a_timer_or_kthread_breaks_the_module_and_stops_its_objects() {
    for (place, task) in [("timer", "ksoftirqd/0"), ("kthread", "oops-thread")] {
        let mut k = kernel();
        let sys = boot(&[OOPS]);
        let pages = k.pages();
        insmod(&sys, &OOPS, &format!("where={place}")).unwrap();
        let mut log = Vec::new();
        until("the Oops", || {
            log.extend(k.log());
            log.iter().any(|l| l.contains("---[ end trace"))
        });
        assert!(starry_kmod::module::find("oops").is_some_and(|m| m.is_broken()));
        assert_logged(&log, "BUG: kernel NULL pointer dereference");
        assert_logged(&log, &format!("Comm: {task}"));
        assert_logged(&log, "[oops]");
        // Its other, periodic timer is stopped with it (no callback of a
        // broken module runs again), and its kthread is gone.
        until("its timers disarmed", || timer::armed_count() == 0);
        thread::sleep(Duration::from_millis(30));
        assert_eq!(timer::armed_count(), 0, "{place}");
        until("its kthread ended", || kthread::live_count() == 0);
        // Its parameters answer EIO now, as every call into it.
        assert!(read_path(&sys.ns, "/sys/module/oops/parameters/good_ticks").is_err());
        assert_eq!(
            delete_module("oops", O_NONBLOCK).unwrap_err().errno,
            Errno::EBUSY
        );
        delete_module("oops", O_NONBLOCK | O_TRUNC).unwrap();
        assert_eq!(k.pages(), pages);
        assert_eq!(timer::armed_count(), 0);
        assert_eq!(kthread::live_count(), 0);
    }
}

#[test]
fn what_a_careless_module_leaves_running_is_stopped_before_its_pages_go() {
    let mut k = kernel();
    let sys = boot(&[CARELESS]);
    let (pages, bytes) = (k.pages(), kmalloc_bytes_in_use());
    for round in 0..3 {
        insmod(&sys, &CARELESS, "").unwrap();
        until("everything runs", || {
            let log = k.log();
            log.iter().any(|l| l.contains("kthread still runs"))
        });
        thread::sleep(Duration::from_millis(40));
        delete_module("careless", O_NONBLOCK).unwrap();
        let log = k.log();
        // Its periodic timer is deleted while armed, or (when it was
        // firing at the unload) not run, or refused when it re-arms itself.
        assert!(
            log.iter().any(
                |l| l.contains("careless: deleting timer timer_fn it left armed")
                    || l.contains("careless: not re-arming timer timer_fn")
                    || l.contains("careless: not running timer timer_fn")
            ),
            "{log:?}"
        );
        for what in [
            "careless: killing tasklet tasklet_fn it left scheduled",
            "careless: destroying workqueue careless it left",
            "careless: stopping kthread careless:",
            "careless: destroying kmem_cache careless_cache it left (1 objects)",
        ] {
            assert_logged(&log, what);
        }
        let exit = log.iter().position(|l| l.contains("exit returns")).unwrap();
        // The module's pages are gone: nothing of it may run now. Every
        // callback prints; a line now would be freed code running (or it
        // would fault outside any module).
        thread::sleep(Duration::from_millis(150));
        let after = k.log();
        assert!(
            !after.iter().any(|l| l.contains("still runs")),
            "round {round}: ran after unload: {after:?}"
        );
        let _ = exit;
        assert_clean(&k, pages, bytes);
    }
}

#[test]
fn sleepers_and_kthreads_are_not_hung_tasks() {
    let mut k = kernel();
    let sys = boot(&[TICKER, WAITQ]);
    insmod(&sys, &TICKER, "period_ms=50").unwrap();
    insmod(&sys, &WAITQ, "").unwrap();
    let node = sys.ns.lookup("/proc/waitq").unwrap();
    let reader = thread::spawn(move || {
        let mut b = [0u8; 8];
        node.read_at(0, &mut b)
    });
    until("the reader sleeps", || {
        param(&sys, "waitq", "sleepers") == 1
    });
    let old = starry_kmod::hung_task::timeout_secs();
    starry_kmod::hung_task::set_timeout_secs(1);
    thread::sleep(Duration::from_millis(1300));
    starry_kmod::hung_task::check();
    starry_kmod::hung_task::set_timeout_secs(old);
    let log = k.log();
    assert!(
        !log.iter().any(|l| l.contains("blocked for more than")),
        "{log:?}"
    );
    write_path(&sys.ns, "/proc/waitq", b"x").unwrap();
    assert_eq!(reader.join().unwrap().unwrap(), 1);
    delete_module("waitq", O_NONBLOCK).unwrap();
    delete_module("ticker", O_NONBLOCK).unwrap();
}
