//! The subsystem in a real kernel, on every architecture StarryOS runs
//! modules on: builds the ArceOS kernel of tests/kernel (the `arceos`
//! backend, that architecture's sample modules in its rootfs) for riscv64,
//! x86_64, aarch64 and loongarch64 in one cargo invocation, boots each
//! under QEMU and checks every PASS line of its scenario and its clean
//! power-off. One test per architecture.
//!
//! A test is skipped with a message when its QEMU, firmware or compilers
//! are missing, unless STARRY_KMOD_REQUIRE_QEMU=1 (set by CI).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::skip::Needs;

/// The checks the kernel must report as PASS (its scenario).
/// The module runtime's checks (kthreads, locks, a timer, work queues
/// from the `counters` and `ticker` samples): the riscv64 kernel runs them.
const RUNTIME_CHECKS: &[&str] = &[
    "finit_counters",
    "counters_exact_under_locks",
    "counters_kthreads_stopped",
    "finit_ticker",
    "ticker_timer_ticks_counted",
    "ticker_works_counted",
    "ticker_delayed_counted",
    "ticker_system_works_counted",
    "ticker_kthread_loops_counted",
    "ticker_unloaded",
];

const CHECKS: &[&str] = &[
    "finit_hello",
    "hello_init_printed",
    "hello_initstate_live",
    "hello_refcnt_0",
    "finit_params_args",
    "params_init_saw_args",
    "params_count_3",
    "params_write_9",
    "params_bad_value_einval",
    "finit_hello_rust",
    "hello_rust_init_printed",
    "text_is_r_x",
    "rodata_is_r",
    "data_is_rw_nx",
    "wx_enforced_by_page_tables",
    "module_text_in_call_reach",
    "proc_modules_lines",
    "kallsyms_demangled_rust",
    "kallsyms_kernel_text",
    "sysfs_sections_listed",
    "finit_provider",
    "finit_consumer",
    "consumer_called_provider",
    "provider_refcnt_1",
    "provider_unload_refused",
    "consumer_rust_uses_c_export",
    "proprietary_refused",
    "initfail_enodev",
    "finit_procfiles",
    "proc_seq_file_read",
    "proc_file_write_read",
    "finit_sysfsobj",
    "sysfs_attr_show",
    "sysfs_attr_store",
    "sysfs_store_error",
    "finit_debugfsobj",
    "debugfs_u32_read_write",
    "published_files_removed",
    "unload_all",
    "params_exit_saw_sysfs_write",
    "proc_modules_empty",
    "pages_returned",
    "sig_builtin_keys",
    "sig_enforce_on",
    "sig_enforce_never_off",
    "sig_unsigned_refused",
    "sig_unsigned_said",
    "sig_signed_loads",
    "sig_compressed_signed_loads",
    "sig_pages_returned",
];

/// One architecture the kernel is built and booted for.
struct Arch {
    name: &'static str,
    target: &'static str,
    qemu: &'static str,
    /// What must be there besides QEMU (commands run with `--version`, or
    /// files), with the Debian package or PyPI module that brings each.
    needs: &'static [(&'static str, &'static str)],
    /// Whether the page tables hold module memory (W^X enforced, modules
    /// within branch reach); if not, the kernel reports `PAGE_TABLE_CHECKS`
    /// as `NOT-ENFORCED name: why` lines instead of passing them.
    page_tables: bool,
}

/// The checks of CHECKS that only page-table-mapped module memory can pass.
const PAGE_TABLE_CHECKS: &[&str] = &[
    "text_is_r_x",
    "rodata_is_r",
    "data_is_rw_nx",
    "wx_enforced_by_page_tables",
    "module_text_in_call_reach",
];

const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

