//! debugfs for modules (Linux's include/linux/debugfs.h), at
//! /sys/kernel/debug: debugfs_create_dir, _file (_unsafe), _bool,
//! _u8/_u16/_u32/_u64, _x8/_x16/_x32/_x64, _ulong, _size_t, _blob,
//! debugfs_remove (and _recursive), debugfs_lookup,
//! debugfs_lookup_and_remove, debugfs_initialized; dput.
//!
//! The entries are `crate::pde`'s (in the debugfs tree): a module's
//! file_operations are called as its proc_ops are, through its boundary;
//! the value files are read and written by the kernel functions below,
//! called through the same boundary (they read the module's variable).
//! Handles are the entries' dentries; errors are ERR_PTR(-errno), and an
//! ERR_PTR parent is handed back, as Linux's.

use alloc::sync::Arc;
use core::ffi::{c_char, c_void};

use super::AddrFn;
use super::fs::File;
use super::uaccess::{kapi_copy_from_user, kapi_copy_to_user};
use crate::errno::Errno;
use crate::pde::{self, Fs, NewEntry, Ops, Pde, Value};

/// Linux's MAX_ERRNO: pointers in the last 4095 bytes are ERR_PTRs.
const MAX_ERRNO: usize = 4095;

fn is_err(p: usize) -> bool {
    p > usize::MAX - MAX_ERRNO
}

fn err_ptr(e: Errno) -> *mut c_void {
    (-(e.code() as isize)) as usize as *mut c_void
}

/// The parent a module passed: NULL is the debugfs root.
fn parent_of(parent: *mut c_void) -> Result<Option<Arc<Pde>>, *mut c_void> {
    let p = parent as usize;
    if p == 0 {
        return Ok(None);
    }
    if is_err(p) {
        return Err(parent);
    }
    match pde::by_dentry(p) {
        Some(d) if d.value().is_none() => Ok(Some(d)),
        _ => Err(err_ptr(Errno::EINVAL)),
    }
}

/// # Safety
/// `name` is NULL or a C string.
unsafe fn create(
    name: *const c_char,
    mode: u16,
    parent: *mut c_void,
    data: usize,
    ops: Ops,
    dir: bool,
) -> *mut c_void {
    if name.is_null() {
        return err_ptr(Errno::EINVAL);
    }
    // SAFETY: per the contract.
    let n = unsafe { core::ffi::CStr::from_ptr(name) }.to_bytes();
    let parent = match parent_of(parent) {
        Ok(p) => p,
        Err(e) => return e,
    };
    match pde::create(NewEntry {
        name: n,
        mode,
        parent,
        ops,
        fs: Fs::Debug,
        data,
        dir,
        hint: name as usize,
    }) {
        Ok(p) => p.dentry_ptr() as *mut c_void,
        Err(e) => err_ptr(e),
    }
}

/// `debugfs_create_dir(name, parent)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_debugfs_create_dir(
    name: *const c_char,
    parent: *mut c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { create(name, 0, parent, 0, Ops::Proc(0), true) }
}

/// `debugfs_create_file(name, mode, parent, data, fops)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_debugfs_create_file(
    name: *const c_char,
    mode: u16,
    parent: *mut c_void,
    data: *mut c_void,
    fops: *const c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe {
        create(
            name,
            mode,
            parent,
            data as usize,
            Ops::Fops(fops as usize),
            false,
        )
    }
}

macro_rules! value_file {
    ($fn:ident, $linux:literal, $value:expr) => {
        #[doc = concat!("`", $linux, "(name, mode, parent, value)`.")]
        ///
        /// # Safety
        /// `name` is a C string; `value` the module's variable.
        pub unsafe extern "C" fn $fn(
            name: *const c_char,
            mode: u16,
            parent: *mut c_void,
            value: *mut c_void,
        ) -> *mut c_void {
            // SAFETY: per the contract.
            unsafe {
                create(
                    name,
                    mode,
                    parent,
                    value as usize,
                    Ops::Value($value),
                    false,
                )
            }
        }
    };
}

value_file!(kapi_debugfs_create_bool, "debugfs_create_bool", Value::Bool);
value_file!(
    kapi_debugfs_create_u8,
    "debugfs_create_u8",
    Value::Unsigned(1)
);
value_file!(
    kapi_debugfs_create_u16,
    "debugfs_create_u16",
    Value::Unsigned(2)
);
value_file!(
    kapi_debugfs_create_u32,
    "debugfs_create_u32",
    Value::Unsigned(4)
);
value_file!(
    kapi_debugfs_create_u64,
    "debugfs_create_u64",
    Value::Unsigned(8)
);
value_file!(kapi_debugfs_create_x8, "debugfs_create_x8", Value::Hex(1));
value_file!(kapi_debugfs_create_x16, "debugfs_create_x16", Value::Hex(2));
value_file!(kapi_debugfs_create_x32, "debugfs_create_x32", Value::Hex(4));
value_file!(kapi_debugfs_create_x64, "debugfs_create_x64", Value::Hex(8));
value_file!(kapi_debugfs_create_blob, "debugfs_create_blob", Value::Blob);
value_file!(
    kapi_debugfs_create_ulong,
    "debugfs_create_ulong",
    Value::Unsigned(core::mem::size_of::<usize>() as u8)
);
value_file!(
    kapi_debugfs_create_size_t,
    "debugfs_create_size_t",
    Value::Unsigned(core::mem::size_of::<usize>() as u8)
);

