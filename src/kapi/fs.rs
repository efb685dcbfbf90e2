//! Files as modules see them (Linux's include/linux/fs.h): the layouts of
//! `struct file`, `struct inode`, `struct dentry` shared with
//! `sample-modules/include/linux/fs.h` (asserted on both sides), calling a
//! file's callbacks through the owning module's boundary, and the generic
//! helpers (simple_read_from_buffer, the llseeks).

use core::ffi::{c_int, c_void};

use super::AddrFn;
use super::uaccess::{kapi_copy_from_user, kapi_copy_to_user};
use crate::errno::Errno;
use crate::module::Module;

/// `struct qstr`.
#[repr(C)]
pub struct Qstr {
    /// Hash (unused: 0).
    pub hash: u32,
    /// Name length.
    pub len: u32,
    /// NUL-terminated name.
    pub name: *const u8,
}

/// `struct dentry` (the fields modules read).
#[repr(C)]
pub struct Dentry {
    /// Its name.
    pub d_name: Qstr,
    /// Its inode.
    pub d_inode: *mut Inode,
    /// Its parent (itself at a root).
    pub d_parent: *mut Dentry,
}

/// `struct inode` (the fields modules read).
#[repr(C)]
pub struct Inode {
    /// Type and permission bits.
    pub i_mode: u16,
    /// Owner (`kuid_t`).
    pub i_uid: u32,
    /// Group (`kgid_t`).
    pub i_gid: u32,
    /// Size `stat` reports.
    pub i_size: i64,
    /// The creator's data (proc_create_data, debugfs_create_file).
    pub i_private: usize,
}

/// `struct file`: one per open.
#[repr(C)]
pub struct File {
    /// `f_path.mnt` (NULL).
    pub f_path_mnt: usize,
    /// `f_path.dentry`.
    pub f_path_dentry: *mut Dentry,
    /// Its inode.
    pub f_inode: *mut Inode,
    /// Its file_operations (debugfs, chardevs), or NULL.
    pub f_op: usize,
    /// Open flags.
    pub f_flags: u32,
    /// FMODE_* bits.
    pub f_mode: u32,
    /// Position of read(2)/write(2).
    pub f_pos: i64,
    /// The opener's data (seq_file, ...).
    pub private_data: usize,
    /// The kernel's: the module owning its callbacks (`*const Module`,
    /// kept alive by the open file holding it).
    pub owner: *const Module,
}

const _: () = {
    assert!(core::mem::size_of::<File>() == 64);
    assert!(core::mem::offset_of!(File, f_inode) == 16);
    assert!(core::mem::offset_of!(File, f_pos) == 40);
    assert!(core::mem::offset_of!(File, private_data) == 48);
    assert!(core::mem::size_of::<Inode>() == 32);
    assert!(core::mem::offset_of!(Inode, i_private) == 24);
    assert!(core::mem::size_of::<Dentry>() == 32);
};

/// Calls `f(a0..a3)` (four integer arguments) for the protected boundary,
/// which passes three: the fourth goes through a block.
extern "C" fn call4(f: usize, block: *const [usize; 4], _: usize) -> usize {
    // SAFETY: `block` is the caller's array, live for the call.
    let a = unsafe { *block };
    // SAFETY: the caller checked that f is module code (or a kernel
    // function) taking at most four integer arguments.
    let f: extern "C" fn(usize, usize, usize, usize) -> usize = unsafe { core::mem::transmute(f) };
    f(a[0], a[1], a[2], a[3])
}

/// Calls a callback `f` registered by module `m` (or a kernel function
/// named in its ops, as `seq_read`), with up to four arguments, through
/// `m`'s boundary: EIO once `m` is broken or going, EFAULT on an Oops.
/// `unchecked` is for teardown (release at removal while `m` is going).
///
/// # Safety
/// `f` passed [`valid_op`] for `m` and takes the arguments given.
pub unsafe fn call_op(
    m: &Module,
    f: usize,
    args: [usize; 4],
    unchecked: bool,
) -> Result<usize, Errno> {
    let block = args;
    let shim = call4 as *const () as usize;
    let a = [f, &block as *const [usize; 4] as usize, 0];
    // SAFETY: the shim is the kernel's own three-argument function; it
    // calls f, which the caller vouches for, with the block's arguments.
    unsafe {
        if unchecked {
            m.call_unchecked(shim, a)
        } else {
            m.call(shim, a)
        }
    }
}

/// Whether `f` may be called as a callback of `m`: its code, or a kernel
/// export (seq_read, single_release...).
pub fn valid_op(m: &Module, f: usize) -> bool {
    f == 0 || m.is_code(f) || super::exports().any(|(_, a)| a == f)
}

/// A module's callback result as a signed value (ssize_t, int, loff_t).
pub fn signed(r: usize) -> isize {
    r as isize
}

