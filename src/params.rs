//! Module parameters with Linux's semantics (kernel/params.c): the argument
//! string parser (whitespace separated, `"` quoting, `-` == `_`, whole-name
//! match, `--` stops, unknown names ignored with a warning) and the calls of
//! a parameter's ops. The standard `param_ops_*` exported to modules are in
//! [`crate::kapi::params`].

use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int};

use crate::elf::consts::{SHF_EXECINSTR, SHF_WRITE};
use crate::errno::{Errno, Error, KResult};
use crate::kapi::params::{PARAM_ARRAY_OPS, PARAM_OPS_STRING, StdOps, std_ops, std_ops_of_fn};
use crate::memory::LoadedSection;
use crate::memory::reader::{
    KParamArray, KParamString, KernelParam, KernelParamOps, ModuleMemoryReader,
};
use crate::{console::level, klog};
use kmod_tools::kernel_param_ops;

pub use crate::kapi::params::{CHARP_MAX, OPS_FL_NOARG, PARAM_BUF, kstrtobool};

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
#[derive(Debug, Clone)]
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
    /// Calls the param's own `set` op through `call` (the module's
    /// protected boundary); the errno it returns on failure.
    pub(crate) fn set(&self, val: Option<&[u8]>, call: ModuleCall<'_>) -> Result<(), Errno> {
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
        let ret = call(self.ops.set, [ptr as usize, self.kp, 0])? as c_int;
        if ret < 0 {
            Err(Errno::from_code(ret))
        } else {
            Ok(())
        }
    }

    /// Calls the param's own `get` op through `call`: the text it shows
    /// (ends in `\n`).
    pub(crate) fn get(&self, call: ModuleCall<'_>) -> Result<Vec<u8>, Errno> {
        if self.ops.get == 0 || (self.module_ops && !run_module_code()) {
            return Err(Errno::EPERM);
        }
        let mut buf = alloc::vec![0u8; PARAM_BUF];
        // buf is PARAM_BUF bytes, as get ops expect.
        let ret = call(self.ops.get, [buf.as_mut_ptr() as usize, self.kp, 0])? as c_int;
        if ret < 0 {
            return Err(Errno::from_code(ret));
        }
        buf.truncate((ret as usize).min(PARAM_BUF - 1));
        Ok(buf)
    }

    /// Calls the param's `free` op through `call`, if it has one (at
    /// unload); a failure (a broken module) frees nothing.
    pub(crate) fn free(&self, call: ModuleCall<'_>) {
        if self.ops.free == 0 || (self.module_ops && !run_module_code()) {
            return;
        }
        let _ = call(self.ops.free, [self.arg, 0, 0]);
    }
}

/// How a parameter's op is called: the owning module's protected boundary
/// (`Module::call`), which keeps the module's pages mapped for the call.
/// A `Param` hands it only the ops it validated at load (module code or a
/// kernel op with the kernel_param_ops signature); the closures are built
/// in module.rs next to the `Param`s they serve.
pub(crate) type ModuleCall<'a> = &'a dyn Fn(usize, [usize; 3]) -> Result<usize, Errno>;

fn writable(s: &LoadedSection) -> bool {
    s.flags & SHF_WRITE != 0
}

fn code(s: &LoadedSection) -> bool {
    s.flags & SHF_EXECINSTR != 0
}

/// Checks the value a standard op will touch: writable module data of its
/// width; for charp, the initial value NULL or a module string (found by
/// fuzzing: a mutated relocation made it point anywhere).
fn check_std_arg(
    mem: &ModuleMemoryReader<'_>,
    std: &StdOps,
    arg: usize,
) -> Result<(), &'static str> {
    if !mem.contains(arg, std.width, writable) {
        return Err("argument is not writable module data");
    }
    if std.is_charp() {
        let value: usize = mem.read(arg, writable).unwrap_or(0);
        if value != 0 && mem.cstr(value, |_| true).is_none() {
            return Err("charp value is not a string of the module");
        }
    }
    Ok(())
}

