//! Loading the real sample modules through the syscall API and checking
//! what a user would: what they print, what their parameters are, errnos.

mod common;

use common::{assert_logged, kernel, maps_perms};
use starry_kmod::syscalls::{MODULE_INIT_IGNORE_VERMAGIC, O_NONBLOCK, O_TRUNC};
use starry_kmod::{Errno, State, delete_module, init_module, module};
use starry_sample_modules::{HELLO, HELLO_RUST, INITFAIL, PARAMS};

#[test]
fn hello_prints_at_init_and_exit() {
    let mut k = kernel();
    let before = k.pages();
    init_module(HELLO.bytes, b"").unwrap();
    assert_logged(&k.log(), "hello: Hello, world! (1 greeting from earth)");
    let m = module::find("hello").expect("hello is registered");
    assert_eq!(m.state(), State::Live);
    assert_eq!(m.refcnt(), 0);
    assert!(k.pages() > before, "module pages are allocated");
    delete_module("hello", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "hello: Goodbye, world!");
    assert!(module::find("hello").is_none());
    assert_eq!(k.pages(), before, "every page returned");
}

#[test]
fn parameters_given_at_load_reach_the_module() {
    let mut k = kernel();
    init_module(
        PARAMS.bytes,
        b"count=7 whom=\"two words\" verbose max-bytes=0x100 bogus=1",
    )
    .unwrap();
    let log = k.log();
    assert_logged(&log, "params: unknown parameter 'bogus' ignored");
    assert_logged(
        &log,
        "params: init: count=7 verbose=Y whom=two words max_bytes=256 level=-3",
    );
    assert_logged(&log, "params: hello #3, two words");
    let m = module::find("params").unwrap();
    assert_eq!(m.param_get("count").unwrap(), b"7\n");
    assert_eq!(m.param_get("verbose").unwrap(), b"Y\n");
    assert_eq!(m.param_get("whom").unwrap(), b"two words\n");
    // Written after load, seen by the module at exit.
    m.param_set("count", b"9").unwrap();
    m.param_set("whom", b"sysfs").unwrap();
    assert_eq!(
        m.param_set("count", b"nine").unwrap_err().errno,
        Errno::EINVAL
    );
    assert_eq!(
        m.param_set("count", b"99999999999").unwrap_err().errno,
        Errno::ERANGE
    );
    assert_eq!(
        m.param_get("count").unwrap(),
        b"9\n",
        "a bad write keeps the old value"
    );
    drop(m);
    delete_module("params", 0).unwrap();
    assert_logged(
        &k.log(),
        "params: exit: count=9 verbose=Y whom=sysfs max_bytes=256",
    );
    assert_eq!(
        starry_kmod::kapi::kmalloc_bytes_in_use(),
        0,
        "charp strings and scratch freed"
    );
}

#[test]
fn bad_parameter_value_fails_the_load_with_the_setters_errno() {
    let mut k = kernel();
    let before = k.pages();
    let e = init_module(PARAMS.bytes, b"count=twelve").unwrap_err();
    assert_eq!(e.errno, Errno::EINVAL);
    assert_logged(&k.log(), "params: `twelve' invalid for parameter `count'");
    let e = init_module(PARAMS.bytes, b"count=0x80000000").unwrap_err();
    assert_eq!(e.errno, Errno::ERANGE);
    let long = format!("whom={}", "x".repeat(1025));
    assert_eq!(
        init_module(PARAMS.bytes, long.as_bytes())
            .unwrap_err()
            .errno,
        Errno::ENOSPC
    );
    assert!(module::find("params").is_none());
    assert_eq!(k.pages(), before);
    // The module's own init can also refuse a value it does not like.
    assert_eq!(
        init_module(PARAMS.bytes, b"max_bytes=0").unwrap_err().errno,
        Errno::EINVAL
    );
    assert_logged(&k.log(), "params: max_bytes=0 out of range");
    assert_eq!(k.pages(), before);
}

#[test]
fn rust_module_runs_with_its_parameter() {
    let mut k = kernel();
    init_module(HELLO_RUST.bytes, b"greeting_count=2").unwrap();
    let log = k.log();
    assert_logged(
        &log,
        "hello_rust: Hello from Rust, 2 greeting(s): ferris tux",
    );
    assert_logged(&log, "hello_rust: kmalloc gave memory");
    delete_module("hello_rust", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "hello_rust: goodbye (greeting_count=2)");
}

