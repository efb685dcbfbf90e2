//! A loaded module and the registry of modules (Linux's `modules` list).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicI32, AtomicU8, AtomicU32, Ordering};

use ax_kspin::SpinRaw;

use crate::errno::{Errno, Error, KResult};
use crate::loader::Helper;
use crate::params::Param;

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

/// Taint flags, with Linux's bit numbers and letters.
pub mod taint {
    /// Proprietary module (P).
    pub const PROPRIETARY_MODULE: u32 = 0;
    /// Module forced in (F).
    pub const FORCED_MODULE: u32 = 1;
    /// Module forced out (R; kernel-wide only).
    pub const FORCED_RMMOD: u32 = 7;
    /// Staging driver (C).
    pub const CRAP: u32 = 10;
    /// Out-of-tree module (O).
    pub const OOT_MODULE: u32 = 12;
    /// Unsigned module (E).
    pub const UNSIGNED_MODULE: u32 = 13;
    /// Live patch (K).
    pub const LIVEPATCH: u32 = 15;
    /// Auxiliary (X).
    pub const AUX: u32 = 16;
    /// Randomized struct layout (T).
    pub const RANDSTRUCT: u32 = 17;
    /// Test module (N).
    pub const TEST: u32 = 18;

    /// The letters a module can carry, in bit order.
    pub const MODULE_LETTERS: &[(u32, char)] = &[
        (PROPRIETARY_MODULE, 'P'),
        (FORCED_MODULE, 'F'),
        (CRAP, 'C'),
        (OOT_MODULE, 'O'),
        (UNSIGNED_MODULE, 'E'),
        (LIVEPATCH, 'K'),
        (AUX, 'X'),
        (RANDSTRUCT, 'T'),
        (TEST, 'N'),
    ];

    /// The letters of a module's taint mask, e.g. "PO".
    pub fn letters(mask: u32) -> alloc::string::String {
        MODULE_LETTERS
            .iter()
            .filter(|(bit, _)| mask & (1 << bit) != 0)
            .map(|(_, c)| *c)
            .collect()
    }
}

static KERNEL_TAINT: AtomicU32 = AtomicU32::new(0);

/// The kernel-wide taint mask (/proc/sys/kernel/tainted).
pub fn kernel_taint() -> u32 {
    KERNEL_TAINT.load(Ordering::Relaxed)
}

pub(crate) fn add_kernel_taint(bit: u32) {
    KERNEL_TAINT.fetch_or(1 << bit, Ordering::Relaxed);
}

/// A section the loader placed in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedSection {
    /// Section name.
    pub name: String,
    /// Load address.
    pub addr: usize,
    /// Size in bytes (the section's own size, not the page-rounded one).
    pub size: usize,
    /// SHF_* flags.
    pub flags: u64,
}

/// What exists only while the module is in memory.
pub(crate) struct Loaded {
    /// Kept for the pages it owns: dropping it frees them.
    pub(crate) _owner: kmod_loader::ModuleOwner<Helper>,
    pub(crate) sections: Vec<LoadedSection>,
    pub(crate) params: Vec<Param>,
    pub(crate) pages: usize,
}

/// A module known to the kernel.
pub struct Module {
    name: String,
    state: AtomicU8,
    refcnt: AtomicI32,
    taint: AtomicU32,
    pub(crate) init_fn: usize,
    pub(crate) exit_fn: usize,
    pub(crate) core_size: usize,
    init_size: AtomicU32,
    /// `.modinfo` key/value pairs.
    pub modinfo: Vec<(String, String)>,
    pub(crate) loaded: SpinRaw<Option<Loaded>>,
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
    pub(crate) fn new_unformed(name: &str) -> Module {
        Module {
            name: name.into(),
            state: AtomicU8::new(State::Unformed as u8),
            refcnt: AtomicI32::new(0),
            taint: AtomicU32::new(0),
            init_fn: 0,
            exit_fn: 0,
            core_size: 0,
            init_size: AtomicU32::new(0),
            modinfo: Vec::new(),
            loaded: SpinRaw::new(None),
        }
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
    }

