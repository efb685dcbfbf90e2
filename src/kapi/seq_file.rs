//! seq_file (Linux's include/linux/seq_file.h, fs/seq_file.c semantics):
//! a file generated record by record through the module's
//! start/next/stop/show, buffered a page (doubling while one record does
//! not fit), with Linux's restart rules: a read at the position the last
//! one ended continues; any other position replays the records from the
//! start up to it, so reads of any size and offset give the same bytes.
//! seq_printf is C (csrc/seq_file.c: variadic); it writes into `buf` at
//! `count` as this file does.

use alloc::boxed::Box;
use core::ffi::{c_char, c_int, c_void};

use super::AddrFn;
use super::fs::{File, Inode, call_op};
use super::uaccess::kapi_copy_to_user;
use crate::errno::Errno;
use crate::module::Module;

/// `struct seq_file` (include/linux/seq_file.h asserts the same layout).
#[repr(C)]
pub struct SeqFile {
    /// The page buffer (kernel memory), `size` bytes.
    pub buf: *mut u8,
    /// Its size.
    pub size: usize,
    /// Where the unread part of the buffer starts.
    pub from: usize,
    /// Bytes in the buffer (from `from`).
    pub count: usize,
    /// seq_pad's target.
    pub pad_until: usize,
    /// The record index (the `*pos` of start/next).
    pub index: i64,
    /// The file position the buffer's next byte is at.
    pub read_pos: i64,
    /// The module's seq_operations.
    pub op: *const SeqOps,
    /// Poll event counter.
    pub poll_event: c_int,
    /// The open file.
    pub file: *const File,
    /// The opener's data (single_open's data).
    pub private: *mut c_void,
    /// The kernel's: the module owning the ops.
    owner: *const Module,
}

/// `struct seq_operations`, Linux's order.
#[repr(C)]
pub struct SeqOps {
    /// `void *start(struct seq_file *, loff_t *pos)`.
    pub start: usize,
    /// `void stop(struct seq_file *, void *v)`.
    pub stop: usize,
    /// `void *next(struct seq_file *, void *v, loff_t *pos)`.
    pub next: usize,
    /// `int show(struct seq_file *, void *v)`.
    pub show: usize,
}

const _: () = {
    assert!(core::mem::size_of::<SeqFile>() == 96);
    assert!(core::mem::offset_of!(SeqFile, op) == 56);
    assert!(core::mem::offset_of!(SeqFile, private) == 80);
    assert!(core::mem::size_of::<SeqOps>() == 32);
};

const PAGE: usize = 4096;
const MAX_ERRNO: usize = 4095;

fn is_err(p: usize) -> bool {
    p >= MAX_ERRNO.wrapping_neg()
}

fn alloc_buf(size: usize) -> *mut u8 {
    Box::into_raw(alloc::vec![0u8; size].into_boxed_slice()) as *mut u8
}

fn free_buf(buf: *mut u8, size: usize) {
    if !buf.is_null() {
        // SAFETY: buf came from alloc_buf(size).
        drop(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(buf, size)) });
    }
}

/// Gives open file `f` a fresh seq_file over `op` (seq_open and
/// single_open), with the opener's `private` data; returns 0.
fn attach(f: &mut File, op: *const SeqOps, private: *mut c_void, owner: &Module) -> c_int {
    let m = Box::new(SeqFile {
        buf: core::ptr::null_mut(),
        size: 0,
        from: 0,
        count: 0,
        pad_until: 0,
        index: 0,
        read_pos: 0,
        op,
        poll_event: 0,
        file: f as *const File,
        private,
        owner,
    });
    f.private_data = Box::into_raw(m) as usize;
    0
}

impl SeqFile {
    fn owner(&self) -> &Module {
        // SAFETY: the open file holds the owner alive while the seq_file
        // (freed at release) exists.
        unsafe { &*self.owner }
    }

