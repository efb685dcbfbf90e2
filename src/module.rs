//! A module's record and the registry of modules (Linux's `struct module`
//! and `modules` list). One record per load, from the reserved name to
//! removal: unformed -> coming -> live -> going.

use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};

use ax_kspin::SpinRaw;

use crate::errno::{Errno, Error, KResult};
pub use crate::memory::LoadedSection;
use crate::oops::Place;
use crate::params::Param;
use crate::platform::{ModuleFault, Task};
use crate::relocate::Relocated;
use crate::symbols::demangle;
use crate::taint::{self, TaintMask};

/// A module's life cycle, as Linux's `enum module_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// Name reserved, being relocated; invisible.
    Unformed = 0,
    /// Formed, init running.
    Coming = 1,
    /// Init done.
    Live = 2,
    /// Being unloaded.
    Going = 3,
}

impl State {
    fn from_u8(v: u8) -> State {
        match v {
            1 => State::Coming,
            2 => State::Live,
            3 => State::Going,
            _ => State::Unformed,
        }
    }

    /// `/sys/module/<m>/initstate` text.
    pub fn initstate(self) -> &'static str {
        match self {
            State::Live => "live",
            State::Coming | State::Unformed => "coming",
            State::Going => "going",
        }
    }

    /// `/proc/modules` state column.
    pub fn proc_state(self) -> &'static str {
        match self {
            State::Live => "Live",
            State::Coming | State::Unformed => "Loading",
            State::Going => "Unloading",
        }
    }
}

/// One symbol a module exports (Linux's `struct kernel_symbol`, read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModExport {
    /// Its name.
    pub name: String,
    /// Its address in the module.
    pub addr: usize,
    /// `EXPORT_SYMBOL_GPL`: usable by GPL-compatible modules only.
    pub gpl: bool,
}

/// A symbol of a loaded module, as kallsyms lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModSymbol {
    /// Its load address.
    pub addr: usize,
    /// Its type letter, already upper-cased when the module exports it.
    pub kind: u8,
    /// Its name in the module's symbol table (possibly mangled).
    pub name: String,
    /// Its demangled name, for Rust symbols (filled in on first use).
    pub demangled: Option<String>,
    /// Whether it lives in an init section (shown only while coming).
    pub init: bool,
}

impl ModSymbol {
    /// The name `/proc/kallsyms` shows.
    pub fn display(&self) -> &str {
        self.demangled.as_deref().unwrap_or(&self.name)
    }
}

/// What exists only while the module is in memory; dropping it frees the
/// module's pages.
pub(crate) struct Loaded {
    /// The relocated image: the loader's record (owning the memory) and
    /// where each section went.
    pub(crate) image: Relocated,
    pub(crate) params: Vec<Param>,
    pub(crate) symbols: Vec<ModSymbol>,
    /// Whether `symbols` have their demangled names yet (done on first
    /// use: a load need not pay for names nobody reads).
    pub(crate) demangled: bool,
    pub(crate) exports: Vec<ModExport>,
}

impl Loaded {
    fn sections(&self) -> &[LoadedSection] {
        &self.image.sections
    }

    fn pages(&self) -> usize {
        self.image.core_pages + self.image.init_pages
    }
}

/// What formation fixes about a module (Linux's complete_formation).
pub(crate) struct Formed {
    pub(crate) loaded: Loaded,
    pub(crate) init_fn: usize,
    pub(crate) exit_fn: usize,
    pub(crate) this_module: usize,
    pub(crate) taint: TaintMask,
}

/// Linux's MODULE_REF_BASE: the count held by the module itself while it
/// can be used; unloading atomically takes it from 1 to 0, after which no
/// reference can be taken.
const REF_BASE: i32 = 1;

