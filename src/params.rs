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

use crate::elf::consts::{SHF_EXECINSTR, SHF_WRITE};
use crate::errno::{Errno, Error, KResult};
use crate::memory::LoadedSection;
use crate::memory::reader::{KernelParam, KernelParamOps, ModuleMemoryReader};
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

/// A parameter of a loaded module: its `kernel_param`, validated at load
/// and read once through the module-memory door. Only
/// [`module_params`] makes one, and it lives in the module's record, so the
/// module's pages (where its ops and argument live) outlive it.
#[derive(Debug)]
pub(crate) struct Param {
    /// Its name.
    pub(crate) name: String,
    /// Its sysfs permission bits (0: no sysfs file).
    pub(crate) perm: u16,
    /// Address of the kernel_param in module memory (what ops receive).
    kp: usize,
    /// Its ops, as validated: set is module code or a kernel op.
    ops: KernelParamOps,
    /// Its argument (`kp->arg`).
    arg: usize,
    /// Whether its ops accept a missing value.
    noarg: bool,
    /// Whether its ops are the module's own code (not `param_ops_*`).
    module_ops: bool,
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
    pub(crate) fn set(&self, val: Option<&[u8]>) -> Result<(), Errno> {
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
        // SAFETY: set was validated at load to be module code or a kernel
        // op (never 0), with this signature; the module is loaded while its
        // Param exists; kp is its kernel_param.
        let ret = unsafe {
            let set: SetOp = core::mem::transmute(self.ops.set);
            set(ptr, self.kp as *const kernel_param)
        };
        if ret < 0 {
            Err(Errno::from_code(ret))
        } else {
            Ok(())
        }
    }

    /// Calls the param's own `get` op: the text it shows (ends in `\n`).
    pub(crate) fn get(&self) -> Result<Vec<u8>, Errno> {
        if self.ops.get == 0 || (self.module_ops && !run_module_code()) {
            return Err(Errno::EPERM);
        }
        let mut buf = alloc::vec![0u8; PARAM_BUF];
        // SAFETY: as in set, for get; buf is PARAM_BUF bytes as get ops expect.
        let ret = unsafe {
            let get: GetOp = core::mem::transmute(self.ops.get);
            get(
                buf.as_mut_ptr() as *mut c_char,
                self.kp as *const kernel_param,
            )
        };
        if ret < 0 {
            return Err(Errno::from_code(ret));
        }
        buf.truncate((ret as usize).min(PARAM_BUF - 1));
        Ok(buf)
    }

    /// Calls the param's `free` op, if it has one (at unload).
    pub(crate) fn free(&self) {
        if self.ops.free == 0 || (self.module_ops && !run_module_code()) {
            return;
        }
        // SAFETY: as in set, for free, which takes the param's argument.
        unsafe {
            let free: FreeOp = core::mem::transmute(self.ops.free);
            free(self.arg as *mut c_void);
        }
    }
}

type SetOp = unsafe extern "C" fn(*const c_char, *const kernel_param) -> c_int;
type GetOp = unsafe extern "C" fn(*mut c_char, *const kernel_param) -> c_int;
type FreeOp = unsafe extern "C" fn(*mut c_void);

/// The value width each standard ops expects its `arg` to point at.
fn std_ops_width(ops: usize) -> Option<usize> {
    let w = [
        ("param_ops_byte", 1),
        ("param_ops_bool", 1),
        ("param_ops_invbool", 1),
        ("param_ops_short", 2),
        ("param_ops_ushort", 2),
        ("param_ops_int", 4),
        ("param_ops_uint", 4),
        ("param_ops_hexint", 4),
        ("param_ops_long", 8),
        ("param_ops_ulong", 8),
        ("param_ops_ullong", 8),
        ("param_ops_charp", 8),
    ];
    w.iter()
        .find(|(n, _)| kapi::lookup(n) == Some(ops))
        .map(|(_, w)| *w)
}

fn is_std_op(ops: usize, name: &str) -> bool {
    kapi::lookup(name) == Some(ops)
}