    fn ops(&self) -> &SeqOps {
        // SAFETY: checked at seq_open: the module's table (its memory
        // stays while calls are counted) or our single_open's.
        unsafe { &*self.op }
    }

    fn me(&mut self) -> usize {
        self as *mut SeqFile as usize
    }

    /// Calls one of the ops: ours directly, the module's through its
    /// boundary. A failed call (broken module) reads as `fail`.
    fn call(&mut self, f: usize, a: usize, b: usize, fail: usize) -> usize {
        let me = self.me();
        if f == single_start as *const () as usize {
            return single_start(me as *mut SeqFile, a as *mut i64);
        }
        if f == single_next as *const () as usize {
            return single_next(me as *mut SeqFile, a, b as *mut i64);
        }
        if f == single_stop as *const () as usize {
            return 0;
        }
        // SAFETY: f is one of the seq_operations that passed valid_op in
        // seq_open (the table lives in the module's memory, usually its
        // read-only data).
        unsafe { call_op(self.owner(), f, [me, a, b, 0], false) }.unwrap_or(fail)
    }

    fn start(&mut self) -> usize {
        let f = self.ops().start;
        let pos = &mut self.index as *mut i64 as usize;
        self.call(f, pos, 0, (-(Errno::EIO.code() as isize)) as usize)
    }

    fn next(&mut self, v: usize) -> usize {
        let f = self.ops().next;
        let pos = &mut self.index as *mut i64 as usize;
        self.call(f, v, pos, 0)
    }

    fn stop(&mut self, v: usize) {
        let f = self.ops().stop;
        self.call(f, v, 0, 0);
    }

    fn show(&mut self, v: usize) -> c_int {
        let f = self.ops().show;
        self.call(f, v, 0, (-Errno::EIO.code()) as usize) as c_int
    }

    fn overflowed(&self) -> bool {
        self.count == self.size
    }

    /// A bigger buffer after a record did not fit in this one.
    fn grow(&mut self) -> Result<(), c_int> {
        free_buf(self.buf, self.size);
        self.count = 0;
        self.size *= 2;
        self.buf = alloc_buf(self.size);
        Ok(())
    }

    /// Replays the records from the start up to file position `offset`
    /// (Linux's traverse); Err(EAGAIN) asks for a retry after growing.
    fn traverse(&mut self, offset: i64) -> Result<(), c_int> {
        self.index = 0;
        self.count = 0;
        self.from = 0;
        if offset == 0 {
            return Ok(());
        }
        let mut pos: i64 = 0;
        let mut p = self.start();
        let mut err = 0;
        while p != 0 {
            if is_err(p) {
                err = p as isize as c_int;
                break;
            }
            let r = self.show(p);
            if r < 0 {
                err = r;
                break;
            }
            if r > 0 {
                self.count = 0;
            }
            if self.overflowed() {
                self.stop(p);
                self.grow()?;
                return Err(-Errno::EAGAIN.code());
            }
            p = self.next(p);
            if pos + self.count as i64 > offset {
                self.from = (offset - pos) as usize;
                self.count -= self.from;
                break;
            }
            pos += self.count as i64;
            self.count = 0;
            if pos == offset {
                break;
            }
        }
        self.stop(p);
        if err != 0 { Err(err) } else { Ok(()) }
    }

    /// Gets one non-empty record into the buffer (growing it while a
    /// record overflows): Ok(Some(v)) with the record's `v`, Ok(None) at
    /// the end (stopped), Err on an error (stopped).
    fn first_record(&mut self) -> Result<Option<usize>, c_int> {
        self.from = 0;
        let mut p = self.start();
        loop {
            if p == 0 || is_err(p) {
                self.stop(p);
                self.count = 0;
                return if p == 0 {
                    Ok(None)
                } else {
                    Err(p as isize as c_int)
                };
            }
            let r = self.show(p);
            if r < 0 {
                self.stop(p);
                self.count = 0;
                return Err(r);
            }
            if r > 0 {
                self.count = 0;
            }
            if self.count == 0 {
                p = self.next(p);
                continue;
            }
            if !self.overflowed() {
                return Ok(Some(p));
            }
            self.stop(p);
            self.grow()?;
            p = self.start();
        }
    }

