//! The Oops boot: the same kernel, but its one job is to load the `oops`
//! sample with `where=init`, whose init writes through a NULL pointer.
//! The page-fault hook of the arceos backend finds the faulting pc in the
//! module's text and prints the symbolized Oops (kallsyms, `Modules linked
//! in`, taint D) before ArceOS stops: this home cannot return into the
//! interrupted call, so it is a boot of its own (tests/qemu.rs reads the
//! console and stops QEMU). Where the hook cannot see the faulting pc
//! (x86_64), ArceOS stops with its own panic only.
#![no_std]
#![no_main]

#[macro_use]
extern crate ax_std as std;
extern crate alloc;

#[path = "../boot.rs"]
mod boot;

use starry_kmod::RELEASE;
use starry_kmod::platform::Platform;
use starry_kmod::vfs::finit_path;

#[unsafe(no_mangle)]
fn main() {
    let (p, ns) = boot::start("oops", main as *const () as usize);
    // kallsyms: the image's own symbols (written in by the build's
    // kallsyms step) and the exports; built here, not in the fault path.
    println!("kallsyms: {} kernel symbols", p.kernel_symbols().len());
    let insmod = |name: &str, args: &str| {
        let path = alloc::format!("/lib/modules/{RELEASE}/kernel/{name}.ko");
        finit_path(&ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
    };
    // Another module, so that `Modules linked in:` lists more than the
    // culprit.
    println!("insmod hello: {:?}", insmod("hello", ""));
    println!("insmod oops where=init");
    let r = insmod("oops", "where=init");
    // Not reached where the Oops stops the kernel.
    println!("FAIL oops_init_returned {r:?}");
}