/// A module known to the kernel.
pub struct Module {
    name: String,
    state: AtomicU8,
    refcnt: AtomicI32,
    taint: AtomicU32,
    /// Its init and exit functions (0: none), set at formation.
    init_fn: AtomicUsize,
    exit_fn: AtomicUsize,
    /// Address of its `struct module` (what THIS_MODULE points at), set at
    /// formation; readable without the `loaded` lock (a parameter op run
    /// under that lock may call try_module_get(THIS_MODULE)).
    this_module: AtomicUsize,
    core_size: AtomicUsize,
    /// Modules whose exports this one uses (Linux's target_list), each
    /// holding one reference on the provider.
    uses: SpinRaw<Vec<Arc<Module>>>,
    /// Modules using this one's exports (source_list, `holders/`).
    holders: SpinRaw<Vec<Weak<Module>>>,
    init_size: AtomicU32,
    /// Set once the module has left the registry: its files are gone.
    unlinked: AtomicBool,
    /// Set when its code faulted (an Oops): no call reaches it any more.
    broken: AtomicBool,
    /// Serialises its parameters' ops (Linux's kernel_param_lock).
    param_lock: SpinRaw<()>,
    /// Calls into its code in flight ([`Module::call`]); its memory is not
    /// freed until they are done.
    in_flight: AtomicUsize,
    /// Set when its runtime objects (timers, work, tasklets, kthreads)
    /// were stopped at unload: no callback of theirs runs any more.
    runtime_stopped: AtomicBool,
    /// `.modinfo` key/value pairs.
    pub modinfo: Vec<(String, String)>,
    loaded: SpinRaw<Option<Loaded>>,
}

/// A snapshot of a module's public state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Its name.
    pub name: String,
    /// Its state.
    pub state: State,
    /// References held by others (`refcnt`).
    pub refcnt: i32,
    /// Taint letters.
    pub taint: String,
    /// Bytes of core memory (page-rounded allocations).
    pub core_size: usize,
    /// Bytes of init memory (0 once live).
    pub init_size: usize,
    /// Its loaded sections, empty once unloaded.
    pub sections: Vec<LoadedSection>,
    /// Its parameters' names and sysfs permissions.
    pub params: Vec<(String, u16)>,
}

impl Module {
    fn new_unformed(name: &str, modinfo: Vec<(String, String)>) -> Module {
        Module {
            name: name.into(),
            state: AtomicU8::new(State::Unformed as u8),
            refcnt: AtomicI32::new(REF_BASE),
            taint: AtomicU32::new(0),
            init_fn: AtomicUsize::new(0),
            exit_fn: AtomicUsize::new(0),
            this_module: AtomicUsize::new(0),
            core_size: AtomicUsize::new(0),
            uses: SpinRaw::new(Vec::new()),
            holders: SpinRaw::new(Vec::new()),
            init_size: AtomicU32::new(0),
            unlinked: AtomicBool::new(false),
            broken: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            runtime_stopped: AtomicBool::new(false),
            param_lock: SpinRaw::new(()),
            modinfo,
            loaded: SpinRaw::new(None),
        }
    }

    /// Forms the module (Linux's complete_formation): its memory, entry
    /// points and taints are set and it becomes visible, coming.
    pub(crate) fn form(&self, f: Formed) {
        let pages = |n: usize| n * crate::platform::PAGE_SIZE;
        self.core_size
            .store(pages(f.loaded.image.core_pages), Ordering::Relaxed);
        self.set_init_size(pages(f.loaded.image.init_pages));
        self.init_fn.store(f.init_fn, Ordering::Relaxed);
        self.exit_fn.store(f.exit_fn, Ordering::Relaxed);
        self.this_module.store(f.this_module, Ordering::Release);
        for bit in 0..32 {
            if f.taint.has(bit) {
                self.add_taint(bit);
            }
        }
        *self.loaded.lock() = Some(f.loaded);
        self.set_state(State::Coming);
    }