    /// Adds more records after the first while they fit and the reader
    /// wants more than the buffer holds; then stops.
    fn more_records(&mut self, mut p: usize, want: usize) {
        loop {
            let offs = self.count;
            let pos = self.index;
            p = self.next(p);
            if pos == self.index {
                self.index += 1;
            }
            if p == 0 || is_err(p) || self.count >= want {
                break;
            }
            let r = self.show(p);
            if r > 0 {
                self.count = offs;
            } else if r < 0 || self.overflowed() {
                self.count = offs;
                break;
            }
        }
        self.stop(p);
    }

    /// Copies buffered bytes to the reader: how many.
    fn drain(&mut self, ubuf: usize, len: usize) -> usize {
        let n = self.count.min(len);
        // SAFETY: buf holds from + count bytes.
        let src = unsafe { self.buf.add(self.from) };
        // SAFETY: src is ours; ubuf is checked against the user window.
        let left = unsafe { kapi_copy_to_user(ubuf as *mut c_void, src as *const c_void, n) };
        let done = n - left;
        self.count -= done;
        self.from += done;
        done
    }
}

/// The seq_file of an open file.
///
/// # Safety
/// `file` is an open file.
unsafe fn seq_of<'a>(file: *mut File) -> Option<&'a mut SeqFile> {
    // SAFETY: per the contract; private_data was set by seq_open.
    unsafe { ((*file).private_data as *mut SeqFile).as_mut() }
}

/// `seq_open(file, op)`: 0, or -EINVAL for ops that are not the module's.
///
/// # Safety
/// `file` is an open file; `op` its module's seq_operations.
pub unsafe extern "C" fn kapi_seq_open(file: *mut File, op: *const SeqOps) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *file };
    // SAFETY: the open file holds its owner.
    let owner = unsafe { f.owner.as_ref() };
    let ours = |o: &Module| {
        // SAFETY: the table is in the module's memory (checked first).
        o.contains(op as usize) && {
            let t = unsafe { &*op };
            [t.start, t.stop, t.next, t.show]
                .iter()
                .all(|&x| super::fs::valid_op(o, x))
        }
    };
    let Some(owner) = owner.filter(|o| ours(o)) else {
        return -Errno::EINVAL.code();
    };
    attach(f, op, core::ptr::null_mut(), owner)
}

/// `seq_read(file, buf, size, ppos)`.
///
/// # Safety
/// `file` is open with seq_open; `ppos` valid.
pub unsafe extern "C" fn kapi_seq_read(
    file: *mut File,
    ubuf: usize,
    size: usize,
    ppos: *mut i64,
) -> isize {
    // SAFETY: per the contract.
    let (Some(m), pos) = (unsafe { seq_of(file) }, unsafe { *ppos }) else {
        return -(Errno::EINVAL.code() as isize);
    };
    match seq_read_at(m, ubuf, size, pos) {
        Ok(n) => {
            // SAFETY: per the contract.
            unsafe { *ppos = pos + n as i64 };
            n as isize
        }
        Err(e) => e as isize,
    }
}

