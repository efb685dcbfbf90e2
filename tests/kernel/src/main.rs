//! An ArceOS kernel hosting starry-kmod with its `arceos` backend: module
//! pages from ax-alloc, protection through ax-mm's kernel address space,
//! flushes from ax-hal, printk on the serial console.
//!
//! It builds for riscv64, x86_64, aarch64 and loongarch64. On boot it
//! builds a RAM rootfs holding that architecture's sample modules under
//! /lib/modules/<release>/, mounts sysfs and procfs, and runs the scenario
//! through the same syscall and VFS APIs as the host tests, printing one
//! `PASS name` / `FAIL name` line per check and `N passed, N failed`; a
//! failure makes QEMU exit non-zero (each machine's exit device).
#![no_std]
#![no_main]

#[macro_use]
extern crate ax_std as std;
extern crate alloc;

mod boot;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use ax_hal::paging::MappingFlags;
use ax_memory_addr::VirtAddr;
use starry_kmod::console;
use starry_kmod::platform::Platform;
use starry_kmod::platform::arceos::{PAGE_TABLE_PROTECTION, module_area};
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::vfs::{finit_path, read_path, write_path};
use starry_kmod::{Errno, RELEASE, delete_module};

use boot::ARCH;
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::pseudo::list_dir;
use starry_kmod_fs::rootfs::RootFs;

/// How far a module's call to the kernel reaches: AArch64 CALL26/JUMP26
/// and LoongArch B26 +-128 MiB, x86_64 PC32/PLT32 and RISC-V auipc+jalr
/// +-2 GiB.
const CALL_REACH: usize = if cfg!(any(target_arch = "aarch64", target_arch = "loongarch64")) {
    128 << 20
} else {
    2 << 30
};

/// Why the page-table checks cannot hold on loongarch64.
const DMW: &str = "loongarch64 module memory is in the direct-map window, which bypasses the page tables (no page-level W^X)";

struct Run {
    ns: Namespace,
    pass: u32,
    fail: u32,
    /// Checks this architecture cannot enforce, reported as such.
    not_enforced: u32,
    seq: u64,
}

impl Run {
    fn check(&mut self, name: &str, ok: bool) {
        if ok {
            self.pass += 1;
            println!("PASS {name}");
        } else {
            self.fail += 1;
            println!("FAIL {name}");
        }
    }

    /// A check of what the page tables enforce: where they do not hold
    /// module memory (loongarch64's direct-map window), it says so
    /// instead of passing or failing.
    fn page_table_check(&mut self, name: &str, ok: bool, why_not: &str) {
        if PAGE_TABLE_PROTECTION {
            self.check(name, ok);
        } else {
            self.not_enforced += 1;
            println!("NOT-ENFORCED {name}: {why_not}");
        }
    }

    fn cat(&self, path: &str) -> String {
        read_path(&self.ns, path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|e| format!("<{}>", e.errno))
    }