    /// Frees what the module holds in memory, once every call into it is
    /// done: its parameters' memory (their `free` ops: a charp's kmalloc'd
    /// value) while its pages are still mapped, then the pages.
    pub(crate) fn release_memory(&self) {
        while self.in_flight.load(Ordering::SeqCst) != 0 {
            core::hint::spin_loop();
        }
        for p in self.params() {
            // SAFETY (closure): Param passes only its validated ops.
            p.free(&|f, args| unsafe { self.call_unchecked(f, args) });
        }
        drop(self.loaded.lock().take());
    }

    /// A copy of its parameters (the lock is not held across their ops).
    fn params(&self) -> Vec<Param> {
        self.loaded
            .lock()
            .as_ref()
            .map(|l| l.params.clone())
            .unwrap_or_default()
    }

    fn param(&self, name: &str) -> KResult<Param> {
        if self.is_unlinked() || self.state() == State::Going {
            return Err(gone(&self.name));
        }
        self.params()
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                Error::new(
                    Errno::ENOENT,
                    alloc::format!("{}: no parameter {name}", self.name),
                )
            })
    }

    /// Linux's module_flags with show_state: `(` its taint letters, `-`
    /// while going, `+` while coming, `)`; empty for an untainted live one.
    pub fn flags(&self) -> String {
        let state = match self.state() {
            State::Going => "-",
            State::Coming | State::Unformed => "+",
            State::Live => "",
        };
        let letters = taint::letters(self.taint_mask());
        if letters.is_empty() && state.is_empty() {
            return String::new();
        }
        alloc::format!("({letters}{state})")
    }

    /// Where an address of its code lies: the text symbol holding it.
    fn text_place(&self, addr: usize) -> Option<Place> {
        let g = self.loaded.lock();
        let l = g.as_ref()?;
        let sec = l.sections().iter().find(|s| {
            s.flags & crate::elf::consts::SHF_EXECINSTR != 0
                && addr >= s.addr
                && addr < s.addr + s.size
        })?;
        let in_sec = |s: &&ModSymbol| s.addr >= sec.addr && s.addr < sec.addr + sec.size;
        // The highest symbol at or below; of aliases, the function's own
        // name before module_init's `init_module`/`cleanup_module` alias,
        // else the first in the symbol table.
        let alias = |s: &ModSymbol| matches!(s.name.as_str(), "init_module" | "cleanup_module");
        let sym = l
            .symbols
            .iter()
            .filter(in_sec)
            .filter(|s| s.addr <= addr)
            .fold(None, |best: Option<&ModSymbol>, s| match best {
                Some(b) if b.addr > s.addr || (b.addr == s.addr && !(alias(b) && !alias(s))) => {
                    Some(b)
                }
                _ => Some(s),
            })?;
        let end = l
            .symbols
            .iter()
            .filter(in_sec)
            .map(|s| s.addr)
            .filter(|&a| a > sym.addr)
            .min()
            .unwrap_or(sec.addr + sec.size);
        Some(Place {
            name: demangle(&sym.name).unwrap_or_else(|| sym.name.clone()),
            offset: addr - sym.addr,
            size: end - sym.addr,
            module: Some(self.name.clone()),
        })
    }

    /// Whether `addr` lies in one of its loaded sections (code or data):
    /// how an object a module registers is traced back to it (its ops
    /// table, its name string).
    pub fn contains(&self, addr: usize) -> bool {
        self.loaded.lock().as_ref().is_some_and(|l| {
            l.sections()
                .iter()
                .any(|s| addr >= s.addr && addr < s.addr + s.size)
        })
    }

    /// Whether `addr` is in its code: a callback it registers must be.
    pub fn is_code(&self, addr: usize) -> bool {
        self.loaded.lock().as_ref().is_some_and(|l| {
            l.sections().iter().any(|s| {
                s.flags & crate::elf::consts::SHF_EXECINSTR != 0
                    && addr >= s.addr
                    && addr < s.addr + s.size
            })
        })
    }

    /// Whether its code faulted (an Oops): it is then never called again.
    pub fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire)
    }

    /// Calls its code `f` with up to three integer arguments through the
    /// platform's protected boundary (every call into a module goes here):
    /// EIO once the module is broken or going away; on a fault, the Oops
    /// is reported, the module marked broken, and EFAULT returned.
    ///
    /// # Safety
    /// `f` is one of this module's entry points validated at load (init,
    /// exit, a parameter's op: module code or a kernel op) taking the
    /// arguments given, as the C ABI passes them.
    pub(crate) unsafe fn call(&self, f: usize, args: [usize; 3]) -> Result<usize, Errno> {
        // Counted before the state is checked, so an unload that has
        // marked the module going either sees this call or refuses it.
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let r = if self.state() == State::Going {
            Err(Errno::EIO)
        } else {
            // SAFETY: the caller's contract.
            unsafe { self.call_counted(f, args) }
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        r
    }

    /// [`Module::call`] for the unloader itself (exit, `free` ops), which
    /// runs while the module is going.
    ///
    /// # Safety
    /// As [`Module::call`].
    pub(crate) unsafe fn call_unchecked(&self, f: usize, args: [usize; 3]) -> Result<usize, Errno> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the caller's contract.
        let r = unsafe { self.call_counted(f, args) };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        r
    }

    /// # Safety
    /// As [`Module::call`], and the call is counted in flight.
    unsafe fn call_counted(&self, f: usize, args: [usize; 3]) -> Result<usize, Errno> {
        if self.is_broken() {
            return Err(Errno::EIO);
        }
        let p = crate::platform::get();
        let task = p.current_task();
        let watch = crate::hung_task::watch(&task, p.now_coarse_ns());
        // SAFETY: the caller's contract (f is a validated entry point);
        // the pages stay mapped while this call is counted in flight.
        let r = unsafe { p.call_module(f, args) };
        drop(watch);
        r.map_err(|fault| {
            self.broken.store(true, Ordering::Release);
            bump_generation();
            oops(&fault, &task);
            Errno::EFAULT
        })
    }

    /// Calls a callback the module registered with the runtime (a kthread's
    /// function, a timer, work or tasklet) through the platform's protected
    /// boundary, on a runtime thread, in `ctx`: allowed while the module is
    /// going (its exit may still wait for these), refused (EIO) once it is
    /// broken or its objects were stopped at unload. Not watched by the
    /// hung-task watchdog (a kthread runs as long as it likes; sleepers are
    /// judged by their sleep). On a fault the Oops is reported with the
    /// runtime thread as the task, the module is marked broken and its
    /// runtime objects stopped, and EFAULT returned.
    ///
    /// # Safety
    /// `f` is this module's code (checked when the object was registered)
    /// taking the arguments given.
    pub(crate) unsafe fn call_runtime(
        &self,
        f: usize,
        args: [usize; 3],
        ctx: crate::sched::Context,
    ) -> Result<usize, Errno> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let r = if self.is_broken() || self.runtime_stopped.load(Ordering::Acquire) {
            Err(Errno::EIO)
        } else {
            let t = crate::sched::current();
            let task = Task {
                pid: t.pid() as u32,
                comm: t.comm(),
            };
            let atomic = ctx == crate::sched::Context::Atomic;
            if atomic {
                t.atomic_enter();
            }
            // SAFETY: the caller's contract; the pages stay mapped while
            // this call is counted in flight.
            let r = unsafe { crate::platform::get().call_module(f, args) };
            if atomic {
                t.atomic_exit();
            }
            r.map_err(|fault| {
                self.broken.store(true, Ordering::Release);
                bump_generation();
                oops(&fault, &task);
                Errno::EFAULT
            })
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if r == Err(Errno::EFAULT) && self.is_broken() {
            crate::kapi::runtime_stop(self, false);
        }
        r
    }

    /// Forgets one call counted in flight whose thread ended inside it (a
    /// kthread_exit where the platform cannot unwind the call).
    pub(crate) fn abandon_call(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether its runtime objects were stopped (no callback reaches it,
    /// and it cannot arm new ones).
    pub(crate) fn runtime_stopped(&self) -> bool {
        self.runtime_stopped.load(Ordering::Acquire) || self.is_broken()
    }

    /// Marks its runtime objects stopped: no callback reaches it any more.
    pub(crate) fn stop_runtime(&self) {
        self.runtime_stopped.store(true, Ordering::Release);
    }

    /// Its init function's address (0: none).
    pub(crate) fn init_fn(&self) -> usize {
        self.init_fn.load(Ordering::Relaxed)
    }

    /// Its exit function's address (0: none).
    pub(crate) fn exit_fn(&self) -> usize {
        self.exit_fn.load(Ordering::Relaxed)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its state.
    pub fn state(&self) -> State {
        State::from_u8(self.state.load(Ordering::Acquire))
    }

    pub(crate) fn set_state(&self, s: State) {
        self.state.store(s as u8, Ordering::Release);
        bump_generation();
    }

    /// Moves Live -> Going; false if the module was not live (someone else
    /// is unloading it, or it is still coming).
    pub(crate) fn begin_going(&self) -> bool {
        let ok = self
            .state
            .compare_exchange(
                State::Live as u8,
                State::Going as u8,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if ok {
            bump_generation();
        }
        ok
    }

    /// True once the module has been removed from the registry.
    pub fn is_unlinked(&self) -> bool {
        self.unlinked.load(Ordering::Acquire)
    }

    /// Bytes of core memory (`coresize`).
    pub fn core_size(&self) -> usize {
        self.core_size.load(Ordering::Relaxed)
    }

    /// Bytes of init memory (`initsize`; 0 once live).
    pub fn init_size(&self) -> usize {
        self.init_size.load(Ordering::Relaxed) as usize
    }

    /// Whether the module has an init function but no exit function (it
    /// can only be removed by force; /proc/modules says `[permanent]`).
    pub fn is_permanent(&self) -> bool {
        self.init_fn() != 0 && self.exit_fn() == 0
    }

    /// The names of the modules using this one (`holders/`), in the order
    /// they started using it.
    pub fn holders(&self) -> Vec<String> {
        self.holders
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .map(|m| m.name.clone())
            .collect()
    }

    /// Whether any module uses this one.
    pub fn has_holders(&self) -> bool {
        self.holders.lock().iter().any(|w| w.strong_count() > 0)
    }

    /// The names of the modules this one uses.
    pub fn uses(&self) -> Vec<String> {
        self.uses.lock().iter().map(|m| m.name.clone()).collect()
    }

    /// What it exports.
    pub fn exports(&self) -> Vec<ModExport> {
        self.loaded
            .lock()
            .as_ref()
            .map(|l| l.exports.clone())
            .unwrap_or_default()
    }

    /// Records that `me` uses the providers it holds references on (taken
    /// while its symbols were resolved): Linux's ref_module.
    pub(crate) fn attach_uses(me: &Arc<Module>, providers: Vec<Arc<Module>>) {
        for p in &providers {
            p.holders.lock().push(Arc::downgrade(me));
        }
        *me.uses.lock() = providers;
        bump_generation();
    }

    /// Drops every use: leaves each provider's holders and puts the
    /// reference on it (Linux's module_unload_free).
    pub(crate) fn detach_uses(&self) {
        let providers = core::mem::take(&mut *self.uses.lock());
        for p in providers {
            p.holders
                .lock()
                .retain(|w| w.strong_count() > 0 && !core::ptr::eq(w.as_ptr(), self));
            p.module_put();
        }
        bump_generation();
    }

    /// Its loaded sections (empty once unloaded).
    pub fn sections(&self) -> Vec<LoadedSection> {
        self.loaded
            .lock()
            .as_ref()
            .map(|l| l.sections().to_vec())
            .unwrap_or_default()
    }

    /// The load address of one section.
    pub fn section_addr(&self, name: &str) -> Option<usize> {
        let g = self.loaded.lock();
        let l = g.as_ref()?;
        l.sections().iter().find(|s| s.name == name).map(|s| s.addr)
    }

    /// The base of its core text (`/proc/modules`' address column):
    /// `.text`, else its first other core code section (e.g. `.exit.text`).
    pub fn text_base(&self) -> usize {
        let g = self.loaded.lock();
        let Some(l) = g.as_ref() else { return 0 };
        let core_text = |s: &&LoadedSection| {
            s.flags & crate::elf::consts::SHF_EXECINSTR != 0 && !s.name.starts_with(".init")
        };
        let sections = l.sections();
        sections
            .iter()
            .find(|s| s.name == ".text")
            .or_else(|| sections.iter().find(core_text))
            .or(sections.first())
            .map_or(0, |s| s.addr)
    }

    /// Its parameters that have a sysfs file: (name, perm), perm != 0.
    pub fn sysfs_params(&self) -> Vec<(String, u16)> {
        let g = self.loaded.lock();
        g.as_ref()
            .map(|l| {
                l.params
                    .iter()
                    .filter(|p| p.perm != 0)
                    .map(|p| (p.name.clone(), p.perm))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs `f` on its kallsyms symbols (none once unloaded).
    pub fn with_symbols<R>(&self, f: impl FnOnce(&[ModSymbol]) -> R) -> R {
        let mut g = self.loaded.lock();
        if let Some(l) = g.as_mut().filter(|l| !l.demangled) {
            for s in &mut l.symbols {
                s.demangled = demangle(&s.name);
            }
            l.demangled = true;
        }
        f(g.as_ref().map_or(&[][..], |l| &l.symbols[..]))
    }

    /// The address of one of its symbols, by mangled or demangled name.
    pub fn symbol_addr(&self, name: &str) -> Option<usize> {
        self.with_symbols(|syms| {
            syms.iter()
                .find(|s| s.name == name || s.demangled.as_deref() == Some(name))
                .map(|s| s.addr)
        })
    }

    /// The symbol an address of this module falls in: (shown name, offset).
    pub fn symbol_at(&self, addr: usize) -> Option<(String, usize)> {
        let g = self.loaded.lock();
        let l = g.as_ref()?;
        let sec = l
            .sections()
            .iter()
            .find(|s| addr >= s.addr && addr < s.addr + s.size.max(1))?;
        l.symbols
            .iter()
            .filter(|s| s.addr <= addr && s.addr >= sec.addr)
            .max_by_key(|s| s.addr)
            .map(|s| {
                let shown = demangle(&s.name).unwrap_or_else(|| s.name.clone());
                (shown, addr - s.addr)
            })
    }

    /// Its reference count (`refcnt`): holders plus try_module_get users.
    pub fn refcnt(&self) -> i32 {
        (self.refcnt.load(Ordering::Acquire) - REF_BASE).max(0)
    }

    /// Its taint mask.
    pub fn taint_mask(&self) -> u32 {
        self.taint.load(Ordering::Relaxed)
    }

    pub(crate) fn add_taint(&self, bit: u32) {
        self.taint.fetch_or(1 << bit, Ordering::Relaxed);
        taint::add_kernel_taint(bit);
    }

    pub(crate) fn set_init_size(&self, n: usize) {
        self.init_size.store(n as u32, Ordering::Relaxed);
    }

    /// A `.modinfo` value.
    pub fn modinfo_get(&self, key: &str) -> Option<&str> {
        self.modinfo
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A snapshot of its state.
    pub fn info(&self) -> ModuleInfo {
        let g = self.loaded.lock();
        ModuleInfo {
            name: self.name.clone(),
            state: self.state(),
            refcnt: self.refcnt(),
            taint: taint::letters(self.taint_mask()),
            core_size: self.core_size(),
            init_size: self.init_size.load(Ordering::Relaxed) as usize,
            sections: g
                .as_ref()
                .map(|l| l.sections().to_vec())
                .unwrap_or_default(),
            params: g
                .as_ref()
                .map(|l| l.params.iter().map(|p| (p.name.clone(), p.perm)).collect())
                .unwrap_or_default(),
        }
    }

    /// Module pages in use.
    pub fn pages(&self) -> usize {
        self.loaded.lock().as_ref().map_or(0, Loaded::pages)
    }

    /// Reads a parameter through its own `get` op (what sysfs shows).
    pub fn param_get(&self, name: &str) -> KResult<Vec<u8>> {
        let p = self.param(name)?;
        let _serial = self.param_lock.lock();
        // SAFETY (closure): Param passes only its validated ops.
        p.get(&|f, args| unsafe { self.call(f, args) })
            .map_err(|e| Error::new(e, alloc::format!("{}: reading {name} failed", self.name)))
    }

    /// Applies a load-time argument string through the parameters' own
    /// ops, under the module's parameter lock (Linux's parse_args in
    /// load_module).
    pub(crate) fn apply_args(&self, args: &[u8]) -> KResult<()> {
        let params = self.params();
        let _serial = self.param_lock.lock();
        // SAFETY (closure): Param passes only its validated ops.
        crate::params::apply_args(&self.name, &params, args, &|f, a| unsafe {
            self.call(f, a)
        })
    }

    /// Sets a parameter through its own `set` op, under the module's lock.
    pub fn param_set(&self, name: &str, val: &[u8]) -> KResult<()> {
        let p = self.param(name)?;
        let _serial = self.param_lock.lock();
        // SAFETY (closure): Param passes only its validated ops.
        p.set(Some(val), &|f, args| unsafe { self.call(f, args) })
            .map_err(|e| {
                Error::new(
                    e,
                    alloc::format!(
                        "{}: `{}' invalid for parameter `{name}'",
                        self.name,
                        String::from_utf8_lossy(val)
                    ),
                )
            })
    }

    /// Takes a reference (try_module_get); fails once the module is going
    /// or its unload has stopped it.
    pub fn try_module_get(&self) -> bool {
        if self.state() == State::Going {
            return false;
        }
        let ok = self
            .refcnt
            .try_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                (v > 0).then_some(v + 1)
            })
            .is_ok();
        if ok {
            bump_generation();
        }
        ok
    }

    /// Drops a reference (module_put); never below the module's own.
    pub fn module_put(&self) {
        let ok = self
            .refcnt
            .try_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                (v > REF_BASE).then(|| v - 1)
            })
            .is_ok();
        if ok {
            bump_generation();
        }
    }

    /// Linux's try_release_module_ref: takes the count from REF_BASE to 0
    /// when nobody holds a reference, so that no new one can be taken.
    /// With `force`, stops it even while references are held.
    pub(crate) fn try_stop(&self, force: bool) -> bool {
        if self
            .refcnt
            .compare_exchange(REF_BASE, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return true;
        }
        force && self.refcnt.swap(0, Ordering::AcqRel) > 0
    }

    /// Gives back the count taken by [`Module::try_stop`] (unload refused).
    pub(crate) fn restart(&self, count: i32) {
        self.refcnt.store(count + REF_BASE, Ordering::Release);
    }
}

/// Where an address of code lies, for an Oops: a module's text symbol, or
/// a kernel text symbol (with the next symbol above it, for its size).
fn place_of(addr: usize) -> Option<Place> {
    if let Some(p) = list().iter().find_map(|m| m.text_place(addr)) {
        return Some(p);
    }
    let platform = crate::platform::get();
    if !platform.kernel_text().contains(&addr) {
        return None;
    }
    let table = platform.kernel_symbols();
    let s = table.lookup_addr(addr)?;
    let end = table.next_addr(s.addr)?;
    if !matches!(s.kind, b't' | b'T' | b'w' | b'W') || addr >= end {
        return None;
    }
    Some(Place {
        name: demangle(&s.name).unwrap_or_else(|| s.name.clone()),
        offset: addr - s.addr,
        size: end - s.addr,
        module: None,
    })
}

/// Whether `addr` lies in the code of a loaded module.
pub fn is_module_text(addr: usize) -> bool {
    list().iter().any(|m| m.text_place(addr).is_some())
}

/// Reports a fault that a kernel's trap handler caught, if its instruction
/// lies in a module's code: the module is marked broken and the Oops
/// printed (the platform's `call_module` has no way back in such a home:
/// the kernel stops after this). False if the fault is not a module's.
pub fn report_fault(fault: &ModuleFault) -> bool {
    let Some(m) = list()
        .into_iter()
        .find(|m| m.text_place(fault.pc).is_some())
    else {
        return false;
    };
    m.broken.store(true, Ordering::Release);
    oops(fault, &crate::platform::get().current_task());
    true
}

/// Reports an Oops raised by module code called for `task`.
fn oops(fault: &ModuleFault, task: &Task) {
    let mut modules = String::new();
    for m in list() {
        modules.push(' ');
        modules.push_str(m.name());
        modules.push_str(&m.flags());
    }
    crate::oops::report(fault, task, &place_of, &modules);
}

fn gone(name: &str) -> Error {
    Error::new(
        Errno::ENOENT,
        alloc::format!("module {name} is no longer loaded"),
    )
}

static REGISTRY: SpinRaw<Vec<Arc<Module>>> = SpinRaw::new(Vec::new());

/// Counts registry changes (a module formed, changed state or left), so
/// generated files can cache what they render.
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn bump_generation() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// The registry's change counter.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Reserves a name for a module being loaded (Linux's add_unformed_module).
/// A live module of that name gives EEXIST; one still loading or unloading
/// gives EBUSY (Linux would wait for it; we do not block here).
pub(crate) fn reserve(name: &str, modinfo: Vec<(String, String)>) -> KResult<Arc<Module>> {
    let mut reg = REGISTRY.lock();
    if let Some(m) = reg.iter().find(|m| m.name == name) {
        return Err(match m.state() {
            State::Live => Error::new(
                Errno::EEXIST,
                alloc::format!("module {name} is already loaded"),
            ),
            s => Error::new(
                Errno::EBUSY,
                alloc::format!("module {name} is busy ({})", s.initstate()),
            ),
        });
    }
    let m = Arc::new(Module::new_unformed(name, modinfo));
    reg.push(m.clone());
    Ok(m)
}

/// Removes a module from the registry.
pub(crate) fn remove(m: &Arc<Module>) {
    REGISTRY.lock().retain(|x| !Arc::ptr_eq(x, m));
    m.unlinked.store(true, Ordering::Release);
    bump_generation();
}

/// The module of that name, if formed (not while its name is only reserved).
pub fn find(name: &str) -> Option<Arc<Module>> {
    REGISTRY
        .lock()
        .iter()
        .find(|m| m.name == name && m.state() != State::Unformed)
        .cloned()
}

/// The module whose `struct module` is at `addr` (THIS_MODULE), formed or
/// being formed.
pub fn by_struct(addr: usize) -> Option<Arc<Module>> {
    REGISTRY
        .lock()
        .iter()
        .find(|m| addr != 0 && m.this_module.load(Ordering::Acquire) == addr)
        .cloned()
}

/// Every formed module, most recently loaded first (as /proc/modules).
pub fn list() -> Vec<Arc<Module>> {
    REGISTRY
        .lock()
        .iter()
        .rev()
        .filter(|m| m.state() != State::Unformed)
        .cloned()
        .collect()
}

/// The formed module whose memory holds `addr` (an ops table, a string,
/// a callback): the owner of what it registers.
pub fn owning(addr: usize) -> Option<Arc<Module>> {
    if addr == 0 {
        return None;
    }
    list().into_iter().find(|m| m.contains(addr))
}