    /// Its reference count.
    pub fn refcnt(&self) -> i32 {
        self.refcnt.load(Ordering::Acquire)
    }

    /// Its taint mask.
    pub fn taint_mask(&self) -> u32 {
        self.taint.load(Ordering::Relaxed)
    }

    pub(crate) fn add_taint(&self, bit: u32) {
        self.taint.fetch_or(1 << bit, Ordering::Relaxed);
        add_kernel_taint(bit);
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
            core_size: self.core_size,
            init_size: self.init_size.load(Ordering::Relaxed) as usize,
            sections: g.as_ref().map(|l| l.sections.clone()).unwrap_or_default(),
            params: g
                .as_ref()
                .map(|l| l.params.iter().map(|p| (p.name.clone(), p.perm)).collect())
                .unwrap_or_default(),
        }
    }

    /// Module pages in use.
    pub fn pages(&self) -> usize {
        self.loaded.lock().as_ref().map_or(0, |l| l.pages)
    }

    /// Reads a parameter through its own `get` op (what sysfs shows).
    pub fn param_get(&self, name: &str) -> KResult<Vec<u8>> {
        let g = self.loaded.lock();
        let l = g.as_ref().ok_or_else(|| gone(&self.name))?;
        let p = l.params.iter().find(|p| p.name == name).ok_or_else(|| {
            Error::new(
                Errno::ENOENT,
                alloc::format!("{}: no parameter {name}", self.name),
            )
        })?;
        p.get()
            .map_err(|e| Error::new(e, alloc::format!("{}: reading {name} failed", self.name)))
    }

    /// Sets a parameter through its own `set` op, under the module's lock.
    pub fn param_set(&self, name: &str, val: &[u8]) -> KResult<()> {
        let g = self.loaded.lock();
        let l = g.as_ref().ok_or_else(|| gone(&self.name))?;
        let p = l.params.iter().find(|p| p.name == name).ok_or_else(|| {
            Error::new(
                Errno::ENOENT,
                alloc::format!("{}: no parameter {name}", self.name),
            )
        })?;
        p.set(Some(val)).map_err(|e| {
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

    /// Takes a reference (try_module_get); fails once the module is going.
    pub fn try_get(&self) -> bool {
        if self.state() == State::Going {
            return false;
        }
        self.refcnt.fetch_add(1, Ordering::AcqRel);
        true
    }

    /// Drops a reference (module_put).
    pub fn put(&self) {
        let _ = self
            .refcnt
            .try_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                (v > 0).then(|| v - 1)
            });
    }
}

fn gone(name: &str) -> Error {
    Error::new(
        Errno::ENOENT,
        alloc::format!("module {name} is no longer loaded"),
    )
}

static REGISTRY: SpinRaw<Vec<Arc<Module>>> = SpinRaw::new(Vec::new());

/// Reserves a name for a module being loaded (Linux's add_unformed_module).
/// A live module of that name gives EEXIST; one still loading or unloading
/// gives EBUSY (Linux would wait for it; we do not block here).
pub(crate) fn reserve(name: &str) -> KResult<Arc<Module>> {
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
    let m = Arc::new(Module::new_unformed(name));
    reg.push(m.clone());
    Ok(m)
}

/// Replaces a reserved entry with the formed module.
pub(crate) fn publish(reserved: &Arc<Module>, formed: Arc<Module>) {
    let mut reg = REGISTRY.lock();
    if let Some(slot) = reg.iter_mut().find(|m| Arc::ptr_eq(m, reserved)) {
        *slot = formed;
    }
}

/// Removes a module from the registry.
pub(crate) fn remove(m: &Arc<Module>) {
    REGISTRY.lock().retain(|x| !Arc::ptr_eq(x, m));
}

/// The module of that name, if formed (not while its name is only reserved).
pub fn find(name: &str) -> Option<Arc<Module>> {
    REGISTRY
        .lock()
        .iter()
        .find(|m| m.name == name && m.state() != State::Unformed)
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
