//! The generic FIFO (Linux's lib/kfifo.c behind include/linux/kfifo.h):
//! `struct __kfifo` (in, out, mask, esize, data) over a power-of-two
//! buffer of elements; record fifos prefix each record with its length in
//! `recsize` (1 or 2) bytes, little-endian. Lengths are in elements.

use core::ffi::{c_int, c_uint, c_void};

use super::AddrFn;
use super::slab::{kfree, kmalloc};
use super::uaccess::{kapi_copy_from_user, kapi_copy_to_user};
use crate::errno::Errno;

/// `struct __kfifo`.
#[repr(C)]
pub struct Kfifo {
    inp: c_uint,
    out: c_uint,
    mask: c_uint,
    esize: c_uint,
    data: *mut u8,
}

const _: () = assert!(core::mem::size_of::<Kfifo>() == 24);

impl Kfifo {
    fn size(&self) -> u32 {
        self.mask.wrapping_add(1)
    }

    fn unused(&self) -> u32 {
        self.size() - self.inp.wrapping_sub(self.out)
    }

    /// Copies `len` elements from `src` to slot `off` (wrapping), through
    /// `copy(dst, src, bytes)` (which returns bytes not copied).
    ///
    /// # Safety
    /// The fifo's buffer is valid; `src` holds `len` elements.
    unsafe fn copy_in(&self, src: *const u8, len: u32, off: u32, copy: Copier) -> usize {
        let size = self.size() as usize;
        let es = self.esize.max(1) as usize;
        let off = (off & self.mask) as usize;
        let (size, off, len) = (size * es, off * es, len as usize * es);
        let l = len.min(size - off);
        // SAFETY: per the contract: [off, off+l) and [0, len-l) lie in the
        // buffer of `size` bytes.
        unsafe { copy(self.data.add(off), src, l) + copy(self.data, src.add(l), len - l) }
    }

    /// Copies `len` elements from slot `off` (wrapping) to `dst`.
    ///
    /// # Safety
    /// As [`Kfifo::copy_in`], `dst` has room for `len` elements.
    unsafe fn copy_out(&self, dst: *mut u8, len: u32, off: u32, copy: CopierOut) -> usize {
        let size = self.size() as usize;
        let es = self.esize.max(1) as usize;
        let off = (off & self.mask) as usize;
        let (size, off, len) = (size * es, off * es, len as usize * es);
        let l = len.min(size - off);
        // SAFETY: per the contract.
        unsafe { copy(dst, self.data.add(off), l) + copy(dst.add(l), self.data, len - l) }
    }

    /// The record length at the out position (recsize bytes, LE).
    fn peek_n(&self, recsize: usize) -> u32 {
        let mask = self.mask;
        // SAFETY: the buffer holds at least recsize elements (bytes) here.
        unsafe {
            let mut l = *self.data.add((self.out & mask) as usize) as u32;
            if recsize > 1 {
                l |= (*self.data.add((self.out.wrapping_add(1) & mask) as usize) as u32) << 8;
            }
            l
        }
    }

    /// Writes the record length at the in position.
    fn poke_n(&self, n: u32, recsize: usize) {
        let mask = self.mask;
        // SAFETY: as above.
        unsafe {
            *self.data.add((self.inp & mask) as usize) = n as u8;
            if recsize > 1 {
                *self.data.add((self.inp.wrapping_add(1) & mask) as usize) = (n >> 8) as u8;
            }
        }
    }
}

type Copier = unsafe fn(*mut u8, *const u8, usize) -> usize;
type CopierOut = unsafe fn(*mut u8, *const u8, usize) -> usize;

/// A plain kernel copy (never short).
unsafe fn kcopy(dst: *mut u8, src: *const u8, n: usize) -> usize {
    // SAFETY: the callers' contracts.
    unsafe { core::ptr::copy_nonoverlapping(src, dst, n) };
    0
}

/// A copy from user memory: the bytes not copied.
unsafe fn from_user(dst: *mut u8, src: *const u8, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // SAFETY: the callers' contracts (a user window or nothing is copied).
    unsafe { kapi_copy_from_user(dst as *mut c_void, src as *const c_void, n) }
}

/// A copy to user memory: the bytes not copied.
unsafe fn to_user(dst: *mut u8, src: *const u8, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // SAFETY: as above.
    unsafe { kapi_copy_to_user(dst as *mut c_void, src as *const c_void, n) }
}

