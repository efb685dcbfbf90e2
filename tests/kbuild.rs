//! The Kbuild directory, as a module author uses it: a module source tree
//! with its own Linux-style Makefile (tests/kbuild/modules: two
//! single-file modules, one in a subdirectory, a multi-file module, a
//! module using another's export) built with `make` against
//! `starry_sample_modules::KBUILD_DIR` for x86_64 and riscv64, loaded and
//! unloaded; modpost's diagnostics (tests/kbuild/broken); modules_install
//! into INSTALL_MOD_PATH with depmod; the kernel's Module.symvers.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::skip::{Needs, runs};
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::{RELEASE, VERMAGIC, delete_module, init_module, kapi};
use starry_sample_modules::KBUILD_DIR;

/// A fresh copy of a tree of tests/kbuild/ in a scratch directory.
fn copy_tree(name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/kbuild")
        .join(name);
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dst = std::env::temp_dir().join(format!(
        "starry-kbuild-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dst);
    let st = Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&dst)
        .status()
        .unwrap();
    assert!(st.success());
    dst
}

/// `make` in `dir` (its own Makefile) with KDIR and extra arguments.
fn make(dir: &Path, args: &[&str]) -> Output {
    Command::new("make")
        .arg("-C")
        .arg(dir)
        .arg(format!("KDIR={KBUILD_DIR}"))
        .args(args)
        .env_remove("MAKEFLAGS")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The `.modinfo` entries of a `.ko`.
fn modinfo(ko: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .args(["-p", ".modinfo"])
        .arg(ko)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("]  ").map(|(_, v)| v.to_string()))
        .collect()
}

#[test]
fn kernel_symvers_lists_the_kernels_exports() {
    let text = fs::read_to_string(Path::new(KBUILD_DIR).join("Module.symvers")).unwrap();
    let listed: BTreeSet<&str> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l:?}");
            assert_eq!(
                (f[0], f[2], f[3]),
                ("0x00000000", "vmlinux", "EXPORT_SYMBOL")
            );
            f[1]
        })
        .collect();
    let exported: BTreeSet<&str> = kapi::exports().map(|(n, _)| n).collect();
    assert_eq!(listed, exported);
}

#[test]
fn a_linux_style_tree_builds_and_loads() {
    let mut k = common::kernel();
    let dir = copy_tree("modules");
    let out = make(&dir, &["-j2"]);
    assert!(out.status.success(), "make failed:\n{}", text(&out));
    let log = text(&out);
    for line in ["  CC [M]  ", "  MODPOST ", "  LD [M]  "] {
        assert!(log.contains(line), "no {line:?} in:\n{log}");
    }
    // modpost: depends= from the export user.ko uses; version and release agree.
    let user = modinfo(&dir.join("user.ko"));
    assert!(user.contains(&"depends=greet".to_string()), "{user:?}");
    assert!(user.contains(&format!("vermagic={VERMAGIC}")), "{user:?}");
    assert!(user.contains(&"name=user".to_string()), "{user:?}");
    let greet = modinfo(&dir.join("greet.ko"));
    assert!(
        greet.iter().any(|e| e.starts_with("srcversion=")),
        "{greet:?}"
    );
    assert!(greet.contains(&"depends=".to_string()), "{greet:?}");
    let symvers = fs::read_to_string(dir.join("Module.symvers")).unwrap();
    assert_eq!(symvers, "0x00000000\tgreet\tgreet\tEXPORT_SYMBOL\t\n");

    let ko = |p: &str| fs::read(dir.join(p)).unwrap();
    init_module(&ko("greet.ko"), b"").unwrap();
    init_module(&ko("user.ko"), b"").unwrap();
    init_module(&ko("startstop.ko"), b"").unwrap();
    init_module(&ko("sub/counter.ko"), b"start=5").unwrap();
    let (a, b, c) = {
        let n: Vec<u32> = RELEASE
            .split(['.', '-'])
            .take(3)
            .map(|x| x.parse().unwrap())
            .collect();
        (n[0], n[1], n[2])
    };
    let code = (a << 16) + (b << 8) + c;
    // Built with M=, they are out of tree (no intree=Y): the kernel says so.
    let log = k.log();
    assert_eq!(log[0], "greet: loading out-of-tree module taints kernel.");
    let log: Vec<String> = log
        .into_iter()
        .filter(|l| !l.ends_with("out-of-tree module taints kernel."))
        .collect();
    assert_eq!(
        log,
        [
            format!("greet: init (greet, version code {code})"),
            "hello from kbuild, user".to_string(),
            "user: greet returned 1".to_string(),
            "startstop: start (start in startstop)".to_string(),
            "counter: start=5".to_string(),
        ]
    );
    for m in ["counter", "startstop", "user", "greet"] {
        delete_module(m, O_NONBLOCK).unwrap();
    }
    assert_eq!(
        k.log(),
        [
            "counter: exit at 5",
            "startstop: stop (stop in startstop)",
            "user: exit",
            "greet: exit after 1 greetings",
        ]
    );
    // clean removes what the build wrote, and nothing else.
    let out = make(&dir, &["clean"]);
    assert!(out.status.success(), "{}", text(&out));
    for gone in [
        "greet.ko",
        "greet.o",
        "greet.mod.c",
        "sub/counter.ko",
        "Module.symvers",
        "modules.order",
    ] {
        assert!(!dir.join(gone).exists(), "{gone} left after clean");
    }
    assert!(dir.join("greet.c").exists() && dir.join("sub/Kbuild").exists());
    fs::remove_dir_all(&dir).unwrap();
}

