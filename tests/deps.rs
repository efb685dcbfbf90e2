//! Modules using each other: exports, holders, refcounts, licence gating,
//! safe unload, and a concurrency hammer, checked through the syscalls and
//! the files a user would look at.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::elf::replace_all;
use common::{Sys, assert_logged, boot, kernel};
use starry_kmod::module;
use starry_kmod::syscalls::{O_NONBLOCK, O_TRUNC};
use starry_kmod::taint::{self, kernel_taint};
use starry_kmod::vfs::{read_path, write_path};
use starry_kmod::{Errno, delete_module, exports, init_module, kallsyms};
use starry_kmod_fs::pseudo::list_dir;
use starry_sample_modules::{
    CLOSED, CONSUMER, CONSUMER_RUST, GPL_CONSUMER, PARAMS, PROPRIETARY, PROVIDER, SampleModule,
};

/// A namespace with sysfs and procfs (no module files).
fn files() -> Sys {
    boot(&[])
}

impl Sys {
    fn cat(&self, path: &str) -> String {
        String::from_utf8(read_path(&self.ns, path).unwrap_or_else(|e| panic!("{e}"))).unwrap()
    }
    fn echo(&self, path: &str, v: &str) -> Result<usize, Errno> {
        write_path(&self.ns, path, v.as_bytes()).map_err(|e| e.errno)
    }
    fn holders(&self, m: &str) -> BTreeSet<String> {
        let dir = self.ns.lookup(&format!("/sys/module/{m}/holders")).unwrap();
        list_dir(&dir)
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }
    /// The /proc/modules line of `m`, split into its columns.
    fn proc_line(&self, m: &str) -> Vec<String> {
        self.cat("/proc/modules")
            .lines()
            .find(|l| l.starts_with(&format!("{m} ")))
            .unwrap_or_else(|| panic!("{m} not in /proc/modules"))
            .split(' ')
            .map(String::from)
            .collect()
    }
}

