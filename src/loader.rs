//! Loading and unloading (Linux's kernel/module/main.c load_module,
//! do_init_module and delete_module): the steps in order, each done by the
//! file that owns its concept, and the one teardown every path ends in.
//!
//! Load: check the ELF image ([`elf`]) -> .modinfo checks and taints
//! ([`modinfo`]) -> reserve the name (record unformed, [`module`]) ->
//! resolve symbols ([`exports`]) -> lay out, relocate, protect
//! ([`relocate`], [`memory`]) -> read parameters, exports and symbols
//! through the module-memory door -> form (coming) -> publish exports ->
//! record uses -> apply arguments ([`params`]) -> init -> live.
//!
//! [`memory`]: crate::memory

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::console::level;
use crate::elf::consts::SHF_EXECINSTR;
use crate::elf::{self, CheckedElf};
use crate::errno::{Errno, Error, KResult};
use crate::memory::reader::{ModuleMemoryReader, struct_module};
use crate::module::{self, Formed, Loaded, Module, State};
use crate::relocate::{self, Image, Relocated};
use crate::taint::{self, TaintMask};
use crate::{exports, kallsyms, klog, modinfo, params, signature};

pub use crate::version::{RELEASE, VERMAGIC};

/// How to load (what the syscalls' flags asked for).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Ignore the version magic: load with taint F (finit_module's
    /// MODULE_INIT_IGNORE_VERMAGIC, `insmod -f`).
    pub ignore_vermagic: bool,
    /// finit_module with MODULE_INIT_IGNORE_MODVERSIONS or _VERMAGIC: the
    /// module is no longer the one signed, so its signature is not
    /// checked (Linux's mangled_module).
    pub mangled: bool,
}

/// Loads a module image with an argument string: Linux's load_module +
/// do_init_module. Returns the live module. Every error is logged once.
pub fn load(image: &[u8], args: &[u8], opts: LoadOptions) -> KResult<Arc<Module>> {
    load_steps(image, args, opts).inspect_err(|e| klog!(level::ERR, "{}", e.msg))
}

fn load_steps(image: &[u8], args: &[u8], opts: LoadOptions) -> KResult<Arc<Module>> {
    crate::kapi::runtime_start();
    // Linux's module_sig_check: first, on the whole (decompressed) image;
    // the ELF is what the signature covers.
    let sig = signature::module_sig_check(image, opts.mangled)?;
    let image = Image::new(sig.image);
    let elf = elf::check(image.bytes())?;
    let mut taints = modinfo::check_modinfo(&elf, opts.ignore_vermagic)?;
    if signature::module_signing() && sig.verified.is_none() {
        signature::note_unverified(&elf.name);
        taints.add(taint::UNSIGNED_MODULE);
    }
    let m = module::reserve(&elf.name, elf.modinfo.clone())?;
    let gpl_ok = !taints.has(taint::PROPRIETARY_MODULE);
    let formed = exports::resolve(&elf, gpl_ok).and_then(|(resolved, providers)| {
        let relocated = relocate::relocate(&elf, image, resolved)?;
        m.form(read_module(&elf, relocated, taints)?);
        // Exports become visible with the module (Linux's
        // complete_formation); a duplicate refuses the whole module.
        exports::register(&m, &m.exports())?;
        Module::attach_uses(&m, providers.take());
        m.apply_args(args)
    });
    if let Err(e) = formed {
        free_module(&m);
        return Err(e);
    }
    do_init_module(m)
}

/// Reads what the kernel needs from the relocated module, through the
/// module-memory door: its parameters, `struct module`'s init and exit,
/// its exports and its kallsyms symbols.
fn read_module(elf: &CheckedElf, image: Relocated, taint: TaintMask) -> KResult<Formed> {
    let name = &elf.name;
    // SAFETY: the sections were just placed by the loader in pages the
    // module owns (`image.owner`), which stay mapped while `image` lives:
    // the reader is dropped at the end of this function.
    let mem = unsafe { ModuleMemoryReader::new(&image.sections) };
    let params = params::module_params(name, &mem)?;
    let this_module = mem
        .sections()
        .iter()
        .find(|s| s.name == ".gnu.linkonce.this_module")
        .map(|s| s.addr)
        .ok_or_else(|| {
            Error::new(
                Errno::ENOEXEC,
                alloc::format!("{name}: struct module not loaded"),
            )
        })?;
    let this = |s: &crate::memory::LoadedSection| s.addr == this_module;
    let init_fn: usize = mem
        .read(this_module + struct_module::INIT, this)
        .unwrap_or(0);
    let exit_fn: usize = mem
        .read(this_module + struct_module::EXIT, this)
        .unwrap_or(0);
    for (f, what) in [(init_fn, "init"), (exit_fn, "exit")] {
        if f != 0 && !mem.contains(f, 1, |s| s.flags & SHF_EXECINSTR != 0) {
            crate::bail!(ENOEXEC, "{name}: {what} function is not module code");
        }
    }
    let exports = exports::module_exports(name, &mem)?;
    let plain: Vec<String> = exports
        .iter()
        .filter(|e| !e.gpl)
        .map(|e| e.name.clone())
        .collect();
    let symbols = kallsyms::module_symbols(elf, mem.sections(), &plain);
    Ok(Formed {
        loaded: Loaded {
            image,
            params,
            symbols,
            demangled: false,
            exports,
        },
        init_fn,
        exit_fn,
        this_module,
        taint,
    })
}