const RISCV64: Arch = Arch {
    name: "riscv64",
    target: "riscv64gc-unknown-none-elf",
    qemu: "qemu-system-riscv64",
    needs: &[("riscv64-linux-gnu-gcc", "gcc-riscv64-linux-gnu")],
    page_tables: true,
};
const X86_64: Arch = Arch {
    name: "x86_64",
    target: "x86_64-unknown-none",
    qemu: "qemu-system-x86_64",
    needs: &[(OVMF_CODE, "ovmf"), (OVMF_VARS, "ovmf")],
    page_tables: true,
};
const AARCH64: Arch = Arch {
    name: "aarch64",
    target: "aarch64-unknown-none-softfloat",
    qemu: "qemu-system-aarch64",
    needs: &[("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu")],
    page_tables: true,
};
const LOONGARCH64: Arch = Arch {
    name: "loongarch64",
    target: "loongarch64-unknown-none-softfloat",
    qemu: "qemu-system-loongarch64",
    needs: &[
        ("loongarch64-linux-gnu-gcc", "ziglang (PyPI), via .ci/bin"),
        ("dtc", "device-tree-compiler"),
        (LIBCLANG_16, "libclang1-16 (bindgen for loongarch64)"),
    ],
    // Module memory in the direct-map window, as StarryOS does there: ax-mm
    // mappings in the kernel address space do not reliably reach their
    // frames on QEMU 7.2's loongarch64 virt board (README).
    page_tables: false,
};
const ALL: [&Arch; 4] = [&RISCV64, &X86_64, &AARCH64, &LOONGARCH64];

