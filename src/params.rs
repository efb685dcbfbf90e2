//! Module parameters with Linux's semantics (kernel/params.c): the argument
//! string parser (whitespace separated, `"` quoting, `-` == `_`, whole-name
//! match, `--` stops, unknown names ignored with a warning) and the calls of
//! a parameter's ops. The standard `param_ops_*` exported to modules are in
//! [`crate::kapi::params`].

use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::c_char;

use kmod_tools::kernel_param;

use crate::errno::{Errno, Error, KResult};
use crate::kapi::params::arg_of;
use crate::{console::level, klog};

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
