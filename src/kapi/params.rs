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
use crate::memory::reader::{KParamArray, KParamString};

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

// ---- arrays and strings (module_param_array, module_param_string) -----------------

/// The parameter's name, for messages.
///
/// # Safety
/// `kp` points at a valid kernel_param whose name is NULL or a C string.
unsafe fn kp_name(kp: *const kernel_param) -> String {
    // SAFETY: per the contract.
    let name = unsafe { (*kp).name };
    if name.is_null() {
        return String::new();
    }
    // SAFETY: per the contract.
    String::from_utf8_lossy(unsafe { core::ffi::CStr::from_ptr(name) }.to_bytes()).into()
}

/// The `kparam_array` a parameter's `arr` points at.
///
/// # Safety
/// `kp` is a kernel_param of `param_array_ops` (its arr validated at load).
unsafe fn array_of(kp: *const kernel_param) -> KParamArray {
    // SAFETY: per the contract.
    unsafe { (arg_of(kp) as *const KParamArray).read_unaligned() }
}

/// How many elements are set: `*num` (bounded by `max`), or `max` without
/// a count.
///
/// # Safety
/// `arr` was validated at load (num NULL or a module u32).
unsafe fn array_len(arr: &KParamArray) -> usize {
    if arr.num == 0 {
        return arr.max as usize;
    }
    // SAFETY: per the contract.
    (unsafe { (arr.num as *const u32).read_unaligned() }).min(arr.max) as usize
}

/// A copy of `kp` whose arg is element `i` of `arr`.
///
/// # Safety
/// As [`array_of`].
unsafe fn element(kp: *const kernel_param, arr: &KParamArray, i: usize) -> kernel_param {
    // SAFETY: per the contract.
    let mut p = unsafe { kp.read() };
    p.__bindgen_anon_1.arg = (arr.elem + i * arr.elemsize as usize) as *mut c_void;
    p
}

/// Linux's `param_array_set`: a comma-separated list, each element through
/// the element type's set; EINVAL past `max` elements ("can only take N
/// arguments"); the first element's error otherwise. The count is stored
/// as elements are set, as Linux does.
unsafe extern "C" fn array_set(val: *const c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: a string (NULL refused: arrays take a value); kp is ours.
    let (Some(s), arr) = (unsafe { val_bytes(val) }, unsafe { array_of(kp) }) else {
        return neg(Errno::EINVAL);
    };
    // SAFETY: the element ops were checked at load to be a standard op.
    let set = unsafe { (*(arr.ops as *const kernel_param_ops)).set };
    let mut scratch = 0u32;
    let num = if arr.num == 0 {
        &mut scratch as *mut u32
    } else {
        arr.num as *mut u32
    };
    // SAFETY: num is the module's u32 (checked at load) or ours.
    unsafe { num.write_unaligned(0) };
    for (i, part) in s.split(|&c| c == b',').enumerate() {
        if i == arr.max as usize {
            // SAFETY: kp is a valid kernel_param.
            let name = unsafe { kp_name(kp) };
            crate::klog!(
                crate::console::level::ERR,
                "{name}: can only take {} arguments",
                arr.max
            );
            return neg(Errno::EINVAL);
        }
        let mut c = part.to_vec();
        c.push(0);
        // SAFETY: i < max: the element lies in the array checked at load.
        let p = unsafe { element(kp, &arr, i) };
        // SAFETY: a standard set op with its own kind of arg.
        let r = set.map_or(neg(Errno::EINVAL), |f| unsafe {
            f(c.as_ptr() as *const c_char, &p)
        });
        if r != 0 {
            return r;
        }
        // SAFETY: as above.
        unsafe { num.write_unaligned(i as u32 + 1) };
    }
    0
}

/// Linux's `param_array_get`: the elements' texts joined by commas (each
/// element's newline replaced), ending in the last one's newline.
unsafe extern "C" fn array_get(buf: *mut c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: kp is a parameter of these ops, validated at load.
    let arr = unsafe { array_of(kp) };
    // SAFETY: as above.
    let get = unsafe { (*(arr.ops as *const kernel_param_ops)).get };
    let mut out: Vec<u8> = Vec::new();
    let mut one = alloc::vec![0u8; PARAM_BUF];
    // SAFETY: as above.
    for i in 0..unsafe { array_len(&arr) } {
        if let Some(last) = out.last_mut() {
            *last = b',';
        }
        // SAFETY: i < max; a standard get op writing at most PARAM_BUF bytes.
        let r = get.map_or(0, |f| unsafe {
            f(one.as_mut_ptr() as *mut c_char, &element(kp, &arr, i))
        });
        if r < 0 {
            return r;
        }
        out.extend_from_slice(&one[..(r as usize).min(PARAM_BUF - 1)]);
    }
    // SAFETY: get ops receive a PARAM_BUF buffer.
    unsafe { put(buf, &out) }
}

/// Linux's `param_array_free`: the element type's free on each element set.
unsafe extern "C" fn array_free(arg: *mut c_void) {
    // SAFETY: arg is the kparam_array validated at load.
    let arr = unsafe { (arg as *const KParamArray).read_unaligned() };
    // SAFETY: as above.
    let free = unsafe { (*(arr.ops as *const kernel_param_ops)).free };
    if let Some(f) = free {
        // SAFETY: as above; each element is the element type's value.
        for i in 0..unsafe { array_len(&arr) } {
            unsafe { f((arr.elem + i * arr.elemsize as usize) as *mut c_void) };
        }
    }
}

/// `param_array_ops` for modules (`module_param_array`).
pub static PARAM_ARRAY_OPS: kernel_param_ops = kernel_param_ops {
    flags: 0,
    set: Some(array_set),
    get: Some(array_get),
    free: Some(array_free),
};