/// `__kfifo_alloc(fifo, size, esize, gfp)`: size rounded up to a power of
/// two; -EINVAL below 2, -ENOMEM.
///
/// # Safety
/// `fifo` is valid for writes.
pub unsafe extern "C" fn kapi_kfifo_alloc(
    fifo: *mut Kfifo,
    size: c_uint,
    esize: usize,
    gfp: u32,
) -> c_int {
    let size = (size as u64).next_power_of_two();
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    f.inp = 0;
    f.out = 0;
    f.esize = esize as c_uint;
    if size < 2 || size > u32::MAX as u64 / 2 {
        f.data = core::ptr::null_mut();
        f.mask = 0;
        return -Errno::EINVAL.code();
    }
    let p = kmalloc(size as usize * esize.max(1), gfp) as *mut u8;
    if p.is_null() {
        f.mask = 0;
        f.data = core::ptr::null_mut();
        return -Errno::ENOMEM.code();
    }
    f.data = p;
    f.mask = size as c_uint - 1;
    0
}

/// `__kfifo_free(fifo)`.
///
/// # Safety
/// `fifo` was set up by `__kfifo_alloc`.
pub unsafe extern "C" fn kapi_kfifo_free(fifo: *mut Kfifo) {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    // SAFETY: the buffer came from kmalloc (or is NULL).
    unsafe { kfree(f.data as *const c_void) };
    f.inp = 0;
    f.out = 0;
    f.esize = 0;
    f.data = core::ptr::null_mut();
    f.mask = 0;
}

/// `__kfifo_init(fifo, buffer, size, esize)`: size rounded down to a
/// power of two.
///
/// # Safety
/// `fifo` is valid; `buffer` holds `size` elements.
pub unsafe extern "C" fn kapi_kfifo_init(
    fifo: *mut Kfifo,
    buffer: *mut c_void,
    size: c_uint,
    esize: usize,
) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    let size = size / esize.max(1) as c_uint;
    let size = if size.is_power_of_two() || size == 0 {
        size
    } else {
        1 << (31 - size.leading_zeros())
    };
    f.inp = 0;
    f.out = 0;
    f.esize = esize as c_uint;
    f.data = buffer as *mut u8;
    if size < 2 {
        f.mask = 0;
        return -Errno::EINVAL.code();
    }
    f.mask = size - 1;
    0
}

/// `__kfifo_in(fifo, buf, len)`: elements put in.
///
/// # Safety
/// `fifo` is a set-up fifo; `buf` holds `len` elements.
pub unsafe extern "C" fn kapi_kfifo_in(
    fifo: *mut Kfifo,
    buf: *const c_void,
    len: c_uint,
) -> c_uint {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    let len = len.min(f.unused());
    // SAFETY: per the contract.
    unsafe { f.copy_in(buf as *const u8, len, f.inp, kcopy) };
    core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
    f.inp = f.inp.wrapping_add(len);
    len
}

/// `__kfifo_out_peek(fifo, buf, len)`: elements copied, not taken.
///
/// # Safety
/// `fifo` is a set-up fifo; `buf` has room for `len` elements.
pub unsafe extern "C" fn kapi_kfifo_out_peek(
    fifo: *mut Kfifo,
    buf: *mut c_void,
    len: c_uint,
) -> c_uint {
    // SAFETY: per the contract.
    let f = unsafe { &*fifo };
    let len = len.min(f.inp.wrapping_sub(f.out));
    core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
    // SAFETY: per the contract.
    unsafe { f.copy_out(buf as *mut u8, len, f.out, kcopy) };
    len
}

/// `__kfifo_out(fifo, buf, len)`: elements taken.
///
/// # Safety
/// As [`kapi_kfifo_out_peek`].
pub unsafe extern "C" fn kapi_kfifo_out(fifo: *mut Kfifo, buf: *mut c_void, len: c_uint) -> c_uint {
    // SAFETY: per the contract.
    unsafe {
        let n = kapi_kfifo_out_peek(fifo, buf, len);
        (*fifo).out = (*fifo).out.wrapping_add(n);
        n
    }
}