#[test]
fn double_load_is_eexist_and_unknown_unload_is_enoent() {
    let mut k = kernel();
    init_module(HELLO.bytes, b"").unwrap();
    let pages = k.pages();
    let e = init_module(HELLO.bytes, b"").unwrap_err();
    assert_eq!(e.errno, Errno::EEXIST);
    assert_eq!(k.pages(), pages, "the refused copy left no page behind");
    // init ran once: one greeting only.
    let greetings = k
        .log()
        .iter()
        .filter(|l| l.contains("Hello, world!"))
        .count();
    assert_eq!(greetings, 1);
    delete_module("hello", O_NONBLOCK).unwrap();
    assert_eq!(
        delete_module("hello", O_NONBLOCK).unwrap_err().errno,
        Errno::ENOENT
    );
    assert_eq!(
        delete_module("no_such_module", 0).unwrap_err().errno,
        Errno::ENOENT
    );
}

#[test]
fn failing_init_returns_its_errno_and_leaves_nothing() {
    let mut k = kernel();
    let before = k.pages();
    let e = init_module(INITFAIL.bytes, b"").unwrap_err();
    assert_eq!(e.errno, Errno::ENODEV);
    assert_logged(&k.log(), "initfail: init returns -19");
    assert!(module::find("initfail").is_none());
    assert_eq!(k.pages(), before);
    let e = init_module(INITFAIL.bytes, b"err=-12").unwrap_err();
    assert_eq!(e.errno, Errno::ENOMEM);
    // A positive return is only warned about: the module loads.
    init_module(INITFAIL.bytes, b"err=3").unwrap();
    assert_logged(&k.log(), "suspiciously returned 3");
    delete_module("initfail", 0).unwrap();
    assert_eq!(k.pages(), before);
}

#[test]
fn refcount_blocks_unload_unless_forced() {
    let mut k = kernel();
    init_module(HELLO.bytes, b"").unwrap();
    let m = module::find("hello").unwrap();
    assert!(m.try_module_get());
    assert_eq!(
        delete_module("hello", O_NONBLOCK).unwrap_err().errno,
        Errno::EWOULDBLOCK
    );
    m.module_put();
    assert!(m.try_module_get());
    delete_module("hello", O_NONBLOCK | O_TRUNC).unwrap();
    assert_ne!(
        starry_kmod::taint::kernel_taint() & (1 << 3),
        0,
        "forced unload taints R (Linux's TAINT_FORCED_RMMOD, bit 3)"
    );
    assert!(module::find("hello").is_none());
    k.log();
}

#[test]
fn sections_are_protected_w_xor_x() {
    let _k = kernel();
    init_module(PARAMS.bytes, b"").unwrap();
    let info = module::find("params").unwrap().info();
    let sec = |n: &str| info.sections.iter().find(|s| s.name == n).unwrap().addr;
    assert_eq!(&maps_perms(sec(".text"))[..3], "r-x");
    assert_eq!(&maps_perms(sec(".init.text"))[..3], "r-x");
    assert_eq!(&maps_perms(sec(".rodata"))[..3], "r--");
    assert_eq!(&maps_perms(sec(".data"))[..3], "rw-");
    assert_eq!(&maps_perms(sec(".bss"))[..3], "rw-");
    for s in &info.sections {
        let p = maps_perms(s.addr);
        assert!(!(p.contains('w') && p.contains('x')), "{} is {p}", s.name);
    }
    // Within +-2 GiB of the kernel's code (PC32 reach).
    let anchor = starry_kmod::platform::starry_kmod_kallsyms_anchor();
    assert!(sec(".text").abs_diff(anchor) < (1 << 31));
    delete_module("params", 0).unwrap();
    // Freed pages are no longer accessible at all.
    assert_eq!(maps_perms(sec(".text")), "---p");
}