/// Checks one relocated `kernel_param` (Linux trusts it; HOSTLOAD.md found
/// NULL ops/set, or `__param` pointing anywhere, made the loader write
/// through wild pointers). Checks: the name is a string of the module; a
/// standard op's argument is writable module data of its width (a charp's
/// initial value NULL or a module string); a module op's table lies in the
/// module, its set/get/free are module code, set is not NULL.
fn check_param(mem: &ModuleMemoryReader<'_>, kp_addr: usize) -> Result<Param, &'static str> {
    let kp: KernelParam = mem.read(kp_addr, |_| true).ok_or("not in module memory")?;
    let name = mem
        .cstr(kp.name, |_| true)
        .ok_or("name is not a string of the module")?;
    let writable = |s: &LoadedSection| s.flags & SHF_WRITE != 0;
    let code = |s: &LoadedSection| s.flags & SHF_EXECINSTR != 0;
    let (ops, noarg, module_ops) = if let Some(width) = std_ops_width(kp.ops) {
        if !mem.contains(kp.arg, width, writable) {
            return Err("argument is not writable module data");
        }
        // A charp's initial value is read (strlen) by get and by sysfs:
        // NULL or a string of the module (found by fuzzing: a mutated
        // relocation made it point anywhere).
        if is_std_op(kp.ops, "param_ops_charp") {
            let value: usize = mem.read(kp.arg, writable).unwrap_or(0);
            if value != 0 && mem.cstr(value, |_| true).is_none() {
                return Err("charp value is not a string of the module");
            }
        }
        // SAFETY: kp.ops is the address of one of the kernel's own static
        // kernel_param_ops (matched above), a valid, immutable object.
        let ops = unsafe { (kp.ops as *const KernelParamOps).read() };
        let noarg = is_std_op(kp.ops, "param_ops_bool") || is_std_op(kp.ops, "param_ops_invbool");
        (ops, noarg, false)
    } else {
        // The module's own ops: a kernel_param_ops inside the module whose
        // functions are module code.
        let ops: KernelParamOps = mem
            .read(kp.ops, |_| true)
            .ok_or("ops point outside the module")?;
        for (f, what) in [
            (ops.set, "set op is not module code"),
            (ops.get, "get op is not module code"),
            (ops.free, "free op is not module code"),
        ] {
            if f != 0 && !mem.contains(f, 1, code) {
                return Err(what);
            }
        }
        if ops.set == 0 {
            return Err("ops have no set");
        }
        (ops, ops.flags & OPS_FL_NOARG != 0, true)
    };
    Ok(Param {
        name,
        perm: kp.perm,
        kp: kp_addr,
        ops,
        arg: kp.arg,
        noarg,
        module_ops,
    })
}

/// The parameters of a relocated module: every `kernel_param` of its
/// `__param` section, checked ([`check_param`]).
pub(crate) fn module_params(module: &str, mem: &ModuleMemoryReader<'_>) -> KResult<Vec<Param>> {
    let Some(ps) = mem.sections().iter().find(|s| s.name == "__param") else {
        return Ok(Vec::new());
    };
    let size = core::mem::size_of::<KernelParam>();
    (0..ps.size / size)
        .map(|i| {
            check_param(mem, ps.addr + i * size).map_err(|what| {
                Error::new(
                    Errno::ENOEXEC,
                    alloc::format!("{module}: parameter {i}: {what}"),
                )
            })
        })
        .collect()
}

/// Applies an argument string to a module's parameters, as Linux's
/// `parse_args` with `unknown_module_param_cb`: unknown names are ignored
/// with a warning; every bad value is reported and the last error returned
/// (the caller logs it with every other load error, so each is logged once).
pub(crate) fn apply_args(modname: &str, params: &[Param], args: &[u8]) -> KResult<()> {
    let (list, after) = split_args(args);
    if !after.iter().all(|&c| is_space(c)) {
        klog!(
            level::WARNING,
            "{modname}: parameters '{}' after `--' ignored",
            String::from_utf8_lossy(after)
        );
    }
    let mut err: Option<Error> = None;
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
            if let Some(earlier) = err.replace(Error::new(e, msg)) {
                klog!(level::ERR, "{}", earlier.msg);
            }
        }
    }
    err.map_or(Ok(()), Err)
}