/// A libclang that knows LoongArch (Debian 12's default is clang 14).
const LIBCLANG_16: &str = "/usr/lib/llvm-16/lib/libclang.so.1";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// PATH with .ci/bin first: the stand-ins for the `<arch>-linux-musl-gcc`
/// lwprintf-rs calls and the loongarch64 compiler.
fn path() -> String {
    format!(
        "{}:{}",
        root().join(".ci/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// What is missing to build and boot `arch`, if anything.
fn missing(arch: &Arch) -> Option<String> {
    let qemu_pkg = match arch.name {
        "riscv64" | "loongarch64" => "qemu-system-misc",
        "x86_64" => "qemu-system-x86",
        _ => "qemu-system-arm",
    };
    std::iter::once((arch.qemu, qemu_pkg))
        .chain(arch.needs.iter().copied())
        .find(|(what, _)| {
            if what.starts_with('/') {
                !Path::new(what).exists()
            } else {
                !Command::new(what)
                    .arg("--version")
                    .env("PATH", path())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            }
        })
        .map(|(what, from)| format!("{what} is missing (install {from})"))
}

/// The kernels of tests/kernel: the scenario, and the Oops boot.
const BINS: [&str; 2] = ["starry-kmod-kernel", "starry-kmod-oops"];

/// Builds the kernel for every architecture that has what it needs, in
/// one cargo invocation (build scripts and host crates are shared, and
/// cargo spreads the targets over the cores). Its own toolchain file,
/// flags and lock file apply.
fn build_all() -> &'static Result<(), String> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = root().join("tests/kernel");
        let mut cmd = Command::new("cargo");
        // A clean environment: the outer cargo's variables must not leak
        // into the bare-metal build (its own .cargo/config.toml sets the flags).
        for (k, _) in std::env::vars() {
            if k.starts_with("CARGO") || k.starts_with("RUSTC") || k.starts_with("RUSTFLAGS") {
                cmd.env_remove(k);
            }
        }
        cmd.current_dir(&dir)
            .env("PATH", path())
            .args(["build", "--release", "--locked"]);
        let mut names = Vec::new();
        for arch in ALL.iter().filter(|a| missing(a).is_none()) {
            cmd.args(["--target", arch.target]);
            names.push(arch.name);
        }
        if names.contains(&"loongarch64") && std::env::var_os("LIBCLANG_PATH").is_none() {
            cmd.env("LIBCLANG_PATH", Path::new(LIBCLANG_16).parent().unwrap());
        }
        let t = Instant::now();
        let out = cmd.output().map_err(|e| format!("cargo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "building the kernel for {names:?} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        // Linux's kallsyms step: the linked kernels get their own symbol
        // table written into their image.
        for arch in ALL.iter().filter(|a| names.contains(&a.name)) {
            for bin in BINS {
                let path = dir
                    .join("target")
                    .join(arch.target)
                    .join("release")
                    .join(bin);
                let mut elf = std::fs::read(&path).map_err(|e| format!("{path:?}: {e}"))?;
                starry_kmod::kallsyms_image::embed(&mut elf)
                    .map_err(|e| format!("kallsyms for {path:?}: {e}"))?;
                std::fs::write(&path, elf).map_err(|e| format!("{path:?}: {e}"))?;
            }
        }
        eprintln!(
            "kernels for {names:?} built in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        Ok(())
    })
}

/// The kernel's loadable bytes as `objcopy -O binary` lays them out (from
/// the lowest PT_LOAD address), that address and the entry point.
fn flat_image(elf: &[u8]) -> (Vec<u8>, u64, u64) {
    use common::elf::{u16_at, u32_at, u64_at};
    let entry = u64_at(elf, 0x18);
    let phoff = u64_at(elf, 0x20) as usize;
    let (phentsize, phnum) = (u16_at(elf, 0x36) as usize, u16_at(elf, 0x38) as usize);
    let loads: Vec<(u64, usize, usize)> = (0..phnum)
        .map(|i| phoff + i * phentsize)
        .filter(|&ph| u32_at(elf, ph) == 1)
        .map(|ph| {
            (
                u64_at(elf, ph + 0x10),
                u64_at(elf, ph + 0x08) as usize,
                u64_at(elf, ph + 0x20) as usize,
            )
        })
        .collect();
    let base = loads.iter().map(|l| l.0).min().expect("no PT_LOAD");
    let end = loads
        .iter()
        .filter(|l| l.2 > 0)
        .map(|l| (l.0 - base) as usize + l.2)
        .max()
        .unwrap();
    let mut image = vec![0u8; end];
    for (vaddr, off, filesz) in loads {
        let at = (vaddr - base) as usize;
        image[at..at + filesz].copy_from_slice(&elf[off..off + filesz]);
    }
    (image, base, entry)
}

/// QEMU 7.2's loongarch64 virt machine passes its DTB without /memory
/// nodes and boots an ELF without boot arguments: the DTB gets the RAM
/// (below the 256 MiB I/O hole from 2 MiB, and above it at 0x9000_0000).
fn loongarch_dtb(work: &Path, mem_mib: u64) -> PathBuf {
    let raw = work.join("qemu.dtb");
    let _ = Command::new("qemu-system-loongarch64")
        .arg("-machine")
        .arg(format!("virt,dumpdtb={}", raw.display()))
        .args(["-cpu", "la464", "-m", &format!("{mem_mib}M"), "-nographic"])
        .stdin(Stdio::null())
        .output()
        .expect("qemu-system-loongarch64");
    let dts = Command::new("dtc")
        .args(["-q", "-I", "dtb", "-O", "dts"])
        .arg(&raw)
        .output()
        .expect("dtc");
    let dts = String::from_utf8(dts.stdout).unwrap();
    let high = (mem_mib - 256) << 20;
    let memory = format!(
        "\tmemory@200000 {{\n\t\tdevice_type = \"memory\";\n\t\treg = <0x00 0x200000 0x00 0xfe00000>;\n\t}};\n\n\
         \tmemory@90000000 {{\n\t\tdevice_type = \"memory\";\n\t\treg = <0x00 0x90000000 0x00 {high:#x}>;\n\t}};\n\n"
    );
    let at = dts
        .find("\tchosen {")
        .expect("a /chosen node in QEMU's DTB");
    let src = work.join("mem.dts");
    std::fs::write(&src, format!("{}{memory}{}", &dts[..at], &dts[at..])).unwrap();
    let dtb = work.join("mem.dtb");
    let st = Command::new("dtc")
        .args(["-q", "-I", "dts", "-O", "dtb", "-o"])
        .arg(&dtb)
        .arg(&src)
        .status()
        .expect("dtc");
    assert!(st.success(), "dtc failed");
    dtb
}

/// Five LoongArch instructions: a0 = -2 (the kernel's "a1 is an FDT"
/// convention), a1 = the DTB's address, jump to the entry point.
fn loongarch_stub(entry: u32, dtb: u32) -> Vec<u8> {
    let (a0, a1, t0, zero) = (4u32, 5u32, 12u32, 0u32);
    let lu12i_w = |rd: u32, si20: u32| 0x1400_0000 | ((si20 & 0xf_ffff) << 5) | rd;
    let ori = |rd: u32, rj: u32, ui12: u32| 0x0380_0000 | ((ui12 & 0xfff) << 10) | (rj << 5) | rd;
    let addi_d = |rd: u32, rj: u32, si12: i32| {
        0x02c0_0000 | (((si12 as u32) & 0xfff) << 10) | (rj << 5) | rd
    };
    let jirl = |rd: u32, rj: u32| 0x4c00_0000 | (rj << 5) | rd;
    [
        addi_d(a0, zero, -2),
        lu12i_w(a1, dtb >> 12),
        lu12i_w(t0, entry >> 12),
        ori(t0, t0, entry & 0xfff),
        jirl(zero, t0),
    ]
    .iter()
    .flat_map(|i| i.to_le_bytes())
    .collect()
}

/// The QEMU command line that boots `kernel` (the ELF) on `arch`; files it
/// needs go to `work`.
fn qemu_command(arch: &Arch, kernel: &Path, work: &Path) -> Command {
    let mut cmd = Command::new(arch.qemu);
    cmd.args(["-nographic", "-nic", "none", "-smp", "1"]);
    let elf = std::fs::read(kernel).unwrap();
    match arch.name {
        "riscv64" => {
            cmd.args(["-machine", "virt", "-bios", "default", "-m", "512M"])
                .arg("-kernel")
                .arg(kernel);
        }
        "x86_64" => {
            // The kernel is an EFI application (no multiboot header, no
            // PVH note for -kernel): OVMF boots it from a FAT directory.
            let boot = work.join("esp/EFI/BOOT");
            std::fs::create_dir_all(&boot).unwrap();
            std::fs::write(boot.join("BOOTX64.EFI"), flat_image(&elf).0).unwrap();
            let vars = work.join("ovmf_vars.fd");
            std::fs::copy(OVMF_VARS, &vars).unwrap();
            cmd.args(["-machine", "q35", "-cpu", "max", "-m", "512M"])
                .arg("-drive")
                .arg(format!("if=pflash,format=raw,readonly=on,file={OVMF_CODE}"))
                .arg("-drive")
                .arg(format!("if=pflash,format=raw,file={}", vars.display()))
                .arg("-drive")
                .arg(format!(
                    "file=fat:rw:{},format=raw,if=none,id=esp",
                    work.join("esp").display()
                ))
                .args(["-device", "virtio-blk-pci,drive=esp"])
                .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
        }
        "aarch64" => {
            // A Linux arm64 Image: QEMU loads it without firmware.
            let image = work.join("Image");
            std::fs::write(&image, flat_image(&elf).0).unwrap();
            cmd.args(["-machine", "virt", "-cpu", "cortex-a72", "-m", "512M"])
                .args(["-semihosting-config", "enable=on,target=native"])
                .arg("-kernel")
                .arg(&image);
        }
        _ => {
            // No firmware for QEMU 7.2's loongarch64 virt in Debian 12: the
            // image at 2 MiB, a DTB with the RAM at 64 KiB, and a stub at
            // 4 KiB that enters the kernel with them.
            const LOAD: u64 = 0x20_0000;
            const DTB: u64 = 0x1_0000;
            const STUB: u64 = 0x1000;
            let (image, base, entry) = flat_image(&elf);
            let bin = work.join("kernel.bin");
            std::fs::write(&bin, image).unwrap();
            let stub = work.join("stub.bin");
            let entry_pa = (LOAD + (entry - base)) as u32;
            std::fs::write(&stub, loongarch_stub(entry_pa, DTB as u32)).unwrap();
            let dtb = loongarch_dtb(work, 1024);
            let loader = |file: &Path, addr: u64| {
                format!("loader,file={},addr={addr:#x},force-raw=on", file.display())
            };
            cmd.args(["-machine", "virt", "-cpu", "la464", "-m", "1G"])
                .args(["-device", &loader(&bin, LOAD)])
                .args(["-device", &loader(&dtb, DTB)])
                .args(["-device", &loader(&stub, STUB)])
                .args(["-device", &format!("loader,addr={STUB:#x},cpu-num=0")])
                .args(["-device", "pvpanic-pci", "-action", "panic=exit-failure"]);
        }
    }
    cmd
}

/// Builds the kernels (once, for all architectures) and starts QEMU on
/// `arch`'s binary `bin` (the scenario or the Oops boot), its console
/// piped.
fn start(arch: &Arch, bin: &str) -> std::process::Child {
    let dir = root().join("tests/kernel/target");
    let kernel = dir.join(arch.target).join("release").join(bin);
    let work = dir.join("qemu").join(format!("{}-{bin}", arch.name));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    qemu_command(arch, &kernel, &work)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu")
}

/// Whether `arch` can be built and booted here (else a skip, or a
/// failure under STARRY_KMOD_REQUIRE_QEMU=1); builds every kernel once.
fn ready(arch: &Arch) -> bool {
    if let Some(why) = missing(arch) {
        Needs::Qemu.skip(&format!("{}: {why}", arch.name));
        return false;
    }
    if let Err(e) = build_all() {
        panic!("{e}");
    }
    true
}

/// Builds (once, for all), boots `arch`'s kernel and checks its console.
fn boot(arch: &Arch) {
    if !ready(arch) {
        return;
    }
    let t = Instant::now();
    let mut child = start(arch, "starry-kmod-kernel");
    // A hung guest (a loongarch64 panic spins) must not hang the test.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{}: the kernel did not power off within 120 s; console:\n{}",
                arch.name,
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let console = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "{}: boot to power-off {:.2} s, QEMU status {status}",
        arch.name,
        t.elapsed().as_secs_f64()
    );
    let name = arch.name;
    // Firmware output carries escape sequences: compare trimmed lines.
    let lines: Vec<&str> = console.lines().map(str::trim).collect();
    let mut passes = 0;
    let runtime: &[&str] = if arch.name == "riscv64" {
        RUNTIME_CHECKS
    } else {
        &[]
    };
    for check in CHECKS.iter().chain(runtime) {
        if !arch.page_tables && PAGE_TABLE_CHECKS.contains(check) {
            let said = format!("NOT-ENFORCED {check}: ");
            assert!(
                lines.iter().any(|l| l.starts_with(&said)),
                "{name}: {check} is neither passed nor reported as not enforced; console:\n{console}"
            );
            continue;
        }
        passes += 1;
        assert!(
            lines.contains(&format!("PASS {check}").as_str()),
            "{name}: no PASS {check}; console:\n{console}"
        );
    }
    assert!(
        !lines.iter().any(|l| l.starts_with("FAIL ")),
        "{name}: a check failed; console:\n{console}"
    );
    assert!(
        !console.contains("panicked"),
        "{name}: the kernel panicked; console:\n{console}"
    );
    let total = format!("{passes} passed, 0 failed");
    assert!(
        lines.contains(&total.as_str()),
        "{name}: no {total:?}; console:\n{console}"
    );
    assert!(status.success(), "{name}: QEMU exited with {status}");
}

#[test]
fn riscv64_kernel_runs_the_scenario_under_qemu() {
    boot(&RISCV64);
}

#[test]
fn x86_64_kernel_runs_the_scenario_under_qemu() {
    boot(&X86_64);
}

#[test]
fn aarch64_kernel_runs_the_scenario_under_qemu() {
    boot(&AARCH64);
}

#[test]
fn loongarch64_kernel_runs_the_scenario_under_qemu() {
    boot(&LOONGARCH64);
}

/// The Oops boot (tests/kernel/src/bin/oops.rs): `oops where=init` writes
/// through NULL in its init; the arceos backend's page-fault hook must
/// print Linux's Oops, symbolized through kallsyms, before ArceOS stops.
/// The console is read until the Oops ends (then QEMU is stopped: how
/// ArceOS halts after a panic differs by machine), and checked line by
/// line.
fn oops_boot(arch: &Arch) {
    use std::io::BufRead;
    if !ready(arch) {
        return;
    }
    let mut child = start(arch, "starry-kmod-oops");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut console = Vec::new();
    let mut deadline = Instant::now() + Duration::from_secs(120);
    let mut ended = false;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if !ended && line.contains("---[ end trace") {
            // What ArceOS prints as it stops follows; then stop waiting.
            ended = true;
            deadline = Instant::now() + Duration::from_secs(3);
        }
        console.push(line.trim().to_string());
    }
    let _ = child.kill();
    let _ = child.wait();
    let name = arch.name;
    let text = console.join("\n");
    // The Oops lines, without their `<level>` prefix, in order.
    let oops: Vec<&str> = console
        .iter()
        .filter_map(|l| l.strip_prefix('<').and_then(|l| l.split_once('>')))
        .map(|(_, text)| text.trim())
        .skip_while(|l| !l.starts_with("BUG: "))
        .collect();
    let expect_in_order = [
        "BUG: kernel NULL pointer dereference, address: 0000000000000000",
        "#PF: supervisor write access in kernel mode",
        "#PF: error_code(0x0002) - not-present page",
        "Oops: 0002 [#1] SMP",
    ];
    assert!(
        oops.len() > expect_in_order.len() && oops[..4] == expect_in_order,
        "{name}: the Oops does not begin as Linux's; console:\n{text}"
    );
    let cpu = format!(
        "CPU: 0 PID: 0 Comm: swapper/0 Not tainted {} #1",
        starry_kmod::RELEASE
    );
    assert_eq!(oops[4], cpu, "{name}: console:\n{text}");
    // gcc keeps the static `oops_init` beside module_init's alias; clang
    // (zig's, for loongarch64) keeps only the alias, `init_module`.
    assert!(
        (oops[5].starts_with("RIP: 0010:oops_init+0x")
            || oops[5].starts_with("RIP: 0010:init_module+0x"))
            && oops[5].ends_with(" [oops]"),
        "{name}: RIP is not symbolized as the module's init: {:?}; console:\n{text}",
        oops[5]
    );
    let trace: Vec<&str> = oops
        .iter()
        .skip_while(|l| **l != "<TASK>")
        .skip(1)
        .take_while(|l| **l != "</TASK>")
        .copied()
        .collect();
    assert!(
        trace
            .iter()
            .any(|l| l.starts_with("? ") && l.contains("starry_kmod::")),
        "{name}: the call trace names no demangled kernel function: {trace:?}; console:\n{text}"
    );
    for line in [
        "Modules linked in: oops(+) hello",
        "CR2: 0000000000000000",
        "---[ end trace 0000000000000000 ]---",
    ] {
        assert!(
            oops.contains(&line),
            "{name}: no {line:?} in the Oops; console:\n{text}"
        );
    }
    assert!(
        !text.contains("FAIL oops_init_returned"),
        "{name}: the faulting init returned; console:\n{text}"
    );
    // The Oops comes before ArceOS stops: its own panic message, if any,
    // follows the end of the trace.
    let end = console
        .iter()
        .position(|l| l.contains("---[ end trace"))
        .unwrap();
    assert!(
        !console[..end].iter().any(|l| l.contains("panicked")),
        "{name}: ArceOS panicked before the Oops was printed; console:\n{text}"
    );
}

#[test]
fn riscv64_kernel_prints_a_symbolized_oops() {
    oops_boot(&RISCV64);
}

#[test]
fn aarch64_kernel_prints_a_symbolized_oops() {
    oops_boot(&AARCH64);
}

#[test]
fn loongarch64_kernel_prints_a_symbolized_oops() {
    oops_boot(&LOONGARCH64);
}