#[test]
fn vermagic_must_match_unless_ignored() {
    let mut k = kernel();
    assert_eq!(starry_sample_modules::VERMAGIC, starry_kmod::VERMAGIC);
    let mut bad = HELLO.bytes.to_vec();
    let at = bad.windows(9).position(|w| w == b"vermagic=").unwrap() + 9;
    bad[at] = b'9';
    let e = init_module(&bad, b"").unwrap_err();
    assert_eq!(e.errno, Errno::ENOEXEC);
    assert_logged(&k.log(), "version magic '9.6.0-starry");
    // finit_module's IGNORE_VERMAGIC forces it in, tainting F.
    let root = starry_kmod_fs::rootfs::RootFs::new("test").unwrap();
    let path = root.add_module("hello", &bad).unwrap();
    let node = root.lookup(&path).unwrap();
    starry_kmod::finit_module(node.as_ref(), b"", MODULE_INIT_IGNORE_VERMAGIC).unwrap();
    assert_eq!(module::find("hello").unwrap().info().taint, "F");
    delete_module("hello", 0).unwrap();
}

#[test]
fn modules_load_from_the_rootfs_with_finit_module() {
    let mut k = kernel();
    let root = starry_kmod_fs::rootfs::RootFs::new(starry_kmod::RELEASE).unwrap();
    let path = root.add_module("hello", HELLO.bytes).unwrap();
    assert_eq!(path, "/lib/modules/6.6.0-starry/kernel/hello.ko");
    let node = root.lookup(&path).unwrap();
    assert_eq!(
        starry_kmod::finit_module(node.as_ref(), b"", 8)
            .unwrap_err()
            .errno,
        Errno::EINVAL
    );
    starry_kmod::finit_module(node.as_ref(), b"", 0).unwrap();
    assert_logged(&k.log(), "Hello, world!");
    delete_module("hello", 0).unwrap();
    let dir = root.lookup("/lib/modules").unwrap();
    assert_eq!(
        starry_kmod::finit_module(dir.as_ref(), b"", 0)
            .unwrap_err()
            .errno,
        Errno::EINVAL
    );
    let empty = root.add_file("/empty.ko", b"").unwrap();
    assert_eq!(
        starry_kmod::finit_module(empty.as_ref(), b"", 0)
            .unwrap_err()
            .errno,
        Errno::EINVAL
    );
    assert_eq!(
        starry_kmod::finit_module(node.as_ref(), b"", 4)
            .unwrap_err()
            .errno,
        Errno::EINVAL,
        "an uncompressed file with MODULE_INIT_COMPRESSED_FILE: unknown magic"
    );
}

#[test]
fn kallsyms_is_the_executables_own_symbol_table() {
    let _k = kernel();
    let syms = starry_kmod::platform::get().kernel_symbols();
    assert!(syms.len() > 1000, "only {} symbols", syms.len());
    let anchor = starry_kmod::platform::starry_kmod_kallsyms_anchor();
    let s = syms
        .lookup_name("starry_kmod_kallsyms_anchor")
        .expect("anchor in kallsyms");
    assert_eq!(s.addr, anchor, "rebased to the running address");
    assert_eq!(s.kind, b'T');
    assert_eq!(syms.lookup_addr(anchor + 1).unwrap().addr, anchor);
    let printk = syms.lookup_name("starry_kmod_printk").unwrap();
    assert_eq!(Some(printk.addr), starry_kmod::kapi::lookup("printk"));
}

#[test]
fn module_syscalls_need_cap_sys_module() {
    use starry_kmod::platform::Cred;
    use starry_kmod::platform::host::with_cred;
    let _k = kernel();
    let user = Cred::user(1000, 1000);
    // Root in a user namespace without the capability is refused too.
    let no_cap = Cred {
        caps: !(1u64 << Cred::CAP_SYS_MODULE),
        ..Cred::ROOT
    };
    for cred in [user, no_cap] {
        let e = with_cred(cred, || init_module(HELLO.bytes, b"")).unwrap_err();
        assert_eq!(e.errno, Errno::EPERM);
        assert!(module::find("hello").is_none());
    }
    init_module(HELLO.bytes, b"").unwrap();
    let e = with_cred(user, || delete_module("hello", O_NONBLOCK)).unwrap_err();
    assert_eq!(e.errno, Errno::EPERM);
    assert!(module::find("hello").is_some(), "still loaded");
    // Not even the existence of a module leaks: EPERM before ENOENT.
    let e = with_cred(user, || delete_module("nosuch", O_NONBLOCK)).unwrap_err();
    assert_eq!(e.errno, Errno::EPERM);
    delete_module("hello", O_NONBLOCK).unwrap();
}