/// `debugfs_remove(dentry)` (and debugfs_remove_recursive): the entry
/// and everything under it; NULL and ERR_PTRs are ignored.
pub extern "C" fn kapi_debugfs_remove(dentry: *mut c_void) {
    let d = dentry as usize;
    if d == 0 || is_err(d) {
        return;
    }
    if let Some(p) = pde::by_dentry(d) {
        pde::remove(&p);
    }
}

/// # Safety
/// `name` is NULL or a C string.
unsafe fn lookup(name: *const c_char, parent: *mut c_void) -> Option<Arc<Pde>> {
    if name.is_null() {
        return None;
    }
    // SAFETY: per the contract.
    let n = unsafe { core::ffi::CStr::from_ptr(name) }.to_str().ok()?;
    let parent = parent_of(parent).ok()?;
    pde::by_name_in(Fs::Debug, n, parent.as_ref())
}

/// `debugfs_lookup(name, parent)`: the entry's dentry, or NULL (Linux
/// takes a reference the caller drops with dput; entries here live until
/// removed, so dput has nothing to drop).
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_debugfs_lookup(
    name: *const c_char,
    parent: *mut c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { lookup(name, parent) }.map_or(core::ptr::null_mut(), |p| p.dentry_ptr() as *mut c_void)
}

/// `debugfs_lookup_and_remove(name, parent)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_debugfs_lookup_and_remove(name: *const c_char, parent: *mut c_void) {
    // SAFETY: per the contract.
    if let Some(p) = unsafe { lookup(name, parent) } {
        pde::remove(&p);
    }
}

/// `debugfs_initialized()`: always.
pub extern "C" fn kapi_debugfs_initialized() -> bool {
    true
}

/// `dput(dentry)`: dentries here are the entries' own.
pub extern "C" fn kapi_dput(_dentry: *mut c_void) {}

/// The value file behind an open file (its dentry's entry) and its data.
///
/// # Safety
/// `file` is a `struct file` of a debugfs entry.
unsafe fn value_of(file: *const File) -> Option<(Value, usize)> {
    // SAFETY: per the contract: the kernel built this file for the entry.
    let (dentry, inode) = unsafe { ((*file).f_path_dentry as usize, (*file).f_inode) };
    let p = pde::by_dentry(dentry)?;
    // SAFETY: the entry's own inode.
    Some((p.value()?, unsafe { (*inode).i_private }))
}

/// The text of a value file, as Linux's debugfs shows it.
///
/// # Safety
/// `data` is the module's variable of the value's kind.
unsafe fn render(v: Value, data: usize) -> alloc::vec::Vec<u8> {
    // SAFETY: per the contract (an integer of its width, or a bool).
    let int = |w: u8| unsafe {
        match w {
            1 => *(data as *const u8) as u64,
            2 => (data as *const u16).read_unaligned() as u64,
            4 => (data as *const u32).read_unaligned() as u64,
            _ => (data as *const u64).read_unaligned(),
        }
    };
    match v {
        Value::Bool => {
            // SAFETY: per the contract.
            let b = unsafe { *(data as *const u8) } != 0;
            (if b { "Y\n" } else { "N\n" }).into()
        }
        Value::Unsigned(w) => alloc::format!("{}\n", int(w)).into_bytes(),
        Value::Hex(w) => {
            alloc::format!("0x{:0width$x}\n", int(w), width = 2 * w as usize).into_bytes()
        }
        Value::Blob => {
            // SAFETY: a struct debugfs_blob_wrapper { void *data; unsigned
            // long size; } of the module's.
            let (p, n) = unsafe {
                (
                    (data as *const usize).read_unaligned(),
                    ((data + 8) as *const usize).read_unaligned(),
                )
            };
            if p == 0 {
                return alloc::vec::Vec::new();
            }
            // SAFETY: the module's blob of n bytes.
            unsafe { core::slice::from_raw_parts(p as *const u8, n) }.to_vec()
        }
    }
}

