//! Compiles the variadic C part of the kernel API (csrc/printk.c).
fn main() {
    println!("cargo:rerun-if-changed=csrc/printk.c");
    let mut b = cc::Build::new();
    b.file("csrc/printk.c")
        .flag_if_supported("-ffreestanding")
        .flag_if_supported("-fno-builtin")
        .flag_if_supported("-fno-stack-protector");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("riscv64") {
        b.flag_if_supported("-march=rv64gc")
            .flag_if_supported("-mabi=lp64d")
            .flag_if_supported("-mcmodel=medany");
    }
    b.compile("starry_kmod_printk");
}