    fn insmod(&self, name: &str, args: &str) -> Result<(), Errno> {
        let path = format!("/lib/modules/{RELEASE}/kernel/{name}.ko");
        finit_path(&self.ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
    }

    /// Kernel log lines since the last call.
    fn log(&mut self) -> Vec<String> {
        let recs = console::since(self.seq);
        if let Some(r) = recs.last() {
            self.seq = r.seq + 1;
        }
        recs.into_iter().map(|r| r.text).collect()
    }

    fn logged(&mut self, needle: &str) -> bool {
        self.log().iter().any(|l| l.contains(needle))
    }

    /// The page-table flags of a module section, by its sections/ file.
    fn section_flags(&self, module: &str, section: &str) -> Option<MappingFlags> {
        let addr = self.section_addr(module, section)?;
        ax_mm::kernel_aspace()
            .lock()
            .mapping_flags(VirtAddr::from(addr))
            .ok()
    }
}

/// The module runtime: exact counters from kthreads under every lock, a
/// periodic timer, work queues, delayed work and a sleeping kthread.
#[cfg(target_arch = "riscv64")]
fn runtime(r: &mut Run) {
    let loaded = r.insmod("counters", "threads=3 iters=2000") == Ok(());
    r.check("finit_counters", loaded);
    let exact = r.logged("mutex 6000 spinlock 6000 rwlock 6000 atomic 6000 atomic64 6000");
    r.check("counters_exact_under_locks", exact);
    let stopped = delete_module("counters", O_NONBLOCK).is_ok() && r.logged("results right");
    r.check("counters_kthreads_stopped", stopped);
    let loaded = r.insmod("ticker", "period_ms=10") == Ok(());
    r.check("finit_ticker", loaded);
    let param = |r: &Run, name: &str| -> i64 {
        r.cat(&format!("/sys/module/ticker/parameters/{name}"))
            .trim()
            .parse()
            .unwrap_or(-1)
    };
    let start = ax_hal::time::monotonic_time_nanos();
    while param(r, "works") < 10 && ax_hal::time::monotonic_time_nanos() - start < 5_000_000_000 {
        std::thread::sleep(core::time::Duration::from_millis(20));
    }
    for name in [
        "timer_ticks",
        "works",
        "delayed",
        "system_works",
        "kthread_loops",
    ] {
        let n = param(r, name);
        println!("ticker {name} = {n}");
        r.check(&format!("ticker_{name}_counted"), n >= 5);
    }
    let unloaded = delete_module("ticker", O_NONBLOCK).is_ok() && r.logged("ticker: timer ");
    r.check("ticker_unloaded", unloaded);
}

impl Run {
    /// A module section's load address, by its sections/ file.
    fn section_addr(&self, module: &str, section: &str) -> Option<usize> {
        let text = self.cat(&format!("/sys/module/{module}/sections/{section}"));
        usize::from_str_radix(text.trim().trim_start_matches("0x"), 16).ok()
    }
}

#[unsafe(no_mangle)]
fn main() {
    let (p, ns, rootfs) = boot::start("scenario", main as *const () as usize);
    let area = module_area();
    let mut r = Run {
        ns,
        pass: 0,
        fail: 0,
        not_enforced: 0,
        seq: console::next_seq(),
    };

    // hello: finit_module from the rootfs, init runs, state through sysfs.
    r.check("finit_hello", r.insmod("hello", "") == Ok(()));
    let greeted = r.logged("hello: Hello, world!");
    r.check("hello_init_printed", greeted);
    r.check(
        "hello_initstate_live",
        r.cat("/sys/module/hello/initstate") == "live\n",
    );
    r.check("hello_refcnt_0", r.cat("/sys/module/hello/refcnt") == "0\n");

    // params: arguments, then a write through sysfs the module sees.
    r.check(
        "finit_params_args",
        r.insmod("params", "count=3 whom=qemu") == Ok(()),
    );
    let seen = r.logged("params: init: count=3 verbose=N whom=qemu");
    r.check("params_init_saw_args", seen);
    let count = "/sys/module/params/parameters/count";
    r.check("params_count_3", r.cat(count) == "3\n");
    r.check(
        "params_write_9",
        write_path(&r.ns, count, b"9\n").is_ok() && r.cat(count) == "9\n",
    );
    r.check(
        "params_bad_value_einval",
        write_path(&r.ns, count, b"nine").map_err(|e| e.errno) == Err(Errno::EINVAL),
    );

    // hello_rust: a Rust module with kmod-tools macros.
    r.check(
        "finit_hello_rust",
        r.insmod("hello_rust", "greeting_count=3") == Ok(()),
    );
    let rust = r.logged("Hello from Rust, 3 greeting(s): ferris tux starry");
    r.check("hello_rust_init_printed", rust);

    // Page protections as the MMU sees them.
    let text = r.section_flags("hello_rust", ".text");
    r.page_table_check(
        "text_is_r_x",
        text.is_some_and(|f| f.contains(MappingFlags::EXECUTE) && !f.contains(MappingFlags::WRITE)),
        DMW,
    );
    let rodata = r.section_flags("hello_rust", ".rodata");
    r.page_table_check(
        "rodata_is_r",
        rodata.is_some_and(|f| {
            !f.contains(MappingFlags::EXECUTE) && !f.contains(MappingFlags::WRITE)
        }),
        DMW,
    );
    let data = r.section_flags("hello_rust", ".data");
    r.page_table_check(
        "data_is_rw_nx",
        data.is_some_and(|f| f.contains(MappingFlags::WRITE) && !f.contains(MappingFlags::EXECUTE)),
        DMW,
    );
    // The flags above are the page tables'; they bind only if the module
    // is reached through them: its memory lies in the module area, mapped
    // in the kernel address space (on loongarch64 not in a direct-map
    // window, which bypasses the page tables).
    let text_addr = r.section_addr("hello_rust", ".text").unwrap_or(0);
    let direct_mapped = cfg!(target_arch = "loongarch64") && matches!(text_addr >> 60, 0x8 | 0x9);
    r.page_table_check(
        "wx_enforced_by_page_tables",
        area.contains(VirtAddr::from(text_addr)) && !direct_mapped,
        DMW,
    );
    // Calls between module and kernel reach without trampolines: every
    // loaded section of every module so far is within a branch's reach
    // of kernel code.
    let kernel_fn = main as *const () as usize;
    let mut reach_ok = true;
    for m in ["hello", "params", "hello_rust"] {
        let dir = format!("/sys/module/{m}/sections");
        let names =
            r.ns.lookup(&dir)
                .and_then(|d| list_dir(&d))
                .unwrap_or_default();
        reach_ok &= !names.is_empty();
        for (name, _) in names.iter().filter(|(n, _)| n != "." && n != "..") {
            let addr = r.section_addr(m, name);
            reach_ok &= addr.is_some_and(|a| a.abs_diff(kernel_fn) < CALL_REACH - (1 << 20));
        }
    }
    r.page_table_check(
        "module_text_in_call_reach",
        reach_ok,
        "the direct-map window is out of B26 reach of the kernel: calls to it go through the loader's PLT entries",
    );

    // /proc/modules and the module lines of /proc/kallsyms.
    let modules = r.cat("/proc/modules");
    print!("{modules}");
    r.check(
        "proc_modules_lines",
        modules.lines().count() == 3
            && modules.lines().all(|l| l.contains(" Live 0x"))
            && modules.starts_with("hello_rust "),
    );
    let kallsyms = r.cat("/proc/kallsyms");
    let rust_syms: Vec<&str> = kallsyms
        .lines()
        .filter(|l| l.ends_with("\t[hello_rust]"))
        .collect();
    for l in rust_syms.iter().take(3) {
        println!("{l}");
    }
    r.check(
        "kallsyms_demangled_rust",
        rust_syms
            .iter()
            .any(|l| l.contains(" hello_rust::cleanup_module\t")),
    );
    // The kernel's own functions, embedded in the image by the build's
    // kallsyms step, demangled.
    r.check(
        "kallsyms_kernel_text",
        kallsyms
            .lines()
            .any(|l| l.contains(" T ") && l.contains(" starry_kmod::loader::")),
    );
    let sections =
        r.ns.lookup("/sys/module/params/sections")
            .and_then(|d| list_dir(&d))
            .map(|l| l.len())
            .unwrap_or(0);
    r.check("sysfs_sections_listed", sections >= 4);

    // provider/consumer: the dependency holds the provider.
    r.check("finit_provider", r.insmod("provider", "") == Ok(()));
    r.check("finit_consumer", r.insmod("consumer", "") == Ok(()));
    let added = r.logged("consumer: 2 + 3 = 5");
    r.check("consumer_called_provider", added);
    r.check(
        "provider_refcnt_1",
        r.cat("/sys/module/provider/refcnt") == "1\n",
    );
    r.check(
        "provider_unload_refused",
        delete_module("provider", O_NONBLOCK).map_err(|e| e.errno) == Err(Errno::EWOULDBLOCK),
    );
    let loaded = r.insmod("consumer_rust", "") == Ok(());
    let summed = r.logged("triangle(4) = 10");
    r.check("consumer_rust_uses_c_export", loaded && summed);
    r.check(
        "proprietary_refused",
        r.insmod("proprietary", "") == Err(Errno::ENOENT),
    );
    r.check(
        "initfail_enodev",
        r.insmod("initfail", "") == Err(Errno::ENODEV),
    );

    // Files modules publish, read and written from kernel code: a /proc
    // file (seq_file and a write buffer), a sysfs attribute, a debugfs
    // value; all gone after the unload.
    r.check(
        "finit_procfiles",
        r.insmod("procfiles", "records=5") == Ok(()),
    );
    let records: String = (0..5u64)
        .map(|i| format!("record {i}: square {}\n", i * i))
        .collect();
    r.check(
        "proc_seq_file_read",
        r.cat("/proc/procfiles/records") == records,
    );
    let buffer = "/proc/procfiles/buffer";
    r.check(
        "proc_file_write_read",
        write_path(&r.ns, buffer, b"from the kernel\n").is_ok()
            && r.cat(buffer) == "from the kernel\n",
    );
    r.check("finit_sysfsobj", r.insmod("sysfsobj", "") == Ok(()));
    let value = "/sys/kernel/sysfsobj/value";
    r.check("sysfs_attr_show", r.cat(value) == "7\n");
    r.check(
        "sysfs_attr_store",
        write_path(&r.ns, value, b"21\n").is_ok()
            && r.cat("/sys/kernel/sysfsobj/stats/twice") == "21 x 2 = 42\n",
    );
    r.check(
        "sysfs_store_error",
        write_path(&r.ns, value, b"x").map_err(|e| e.errno) == Err(Errno::EINVAL),
    );
    r.check("finit_debugfsobj", r.insmod("debugfsobj", "") == Ok(()));
    let count = "/sys/kernel/debug/debugfsobj/count";
    r.check(
        "debugfs_u32_read_write",
        r.cat(count) == "42\n"
            && write_path(&r.ns, count, b"0x10").is_ok()
            && r.cat(count) == "16\n",
    );
    let mut gone = true;
    for m in ["debugfsobj", "sysfsobj", "procfiles"] {
        gone &= delete_module(m, O_NONBLOCK).is_ok();
    }
    let log = r.log();
    let said = |needle: &str| log.iter().any(|l| l.contains(needle));
    let exits = said("sysfsobj: all removed") && said("debugfsobj: count was 16 at exit");
    r.check(
        "published_files_removed",
        gone && exits
            && r.ns.lookup("/proc/procfiles").is_err()
            && r.ns.lookup("/sys/kernel/sysfsobj").is_err()
            && r.ns.lookup("/sys/kernel/debug/debugfsobj").is_err(),
    );

    // The module runtime: kthreads, a timer and work queues from samples,
    // on ArceOS tasks, wait queues and the HAL's clock (checked on
    // riscv64; the other architectures' runs skip it for now).
    #[cfg(target_arch = "riscv64")]
    runtime(&mut r);

    // Unload everything, users first.
    let mut unloaded = true;
    for m in [
        "consumer_rust",
        "consumer",
        "provider",
        "hello_rust",
        "params",
        "hello",
    ] {
        unloaded &= delete_module(m, O_NONBLOCK).is_ok();
    }
    r.check("unload_all", unloaded);
    let exit_saw_write = r.logged("params: exit: count=9");
    r.check("params_exit_saw_sysfs_write", exit_saw_write);
    r.check("proc_modules_empty", r.cat("/proc/modules").is_empty());
    r.check("pages_returned", p.module_pages_in_use() == 0);

    trusted_modules(&mut r, p, &rootfs);

    if r.not_enforced > 0 {
        println!("{} not enforced on {ARCH}", r.not_enforced);
    }
    println!("{} passed, {} failed", r.pass, r.fail);
    if r.fail > 0 {
        fail_exit();
    }
    #[cfg(target_arch = "loongarch64")]
    power_off();
}

/// Trusted modules (last: enforcement, once on, stays on): the build's
/// certificates built in, module.sig_enforce switched on through sysfs;
/// the unsigned hello is refused, the signed one loads, and so does the
/// signed one xz-compressed, decompressed in the kernel.
fn trusted_modules(r: &mut Run, p: &dyn Platform, rootfs: &RootFs) {
    use starry_kmod::signature;
    use starry_kmod::syscalls::MODULE_INIT_COMPRESSED_FILE;
    use starry_sample_modules::kernel::{SIGNED_HELLO, SIGNED_HELLO_XZ};

    let keys = signature::init_module_signing(starry_sample_modules::signing::CERTS);
    r.check("sig_builtin_keys", keys.len() == 2);
    let enforce = "/sys/module/module/parameters/sig_enforce";
    r.check(
        "sig_enforce_on",
        r.cat(enforce) == "N\n"
            && write_path(&r.ns, enforce, b"1\n").is_ok()
            && r.cat(enforce) == "Y\n",
    );
    r.check(
        "sig_enforce_never_off",
        write_path(&r.ns, enforce, b"0\n").map_err(|e| e.errno) == Err(Errno::EROFS),
    );
    r.check(
        "sig_unsigned_refused",
        r.insmod("hello", "") == Err(Errno::EKEYREJECTED),
    );
    let said = r.logged("Loading of unsigned module is rejected");
    r.check("sig_unsigned_said", said);
    let files = rootfs.add_file("/hello-signed.ko", SIGNED_HELLO).is_ok()
        && rootfs
            .add_file("/hello-signed.ko.xz", SIGNED_HELLO_XZ)
            .is_ok();
    let taint = |r: &Run| r.cat("/sys/module/hello/taint");
    let signed = files && finit_path(&r.ns, "/hello-signed.ko", b"", 0).is_ok();
    r.check(
        "sig_signed_loads",
        signed && taint(r) == "\n" && delete_module("hello", O_NONBLOCK).is_ok(),
    );
    let xz = files
        && finit_path(
            &r.ns,
            "/hello-signed.ko.xz",
            b"",
            MODULE_INIT_COMPRESSED_FILE,
        )
        .is_ok();
    r.check(
        "sig_compressed_signed_loads",
        xz && taint(r) == "\n" && delete_module("hello", O_NONBLOCK).is_ok(),
    );
    r.check("sig_pages_returned", p.module_pages_in_use() == 0);
}

/// Powers off with a failure status (QEMU virt's test finisher at PA
/// 0x100000: 0x3333 | code << 16).
#[cfg(target_arch = "riscv64")]
fn fail_exit() {
    match ax_mm::iomap(ax_hal::mem::PhysAddr::from(0x10_0000usize), 0x1000) {
        // SAFETY: the finisher's MMIO register, just mapped.
        Ok(va) => unsafe { (va.as_usize() as *mut u32).write_volatile(0x3333 | (1 << 16)) },
        Err(e) => println!("cannot map the test finisher: {e:?}"),
    }
}

/// Exits QEMU with status 3 through `-device isa-debug-exit,iobase=0xf4`
/// (QEMU exits with `value << 1 | 1`).
#[cfg(target_arch = "x86_64")]
fn fail_exit() {
    // SAFETY: a port write to QEMU's debug-exit device; QEMU stops here.
    unsafe { core::arch::asm!("out dx, eax", in("dx") 0xf4u16, in("eax") 1u32) };
}

/// Writes out what the console still buffers, before QEMU stops.
#[cfg(target_arch = "loongarch64")]
fn flush_console() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// Exits QEMU with status 1 through Arm semihosting's SYS_EXIT (needs
/// `-semihosting-config enable=on,target=native`).
#[cfg(target_arch = "aarch64")]
fn fail_exit() {
    // ADP_Stopped_ApplicationExit, exit code 1.
    let block: [u64; 2] = [0x20026, 1];
    // SAFETY: the semihosting call reads the two-word block and exits QEMU.
    unsafe {
        core::arch::asm!("hlt #0xf000", in("x0") 0x18u64, in("x1") block.as_ptr() as u64, options(nostack))
    };
}

/// QEMU's loongarch64 virt board has no exit device: a pvpanic-pci device
/// (`-device pvpanic-pci -action panic=exit-failure`) makes QEMU exit with
/// status 1. It is found on PCI bus 0 (ECAM at 0x2000_0000) and its BAR
/// given an address in the PCI memory window if firmware left it unset.
#[cfg(target_arch = "loongarch64")]
fn fail_exit() {
    flush_console();
    const ECAM: usize = 0x2000_0000;
    const BAR: usize = 0x4000_0000 + 0x3ff_0000;
    let cfg = match ax_mm::iomap(ax_hal::mem::PhysAddr::from(ECAM), 32 << 15) {
        Ok(va) => va.as_usize(),
        Err(e) => return println!("cannot map PCI config space: {e:?}"),
    };
    for dev in 0..32usize {
        let f = cfg + (dev << 15);
        // SAFETY: config space of bus 0, just mapped; reads of absent
        // functions return all ones.
        let id = unsafe { (f as *const u32).read_volatile() };
        if id != 0x0011_1b36 {
            continue; // not Red Hat's pvpanic-pci (1b36:0011)
        }
        // SAFETY: the device's own config registers (BAR0, command).
        let pa = unsafe {
            let bar = ((f + 0x10) as *const u32).read_volatile() & !0xf;
            if bar == 0 {
                ((f + 0x10) as *mut u32).write_volatile(BAR as u32);
            }
            let cmd = ((f + 4) as *const u16).read_volatile();
            ((f + 4) as *mut u16).write_volatile(cmd | 0x2);
            if bar == 0 { BAR } else { bar as usize }
        };
        match ax_mm::iomap(ax_hal::mem::PhysAddr::from(pa), 0x1000) {
            // SAFETY: the pvpanic register, just mapped: 1 = panicked.
            Ok(va) => unsafe { (va.as_usize() as *mut u8).write_volatile(1) },
            Err(e) => println!("cannot map pvpanic: {e:?}"),
        }
        return;
    }
    println!("no pvpanic-pci device");
}

/// ArceOS's loongarch64 power-off needs UEFI runtime services: write
/// SLP_TYP=S5 | SLP_EN to the ACPI GED sleep control register of QEMU's
/// virt board (PA 0x100e_001c) instead.
#[cfg(target_arch = "loongarch64")]
fn power_off() {
    flush_console();
    match ax_mm::iomap(ax_hal::mem::PhysAddr::from(0x100e_0000usize), 0x1000) {
        // SAFETY: the GED register, just mapped; QEMU powers off.
        Ok(va) => unsafe { ((va.as_usize() + 0x1c) as *mut u8).write_volatile((5 << 2) | 0x20) },
        Err(e) => println!("cannot map the ACPI GED: {e:?}"),
    }
}
