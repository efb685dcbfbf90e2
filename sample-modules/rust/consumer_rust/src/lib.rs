//! consumer_rust: a Rust module that calls a C module's export
//! (`provider_add`, EXPORT_SYMBOL in provider.ko), so loading it makes it
//! a holder of `provider`.
#![no_std]

use core::ffi::{c_char, c_int};

use kmod_tools::{exit_fn, init_fn, module};

unsafe extern "C" {
    fn _printk(fmt: *const c_char, ...) -> c_int;
    /// provider.ko's EXPORT_SYMBOL(provider_add).
    fn provider_add(a: c_int, b: c_int) -> c_int;
}

/// Sums 1..=n through the provider, one call per term.
fn triangle(n: c_int) -> c_int {
    // SAFETY: provider_add is a plain C function of the provider module,
    // which cannot be unloaded while this module holds it.
    (1..=n).fold(0, |acc, k| unsafe { provider_add(acc, k) })
}

#[init_fn]
fn consumer_rust_init() -> i32 {
    // SAFETY: kernel API call with a NUL-terminated format and an int.
    unsafe {
        _printk(c"\x016consumer_rust: triangle(4) = %d\n".as_ptr(), triangle(4));
    }
    0
}

#[exit_fn]
fn consumer_rust_exit() {
    // SAFETY: as in init.
    unsafe {
        _printk(c"\x016consumer_rust: bye\n".as_ptr());
    }
}

module! {
    name: "consumer_rust",
    version: "0.1.0",
    license: "GPL",
    description: "Rust module using a C module's export",
}

/// Adds a `key=value` string to `.modinfo`, NUL-terminated, like C's
/// MODULE_INFO (module! covers name, version, license and description only).
macro_rules! modinfo {
    ($id:ident, $s:expr) => {
        #[used]
        #[unsafe(link_section = ".modinfo")]
        static $id: [u8; concat!($s, "\0").len()] = {
            let src = concat!($s, "\0").as_bytes();
            let mut out = [0u8; concat!($s, "\0").len()];
            let mut i = 0;
            while i < src.len() {
                out[i] = src[i];
                i += 1;
            }
            out
        };
    };
}

modinfo!(MODINFO_AUTHOR, "author=starry-kmod developers");

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The prebuilt `core` names the unwinding personality routine even with
/// panic=abort; every undefined symbol of a module must resolve, so the
/// module carries this never-called definition itself.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