/// Runs init; on failure the module is torn down and init's errno returned
/// (Linux's do_init_module).
fn do_init_module(m: Arc<Module>) -> KResult<Arc<Module>> {
    let ret = if m.init_fn() != 0 && params::run_module_code() {
        // SAFETY: init_fn was validated at load as the module's code.
        match unsafe { m.call(m.init_fn(), [0; 3]) } {
            Ok(v) => v as i32,
            // An Oops: the module stays as it is, broken, coming, as Linux
            // leaves it; `rmmod -f` removes it.
            Err(errno) => {
                return Err(Error::new(
                    errno,
                    alloc::format!("{}: init oopsed; the module is broken", m.name()),
                ));
            }
        }
    } else {
        0
    };
    if ret < 0 {
        free_module(&m);
        let errno = Errno::from_code(ret);
        let msg = alloc::format!("{}: init failed with {errno}", m.name());
        klog!(level::WARNING, "{msg}");
        return Err(Error::new(errno, msg));
    }
    if ret > 0 {
        klog!(
            level::WARNING,
            "{}: '{}'->init suspiciously returned {ret}, it should follow 0/-E convention",
            m.name(),
            m.name()
        );
    }
    m.set_init_size(0);
    m.set_state(State::Live);
    Ok(m)
}

/// Frees a module, whatever step it reached: the one teardown of every
/// path (failed load at any step, failed init, unload, forced unload), in
/// this order:
/// 1. state going (its files say so; no new reference can be taken);
///    what it left running in the runtime (timers, tasklets, work, work
///    queues, kthreads) is stopped and waited for, and what it created and
///    did not remove (proc entries) is removed, each with a warning;
/// 2. its exports withdrawn (no new user can resolve against it);
/// 3. its uses dropped (holder entries and references on providers);
/// 4. its memory, once no call into it is in flight: parameter memory
///    freed, then every page made writable, flushed and returned;
/// 5. removed from the registry (its name can be loaded again).
fn free_module(m: &Arc<Module>) {
    m.set_state(State::Going);
    crate::kapi::runtime_stop(m, true);
    crate::pde::remove_owned(m);
    crate::kobject::remove_owned(m);
    exports::unregister(m);
    m.detach_uses();
    m.release_memory();
    module::remove(m);
}

/// Removes a module whose code faulted (`rmmod -f` after an Oops): its
/// exit is not run (its code is not trusted any more); everything else is
/// freed as at unload.
fn remove_broken(m: &Arc<Module>) -> KResult<()> {
    klog!(
        level::WARNING,
        "{}: removing the broken module without running its exit",
        m.name()
    );
    taint::add_kernel_taint(taint::FORCED_RMMOD);
    free_module(m);
    Ok(())
}

/// Unloads a module: Linux's delete_module checks, exit, then teardown.
/// `force` is delete_module's O_TRUNC.
pub fn unload(name: &str, force: bool) -> KResult<()> {
    let m = module::find(name)
        .ok_or_else(|| Error::new(Errno::ENOENT, alloc::format!("module {name} not found")))?;
    // Other modules depend on it: they must go first, even when forcing.
    if m.has_holders() {
        crate::bail!(
            EWOULDBLOCK,
            "{name}: module is in use by: {}",
            m.holders().join(" ")
        );
    }
    if m.is_broken() && m.state() != State::Going {
        if !force {
            crate::bail!(
                EBUSY,
                "{name}: module is broken (it oopsed); rmmod -f removes it"
            );
        }
        return remove_broken(&m);
    }
    if m.state() != State::Live {
        crate::bail!(
            EBUSY,
            "{name}: module is {} (not live)",
            m.state().initstate()
        );
    }
    if m.is_permanent() && !force {
        crate::bail!(EBUSY, "{name}: module has init but no exit; cannot unload");
    }
    let held = m.refcnt();
    if !m.try_stop(force) {
        crate::bail!(
            EWOULDBLOCK,
            "{name}: module is in use (refcnt {})",
            m.refcnt()
        );
    }
    if held > 0 || m.is_permanent() {
        klog!(
            level::WARNING,
            "Disabling lock debugging due to kernel taint"
        );
        taint::add_kernel_taint(taint::FORCED_RMMOD);
    }
    if !m.begin_going() {
        m.restart(held);
        crate::bail!(EBUSY, "{name}: module is already being unloaded");
    }
    if m.exit_fn() != 0 && params::run_module_code() {
        // An Oops in exit is reported and the module freed all the same.
        // SAFETY: exit_fn was validated at load as the module's code.
        let _ = unsafe { m.call_unchecked(m.exit_fn(), [0; 3]) };
    }
    free_module(&m);
    Ok(())
}
