//! User memory (Linux's include/linux/uaccess.h): copy_to_user,
//! copy_from_user, clear_user, and the get_user/put_user the header builds
//! on them.
//!
//! A module never sees a caller's real memory: a file read or write hands
//! it a kernel bounce buffer, registered here as a *user window* for the
//! duration of the call ([`Window`]). A copy whose range is not inside an
//! open window copies what lies inside (from its start) and returns the
//! bytes it could not copy, as Linux's do at the first faulting byte; a
//! range that starts outside every window copies nothing (`-EFAULT` for
//! the callers that check). Windows are kept in one list: a copy may land
//! in any call's window, never outside one.

use alloc::vec::Vec;
use core::ffi::c_void;

use ax_kspin::SpinRaw;

use super::AddrFn;

/// The open user windows: (start, length, writable by the kernel).
static WINDOWS: SpinRaw<Vec<(usize, usize, bool)>> = SpinRaw::new(Vec::new());

/// A user window, open while this value lives.
pub struct Window {
    key: (usize, usize, bool),
}

impl Window {
    /// Opens `len` bytes at `start` as user memory; `to_user` when the
    /// kernel may write them (a read's buffer), else only read them (a
    /// write's data).
    pub fn open(start: usize, len: usize, to_user: bool) -> Window {
        let key = (start, len, to_user);
        WINDOWS.lock().push(key);
        Window { key }
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        let mut w = WINDOWS.lock();
        if let Some(i) = w.iter().position(|k| *k == self.key) {
            w.swap_remove(i);
        }
    }
}

/// How many of `n` bytes at `addr` lie in an open window (0 when `addr`
/// is in none), for a copy to (`to_user`) or from user memory.
fn accessible(addr: usize, n: usize, to_user: bool) -> usize {
    WINDOWS
        .lock()
        .iter()
        .filter(|(s, l, w)| (*w || !to_user) && addr >= *s && addr < s + l)
        .map(|(s, l, _)| n.min(s + l - addr))
        .max()
        .unwrap_or(0)
}

/// `_copy_to_user(to, from, n)`: the bytes *not* copied.
///
/// # Safety
/// `from` is readable for `n` bytes (kernel memory of the caller).
pub unsafe extern "C" fn kapi_copy_to_user(
    to: *mut c_void,
    from: *const c_void,
    n: usize,
) -> usize {
    let ok = accessible(to as usize, n, true);
    // SAFETY: `ok` bytes at `to` are in an open window (a live bounce
    // buffer); `from` per the contract.
    unsafe { core::ptr::copy(from as *const u8, to as *mut u8, ok) };
    n - ok
}

/// `_copy_from_user(to, from, n)`: the bytes not copied; as Linux, the
/// part of `to` not copied is zeroed.
///
/// # Safety
/// `to` is writable for `n` bytes (kernel memory of the caller).
pub unsafe extern "C" fn kapi_copy_from_user(
    to: *mut c_void,
    from: *const c_void,
    n: usize,
) -> usize {
    let ok = accessible(from as usize, n, false);
    // SAFETY: `ok` bytes at `from` are in an open window; `to` per the
    // contract.
    unsafe {
        core::ptr::copy(from as *const u8, to as *mut u8, ok);
        core::ptr::write_bytes((to as *mut u8).add(ok), 0, n - ok);
    }
    n - ok
}

/// `clear_user(to, n)`: zeroes user memory; the bytes not cleared.
pub extern "C" fn kapi_clear_user(to: *mut c_void, n: usize) -> usize {
    let ok = accessible(to as usize, n, true);
    // SAFETY: `ok` bytes at `to` are in an open window.
    unsafe { core::ptr::write_bytes(to as *mut u8, 0, ok) };
    n - ok
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("_copy_to_user", || kapi_copy_to_user as *const () as usize),
    ("_copy_from_user", || {
        kapi_copy_from_user as *const () as usize
    }),
    ("clear_user", || kapi_clear_user as *const () as usize),
];