/// The read op of value files (a kernel function called through the
/// module's boundary): simple_read_from_buffer of the value's text.
///
/// # Safety
/// Called by `crate::pde` with a debugfs value file's `struct file`, a
/// user buffer and `ppos`.
pub unsafe extern "C" fn value_read(
    file: *mut File,
    buf: *mut u8,
    len: usize,
    ppos: *mut i64,
) -> isize {
    // SAFETY: per the contract.
    let Some((v, data)) = (unsafe { value_of(file) }) else {
        return -(Errno::EIO.code() as isize);
    };
    // SAFETY: the entry's data is the module's variable of this kind.
    let text = unsafe { render(v, data) };
    // SAFETY: ppos is the caller's position.
    let pos = unsafe { *ppos };
    if pos < 0 {
        return -(Errno::EINVAL.code() as isize);
    }
    let pos = pos as usize;
    if pos >= text.len() {
        return 0;
    }
    let n = len.min(text.len() - pos);
    // SAFETY: copy_to_user checks the user window.
    let left = unsafe { kapi_copy_to_user(buf.cast(), text[pos..].as_ptr().cast(), n) };
    if left == n && n != 0 {
        return -(Errno::EFAULT.code() as isize);
    }
    // SAFETY: as above.
    unsafe { *ppos += (n - left) as i64 };
    (n - left) as isize
}

/// The write op of value files: the text parsed as Linux's debugfs does
/// (kstrtobool; kstrtoull base 0 stored truncated to the width); a blob
/// is read-only.
///
/// # Safety
/// As [`value_read`].
pub unsafe extern "C" fn value_write(
    file: *mut File,
    buf: *const u8,
    len: usize,
    _ppos: *mut i64,
) -> isize {
    // SAFETY: per the contract.
    let Some((v, data)) = (unsafe { value_of(file) }) else {
        return -(Errno::EIO.code() as isize);
    };
    let mut text = [0u8; 32];
    let n = len.min(text.len() - 1);
    // SAFETY: copy_from_user checks the user window.
    if unsafe { kapi_copy_from_user(text.as_mut_ptr().cast(), buf.cast(), n) } != 0 {
        return -(Errno::EFAULT.code() as isize);
    }
    let text = &text[..n];
    let text = &text[..text.iter().position(|&c| c == 0).unwrap_or(n)];
    let r = match v {
        Value::Blob => Err(Errno::EPERM),
        Value::Bool => super::kstrtox::kstrtobool_bytes(text).map(|b| {
            // SAFETY: the module's bool.
            unsafe { *(data as *mut u8) = b as u8 };
        }),
        Value::Unsigned(w) | Value::Hex(w) => {
            super::kstrtox::kstrtoull_bytes(text, 0).map(|x| {
                // SAFETY: the module's integer of width w.
                unsafe {
                    match w {
                        1 => *(data as *mut u8) = x as u8,
                        2 => (data as *mut u16).write_unaligned(x as u16),
                        4 => (data as *mut u32).write_unaligned(x as u32),
                        _ => (data as *mut u64).write_unaligned(x),
                    }
                }
            })
        }
    };
    match r {
        Ok(()) => len as isize,
        Err(e) => -(e.code() as isize),
    }
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("debugfs_create_dir", || {
        kapi_debugfs_create_dir as *const () as usize
    }),
    ("debugfs_create_file", || {
        kapi_debugfs_create_file as *const () as usize
    }),
    ("debugfs_create_file_unsafe", || {
        kapi_debugfs_create_file as *const () as usize
    }),
    ("debugfs_create_bool", || {
        kapi_debugfs_create_bool as *const () as usize
    }),
    ("debugfs_create_u8", || {
        kapi_debugfs_create_u8 as *const () as usize
    }),
    ("debugfs_create_u16", || {
        kapi_debugfs_create_u16 as *const () as usize
    }),
    ("debugfs_create_u32", || {
        kapi_debugfs_create_u32 as *const () as usize
    }),
    ("debugfs_create_u64", || {
        kapi_debugfs_create_u64 as *const () as usize
    }),
    ("debugfs_create_x8", || {
        kapi_debugfs_create_x8 as *const () as usize
    }),
    ("debugfs_create_x16", || {
        kapi_debugfs_create_x16 as *const () as usize
    }),
    ("debugfs_create_x32", || {
        kapi_debugfs_create_x32 as *const () as usize
    }),
    ("debugfs_create_x64", || {
        kapi_debugfs_create_x64 as *const () as usize
    }),
    ("debugfs_create_ulong", || {
        kapi_debugfs_create_ulong as *const () as usize
    }),
    ("debugfs_create_size_t", || {
        kapi_debugfs_create_size_t as *const () as usize
    }),
    ("debugfs_create_blob", || {
        kapi_debugfs_create_blob as *const () as usize
    }),
    ("debugfs_remove", || {
        kapi_debugfs_remove as *const () as usize
    }),
    ("debugfs_lookup", || {
        kapi_debugfs_lookup as *const () as usize
    }),
    ("debugfs_lookup_and_remove", || {
        kapi_debugfs_lookup_and_remove as *const () as usize
    }),
    ("debugfs_initialized", || {
        kapi_debugfs_initialized as *const () as usize
    }),
    ("dput", || kapi_dput as *const () as usize),
];
