//! Compiles the variadic C part of the kernel API (csrc/printk.c).
fn main() {
    println!("cargo:rerun-if-changed=csrc/printk.c");
    let mut b = cc::Build::new();
    b.file("csrc/printk.c")
        .flag_if_supported("-ffreestanding")
        .flag_if_supported("-fno-builtin")
        .flag_if_supported("-fno-stack-protector");
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
}