fn seq_read_at(m: &mut SeqFile, ubuf: usize, size: usize, pos: i64) -> Result<usize, c_int> {
    if size == 0 {
        return Ok(0);
    }
    if m.buf.is_null() {
        m.size = PAGE;
        m.buf = alloc_buf(PAGE);
    }
    if pos == 0 {
        m.index = 0;
        m.count = 0;
    }
    if pos != m.read_pos {
        loop {
            match m.traverse(pos) {
                Err(e) if e == -Errno::EAGAIN.code() => continue,
                Err(e) => {
                    m.read_pos = 0;
                    m.index = 0;
                    m.count = 0;
                    return Err(e);
                }
                Ok(()) => break,
            }
        }
        m.read_pos = pos;
    }
    let mut copied = 0;
    if m.count > 0 {
        copied = m.drain(ubuf, size);
        if m.count > 0 || copied == size {
            m.read_pos += copied as i64;
            return if copied == 0 {
                Err(-Errno::EFAULT.code())
            } else {
                Ok(copied)
            };
        }
    }
    match m.first_record() {
        Ok(Some(p)) => {
            m.more_records(p, size - copied);
            m.from = 0;
            copied += m.drain(ubuf + copied, size - copied);
        }
        Ok(None) => {}
        Err(e) if copied == 0 => return Err(e),
        Err(_) => {}
    }
    m.read_pos += copied as i64;
    Ok(copied)
}

/// `seq_lseek(file, offset, whence)`: SEEK_SET and SEEK_CUR.
///
/// # Safety
/// `file` is open with seq_open.
pub unsafe extern "C" fn kapi_seq_lseek(file: *mut File, offset: i64, whence: c_int) -> i64 {
    // SAFETY: per the contract.
    let Some(m) = (unsafe { seq_of(file) }) else {
        return -i64::from(Errno::EINVAL.code());
    };
    // SAFETY: per the contract.
    let f = unsafe { &mut *file };
    let target = match whence {
        0 => offset,
        1 => f.f_pos.saturating_add(offset),
        _ => return -i64::from(Errno::EINVAL.code()),
    };
    if target < 0 {
        return -i64::from(Errno::EINVAL.code());
    }
    if target != m.read_pos {
        if m.buf.is_null() {
            m.size = PAGE;
            m.buf = alloc_buf(PAGE);
        }
        while let Err(e) = m.traverse(target) {
            if e != -Errno::EAGAIN.code() {
                m.read_pos = 0;
                m.index = 0;
                m.count = 0;
                f.f_pos = 0;
                return i64::from(e);
            }
        }
        m.read_pos = target;
    }
    f.f_pos = target;
    target
}

/// `seq_release(inode, file)`: frees the seq_file.
///
/// # Safety
/// `file` is open with seq_open.
pub unsafe extern "C" fn kapi_seq_release(_inode: *mut Inode, file: *mut File) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *file };
    if f.private_data != 0 {
        // SAFETY: set by seq_open from Box::into_raw.
        let m = unsafe { Box::from_raw(f.private_data as *mut SeqFile) };
        free_buf(m.buf, m.size);
        f.private_data = 0;
    }
    0
}

extern "C" fn single_start(_m: *mut SeqFile, pos: *mut i64) -> usize {
    // SAFETY: called by seq_read with its own seq_file and index.
    if unsafe { *pos } == 0 { 1 } else { 0 }
}

extern "C" fn single_next(_m: *mut SeqFile, _v: usize, pos: *mut i64) -> usize {
    // SAFETY: as single_start.
    unsafe { *pos += 1 };
    0
}

extern "C" fn single_stop(_m: *mut SeqFile, _v: usize) {}

/// `single_open(file, show, data)`: a seq_file of one record, `show`.
///
/// # Safety
/// `file` is an open file; `show` its module's code.
pub unsafe extern "C" fn kapi_single_open(
    file: *mut File,
    show: usize,
    data: *mut c_void,
) -> c_int {
    // SAFETY: per the contract.
    let f = unsafe { &mut *file };
    // SAFETY: the open file holds its owner.
    let Some(owner) = (unsafe { f.owner.as_ref() }) else {
        return -Errno::EINVAL.code();
    };
    if !owner.is_code(show) {
        return -Errno::EINVAL.code();
    }
    let ops = Box::into_raw(Box::new(SeqOps {
        start: single_start as *const () as usize,
        stop: single_stop as *const () as usize,
        next: single_next as *const () as usize,
        show,
    }));
    attach(f, ops, data, owner)
}