/// `__kfifo_from_user(fifo, from, len, copied)`: bytes of `len` (a
/// multiple of esize) from user memory; -EFAULT if none could be.
///
/// # Safety
/// `fifo` is a set-up fifo; `copied` is valid.
pub unsafe extern "C" fn kapi_kfifo_from_user(
    fifo: *mut Kfifo,
    from: *const c_void,
    len: u64,
    copied: *mut c_uint,
) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    let es = f.esize.max(1) as u64;
    let n = ((len / es) as u32).min(f.unused());
    // SAFETY: per the contract; short copies are accounted.
    let left = unsafe { f.copy_in(from as *const u8, n, f.inp, from_user) };
    let done = n - (left as u64).div_ceil(es) as u32;
    f.inp = f.inp.wrapping_add(done);
    // SAFETY: per the contract.
    unsafe { *copied = done * es as u32 };
    if left != 0 { -Errno::EFAULT.code() } else { 0 }
}

/// `__kfifo_to_user(fifo, to, len, copied)`.
///
/// # Safety
/// As [`kapi_kfifo_from_user`].
pub unsafe extern "C" fn kapi_kfifo_to_user(
    fifo: *mut Kfifo,
    to: *mut c_void,
    len: u64,
    copied: *mut c_uint,
) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    let es = f.esize.max(1) as u64;
    let n = ((len / es) as u32).min(f.inp.wrapping_sub(f.out));
    // SAFETY: per the contract.
    let left = unsafe { f.copy_out(to as *mut u8, n, f.out, to_user) };
    let done = n - (left as u64).div_ceil(es) as u32;
    f.out = f.out.wrapping_add(done);
    // SAFETY: per the contract.
    unsafe { *copied = done * es as u32 };
    if left != 0 { -Errno::EFAULT.code() } else { 0 }
}

/// `__kfifo_max_r(len, recsize)`: the longest record for that header.
pub extern "C" fn kapi_kfifo_max_r(len: c_uint, recsize: usize) -> c_uint {
    let max = (1u32 << (recsize * 8)) - 1;
    len.min(max)
}

/// `__kfifo_len_r(fifo, recsize)`: the next record's length.
///
/// # Safety
/// `fifo` is a set-up fifo.
pub unsafe extern "C" fn kapi_kfifo_len_r(fifo: *mut Kfifo, recsize: usize) -> c_uint {
    // SAFETY: per the contract.
    let f = unsafe { &*fifo };
    if f.inp == f.out {
        return 0;
    }
    f.peek_n(recsize)
}

/// `__kfifo_in_r(fifo, buf, len, recsize)`: one record of `len` bytes;
/// its length, or 0 when it does not fit.
///
/// # Safety
/// `fifo` is a set-up fifo; `buf` holds `len` bytes.
pub unsafe extern "C" fn kapi_kfifo_in_r(
    fifo: *mut Kfifo,
    buf: *const c_void,
    len: c_uint,
    recsize: usize,
) -> c_uint {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    if len as u64 + recsize as u64 > f.unused() as u64 {
        return 0;
    }
    f.poke_n(len, recsize);
    // SAFETY: per the contract.
    unsafe {
        f.copy_in(
            buf as *const u8,
            len,
            f.inp.wrapping_add(recsize as u32),
            kcopy,
        )
    };
    f.inp = f.inp.wrapping_add(len + recsize as u32);
    len
}

/// `__kfifo_out_peek_r(fifo, buf, len, recsize)`.
///
/// # Safety
/// `fifo` is a set-up fifo; `buf` has room for `len` bytes.
pub unsafe extern "C" fn kapi_kfifo_out_peek_r(
    fifo: *mut Kfifo,
    buf: *mut c_void,
    len: c_uint,
    recsize: usize,
) -> c_uint {
    // SAFETY: per the contract.
    let f = unsafe { &*fifo };
    if f.inp == f.out {
        return 0;
    }
    let n = f.peek_n(recsize).min(len);
    // SAFETY: per the contract.
    unsafe { f.copy_out(buf as *mut u8, n, f.out.wrapping_add(recsize as u32), kcopy) };
    n
}

/// `__kfifo_out_r(fifo, buf, len, recsize)`: the record (cut to `len`);
/// the whole record is taken.
///
/// # Safety
/// As [`kapi_kfifo_out_peek_r`].
pub unsafe extern "C" fn kapi_kfifo_out_r(
    fifo: *mut Kfifo,
    buf: *mut c_void,
    len: c_uint,
    recsize: usize,
) -> c_uint {
    // SAFETY: per the contract.
    unsafe {
        let f = &mut *fifo;
        if f.inp == f.out {
            return 0;
        }
        let whole = f.peek_n(recsize);
        let n = kapi_kfifo_out_peek_r(fifo, buf, len, recsize);
        f.out = f.out.wrapping_add(whole + recsize as u32);
        n
    }
}