/// The common part of simple_read_from_buffer and simple_write_to_buffer:
/// at `*ppos` in a buffer of `available` bytes, `copy(pos, n)` moves up to
/// `count` bytes and returns how many it could not; `*ppos` advances by
/// what moved. EINVAL for a negative position, 0 at or past the end,
/// EFAULT when nothing could be copied.
///
/// # Safety
/// `ppos` is valid.
unsafe fn simple_buffer_io(
    ppos: *mut i64,
    available: usize,
    count: usize,
    copy: impl FnOnce(usize, usize) -> usize,
) -> isize {
    // SAFETY: per the contract.
    let pos = unsafe { *ppos };
    if pos < 0 {
        return -(Errno::EINVAL.code() as isize);
    }
    let pos = pos as usize;
    if pos >= available || count == 0 {
        return 0;
    }
    let n = count.min(available - pos);
    let left = copy(pos, n);
    if left == n {
        return -(Errno::EFAULT.code() as isize);
    }
    // SAFETY: per the contract.
    unsafe { *ppos = (pos + n - left) as i64 };
    (n - left) as isize
}

/// `simple_read_from_buffer(to, count, ppos, from, available)`.
///
/// # Safety
/// `ppos` is valid; `from` holds `available` bytes.
pub unsafe extern "C" fn kapi_simple_read_from_buffer(
    to: *mut c_void,
    count: usize,
    ppos: *mut i64,
    from: *const c_void,
    available: usize,
) -> isize {
    // SAFETY: ppos per the contract; from + pos .. + n lies inside `from`'s
    // `available` bytes (pos + n <= available).
    unsafe {
        simple_buffer_io(ppos, available, count, |pos, n| {
            kapi_copy_to_user(to, (from as *const u8).add(pos) as *const c_void, n)
        })
    }
}

/// `simple_write_to_buffer(to, available, ppos, from, count)`.
///
/// # Safety
/// `ppos` is valid; `to` has room for `available` bytes.
pub unsafe extern "C" fn kapi_simple_write_to_buffer(
    to: *mut c_void,
    available: usize,
    ppos: *mut i64,
    from: *const c_void,
    count: usize,
) -> isize {
    // SAFETY: ppos per the contract; to + pos .. + n lies inside `to`'s
    // `available` bytes (pos + n <= available).
    unsafe {
        simple_buffer_io(ppos, available, count, |pos, n| {
            kapi_copy_from_user((to as *mut u8).add(pos) as *mut c_void, from, n)
        })
    }
}

const SEEK_SET: c_int = 0;
const SEEK_CUR: c_int = 1;
const SEEK_END: c_int = 2;

/// `default_llseek(file, offset, whence)`: SEEK_SET/CUR/END on f_pos.
///
/// # Safety
/// `file` is a valid open file.
pub unsafe extern "C" fn kapi_default_llseek(file: *mut File, offset: i64, whence: c_int) -> i64 {
    // SAFETY: per the contract.
    let f = unsafe { &mut *file };
    // SAFETY: an open file's inode lives as long as the file.
    let size = unsafe { (*f.f_inode).i_size };
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => f.f_pos,
        SEEK_END => size,
        _ => return -i64::from(Errno::EINVAL.code()),
    };
    match base.checked_add(offset) {
        Some(p) if p >= 0 => {
            f.f_pos = p;
            p
        }
        _ => -i64::from(Errno::EINVAL.code()),
    }
}

/// `noop_llseek`: the position stays.
///
/// # Safety
/// `file` is a valid open file.
pub unsafe extern "C" fn kapi_noop_llseek(file: *mut File, _offset: i64, _whence: c_int) -> i64 {
    // SAFETY: per the contract.
    unsafe { (*file).f_pos }
}

/// `no_llseek`: seeking is refused (ESPIPE).
pub extern "C" fn kapi_no_llseek(_file: *mut File, _offset: i64, _whence: c_int) -> i64 {
    -i64::from(Errno::ESPIPE.code())
}

/// `nonseekable_open`: always succeeds (the VFS here seeks by offset).
pub extern "C" fn kapi_nonseekable_open(_inode: *mut Inode, _file: *mut File) -> c_int {
    0
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("simple_read_from_buffer", || {
        kapi_simple_read_from_buffer as *const () as usize
    }),
    ("simple_write_to_buffer", || {
        kapi_simple_write_to_buffer as *const () as usize
    }),
    ("default_llseek", || {
        kapi_default_llseek as *const () as usize
    }),
    ("noop_llseek", || kapi_noop_llseek as *const () as usize),
    ("no_llseek", || kapi_no_llseek as *const () as usize),
    ("nonseekable_open", || {
        kapi_nonseekable_open as *const () as usize
    }),
];
