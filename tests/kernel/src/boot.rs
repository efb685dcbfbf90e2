//! What both kernels of this crate do first: install the arceos platform,
//! send printk lines to the serial console, build the RAM rootfs with
//! this architecture's sample modules and mount sysfs and procfs on it.

use starry_kmod::RELEASE;
use starry_kmod::console;
use starry_kmod::platform::arceos::{ArceosPlatform, module_area};
use starry_kmod::vfs::mount_pseudo;
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::rootfs::RootFs;

/// The architecture, as printed.
pub const ARCH: &str = if cfg!(target_arch = "riscv64") {
    "riscv64"
} else if cfg!(target_arch = "x86_64") {
    "x86_64"
} else if cfg!(target_arch = "aarch64") {
    "aarch64"
} else {
    "loongarch64"
};

/// Boots the module subsystem; `what` names the scenario in the banner.
pub fn start(what: &str, kernel_fn: usize) -> (&'static ArceosPlatform, Namespace) {
    let p = starry_kmod::platform::arceos::install();
    // printk lines reach the serial console through the kernel's own
    // console driver (ax-hal's low-level console is closed once ax-std's
    // driver owns the UART).
    // Each line is flushed: a line still buffered when the kernel stops
    // (after an Oops) would be lost.
    console::set_listener(Some(|r| {
        use std::io::Write;
        println!("<{}>{}", r.level, r.text);
        let _ = std::io::stdout().flush();
    }));
    println!("starry-kmod kernel {RELEASE} ({ARCH}): booting the module subsystem ({what})");
    let area = module_area();
    println!(
        "module area {:#x}..{:#x}, kernel main at {kernel_fn:#x}",
        area.start.as_usize(),
        area.end.as_usize(),
    );
    let rootfs = RootFs::new(RELEASE).expect("rootfs");
    for m in starry_sample_modules::kernel::ALL {
        rootfs.add_module(m.name, m.bytes).expect("add module");
    }
    let ns = Namespace::new(rootfs.root());
    mount_pseudo(&ns).expect("mount sysfs/procfs");
    (p, ns)
}
