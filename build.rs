//! Compiles the variadic C part of the kernel API (csrc/printk.c,
//! csrc/seq_file.c).
fn main() {
    println!("cargo:rerun-if-changed=csrc/printk.c");
    println!("cargo:rerun-if-changed=csrc/seq_file.c");
    let mut b = cc::Build::new();
    b.file("csrc/printk.c")
        .file("csrc/seq_file.c")
        .flag_if_supported("-ffreestanding")
        .flag_if_supported("-fno-builtin")
        .flag_if_supported("-fno-stack-protector");
    let target = std::env::var("TARGET").unwrap_or_default();
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("riscv64") {
        // Bare-metal riscv64: Debian's cross gcc compiles this freestanding C
        // unless the usual CC_<target> says otherwise.
        let env_cc = format!("CC_{}", target.replace('-', "_"));
        println!("cargo:rerun-if-env-changed={env_cc}");
        if std::env::var_os(&env_cc).is_none() && std::env::var_os(format!("CC_{target}")).is_none()
        {
            b.compiler("riscv64-linux-gnu-gcc");
        }
        b.flag_if_supported("-march=rv64gc")
            .flag_if_supported("-mabi=lp64d")
            .flag_if_supported("-mcmodel=medany");
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
