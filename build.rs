//! Compiles the variadic C part of the kernel API (csrc/printk.c,
//! csrc/seq_file.c), after checking that libclang is installed.

use std::path::{Path, PathBuf};

/// Whether `dir` holds a libclang shared library (`libclang.so`,
/// `libclang-14.so.1`...; not `libclang-cpp` or the `libclangAST.a` parts).
fn holds_libclang(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.contains(".so")
                && (name.starts_with("libclang.") || name.starts_with("libclang-"))
                && !name.starts_with("libclang-cpp")
        })
    })
}

/// The directories bindgen's clang-sys looks in for libclang:
/// `LIBCLANG_PATH`, `llvm-config --libdir`, the system's library
/// directories and each installed LLVM's.
fn libclang_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LIBCLANG_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(out) = std::process::Command::new("llvm-config")
        .arg("--libdir")
        .output()
    {
        dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    for base in ["/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib", "/lib64"] {
        dirs.push(PathBuf::from(base));
        for e in std::fs::read_dir(base).into_iter().flatten().flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("llvm") {
                dirs.push(e.path().join("lib"));
            } else if name.ends_with("-linux-gnu") {
                dirs.push(e.path());
            }
        }
    }
    dirs
}

fn main() {
    // lwprintf-rs generates its bindings with bindgen, which loads
    // libclang; without it, its build script panics deep in clang-sys.
    // This script runs before it in practice (bindgen, its build
    // dependency, takes far longer to compile than cc), though cargo does
    // not promise the order: say what to install first.
    println!("cargo:rerun-if-env-changed=LIBCLANG_PATH");
    if !libclang_dirs().iter().any(|d| holds_libclang(d)) {
        eprintln!(
            "error: libclang is not installed: the kernel's printk (lwprintf-rs) generates \
             its bindings with bindgen, which needs it.\n\
             Debian/Ubuntu: sudo apt-get install libclang-dev \
             (or set LIBCLANG_PATH to the directory holding libclang.so)"
        );
        std::process::exit(1);
    }
    println!("cargo:rerun-if-changed=csrc/printk.c");
    println!("cargo:rerun-if-changed=csrc/seq_file.c");
    println!("cargo:rerun-if-changed=csrc/kobject.c");
    println!("cargo:rerun-if-changed=csrc/scanf.c");
    println!("cargo:rerun-if-changed=csrc/kthread.c");
    let mut b = cc::Build::new();
    b.file("csrc/printk.c")
        .file("csrc/seq_file.c")
        .file("csrc/kobject.c")
        .file("csrc/scanf.c")
        .file("csrc/kthread.c")
        .flag("-ffreestanding")
        .flag("-fno-builtin")
        .flag("-fno-stack-protector")
        // No jump tables: their absolute entries are refused by a PIE
        // kernel link (loongarch64's R_LARCH_64 against local labels).
        // These are always passed (gcc and clang know them all): a support
        // probe that fails for another reason (zig's cache, first used by
        // four targets at once) must not drop one silently, as happened
        // in a clean CI build.
        .flag("-fno-jump-tables");
    let target = std::env::var("TARGET").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none") {
        // Bare metal (a kernel): Debian's cross gcc for the architecture
        // (zig's clang for loongarch64, .ci/bin) compiles this freestanding
        // C with the kernel's ABI, unless the usual CC_<target> says otherwise.
        let (cc, flags): (&str, &[&str]) = match arch.as_str() {
            "riscv64" => (
                "riscv64-linux-gnu-gcc",
                &["-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany"],
            ),
            "aarch64" => ("aarch64-linux-gnu-gcc", &["-mgeneral-regs-only"]),
            "loongarch64" => ("loongarch64-linux-gnu-gcc", &["-mabi=lp64s"]),
            _ => ("gcc", &["-mno-sse", "-mno-mmx", "-mno-red-zone"]),
        };
        let env_cc = format!("CC_{}", target.replace('-', "_"));
        println!("cargo:rerun-if-env-changed={env_cc}");
        if std::env::var_os(&env_cc).is_none() && std::env::var_os(format!("CC_{target}")).is_none()
        {
            b.compiler(cc);
        }
        for f in flags {
            b.flag_if_supported(f);
        }
    }
    b.compile("starry_kmod_printk");

    // The host home's protected boundary for module code (signals,
    // sigsetjmp): a user-mode kernel on x86_64 Linux only.
    println!("cargo:rerun-if-changed=csrc/boundary.c");
    let host = std::env::var_os("CARGO_FEATURE_HOST").is_some();
    let x86_linux = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64")
        && std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if host && x86_linux {
        cc::Build::new()
            .file("csrc/boundary.c")
            .flag("-O2")
            .flag("-fno-omit-frame-pointer")
            .compile("starry_kmod_boundary");
    }
}
