//! ferris: a module written against the cargo template, built by the
//! Kbuild directory from its own tree. It formats with `core::fmt` into a
//! kmalloc'd buffer and prints it with `_printk`.
#![no_std]

use core::ffi::{c_char, c_int, c_void};
use core::fmt::Write;

use kmod_tools::{exit_fn, init_fn, module};

unsafe extern "C" {
    fn _printk(fmt: *const c_char, ...) -> c_int;
    fn kzalloc(size: usize, flags: u32) -> *mut c_void;
    fn kfree(ptr: *const c_void);
}

const GFP_KERNEL: u32 = 0xcc0;
const LEN: usize = 64;

/// Writes into a kernel buffer, keeping a NUL at the end.
struct KBuf {
    ptr: *mut u8,
    len: usize,
}

impl Write for KBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        if self.len + s.len() >= LEN {
            return Err(core::fmt::Error);
        }
        // SAFETY: ptr is a zeroed LEN-byte allocation and len + s.len() < LEN.
        unsafe { core::ptr::copy_nonoverlapping(s.as_ptr(), self.ptr.add(self.len), s.len()) };
        self.len += s.len();
        Ok(())
    }
}

#[init_fn]
fn ferris_init() -> i32 {
    // SAFETY: kernel API calls; the buffer is ours until kfree.
    unsafe {
        let ptr = kzalloc(LEN, GFP_KERNEL).cast::<u8>();
        if ptr.is_null() {
            return -12; // ENOMEM
        }
        let mut buf = KBuf { ptr, len: 0 };
        let r = write!(buf, "{} crabs, {:#x}", 3 * 7, 0xc0de);
        if r.is_ok() {
            _printk(c"\x016ferris: %s\n".as_ptr(), ptr);
        }
        kfree(ptr.cast());
        if r.is_err() { -7 } else { 0 }
    }
}

#[exit_fn]
fn ferris_exit() {
    // SAFETY: a constant NUL-terminated format.
    unsafe { _printk(c"\x016ferris: bye\n".as_ptr()) };
}

module! {
    name: "ferris",
    version: "0.1.0",
    license: "GPL",
    description: "A Rust module built from its own tree",
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// `core` names the personality routine even with panic=abort; every
/// undefined symbol of a module must resolve, so it carries one.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