/// Linux's `param_set_copystring`: copies into the module's buffer;
/// ENOSPC ("string doesn't fit in N chars.") when it does not fit.
unsafe extern "C" fn set_copystring(val: *const c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: a string (NULL refused); kp's str was validated at load.
    let (Some(s), kps) = (unsafe { val_bytes(val) }, unsafe {
        (arg_of(kp) as *const KParamString).read_unaligned()
    }) else {
        return neg(Errno::EINVAL);
    };
    if s.len() >= kps.maxlen as usize {
        // SAFETY: kp is a valid kernel_param.
        let name = unsafe { kp_name(kp) };
        let room = kps.maxlen.saturating_sub(1);
        crate::klog!(
            crate::console::level::ERR,
            "{name}: string doesn't fit in {room} chars."
        );
        return neg(Errno::ENOSPC);
    }
    // SAFETY: the buffer has maxlen bytes (checked at load), s.len() < maxlen.
    unsafe {
        core::ptr::copy_nonoverlapping(s.as_ptr(), kps.string as *mut u8, s.len());
        *(kps.string as *mut u8).add(s.len()) = 0;
    }
    0
}

/// Linux's `param_get_string`: the buffer's string and a newline.
unsafe extern "C" fn get_string(buf: *mut c_char, kp: *const kernel_param) -> c_int {
    // SAFETY: kp's str was validated at load: string has maxlen bytes.
    let kps = unsafe { (arg_of(kp) as *const KParamString).read_unaligned() };
    // SAFETY: as above; bounded by maxlen should the module lose the NUL.
    let bytes =
        unsafe { core::slice::from_raw_parts(kps.string as *const u8, kps.maxlen as usize) };
    let mut line: Vec<u8> = bytes.iter().copied().take_while(|&c| c != 0).collect();
    line.push(b'\n');
    // SAFETY: get ops receive a PARAM_BUF buffer.
    unsafe { put(buf, &line) }
}

/// `param_ops_string` for modules (`module_param_string`).
pub static PARAM_OPS_STRING: kernel_param_ops = kernel_param_ops {
    flags: 0,
    set: Some(set_copystring),
    get: Some(get_string),
    free: None,
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

/// Declares the table of standard ops and their exports from one list.
macro_rules! std_ops_table {
    ($($name:literal => $ops:ident, $width:expr;)*) => {
        /// Every standard `param_ops_*`, in export order.
        pub static STD_OPS: &[StdOps] = &[
            $(StdOps { name: $name, ops: &$ops, width: $width },)*
        ];

        /// The standard ops' exports: one per entry of [`STD_OPS`].
        pub(super) const STD_EXPORTS: &[(&str, AddrFn)] = &[
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

/// This area's other exports: the standard ops' functions, for modules'
/// own ops (Linux's `param_set_int`...), and the array and string ops.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("param_set_byte", || set_byte as *const () as usize),
    ("param_get_byte", || get_byte as *const () as usize),
    ("param_set_short", || set_short as *const () as usize),
    ("param_get_short", || get_short as *const () as usize),
    ("param_set_ushort", || set_ushort as *const () as usize),
    ("param_get_ushort", || get_ushort as *const () as usize),
    ("param_set_int", || set_int as *const () as usize),
    ("param_get_int", || get_int as *const () as usize),
    ("param_set_uint", || set_uint as *const () as usize),
    ("param_get_uint", || get_uint as *const () as usize),
    ("param_set_long", || set_long as *const () as usize),
    ("param_get_long", || get_long as *const () as usize),
    ("param_set_ulong", || set_ulong as *const () as usize),
    ("param_get_ulong", || get_ulong as *const () as usize),
    ("param_set_ullong", || set_ullong as *const () as usize),
    ("param_get_ullong", || get_ullong as *const () as usize),
    ("param_set_hexint", || set_hexint as *const () as usize),
    ("param_get_hexint", || get_hexint as *const () as usize),
    ("param_set_charp", || set_charp as *const () as usize),
    ("param_get_charp", || get_charp as *const () as usize),
    ("param_set_bool", || set_bool as *const () as usize),
    ("param_get_bool", || get_bool as *const () as usize),
    ("param_set_invbool", || set_invbool as *const () as usize),
    ("param_get_invbool", || get_invbool as *const () as usize),
    ("param_free_charp", || free_charp as *const () as usize),
    ("param_array_ops", || {
        &PARAM_ARRAY_OPS as *const kernel_param_ops as usize
    }),
    ("param_ops_string", || {
        &PARAM_OPS_STRING as *const kernel_param_ops as usize
    }),
    ("param_set_copystring", || {
        set_copystring as *const () as usize
    }),
    ("param_get_string", || get_string as *const () as usize),
];

/// The standard ops one of whose functions is at `addr` (a module's own
/// ops may use `param_get_int`... directly).
pub fn std_ops_of_fn(addr: usize) -> Option<&'static StdOps> {
    STD_OPS.iter().find(|s| {
        let o = s.ops;
        [
            o.set.map(|f| f as usize),
            o.get.map(|f| f as usize),
            o.free.map(|f| f as usize),
        ]
        .contains(&Some(addr))
    })
}

/// The standard ops at `addr` (a `kernel_param.ops` value), if it is one.
pub fn std_ops(addr: usize) -> Option<&'static StdOps> {
    STD_OPS.iter().find(|s| s.addr() == addr)
}

/// The standard ops of that exported name (`param_ops_int`).
pub fn std_ops_by_name(name: &str) -> Option<&'static StdOps> {
    STD_OPS.iter().find(|s| s.name == name)
}
