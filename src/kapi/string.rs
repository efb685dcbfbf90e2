//! The memory and string functions (Linux's include/linux/string.h).
//!
//! Their Rust names carry a `kapi_` prefix so that, in the user-mode
//! kernel, they never interpose the host C library's; modules link them
//! under Linux's names.

use core::ffi::{c_char, c_int, c_void};

use super::AddrFn;

/// # Safety
/// C's memcpy contract.
pub unsafe extern "C" fn kapi_memcpy(
    dst: *mut c_void,
    src: *const c_void,
    n: usize,
) -> *mut c_void {
    // SAFETY: the caller's memcpy contract.
    unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, n) };
    dst
}

/// # Safety
/// C's memmove contract.
pub unsafe extern "C" fn kapi_memmove(
    dst: *mut c_void,
    src: *const c_void,
    n: usize,
) -> *mut c_void {
    // SAFETY: the caller's memmove contract.
    unsafe { core::ptr::copy(src as *const u8, dst as *mut u8, n) };
    dst
}

/// # Safety
/// C's memset contract.
pub unsafe extern "C" fn kapi_memset(s: *mut c_void, c: c_int, n: usize) -> *mut c_void {
    // SAFETY: the caller's memset contract.
    unsafe { core::ptr::write_bytes(s as *mut u8, c as u8, n) };
    s
}

/// # Safety
/// C's memcmp contract.
pub unsafe extern "C" fn kapi_memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
    // SAFETY: the caller's memcmp contract: both ranges are readable.
    let (a, b) = unsafe {
        (
            core::slice::from_raw_parts(a as *const u8, n),
            core::slice::from_raw_parts(b as *const u8, n),
        )
    };
    a.iter()
        .zip(b)
        .find(|(x, y)| x != y)
        .map_or(0, |(x, y)| c_int::from(*x) - c_int::from(*y))
}

/// # Safety
/// C's strlen contract.
pub unsafe extern "C" fn kapi_strlen(s: *const c_char) -> usize {
    // SAFETY: the caller's strlen contract: s is NUL-terminated.
    unsafe { core::ffi::CStr::from_ptr(s) }.count_bytes()
}

/// # Safety
/// C's strncmp contract.
pub unsafe extern "C" fn kapi_strncmp(a: *const c_char, b: *const c_char, n: usize) -> c_int {
    for i in 0..n {
        // SAFETY: both strings are readable up to their NUL or n bytes.
        let (x, y) = unsafe { (*a.add(i) as u8, *b.add(i) as u8) };
        if x != y || x == 0 {
            return c_int::from(x) - c_int::from(y);
        }
    }
    0
}

/// # Safety
/// C's strcmp contract.
pub unsafe extern "C" fn kapi_strcmp(a: *const c_char, b: *const c_char) -> c_int {
    // SAFETY: as strncmp, bounded by the NULs.
    unsafe { kapi_strncmp(a, b, usize::MAX) }
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("memcpy", || kapi_memcpy as *const () as usize),
    ("memmove", || kapi_memmove as *const () as usize),
    ("memset", || kapi_memset as *const () as usize),
    ("memcmp", || kapi_memcmp as *const () as usize),
    ("bcmp", || kapi_memcmp as *const () as usize),
    ("strlen", || kapi_strlen as *const () as usize),
    ("strcmp", || kapi_strcmp as *const () as usize),
    ("strncmp", || kapi_strncmp as *const () as usize),
];
