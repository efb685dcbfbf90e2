//! Module parameters with Linux's semantics (kernel/params.c): the argument
//! string parser (whitespace separated, `"` quoting, `-` == `_`, whole-name
//! match, `--` stops, unknown names ignored with a warning) and the standard
//! `param_ops_*` exported to modules (base-0 integers with ERANGE/EINVAL,
//! Y/N booleans, kmalloc'd charp strings).

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void};

use ax_kspin::SpinRaw;
use kmod_tools::{kernel_param, kernel_param_ops};

use crate::errno::{Errno, Error, KResult};
use crate::{console::level, kapi, klog};

/// Size of the buffer a `get` op writes into (Linux: PAGE_SIZE).
pub const PARAM_BUF: usize = 4096;
/// Longest charp value (Linux: 1024).
pub const CHARP_MAX: usize = 1024;
/// `kernel_param_ops.flags`: the parameter may be given without `=value`.
pub const OPS_FL_NOARG: u32 = 1;

// ---- kstrto*: Linux's integer parsing ------------------------------------------

/// Linux's `kstrtoull(s, 0, ...)`: optional `+`, base from the prefix (`0x`
/// hex, `0` octal), one trailing newline allowed.
fn kstrtoull(s: &[u8]) -> Result<u64, Errno> {
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
fn kstrtoll(s: &[u8]) -> Result<i64, Errno> {
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

/// # Safety
/// `kp` points at a valid kernel_param.
unsafe fn arg_of(kp: *const kernel_param) -> *mut c_void {
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
        unsafe { kapi::kfree(p as *const c_void) };
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
    let p = kapi::kmalloc(s.len() + 1, 0) as *mut c_char;
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

// ---- the argument string ---------------------------------------------------------

/// One `name[=value]` of an argument string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The parameter name.
    pub name: Vec<u8>,
    /// The value; `None` for a bare `name`.
    pub val: Option<Vec<u8>>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// Splits an argument string as Linux's `next_arg` does. Returns the
/// arguments before a bare `--`, and what follows it.
pub fn split_args(args: &[u8]) -> (Vec<Arg>, &[u8]) {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(start) = rest.iter().position(|&c| !is_space(c)) {
        rest = &rest[start..];
        let quoted = rest[0] == b'"';
        let body = if quoted { &rest[1..] } else { rest };
        let mut in_quote = quoted;
        let mut equals = None;
        let mut i = 0;
        while i < body.len() {
            let c = body[i];
            if is_space(c) && !in_quote {
                break;
            }
            if equals.is_none() && c == b'=' {
                equals = Some(i);
            }
            if c == b'"' {
                in_quote = !in_quote;
            }
            i += 1;
        }
        let token = &body[..i];
        // Linux drops a closing quote at the end of the token.
        let strip_end = |t: &[u8]| -> Vec<u8> {
            match t.strip_suffix(b"\"") {
                Some(t) => t.to_vec(),
                None => t.to_vec(),
            }
        };
        let arg = match equals {
            None => Arg {
                name: if quoted {
                    strip_end(token)
                } else {
                    token.to_vec()
                },
                val: None,
            },
            Some(eq) => {
                let v = &token[eq + 1..];
                let val = if let Some(v) = v.strip_prefix(b"\"") {
                    strip_end(v)
                } else if quoted {
                    strip_end(v)
                } else {
                    v.to_vec()
                };
                Arg {
                    name: token[..eq].to_vec(),
                    val: Some(val),
                }
            }
        };
        rest = &body[(i + 1).min(body.len())..];
        if arg.val.is_none() && arg.name == b"--" {
            return (out, rest);
        }
        out.push(arg);
    }
    (out, &[])
}

/// Linux's `parameq`: whole-name match where `-` and `_` are the same.
pub fn parameq(a: &[u8], b: &[u8]) -> bool {
    let norm = |c: u8| if c == b'-' { b'_' } else { c };
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| norm(x) == norm(y))
}

/// A parameter of a loaded module: a validated pointer to its kernel_param.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its sysfs permission bits (0: no sysfs file).
    pub perm: u16,
    /// The kernel_param in module memory.
    pub kp: usize,
    /// Whether its ops accept a missing value.
    pub noarg: bool,
    /// Whether its ops are the module's own code (not `param_ops_*`).
    pub module_ops: bool,
}

static MODULE_CODE_OFF: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Whether module code runs: init/exit and a parameter's own ops. Never
/// with the `fuzzing` feature, and not while a test has turned it off:
/// mutated images would crash as module bugs, not loader bugs.
pub(crate) fn run_module_code() -> bool {
    !cfg!(feature = "fuzzing") && !MODULE_CODE_OFF.load(core::sync::atomic::Ordering::Acquire)
}

/// Testing hook: stop (or resume) running module code, so that mutation
/// tests can load images whose code is garbage. Everything else (check,
/// relocation, protection, parameters with the standard ops, exports,
/// symbols, files) still runs.
#[doc(hidden)]
pub fn set_run_module_code(on: bool) {
    MODULE_CODE_OFF.store(!on, core::sync::atomic::Ordering::Release);
}

impl Param {
    /// Calls the param's own `set` op; the errno it returns on failure.
    pub fn set(&self, val: Option<&[u8]>) -> Result<(), Errno> {
        if val.is_none() && !self.noarg {
            return Err(Errno::EINVAL);
        }
        if self.module_ops && !run_module_code() {
            return Ok(());
        }
        let cval = val.map(|v| {
            let mut c = v.to_vec();
            c.push(0);
            c
        });
        let ptr = cval
            .as_ref()
            .map_or(core::ptr::null(), |c| c.as_ptr() as *const c_char);
        let kp = self.kp as *const kernel_param;
        // SAFETY: kp was validated at load (ops and set point into the
        // module or the kernel's exported ops) and the module is loaded.
        let ret = unsafe {
            match (*kp).ops.as_ref().and_then(|o| o.set) {
                Some(set) => set(ptr, kp),
                None => return Err(Errno::EINVAL),
            }
        };
        if ret < 0 {
            Err(Errno::from_code(ret))
        } else {
            Ok(())
        }
    }

    /// Calls the param's own `get` op: the text it shows (ends in `\n`).
    pub fn get(&self) -> Result<Vec<u8>, Errno> {
        if self.module_ops && !run_module_code() {
            return Err(Errno::EPERM);
        }
        let kp = self.kp as *const kernel_param;
        let mut buf = alloc::vec![0u8; PARAM_BUF];
        // SAFETY: as in set; buf is PARAM_BUF bytes.
        let ret = unsafe {
            match (*kp).ops.as_ref().and_then(|o| o.get) {
                Some(get) => get(buf.as_mut_ptr() as *mut c_char, kp),
                None => return Err(Errno::EPERM),
            }
        };
        if ret < 0 {
            return Err(Errno::from_code(ret));
        }
        buf.truncate((ret as usize).min(PARAM_BUF - 1));
        Ok(buf)
    }

    /// Calls the param's `free` op, if it has one (at unload).
    pub fn free(&self) {
        if self.module_ops && !run_module_code() {
            return;
        }
        let kp = self.kp as *const kernel_param;
        // SAFETY: as in set; free takes the param's arg.
        unsafe {
            if let Some(free) = (*kp).ops.as_ref().and_then(|o| o.free) {
                free(arg_of(kp));
            }
        }
    }
}

/// Applies an argument string to a module's parameters, as Linux's
/// `parse_args` with `unknown_module_param_cb`: unknown names are ignored
/// with a warning; every bad value is logged and the last error returned.
pub fn apply_args(modname: &str, params: &[Param], args: &[u8]) -> KResult<()> {
    let (list, after) = split_args(args);
    if !after.iter().all(|&c| is_space(c)) {
        klog!(
            level::WARNING,
            "{modname}: parameters '{}' after `--' ignored",
            String::from_utf8_lossy(after)
        );
    }
    let mut err = None;
    for a in list {
        let name = String::from_utf8_lossy(&a.name);
        let Some(p) = params.iter().find(|p| parameq(p.name.as_bytes(), &a.name)) else {
            klog!(
                level::WARNING,
                "{modname}: unknown parameter '{name}' ignored"
            );
            continue;
        };
        if let Err(e) = p.set(a.val.as_deref()) {
            let val = String::from_utf8_lossy(a.val.as_deref().unwrap_or(b""));
            let msg = if e == Errno::ENOSPC {
                alloc::format!("{modname}: `{val}' too large for parameter `{name}'")
            } else {
                alloc::format!("{modname}: `{val}' invalid for parameter `{name}'")
            };
            klog!(level::ERR, "{msg}");
            err = Some(Error::new(e, msg));
        }
    }
    err.map_or(Ok(()), Err)
}
