//! The standard parameter ops exported to modules (Linux's
//! kernel/params.c `param_ops_*`): base-0 integers with ERANGE/EINVAL,
//! Y/N booleans, kmalloc'd charp strings, and the `kstrto*` parsing they
//! use. [`STD_OPS`] is the one table of them: their names, the ops, and the
//! width of the value each expects its `arg` to point at; the exports and
//! the loader's checks come from it.
//!
//! The parameter wiring (argument strings, calling a parameter's ops) is
//! `crate::params`, which uses this; this file does not use it.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void};

use ax_kspin::SpinRaw;
use kmod_tools::{kernel_param, kernel_param_ops};

use super::AddrFn;
use super::slab::{kfree, kmalloc};
use crate::errno::Errno;

/// Size of the buffer a `get` op writes into (Linux: PAGE_SIZE).
pub const PARAM_BUF: usize = 4096;
/// Longest charp value (Linux: 1024).
pub const CHARP_MAX: usize = 1024;
/// `kernel_param_ops.flags`: the parameter may be given without `=value`
/// (Linux's KERNEL_PARAM_OPS_FL_NOARG).
pub const OPS_FL_NOARG: u32 = 1;

// ---- kstrto*: Linux's integer parsing ------------------------------------------

/// Linux's `kstrtoull(s, 0, ...)`: optional `+`, base from the prefix (`0x`
/// hex, `0` octal), one trailing newline allowed.
pub fn kstrtoull(s: &[u8]) -> Result<u64, Errno> {
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let (radix, digits) = if s.len() > 2 && s[0] == b'0' && (s[1] | 0x20) == b'x' {
        (16, &s[2..])
    } else if s.len() > 1 && s[0] == b'0' {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() {
        return Err(Errno::EINVAL);
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => u64::from(c - b'0'),
            b'a'..=b'f' => u64::from(c - b'a' + 10),
            b'A'..=b'F' => u64::from(c - b'A' + 10),
            _ => return Err(Errno::EINVAL),
        };
        if d >= radix {
            return Err(Errno::EINVAL);
        }
        v = v
            .checked_mul(radix)
            .and_then(|v| v.checked_add(d))
            .ok_or(Errno::ERANGE)?;
    }
    Ok(v)
}

/// Linux's `kstrtoll(s, 0, ...)`.
pub fn kstrtoll(s: &[u8]) -> Result<i64, Errno> {
    if let Some(rest) = s.strip_prefix(b"-") {
        let v = kstrtoull(rest)?;
        if v > i64::MAX as u64 + 1 {
            return Err(Errno::ERANGE);
        }
        Ok((v as i64).wrapping_neg())
    } else {
        let v = kstrtoull(s)?;
        i64::try_from(v).map_err(|_| Errno::ERANGE)
    }
}

/// Linux's `kstrtobool`: only the first character (two for on/off) counts.
pub fn kstrtobool(s: &[u8]) -> Result<bool, Errno> {
    match s {
        [b'y' | b'Y' | b't' | b'T' | b'1', ..] => Ok(true),
        [b'n' | b'N' | b'f' | b'F' | b'0', ..] => Ok(false),
        [b'o' | b'O', b'n' | b'N', ..] => Ok(true),
        [b'o' | b'O', b'f' | b'F', ..] => Ok(false),
        _ => Err(Errno::EINVAL),
    }
}

// ---- the ops -------------------------------------------------------------------

/// # Safety
/// `val` is NULL or NUL-terminated.
unsafe fn val_bytes<'a>(val: *const c_char) -> Option<&'a [u8]> {
    if val.is_null() {
        None
    } else {
        // SAFETY: per the contract.
        Some(unsafe { core::ffi::CStr::from_ptr(val) }.to_bytes())
    }
}

/// A parameter's `arg`: where its value lives.
///
/// # Safety
/// `kp` points at a valid kernel_param.
pub unsafe fn arg_of(kp: *const kernel_param) -> *mut c_void {
    // SAFETY: per the contract; every variant of the union is a pointer.
    unsafe { (*kp).__bindgen_anon_1.arg }
}
/// Writes `s` into a `get` buffer (PARAM_BUF bytes), NUL-terminated; returns
/// the length written, as scnprintf.
///
/// # Safety
/// `buf` has room for PARAM_BUF bytes.
unsafe fn put(buf: *mut c_char, s: &[u8]) -> c_int {
    let n = s.len().min(PARAM_BUF - 1);
    // SAFETY: per the contract, n + 1 <= PARAM_BUF.
    unsafe {
        core::ptr::copy_nonoverlapping(s.as_ptr(), buf as *mut u8, n);
        *buf.add(n) = 0;
    }
    n as c_int
}

fn neg(e: Errno) -> c_int {
    -e.code()
}