/// `__kfifo_skip_r(fifo, recsize)`: drops the next record.
///
/// # Safety
/// `fifo` is a set-up fifo.
pub unsafe extern "C" fn kapi_kfifo_skip_r(fifo: *mut Kfifo, recsize: usize) {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    let n = f.peek_n(recsize);
    f.out = f.out.wrapping_add(n + recsize as u32);
}

/// `__kfifo_from_user_r(fifo, from, len, copied, recsize)`.
///
/// # Safety
/// As [`kapi_kfifo_from_user`].
pub unsafe extern "C" fn kapi_kfifo_from_user_r(
    fifo: *mut Kfifo,
    from: *const c_void,
    len: u64,
    copied: *mut c_uint,
    recsize: usize,
) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    let len = kapi_kfifo_max_r(len.min(u32::MAX as u64) as c_uint, recsize);
    if len + recsize as u32 > f.unused() {
        // SAFETY: per the contract.
        unsafe { *copied = 0 };
        return 0;
    }
    f.poke_n(len, recsize);
    // SAFETY: per the contract.
    let left = unsafe {
        f.copy_in(
            from as *const u8,
            len,
            f.inp.wrapping_add(recsize as u32),
            from_user,
        )
    };
    if left != 0 {
        // SAFETY: per the contract.
        unsafe { *copied = 0 };
        return -Errno::EFAULT.code();
    }
    f.inp = f.inp.wrapping_add(len + recsize as u32);
    // SAFETY: per the contract.
    unsafe { *copied = len };
    0
}

/// `__kfifo_to_user_r(fifo, to, len, copied, recsize)`.
///
/// # Safety
/// As [`kapi_kfifo_to_user`].
pub unsafe extern "C" fn kapi_kfifo_to_user_r(
    fifo: *mut Kfifo,
    to: *mut c_void,
    len: u64,
    copied: *mut c_uint,
    recsize: usize,
) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *fifo };
    if f.inp == f.out {
        // SAFETY: per the contract.
        unsafe { *copied = 0 };
        return 0;
    }
    let whole = f.peek_n(recsize);
    let n = whole.min(len.min(u32::MAX as u64) as u32);
    // SAFETY: per the contract.
    let left = unsafe {
        f.copy_out(
            to as *mut u8,
            n,
            f.out.wrapping_add(recsize as u32),
            to_user,
        )
    };
    if left != 0 {
        // SAFETY: per the contract.
        unsafe { *copied = 0 };
        return -Errno::EFAULT.code();
    }
    f.out = f.out.wrapping_add(whole + recsize as u32);
    // SAFETY: per the contract.
    unsafe { *copied = n };
    0
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("__kfifo_alloc", || kapi_kfifo_alloc as *const () as usize),
    ("__kfifo_free", || kapi_kfifo_free as *const () as usize),
    ("__kfifo_init", || kapi_kfifo_init as *const () as usize),
    ("__kfifo_in", || kapi_kfifo_in as *const () as usize),
    ("__kfifo_out", || kapi_kfifo_out as *const () as usize),
    ("__kfifo_out_peek", || {
        kapi_kfifo_out_peek as *const () as usize
    }),
    ("__kfifo_from_user", || {
        kapi_kfifo_from_user as *const () as usize
    }),
    ("__kfifo_to_user", || {
        kapi_kfifo_to_user as *const () as usize
    }),
    ("__kfifo_max_r", || kapi_kfifo_max_r as *const () as usize),
    ("__kfifo_len_r", || kapi_kfifo_len_r as *const () as usize),
    ("__kfifo_in_r", || kapi_kfifo_in_r as *const () as usize),
    ("__kfifo_out_peek_r", || {
        kapi_kfifo_out_peek_r as *const () as usize
    }),
    ("__kfifo_out_r", || kapi_kfifo_out_r as *const () as usize),
    ("__kfifo_skip_r", || kapi_kfifo_skip_r as *const () as usize),
    ("__kfifo_from_user_r", || {
        kapi_kfifo_from_user_r as *const () as usize
    }),
    ("__kfifo_to_user_r", || {
        kapi_kfifo_to_user_r as *const () as usize
    }),
];
