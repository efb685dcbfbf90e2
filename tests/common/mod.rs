//! Shared test helpers: one user-mode kernel per test binary, tests
//! serialised (they share its registry), console capture; and, one file
//! each (some also included by benches/ and fuzz/ with `#[path]`), the ELF
//! reader for mutants (`elf`), reading every module file (`look`), and the
//! skip rules for tests that need the sandbox or QEMU (`skip`).
#![allow(dead_code)]

pub mod elf;
pub mod look;
pub mod sign;
pub mod skip;

use std::sync::{Mutex, MutexGuard};

use starry_kmod::vfs::mount_pseudo;
use starry_kmod::{RELEASE, console, platform};
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::rootfs::RootFs;
use starry_sample_modules::SampleModule;

static SERIAL: Mutex<()> = Mutex::new(());

/// The kernel, for one test at a time; checks the test left nothing loaded.
pub struct Kernel {
    _guard: MutexGuard<'static, ()>,
    pub seq: u64,
}

pub fn kernel() -> Kernel {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    platform::host::install();
    Kernel {
        _guard: guard,
        seq: console::next_seq(),
    }
}

impl Drop for Kernel {
    /// A failed test must not leave modules behind for the next one:
    /// unload whatever is left, users before the modules they use.
    fn drop(&mut self) {
        for _ in 0..16 {
            let left = starry_kmod::module::list();
            if left.is_empty() {
                break;
            }
            for m in left.iter().filter(|m| !m.has_holders()) {
                let _ = starry_kmod::delete_module(
                    m.name(),
                    starry_kmod::syscalls::O_NONBLOCK | starry_kmod::syscalls::O_TRUNC,
                );
            }
        }
    }
}

impl Kernel {
    /// Console lines printed since the last call.
    pub fn log(&mut self) -> Vec<String> {
        let recs = console::since(self.seq);
        if let Some(r) = recs.last() {
            self.seq = r.seq + 1;
        }
        recs.into_iter().map(|r| r.text).collect()
    }

    pub fn pages(&self) -> usize {
        platform::get().module_pages_in_use()
    }
}

/// A booted namespace, as a user sees the kernel: the RAM rootfs at `/`
/// (with the given modules in `/lib/modules/<release>/kernel`), sysfs at
/// `/sys`, procfs at `/proc`. Each test adds the file helpers it needs.
pub struct Sys {
    pub ns: Namespace,
    _rootfs: RootFs,
}

pub fn boot(modules: &[SampleModule]) -> Sys {
    let rootfs = RootFs::new(RELEASE).unwrap();
    for m in modules {
        rootfs.add_module(m.name, m.bytes).unwrap();
    }
    let ns = Namespace::new(rootfs.root());
    mount_pseudo(&ns).unwrap();
    Sys {
        ns,
        _rootfs: rootfs,
    }
}

/// Asserts some line contains `needle`.
pub fn assert_logged(lines: &[String], needle: &str) {
    assert!(
        lines.iter().any(|l| l.contains(needle)),
        "no log line contains {needle:?}; log was:\n{}",
        lines.join("\n")
    );
}

/// The permissions column of /proc/self/maps for the mapping holding addr.
pub fn maps_perms(addr: usize) -> String {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let range = f.next().unwrap();
        let perms = f.next().unwrap();
        let (a, b) = range.split_once('-').unwrap();
        let (a, b) = (
            usize::from_str_radix(a, 16).unwrap(),
            usize::from_str_radix(b, 16).unwrap(),
        );
        if addr >= a && addr < b {
            return perms.to_string();
        }
    }
    panic!("{addr:#x} is not mapped");
}
