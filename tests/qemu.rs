//! The subsystem in a real kernel: builds the ArceOS kernel of
//! tests/kernel (riscv64, the `arceos` backend, the riscv64 sample modules
//! in its rootfs), boots it under `qemu-system-riscv64 -machine virt` and
//! checks every PASS line of its scenario and its clean power-off.
//!
//! Skipped with a message when QEMU, the riscv64 target or the cross
//! compiler is missing, unless STARRY_KMOD_REQUIRE_QEMU=1 (set by CI).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::skip::{Needs, runs};

/// The checks the kernel must report as PASS (its scenario).
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
    "proc_modules_lines",
    "kallsyms_demangled_rust",
    "sysfs_sections_listed",
    "finit_provider",
    "finit_consumer",
    "consumer_called_provider",
    "provider_refcnt_1",
    "provider_unload_refused",
    "consumer_rust_uses_c_export",
    "proprietary_refused",
    "initfail_enodev",
    "unload_all",
    "params_exit_saw_sysfs_write",
    "proc_modules_empty",
    "pages_returned",
];

fn skip(why: &str) {
    Needs::Qemu.skip(why)
}

/// Builds the kernel with its own toolchain file and flags; returns the
/// ELF image.
fn build_kernel(root: &Path) -> PathBuf {
    let dir = root.join("tests/kernel");
    let mut cmd = Command::new("cargo");
    // A clean environment: the outer cargo's variables must not leak into
    // the bare-metal build (its own .cargo/config.toml sets the flags).
    for (k, _) in std::env::vars() {
        if k.starts_with("CARGO") || k.starts_with("RUSTC") || k.starts_with("RUSTFLAGS") {
            cmd.env_remove(k);
        }
    }
    // lwprintf-rs compiles its C part with riscv64-linux-musl-gcc; Debian's
    // cross gcc stands in for it (.ci/bin).
    let path = format!(
        "{}:{}",
        root.join(".ci/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let t = Instant::now();
    let out = cmd
        .current_dir(&dir)
        .env("PATH", path)
        .args(["build", "--release", "--locked"])
        .output()
        .expect("cargo");
    assert!(
        out.status.success(),
        "building the kernel failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("kernel built in {:.1} s", t.elapsed().as_secs_f64());
    dir.join("target/riscv64gc-unknown-none-elf/release/starry-kmod-kernel")
}

#[test]
fn the_kernel_runs_the_scenario_under_qemu() {
    if !runs("qemu-system-riscv64") {
        return skip("qemu-system-riscv64 is not installed (apt-get install qemu-system-misc)");
    }
    if !runs("riscv64-linux-gnu-gcc") {
        return skip("riscv64-linux-gnu-gcc is not installed (the riscv64 sample modules)");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let kernel = build_kernel(root);
    let t = Instant::now();
    let mut child = Command::new("qemu-system-riscv64")
        .args([
            "-machine",
            "virt",
            "-nographic",
            "-bios",
            "default",
            "-m",
            "512M",
        ])
        .arg("-kernel")
        .arg(&kernel)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu");
    // A hung guest must not hang the test.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the kernel did not power off within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let console = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "boot to power-off: {:.2} s, QEMU status {status}",
        t.elapsed().as_secs_f64()
    );
    for check in CHECKS {
        assert!(
            console
                .lines()
                .any(|l| l.trim_end() == format!("PASS {check}")),
            "no PASS {check}; console:\n{console}"
        );
    }
    assert!(
        !console.lines().any(|l| l.starts_with("FAIL ")),
        "a check failed; console:\n{console}"
    );
    let total = format!("{} passed, 0 failed", CHECKS.len());
    assert!(
        console.lines().any(|l| l.trim_end() == total),
        "no {total:?}; console:\n{console}"
    );
    assert!(status.success(), "QEMU exited with {status}");
}