/// The README's cargo template, outside sample-modules: a crate of its own
/// (tests/kbuild/rust: Makefile, Cargo.toml, Cargo.lock, src/lib.rs) built
/// with `make` through the same Makefile and modpost, loaded, unloaded.
#[test]
fn a_rust_module_from_its_own_tree_builds_and_loads() {
    let mut k = common::kernel();
    let dir = copy_tree("rust");
    let out = make(&dir, &[]);
    let log = text(&out);
    assert!(out.status.success(), "make failed:\n{log}");
    for line in ["  CARGO   ", "  MODPOST ", "  LD [M]  "] {
        assert!(log.contains(line), "no {line:?} in:\n{log}");
    }
    // Nothing but Kbuild's own lines (no nm or ld chatter).
    let noise: Vec<&str> = log
        .lines()
        .filter(|l| !l.starts_with("  ") && !l.starts_with("make"))
        .collect();
    assert!(noise.is_empty(), "{noise:?} in:\n{log}");
    let ko = dir.join("ferris.ko");
    let info = modinfo(&ko);
    for want in [
        "name=ferris".to_string(),
        "license=GPL".to_string(),
        "version=0.1.0".to_string(),
        "depends=".to_string(),
        format!("vermagic={VERMAGIC}"),
    ] {
        assert!(info.contains(&want), "{want} not in {info:?}");
    }
    assert!(
        info.iter().any(|e| e.starts_with("srcversion=")),
        "{info:?}"
    );
    init_module(&fs::read(&ko).unwrap(), b"").unwrap();
    let log: Vec<String> = k
        .log()
        .into_iter()
        .filter(|l| !l.ends_with("out-of-tree module taints kernel."))
        .collect();
    assert_eq!(log, ["ferris: 21 crabs, 0xc0de"]);
    delete_module("ferris", O_NONBLOCK).unwrap();
    assert_eq!(k.log(), ["ferris: bye"]);
    assert_eq!(k.pages(), 0);
    let out = make(&dir, &["clean"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!ko.exists() && dir.join("src/lib.rs").exists());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn modules_install_installs_and_runs_depmod() {
    let dir = copy_tree("modules");
    let out = make(&dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let root = dir.join("root");
    let out = make(
        &dir,
        &["install", &format!("INSTALL_MOD_PATH={}", root.display())],
    );
    assert!(out.status.success(), "{}", text(&out));
    let modlib = root.join("lib/modules").join(RELEASE);
    for f in [
        "extra/greet.ko",
        "extra/user.ko",
        "extra/startstop.ko",
        "extra/sub/counter.ko",
    ] {
        assert!(
            modlib.join(f).is_file(),
            "{f} not installed:\n{}",
            text(&out)
        );
    }
    if runs("depmod") || Path::new("/usr/sbin/depmod").exists() {
        let dep = fs::read_to_string(modlib.join("modules.dep")).unwrap();
        assert!(
            dep.lines().any(|l| l == "extra/user.ko: extra/greet.ko"),
            "{dep}"
        );
        assert!(modlib.join("modules.dep.bin").is_file());
    }
    // INSTALL_MOD_DIR chooses the directory under the release.
    let out = make(
        &dir,
        &[
            "install",
            &format!("INSTALL_MOD_PATH={}", root.display()),
            "INSTALL_MOD_DIR=updates",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(modlib.join("updates/sub/counter.ko").is_file());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn modpost_refuses_a_missing_licence_and_undefined_symbols() {
    let dir = copy_tree("broken");
    let out = make(&dir, &[]);
    let log = text(&out);
    assert!(!out.status.success(), "the build must fail:\n{log}");
    assert!(
        log.contains("ERROR: modpost: missing MODULE_LICENSE() in nolicense.o"),
        "{log}"
    );
    assert!(
        log.contains("ERROR: modpost: \"no_such_function\" [undefined.ko] undefined!"),
        "{log}"
    );
    assert!(!dir.join("undefined.ko").exists());
    // KBUILD_MODPOST_WARN=1 makes them warnings, as in Linux.
    let out = Command::new("make")
        .arg("-C")
        .arg(KBUILD_DIR)
        .arg(format!("M={}", dir.display()))
        .arg("KBUILD_MODPOST_WARN=1")
        .env_remove("MAKEFLAGS")
        .output()
        .unwrap();
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("WARNING: modpost: missing MODULE_LICENSE() in nolicense.o"),
        "{log}"
    );
    assert!(dir.join("undefined.ko").is_file());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_tree_builds_for_riscv64_with_cross_compile() {
    if !runs("riscv64-linux-gnu-gcc") {
        return Needs::Qemu.skip("riscv64-linux-gnu-gcc is not installed (gcc-riscv64-linux-gnu)");
    }
    let dir = copy_tree("modules");
    let out = make(
        &dir,
        &["ARCH=riscv", "CROSS_COMPILE=riscv64-linux-gnu-", "V=1"],
    );
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    // V=1 shows the commands: the cross compiler with Kbuild's flags.
    assert!(
        log.contains("riscv64-linux-gnu-gcc ") && log.contains("-mcmodel=medany"),
        "{log}"
    );
    assert!(
        log.contains("-nostdinc") && log.contains("-DKBUILD_MODNAME='\"user\"'"),
        "{log}"
    );
    for ko in ["greet.ko", "user.ko", "startstop.ko", "sub/counter.ko"] {
        let bytes = fs::read(dir.join(ko)).unwrap();
        // e_machine 243: EM_RISCV; ET_REL.
        assert_eq!(u16::from_le_bytes([bytes[18], bytes[19]]), 243, "{ko}");
        assert_eq!(u16::from_le_bytes([bytes[16], bytes[17]]), 1, "{ko}");
    }
    assert!(modinfo(&dir.join("user.ko")).contains(&"depends=greet".to_string()));
    fs::remove_dir_all(&dir).unwrap();
}