/// A `module_param_array`'s `kparam_array`: in the module; its elements a
/// standard type of their size, `max` of them in writable module data; its
/// count NULL or a writable module `unsigned int`.
fn check_array(mem: &ModuleMemoryReader<'_>, arg: usize) -> Result<(), &'static str> {
    let arr: KParamArray = mem
        .read(arg, |_| true)
        .ok_or("array is not in the module")?;
    let std = std_ops(arr.ops).ok_or("array elements are not a standard type")?;
    if arr.max == 0 || arr.elemsize as usize != std.width {
        return Err("array size or element size is wrong");
    }
    if arr.num != 0 && !mem.contains(arr.num, 4, writable) {
        return Err("array count is not writable module data");
    }
    (0..arr.max as usize).try_for_each(|i| check_std_arg(mem, std, arr.elem + i * std.width))
}

/// A `module_param_string`'s `kparam_string`: in the module; its buffer
/// `maxlen` bytes of writable module data.
fn check_string(mem: &ModuleMemoryReader<'_>, arg: usize) -> Result<(), &'static str> {
    let kps: KParamString = mem
        .read(arg, |_| true)
        .ok_or("string is not in the module")?;
    if kps.maxlen == 0 || !mem.contains(kps.string, kps.maxlen as usize, writable) {
        return Err("string buffer is not writable module data");
    }
    Ok(())
}

/// A module's own ops: a kernel_param_ops inside the module whose
/// functions are module code or the kernel's `param_set_<type>`/
/// `param_get_<type>` (whose argument is then checked as that type's).
fn check_module_ops(
    mem: &ModuleMemoryReader<'_>,
    kp: &KernelParam,
) -> Result<KernelParamOps, &'static str> {
    let ops: KernelParamOps = mem
        .read(kp.ops, |_| true)
        .ok_or("ops point outside the module")?;
    for (f, what) in [
        (ops.set, "set op is not module code"),
        (ops.get, "get op is not module code"),
        (ops.free, "free op is not module code"),
    ] {
        if f == 0 || mem.contains(f, 1, code) {
            continue;
        }
        match std_ops_of_fn(f) {
            Some(std) => check_std_arg(mem, std, kp.arg)?,
            None => return Err(what),
        }
    }
    if ops.set == 0 {
        return Err("ops have no set");
    }
    Ok(ops)
}

/// Checks one relocated `kernel_param` (Linux trusts it; HOSTLOAD.md found
/// NULL ops/set, or `__param` pointing anywhere, made the loader write
/// through wild pointers). Checks: the name is a string of the module; a
/// standard op's argument is writable module data of its width; an
/// array's or string's description and storage ([`check_array`],
/// [`check_string`]); a module op table as [`check_module_ops`].
fn check_param(mem: &ModuleMemoryReader<'_>, kp_addr: usize) -> Result<Param, &'static str> {
    let kp: KernelParam = mem.read(kp_addr, |_| true).ok_or("not in module memory")?;
    let name = mem
        .cstr(kp.name, |_| true)
        .ok_or("name is not a string of the module")?;
    let kernel = |ops: &'static kernel_param_ops| (KernelParamOps::from(ops), false);
    let ((ops, module_ops), noarg) = if let Some(std) = std_ops(kp.ops) {
        check_std_arg(mem, std, kp.arg)?;
        (kernel(std.ops), std.noarg())
    } else if kp.ops == &PARAM_ARRAY_OPS as *const kernel_param_ops as usize {
        check_array(mem, kp.arg)?;
        (kernel(&PARAM_ARRAY_OPS), false)
    } else if kp.ops == &PARAM_OPS_STRING as *const kernel_param_ops as usize {
        check_string(mem, kp.arg)?;
        (kernel(&PARAM_OPS_STRING), false)
    } else {
        let ops = check_module_ops(mem, &kp)?;
        ((ops, true), ops.flags & OPS_FL_NOARG != 0)
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
pub(crate) fn apply_args(
    modname: &str,
    params: &[Param],
    args: &[u8],
    call: ModuleCall<'_>,
) -> KResult<()> {
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
        if let Err(e) = p.set(a.val.as_deref(), call) {
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