macro_rules! int_param {
    ($ops:ident, $set:ident, $get:ident, $ty:ty, $parse:ident, $show:expr) => {
        unsafe extern "C" fn $set(val: *const c_char, kp: *const kernel_param) -> c_int {
            // SAFETY: the kernel calls set ops with a valid kp and string.
            let Some(s) = (unsafe { val_bytes(val) }) else {
                return neg(Errno::EINVAL);
            };
            match $parse(s).and_then(|v| <$ty>::try_from(v).map_err(|_| Errno::ERANGE)) {
                Ok(v) => {
                    // SAFETY: arg points at the module's variable of this type.
                    unsafe { (arg_of(kp) as *mut $ty).write_unaligned(v) };
                    0
                }
                Err(e) => neg(e),
            }
        }
        unsafe extern "C" fn $get(buf: *mut c_char, kp: *const kernel_param) -> c_int {
            // SAFETY: arg points at the module's variable of this type.
            let v = unsafe { (arg_of(kp) as *const $ty).read_unaligned() };
            let show: fn($ty) -> String = $show;
            // SAFETY: get ops receive a PARAM_BUF buffer.
            unsafe { put(buf, show(v).as_bytes()) }
        }
        #[doc = concat!("`", stringify!($ops), "` for modules.")]
        pub static $ops: kernel_param_ops = kernel_param_ops {
            flags: 0,
            set: Some($set),
            get: Some($get),
            free: None,
        };
    };
}

int_param!(
    PARAM_OPS_BYTE,
    set_byte,
    get_byte,
    u8,
    kstrtoull,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_SHORT,
    set_short,
    get_short,
    i16,
    kstrtoll,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_USHORT,
    set_ushort,
    get_ushort,
    u16,
    kstrtoull,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_INT,
    set_int,
    get_int,
    i32,
    kstrtoll,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_UINT,
    set_uint,
    get_uint,
    u32,
    kstrtoull,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_LONG,
    set_long,
    get_long,
    i64,
    kstrtoll,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_ULONG,
    set_ulong,
    get_ulong,
    u64,
    kstrtoull,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_ULLONG,
    set_ullong,
    get_ullong,
    u64,
    kstrtoull,
    |v| alloc::format!("{v}\n")
);
int_param!(
    PARAM_OPS_HEXINT,
    set_hexint,
    get_hexint,
    u32,
    kstrtoull,
    |v| alloc::format!("{v:#08x}\n")
);

unsafe extern "C" fn set_bool(val: *const c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: a valid string or NULL ("set" without a value means true).
    let s = unsafe { val_bytes(val) }.unwrap_or(b"1");
    match kstrtobool(s) {
        Ok(b) => {
            // SAFETY: arg points at the module's bool.
            unsafe { (arg_of(kp) as *mut bool).write(b) };
            0
        }
        Err(e) => neg(e),
    }
}

unsafe extern "C" fn get_bool(buf: *mut c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: arg points at the module's bool; buf is PARAM_BUF bytes. A
    // byte other than 0 reads as true, as C would.
    unsafe {
        let b = (arg_of(kp) as *const u8).read() != 0;
        put(buf, if b { b"Y\n" } else { b"N\n" })
    }
}

unsafe extern "C" fn set_invbool(val: *const c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: as set_bool.
    let s = unsafe { val_bytes(val) }.unwrap_or(b"1");
    match kstrtobool(s) {
        Ok(b) => {
            // SAFETY: arg points at the module's bool.
            unsafe { (arg_of(kp) as *mut bool).write(!b) };
            0
        }
        Err(e) => neg(e),
    }
}

unsafe extern "C" fn get_invbool(buf: *mut c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: as get_bool.
    unsafe {
        let b = (arg_of(kp) as *const u8).read() != 0;
        put(buf, if b { b"N\n" } else { b"Y\n" })
    }
}

/// `param_ops_bool` for modules.
pub static PARAM_OPS_BOOL: kernel_param_ops = kernel_param_ops {
    flags: OPS_FL_NOARG,
    set: Some(set_bool),
    get: Some(get_bool),
    free: None,
};

/// `param_ops_invbool` for modules.
pub static PARAM_OPS_INVBOOL: kernel_param_ops = kernel_param_ops {
    flags: OPS_FL_NOARG,
    set: Some(set_invbool),
    get: Some(get_invbool),
    free: None,
};

/// charp strings this code kmalloc'd (Linux's kmalloced_params): only these
/// are freed when replaced, the module's own initial strings never are.
static KMALLOCED: SpinRaw<BTreeSet<usize>> = SpinRaw::new(BTreeSet::new());

fn maybe_kfree(p: *mut c_char) {
    if !p.is_null() && KMALLOCED.lock().remove(&(p as usize)) {
        // SAFETY: the pointer came from kmalloc below and was still owned.
        unsafe { kfree(p as *const c_void) };
    }
}