fn load(m: &SampleModule) -> Result<(), Errno> {
    init_module(m.bytes, b"").map_err(|e| e.errno)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn consumer_holds_provider() {
    let mut k = kernel();
    let f = files();
    let pages = k.pages();
    load(&PROVIDER).unwrap();
    assert_eq!(f.cat("/sys/module/provider/refcnt"), "0\n");
    load(&CONSUMER).unwrap();
    assert_logged(&k.log(), "consumer: 2 + 3 = 5");

    assert_eq!(f.cat("/sys/module/provider/refcnt"), "1\n");
    assert_eq!(f.holders("provider"), set(&["consumer"]));
    // holders/consumer is a link to the consumer's directory.
    let link =
        f.ns.lookup_nofollow("/sys/module/provider/holders/consumer")
            .unwrap();
    let target = starry_kmod_fs::pseudo::read_all(&link, 64).unwrap();
    assert_eq!(target, b"../../consumer");
    assert_eq!(
        f.ns.canonical("/sys/module/provider/holders/consumer")
            .unwrap(),
        "/sys/module/consumer"
    );
    assert_eq!(
        f.cat("/sys/module/provider/holders/consumer/initstate"),
        "live\n"
    );
    // /proc/modules: refcnt 1, deps "consumer,".
    let p = f.proc_line("provider");
    assert_eq!(&p[2..5], ["1", "consumer,", "Live"]);
    assert_eq!(&f.proc_line("consumer")[2..5], ["0", "-", "Live"]);

    // The provider cannot go while used, not even by force (Linux).
    for flags in [O_NONBLOCK, O_NONBLOCK | O_TRUNC] {
        let e = delete_module("provider", flags).unwrap_err();
        assert_eq!(e.errno, Errno::EWOULDBLOCK);
        assert!(e.msg.contains("in use by: consumer"), "{}", e.msg);
    }
    assert_eq!(f.cat("/sys/module/provider/initstate"), "live\n");

    delete_module("consumer", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "consumer: 40 + 2 = 42, bye");
    assert_eq!(f.cat("/sys/module/provider/refcnt"), "0\n");
    assert!(f.holders("provider").is_empty());
    assert_eq!(&f.proc_line("provider")[2..5], ["0", "-", "Live"]);
    delete_module("provider", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "provider: served 2 call(s)");
    assert_eq!(k.pages(), pages);
    assert!(exports::all().is_empty());
}

#[test]
fn rust_module_uses_a_c_export() {
    let mut k = kernel();
    let f = files();
    load(&PROVIDER).unwrap();
    load(&CONSUMER_RUST).unwrap();
    assert_logged(&k.log(), "consumer_rust: triangle(4) = 10");
    assert_eq!(f.holders("provider"), set(&["consumer_rust"]));
    assert_eq!(f.cat("/sys/module/provider/refcnt"), "1\n");
    assert_eq!(
        module::find("consumer_rust").unwrap().uses(),
        vec!["provider".to_string()]
    );
    delete_module("consumer_rust", O_NONBLOCK).unwrap();
    delete_module("provider", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "provider: served 4 call(s)");
}

#[test]
fn several_holders_and_unload_in_reverse_order() {
    let mut k = kernel();
    let f = files();
    let pages = k.pages();
    for m in [&PROVIDER, &CONSUMER, &GPL_CONSUMER, &CONSUMER_RUST] {
        load(m).unwrap();
    }
    assert_logged(&k.log(), "gpl_consumer: told the GPL-only secret");
    assert_eq!(
        f.holders("provider"),
        set(&["consumer", "gpl_consumer", "consumer_rust"])
    );
    assert_eq!(f.cat("/sys/module/provider/refcnt"), "3\n");
    // deps column: the holders, in the order they started using it.
    assert_eq!(
        f.proc_line("provider")[3],
        "consumer,gpl_consumer,consumer_rust,"
    );
    // Exports are in kallsyms: plain upper case, GPL-only lower case.
    let ks = f.cat("/proc/kallsyms");
    let kind = |name: &str| {
        ks.lines()
            .find(|l| l.ends_with(&format!(" {name}\t[provider]")))
            .map(|l| l.as_bytes()[17] as char)
    };
    assert_eq!(kind("provider_add"), Some('T'));
    assert_eq!(kind("provider_secret"), Some('t'));
    assert_eq!(
        kallsyms::lookup_name("provider_add"),
        exports::find("provider_add").map(|(a, _, _)| a)
    );
    for m in ["consumer_rust", "gpl_consumer", "consumer", "provider"] {
        delete_module(m, O_NONBLOCK).unwrap();
    }
    assert!(module::list().is_empty());
    assert!(exports::all().is_empty());
    assert!(exports::find("provider_add").is_none());
    assert_eq!(kallsyms::lookup_name("provider_add"), None);
    // Only the kernel's own entries (compression...) are left.
    assert_eq!(
        list_dir(&f.ns.lookup("/sys/module").unwrap()).unwrap(),
        starry_kmod::sysfs_kernel::list()
    );
    assert_eq!(f.cat("/proc/modules"), "");
    assert_eq!(k.pages(), pages);
}

#[test]
fn gpl_only_symbols_are_refused_to_proprietary_modules() {
    let mut k = kernel();
    let f = files();
    let pages = k.pages();
    load(&PROVIDER).unwrap();
    load(&GPL_CONSUMER).unwrap();
    let e = init_module(PROPRIETARY.bytes, b"").unwrap_err();
    assert_eq!(e.errno, Errno::ENOENT);
    assert_logged(
        &k.log(),
        "proprietary: Unknown symbol provider_secret (err -2)",
    );
    assert!(module::find("proprietary").is_none());
    // The failed load gave back the reference it had not taken for good.
    assert_eq!(f.cat("/sys/module/provider/refcnt"), "1\n");
    assert_eq!(f.holders("provider"), set(&["gpl_consumer"]));
    // A proprietary module using a plain export loads, tainted P.
    load(&CLOSED).unwrap();
    let log = k.log();
    assert_logged(&log, "closed: module license 'Proprietary' taints kernel.");
    assert_logged(&log, "closed: 1 + 1 = 2");
    assert_eq!(f.cat("/sys/module/closed/taint"), "P\n");
    let line = f.proc_line("closed");
    assert_eq!(line.last().unwrap(), "(P)");
    assert!(kernel_taint() & (1 << taint::PROPRIETARY_MODULE) != 0);
    assert_eq!(f.cat("/sys/module/gpl_consumer/taint"), "\n");
    assert_eq!(f.holders("provider"), set(&["gpl_consumer", "closed"]));
    for m in ["closed", "gpl_consumer", "provider"] {
        delete_module(m, O_NONBLOCK).unwrap();
    }
    assert_eq!(k.pages(), pages);
}

#[test]
fn try_module_get_pins_a_module() {
    let mut k = kernel();
    let f = files();
    load(&PROVIDER).unwrap();
    load(&CLOSED).unwrap();
    let pin = "/sys/module/closed/parameters/pin";
    assert_eq!(f.cat(pin), "0\n");
    f.echo(pin, "1\n").unwrap();
    assert_logged(&k.log(), "closed: pinned=1 refcount=1");
    assert_eq!(f.cat("/sys/module/closed/refcnt"), "1\n");
    assert_eq!(f.proc_line("closed")[2], "1");
    assert_eq!(
        delete_module("closed", O_NONBLOCK).unwrap_err().errno,
        Errno::EWOULDBLOCK
    );
    f.echo(pin, "0\n").unwrap();
    assert_eq!(f.cat("/sys/module/closed/refcnt"), "0\n");
    delete_module("closed", O_NONBLOCK).unwrap();

    // Forced unload of a pinned module: allowed, taints the kernel R.
    load(&CLOSED).unwrap();
    f.echo(pin, "1").unwrap();
    delete_module("closed", O_NONBLOCK | O_TRUNC).unwrap();
    assert!(kernel_taint() & (1 << taint::FORCED_RMMOD) != 0);
    assert!(module::find("closed").is_none());
    assert_eq!(f.cat("/sys/module/provider/refcnt"), "0\n");
    delete_module("provider", O_NONBLOCK).unwrap();
}

/// The provider's image under another module name (same exports).
fn renamed_provider() -> Vec<u8> {
    replace_all(PROVIDER.bytes, b"provider\0", b"providex\0")
}

#[test]
fn a_symbol_exported_twice_is_refused() {
    let mut k = kernel();
    let pages = k.pages();
    load(&PROVIDER).unwrap();
    let e = init_module(&renamed_provider(), b"").unwrap_err();
    assert_eq!(e.errno, Errno::ENOEXEC);
    assert_logged(
        &k.log(),
        "providex: exports duplicate symbol provider_add (owned by provider)",
    );
    assert!(module::find("providex").is_none());
    // The original's exports are untouched.
    load(&CONSUMER).unwrap();
    delete_module("consumer", O_NONBLOCK).unwrap();
    delete_module("provider", O_NONBLOCK).unwrap();
    // Alone, the renamed copy loads.
    init_module(&renamed_provider(), b"").unwrap();
    delete_module("providex", O_NONBLOCK).unwrap();
    assert_eq!(k.pages(), pages);
}

#[test]
fn consumer_without_provider_is_unknown_symbol() {
    let mut k = kernel();
    let e = init_module(CONSUMER.bytes, b"").unwrap_err();
    assert_eq!(e.errno, Errno::ENOENT);
    assert_logged(&k.log(), "consumer: Unknown symbol provider_add (err -2)");
}

/// Every invariant between the registry, refcounts, holders and exports.
fn check_invariants() {
    let mods = module::list();
    let names: BTreeSet<String> = mods.iter().map(|m| m.name().to_string()).collect();
    for m in &mods {
        let holders = m.holders();
        assert_eq!(
            m.refcnt() as usize,
            holders.len(),
            "{}: refcnt {} but holders {holders:?}",
            m.name(),
            m.refcnt()
        );
        for h in &holders {
            assert!(names.contains(h), "{}: holder {h} not loaded", m.name());
            let hm = module::find(h).unwrap();
            assert!(hm.uses().contains(&m.name().to_string()));
        }
        for u in m.uses() {
            assert!(names.contains(&u), "{} uses {u}, not loaded", m.name());
        }
    }
    for (sym, owner, _) in exports::all() {
        assert!(names.contains(&owner), "{sym} exported by gone {owner:?}");
    }
    // The files match the registry: /sys/module lists exactly the modules,
    // /proc/modules has one line each, kallsyms names no other module.
    let f = files();
    let kernel_own = starry_kmod::sysfs_kernel::list();
    let listed: BTreeSet<String> = list_dir(&f.ns.lookup("/sys/module").unwrap())
        .unwrap()
        .into_iter()
        .filter(|e| !kernel_own.contains(e))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(listed, names, "/sys/module differs from the registry");
    let proc_names: BTreeSet<String> = f
        .cat("/proc/modules")
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(proc_names, names, "/proc/modules differs from the registry");
    for line in f.cat("/proc/kallsyms").lines() {
        if let Some((_, tag)) = line.rsplit_once("\t[") {
            let m = tag.trim_end_matches(']');
            assert!(names.contains(m), "kallsyms names gone module {m}");
        }
    }
}

#[test]
fn concurrent_loads_and_unloads_keep_the_registry_sound() {
    let k = kernel();
    let pages = k.pages();
    let heap = starry_kmod::kapi::kmalloc_bytes_in_use();
    let mods = [PROVIDER, CONSUMER, GPL_CONSUMER, CONSUMER_RUST];
    for round in 0..3 {
        let stop = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let stop = stop.clone();
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    let mut seed = (t as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) + round;
                    let (mut ops, mut done) = (0u64, 0u64);
                    while !stop.load(Ordering::Relaxed) {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let m = &mods[(seed % 4) as usize];
                        let r = if seed & 0x10 != 0 {
                            load(m)
                        } else {
                            delete_module(m.name, O_NONBLOCK).map_err(|e| e.errno)
                        };
                        done += r.is_ok() as u64;
                        if let Err(e) = r {
                            assert!(
                                [
                                    Errno::EEXIST,
                                    Errno::EBUSY,
                                    Errno::EWOULDBLOCK,
                                    Errno::ENOENT
                                ]
                                .contains(&e),
                                "unexpected {e} for {}",
                                m.name
                            );
                        }
                        ops += 1;
                    }
                    (ops, done)
                })
            })
            .collect();
        // One more thread loads `params` and writes its parameters through
        // sysfs (valid and invalid values) while everything else runs.
        let writer = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let f = files();
                let mut writes = 0u64;
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let _ = init_module(PARAMS.bytes, b"count=1");
                    for v in [&format!("{n}\n")[..], "bogus", "0x10", "-7"] {
                        if f.echo("/sys/module/params/parameters/count", v).is_ok() {
                            writes += 1;
                        }
                        let _ = read_path(&f.ns, "/sys/module/params/parameters/whom");
                    }
                    let _ = f.echo("/sys/module/params/parameters/whom", "hammer");
                    let _ = delete_module("params", O_NONBLOCK);
                }
                writes
            })
        };
        let until = Instant::now() + Duration::from_millis(700);
        while Instant::now() < until {
            check_invariants_racy();
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Relaxed);
        let writes = writer.join().unwrap();
        assert!(writes > 10, "only {writes} parameter writes succeeded");
        let _ = delete_module("params", O_NONBLOCK);
        let (ops, done) = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        assert!(
            ops > 100 && done > 20,
            "only {ops} operations ran, {done} succeeded"
        );
        check_invariants();
        for m in ["consumer_rust", "gpl_consumer", "consumer", "provider"] {
            let _ = delete_module(m, O_NONBLOCK);
        }
        assert!(module::list().is_empty(), "round {round}: modules left");
        assert!(exports::all().is_empty(), "round {round}: exports left");
        assert_eq!(k.pages(), pages, "round {round}: pages leaked");
        assert_eq!(
            starry_kmod::kapi::kmalloc_bytes_in_use(),
            heap,
            "round {round}: kmalloc leaked"
        );
    }
}

/// While the hammer runs: nothing may crash or deadlock when the trees are
/// read concurrently, and no export may belong to an unknown module.
fn check_invariants_racy() {
    let f = files();
    let _ = read_path(&f.ns, "/proc/modules");
    let _ = read_path(&f.ns, "/proc/kallsyms");
    if let Ok(dir) = f.ns.lookup("/sys/module") {
        for (name, _) in list_dir(&dir).unwrap_or_default() {
            let _ = read_path(&f.ns, &format!("/sys/module/{name}/refcnt"));
            let _ =
                f.ns.lookup(&format!("/sys/module/{name}/holders"))
                    .and_then(|d| list_dir(&d));
        }
    }
}