/// `single_open_size(file, show, data, size)`: the buffer's first size.
///
/// # Safety
/// As single_open.
pub unsafe extern "C" fn kapi_single_open_size(
    file: *mut File,
    show: usize,
    data: *mut c_void,
    size: usize,
) -> c_int {
    // SAFETY: per the contract.
    let r = unsafe { kapi_single_open(file, show, data) };
    // SAFETY: single_open just set it.
    if let (0, Some(m)) = (r, unsafe { seq_of(file) }) {
        m.size = size.max(PAGE);
        m.buf = alloc_buf(m.size);
    }
    r
}

/// `single_release(inode, file)`.
///
/// # Safety
/// `file` is open with single_open.
pub unsafe extern "C" fn kapi_single_release(inode: *mut Inode, file: *mut File) -> c_int {
    // SAFETY: per the contract: its ops are single_open's box.
    let op = unsafe { seq_of(file) }.map(|m| m.op as *mut SeqOps);
    // SAFETY: per the contract.
    let r = unsafe { kapi_seq_release(inode, file) };
    if let Some(op) = op {
        // SAFETY: allocated by single_open with Box::into_raw.
        drop(unsafe { Box::from_raw(op) });
    }
    r
}

/// `seq_write(m, data, len)`: 0, or -1 (overflow: the record is redone).
///
/// # Safety
/// `m` is a seq_file in a show call; `data` holds `len` bytes.
pub unsafe extern "C" fn kapi_seq_write(m: *mut SeqFile, data: *const c_void, len: usize) -> c_int {
    // SAFETY: per the contract.
    let m = unsafe { &mut *m };
    if m.count + len < m.size {
        // SAFETY: buf has size bytes; count + len fits.
        unsafe { core::ptr::copy_nonoverlapping(data as *const u8, m.buf.add(m.count), len) };
        m.count += len;
        0
    } else {
        m.count = m.size;
        -1
    }
}

/// `seq_puts(m, s)`.
///
/// # Safety
/// `m` is a seq_file in a show call; `s` a C string.
pub unsafe extern "C" fn kapi_seq_puts(m: *mut SeqFile, s: *const c_char) {
    // SAFETY: per the contract.
    let b = unsafe { core::ffi::CStr::from_ptr(s) }.to_bytes();
    // SAFETY: per the contract.
    unsafe { kapi_seq_write(m, b.as_ptr() as *const c_void, b.len()) };
}

/// `seq_putc(m, c)`.
///
/// # Safety
/// `m` is a seq_file in a show call.
pub unsafe extern "C" fn kapi_seq_putc(m: *mut SeqFile, c: c_char) {
    let b = [c as u8];
    // SAFETY: per the contract.
    unsafe { kapi_seq_write(m, b.as_ptr() as *const c_void, 1) };
}

unsafe extern "C" {
    fn starry_kmod_seq_printf(m: *mut c_void, fmt: *const c_char, ...);
    fn starry_kmod_seq_vprintf(m: *mut c_void, fmt: *const c_char, ap: *mut c_void);
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("seq_open", || kapi_seq_open as *const () as usize),
    ("seq_read", || kapi_seq_read as *const () as usize),
    ("seq_lseek", || kapi_seq_lseek as *const () as usize),
    ("seq_release", || kapi_seq_release as *const () as usize),
    ("single_open", || kapi_single_open as *const () as usize),
    ("single_open_size", || {
        kapi_single_open_size as *const () as usize
    }),
    ("single_release", || {
        kapi_single_release as *const () as usize
    }),
    ("seq_write", || kapi_seq_write as *const () as usize),
    ("seq_puts", || kapi_seq_puts as *const () as usize),
    ("seq_putc", || kapi_seq_putc as *const () as usize),
    ("seq_printf", || {
        starry_kmod_seq_printf as *const () as usize
    }),
    ("seq_vprintf", || {
        starry_kmod_seq_vprintf as *const () as usize
    }),
];