unsafe extern "C" fn set_charp(val: *const c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: a valid string (NULL is refused: charp takes a value).
    let Some(s) = (unsafe { val_bytes(val) }) else {
        return neg(Errno::EINVAL);
    };
    if s.len() > CHARP_MAX {
        return neg(Errno::ENOSPC);
    }
    let p = kmalloc(s.len() + 1, 0) as *mut c_char;
    if p.is_null() {
        return neg(Errno::ENOMEM);
    }
    // SAFETY: p has s.len() + 1 bytes; arg points at the module's char *.
    unsafe {
        core::ptr::copy_nonoverlapping(s.as_ptr(), p as *mut u8, s.len());
        *p.add(s.len()) = 0;
        let slot = arg_of(kp) as *mut *mut c_char;
        let old = slot.read_unaligned();
        KMALLOCED.lock().insert(p as usize);
        slot.write_unaligned(p);
        maybe_kfree(old);
    }
    0
}

unsafe extern "C" fn get_charp(buf: *mut c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: arg points at the module's char *, NULL or a C string.
    unsafe {
        let p = (arg_of(kp) as *const *const c_char).read_unaligned();
        let mut line: Vec<u8> = if p.is_null() {
            b"(null)".to_vec()
        } else {
            core::ffi::CStr::from_ptr(p).to_bytes().to_vec()
        };
        line.push(b'\n');
        put(buf, &line)
    }
}

unsafe extern "C" fn free_charp(arg: *mut c_void) {
    // SAFETY: arg points at the module's char *.
    let p = unsafe { (arg as *const *mut c_char).read_unaligned() };
    maybe_kfree(p);
}

/// `param_ops_charp` for modules.
pub static PARAM_OPS_CHARP: kernel_param_ops = kernel_param_ops {
    flags: 0,
    set: Some(set_charp),
    get: Some(get_charp),
    free: Some(free_charp),
};

// ---- the table of standard ops ----------------------------------------------------

/// One standard `param_ops_*` the kernel exports.
pub struct StdOps {
    /// Its exported name (`param_ops_int`).
    pub name: &'static str,
    /// The ops themselves.
    pub ops: &'static kernel_param_ops,
    /// Bytes of the value its `arg` points at (a `char *` for charp).
    pub width: usize,
}

impl core::fmt::Debug for StdOps {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StdOps")
            .field("name", &self.name)
            .field("addr", &(self.addr() as *const ()))
            .field("width", &self.width)
            .finish()
    }
}

impl StdOps {
    /// The address modules link it at (what a `kernel_param.ops` holds).
    pub fn addr(&self) -> usize {
        self.ops as *const kernel_param_ops as usize
    }

    /// Whether it is `param_ops_charp` (its value is a string pointer).
    pub fn is_charp(&self) -> bool {
        core::ptr::eq(self.ops, &PARAM_OPS_CHARP)
    }

    /// Whether it is `param_ops_bool`.
    pub fn is_bool(&self) -> bool {
        core::ptr::eq(self.ops, &PARAM_OPS_BOOL)
    }

    /// Whether it is `param_ops_invbool`.
    pub fn is_invbool(&self) -> bool {
        core::ptr::eq(self.ops, &PARAM_OPS_INVBOOL)
    }

    /// Whether the parameter may be given without `=value` (bool and
    /// invbool: their ops carry KERNEL_PARAM_OPS_FL_NOARG).
    pub fn noarg(&self) -> bool {
        self.ops.flags & OPS_FL_NOARG != 0
    }
}

/// Declares the table of standard ops and this area's exports from one list.
macro_rules! std_ops_table {
    ($($name:literal => $ops:ident, $width:expr;)*) => {
        /// Every standard `param_ops_*`, in export order.
        pub static STD_OPS: &[StdOps] = &[
            $(StdOps { name: $name, ops: &$ops, width: $width },)*
        ];

        /// This area's exports: one per entry of [`STD_OPS`].
        pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
            $(($name, || &$ops as *const kernel_param_ops as usize),)*
        ];
    };
}

std_ops_table! {
    "param_ops_byte" => PARAM_OPS_BYTE, 1;
    "param_ops_short" => PARAM_OPS_SHORT, 2;
    "param_ops_ushort" => PARAM_OPS_USHORT, 2;
    "param_ops_int" => PARAM_OPS_INT, 4;
    "param_ops_uint" => PARAM_OPS_UINT, 4;
    "param_ops_long" => PARAM_OPS_LONG, 8;
    "param_ops_ulong" => PARAM_OPS_ULONG, 8;
    "param_ops_ullong" => PARAM_OPS_ULLONG, 8;
    "param_ops_hexint" => PARAM_OPS_HEXINT, 4;
    "param_ops_charp" => PARAM_OPS_CHARP, core::mem::size_of::<*const c_char>();
    "param_ops_bool" => PARAM_OPS_BOOL, 1;
    "param_ops_invbool" => PARAM_OPS_INVBOOL, 1;
}

/// The standard ops at `addr` (a `kernel_param.ops` value), if it is one.
pub fn std_ops(addr: usize) -> Option<&'static StdOps> {
    STD_OPS.iter().find(|s| s.addr() == addr)
}

/// The standard ops of that exported name (`param_ops_int`).
pub fn std_ops_by_name(name: &str) -> Option<&'static StdOps> {
    STD_OPS.iter().find(|s| s.name == name)
}
