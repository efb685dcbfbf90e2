//! printk and the formatting functions (Linux's include/linux/printk.h,
//! lib/vsprintf.c). Stable Rust cannot define C-variadic functions, so
//! these are C (csrc/printk.c, formatting with lwprintf); the finished text
//! comes back through [`starry_kmod_printk_emit`] into the console.

use core::ffi::{c_char, c_int, c_void};

use super::AddrFn;

unsafe extern "C" {
    fn starry_kmod_printk(fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_vprintk(fmt: *const c_char, ap: *mut c_void) -> c_int;
    fn starry_kmod_snprintf(buf: *mut c_char, size: usize, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_sprintf(buf: *mut c_char, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_vsnprintf(
        buf: *mut c_char,
        size: usize,
        fmt: *const c_char,
        ap: *mut c_void,
    ) -> c_int;
}

/// Called by csrc/printk.c with one formatted printk message.
///
/// # Safety
/// `text` points at `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_printk_emit(
    level: c_int,
    cont: c_int,
    text: *const c_char,
    len: usize,
) {
    // SAFETY: the C caller passes its own buffer and the length it wrote.
    let bytes = unsafe { core::slice::from_raw_parts(text as *const u8, len) };
    let text = alloc::string::String::from_utf8_lossy(bytes);
    crate::console::log(level.clamp(0, 7) as u8, &text, cont != 0);
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("printk", || starry_kmod_printk as *const () as usize),
    ("_printk", || starry_kmod_printk as *const () as usize),
    ("vprintk", || starry_kmod_vprintk as *const () as usize),
    ("snprintf", || starry_kmod_snprintf as *const () as usize),
    ("sprintf", || starry_kmod_sprintf as *const () as usize),
    ("vsnprintf", || starry_kmod_vsnprintf as *const () as usize),
];
