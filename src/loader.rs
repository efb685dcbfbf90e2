//! Loading and unloading: the ELF check, symbol resolution, kmod-loader's
//! relocation into platform pages, re-protection (W^X), parameters, the
//! registry and init/exit (Linux's kernel/module/main.c load_module and
//! delete_module).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::ffi::CString;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use ax_kspin::SpinRaw;
use kmod_loader::{KernelModuleHelper, ModuleLoader, SectionMemOps, SectionPerm};

use crate::console::level;
use crate::elf::{self, CheckedElf, consts::*};
use crate::errno::{Errno, Error, KResult};
use crate::exports::{self, ModExport};
use crate::module::{self, Loaded, LoadedSection, Module, State, taint};
use crate::params::{self, Param};
use crate::platform::{self, PAGE_SIZE, Prot};
use crate::{kallsyms, kapi, klog};

/// The kernel release (`uname -r`) the module tree is for.
pub const RELEASE: &str = "6.6.0-starry";

/// The version magic modules must carry (`vermagic=` in `.modinfo`).
pub const VERMAGIC: &str = "6.6.0-starry SMP mod_unload";

/// finit_module flag: ignore symbol version hashes.
pub const MODULE_INIT_IGNORE_MODVERSIONS: u32 = 1;
/// finit_module flag: ignore the version magic (loads with taint F).
pub const MODULE_INIT_IGNORE_VERMAGIC: u32 = 2;
/// finit_module flag: the file is compressed.
pub const MODULE_INIT_COMPRESSED_FILE: u32 = 4;

/// Licences Linux treats as GPL-compatible (license_is_gpl_compatible).
pub const GPL_COMPATIBLE: &[&str] = &[
    "GPL",
    "GPL v2",
    "GPL and additional rights",
    "Dual BSD/GPL",
    "Dual MIT/GPL",
    "Dual MPL/GPL",
];

// ---- module memory ---------------------------------------------------------------
//
// Sections are packed by permission into shared regions, as Linux lays a
// module out (text, rodata, data, init text, init data), instead of one
// page-rounded allocation per section: kmod-loader asks for each section
// separately, in the order the ELF check predicted, and gets its place in
// its class's region. It changes protections only after every relocation,
// so a region is writable while any of its sections is being written.

/// The permission classes sections are packed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Text,
    Rodata,
    Data,
    InitText,
    InitData,
}

const CLASSES: [Class; 5] = [
    Class::Text,
    Class::Rodata,
    Class::Data,
    Class::InitText,
    Class::InitData,
];

impl Class {
    /// The protection the loader will give the class's sections.
    fn prot(self) -> Prot {
        match self {
            Class::Text | Class::InitText => Prot::RX,
            Class::Rodata => Prot::R,
            Class::Data | Class::InitData => Prot::RW,
        }
    }

    fn is_init(self) -> bool {
        matches!(self, Class::InitText | Class::InitData)
    }

    /// The class of a planned section, from the flags the loader will use.
    fn of(s: &elf::Section, frobbed: bool) -> Class {
        let init = s.name.starts_with(".init");
        let flags = if frobbed {
            // kmod-loader's arch code: the PLT becomes ALLOC|EXEC, the GOTs
            // ALLOC.
            if s.name == ".plt" {
                SHF_ALLOC | SHF_EXECINSTR
            } else {
                SHF_ALLOC
            }
        } else {
            s.flags
        };
        match (flags & SHF_EXECINSTR != 0, flags & SHF_WRITE != 0, init) {
            (true, _, false) => Class::Text,
            (true, _, true) => Class::InitText,
            (false, true, false) => Class::Data,
            (false, true, true) => Class::InitData,
            (false, false, false) => Class::Rodata,
            // Init rodata lives with init data, as in Linux.
            (false, false, true) => Class::InitData,
        }
    }
}

/// Pages from the platform shared by the sections of one class (or one
/// section whose size only the loader knows).
struct Region {
    addr: usize,
    pages: usize,
    prot: SpinRaw<Prot>,
}

impl Region {
    fn alloc(bytes: usize) -> Option<Arc<Region>> {
        let pages = bytes.div_ceil(PAGE_SIZE).max(1);
        let addr = platform::get().alloc_module_pages(pages)?;
        Some(Arc::new(Region {
            addr,
            pages,
            prot: SpinRaw::new(Prot::RW),
        }))
    }

    /// Gives the whole region `prot` (once; the sections of a class all
    /// ask for the same).
    fn protect(&self, prot: Prot) -> bool {
        let mut cur = self.prot.lock();
        if *cur == prot {
            return true;
        }
        if !platform::get().protect(self.addr, self.pages * PAGE_SIZE, prot) {
            return false;
        }
        *cur = prot;
        true
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        let p = platform::get();
        let len = self.pages * PAGE_SIZE;
        // Pages go back to the allocator writable and flushed; a page whose
        // protection cannot be restored is leaked, never handed out read-only.
        if *self.prot.lock() != Prot::RW && !p.protect(self.addr, len, Prot::RW) {
            klog!(
                level::ERR,
                "module memory at {:#x} could not be made writable again; leaked",
                self.addr
            );
            return;
        }
        p.flush(self.addr, len);
        p.free_module_pages(self.addr, self.pages);
    }
}

/// One section's place in a region.
struct ModuleMem {
    region: Option<Arc<Region>>,
    addr: usize,
    /// The protection its class will get (anything else is refused).
    prot: Prot,
}

impl SectionMemOps for ModuleMem {
    fn as_ptr(&self) -> *const u8 {
        self.addr as *const u8
    }
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.addr as *mut u8
    }
    fn change_perms(&mut self, perms: SectionPerm) -> bool {
        let prot = Prot {
            read: perms.contains(SectionPerm::READ),
            write: perms.contains(SectionPerm::WRITE),
            exec: perms.contains(SectionPerm::EXECUTE),
        };
        let Some(region) = &self.region else {
            return false;
        };
        // A section asking for another protection than its class would
        // change its neighbours' too: refuse (and never W+X).
        if prot.is_wx() || prot != self.prot {
            return false;
        }
        if !region.protect(prot) {
            if let Some(ctx) = LOAD_CTX.lock().as_mut() {
                ctx.protect_failed = true;
            }
            return false;
        }
        true
    }
}

/// Where each planned section goes.
enum Slot {
    /// At this offset of its class's region.
    Packed(Class, usize),
    /// In a region of its own, sized when the loader asks.
    Own(Class),
}

/// The packing of one load: slots in the loader's allocation order.
struct Packer {
    slots: Vec<(Slot, usize)>,
    sizes: [usize; 5],
    regions: [Option<Arc<Region>>; 5],
    next: usize,
    /// Pages of every region handed out, by init or core.
    core_pages: usize,
    init_pages: usize,
}

impl Packer {
    fn new(elf: &CheckedElf) -> Packer {
        let mut sizes = [0usize; 5];
        let mut slots = Vec::with_capacity(elf.plan.len());
        for p in &elf.plan {
            let s = &elf.sections[p.index];
            let class = Class::of(s, p.frobbed);
            let ci = CLASSES.iter().position(|c| *c == class).unwrap_or(0);
            let slot = match p.size {
                Some(size) => {
                    // The arch code re-aligns the GOT/PLT it rewrites
                    // (entries of 8 or 16 bytes).
                    let min = if p.frobbed { 16 } else { 1 };
                    let align = (s.align.max(min) as usize).min(PAGE_SIZE);
                    let at = sizes[ci].div_ceil(align) * align;
                    sizes[ci] = at + size;
                    (Slot::Packed(class, at), size)
                }
                None => (Slot::Own(class), 0),
            };
            slots.push(slot);
        }
        Packer {
            slots,
            sizes,
            regions: Default::default(),
            next: 0,
            core_pages: 0,
            init_pages: 0,
        }
    }

    fn count(&mut self, region: &Region, class: Class) {
        if class.is_init() {
            self.init_pages += region.pages;
        } else {
            self.core_pages += region.pages;
        }
    }

    /// The memory for the loader's next allocation request.
    fn place(&mut self, request: usize) -> ModuleMem {
        let none = ModuleMem {
            region: None,
            addr: 0,
            prot: Prot::RW,
        };
        let Some((slot, size)) = self.slots.get(self.next) else {
            return none;
        };
        self.next += 1;
        match *slot {
            Slot::Packed(class, at) => {
                // The loader asks for the page-rounded section size.
                if request != size.div_ceil(PAGE_SIZE) * PAGE_SIZE {
                    return none;
                }
                let ci = CLASSES.iter().position(|c| *c == class).unwrap_or(0);
                if self.regions[ci].is_none() {
                    let Some(r) = Region::alloc(self.sizes[ci]) else {
                        return none;
                    };
                    self.count(&r, class);
                    self.regions[ci] = Some(r);
                }
                let region = self.regions[ci].clone();
                ModuleMem {
                    addr: region.as_ref().map_or(0, |r| r.addr + at),
                    region,
                    prot: class.prot(),
                }
            }
            Slot::Own(class) => match Region::alloc(request) {
                Some(r) => {
                    self.count(&r, class);
                    ModuleMem {
                        addr: r.addr,
                        region: Some(r),
                        prot: class.prot(),
                    }
                }
                None => none,
            },
        }
    }
}

/// The state of the one load kmod-loader is running (loads are serialised).
struct LoadCtx {
    resolved: BTreeMap<String, usize>,
    allocs: Vec<(usize, usize)>,
    /// The platform refused a protection change.
    protect_failed: bool,
    packer: Packer,
}

static LOAD_LOCK: SpinRaw<()> = SpinRaw::new(());
static LOAD_CTX: SpinRaw<Option<LoadCtx>> = SpinRaw::new(None);

/// kmod-loader's view of the kernel.
pub struct Helper;

impl KernelModuleHelper for Helper {
    fn vmalloc(size: usize) -> Box<dyn SectionMemOps> {
        let mut g = LOAD_CTX.lock();
        let mem = match g.as_mut() {
            Some(ctx) => {
                let mem = ctx.packer.place(size);
                ctx.allocs.push((mem.addr, size));
                mem
            }
            None => ModuleMem {
                region: None,
                addr: 0,
                prot: Prot::RW,
            },
        };
        Box::new(mem)
    }

    fn resolve_symbol(name: &str) -> Option<usize> {
        LOAD_CTX.lock().as_ref()?.resolved.get(name).copied()
    }

    fn flsuh_cache(addr: usize, size: usize) {
        platform::get().flush(addr, size);
    }
}

// ---- load --------------------------------------------------------------------------

/// Copies an image into 8-aligned memory (kmod-loader casts relocation
/// tables in place).
fn aligned_copy(image: &[u8]) -> Vec<u64> {
    let mut words = alloc::vec![0u64; image.len().div_ceil(8)];
    for (w, chunk) in words.iter_mut().zip(image.chunks(8)) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        *w = u64::from_le_bytes(b);
    }
    words
}

/// The modinfo checks of Linux's check_modinfo: vermagic, licence, intree.
fn check_modinfo(elf: &CheckedElf, flags: u32) -> KResult<u32> {
    let name = &elf.name;
    let mut taint_mask = 0u32;
    let magic = if flags & MODULE_INIT_IGNORE_VERMAGIC != 0 {
        None
    } else {
        elf.modinfo_get("vermagic")
    };
    match magic {
        None => {
            klog!(
                level::WARNING,
                "{name}: no symbol version for module_layout; forcing load, tainting kernel"
            );
            taint_mask |= 1 << taint::FORCED_MODULE;
        }
        Some(m) if m != VERMAGIC => {
            crate::bail!(
                ENOEXEC,
                "{name}: version magic '{m}' should be '{VERMAGIC}'"
            );
        }
        Some(_) => {}
    }
    if elf.modinfo_get("intree").is_none() {
        klog!(
            level::WARNING,
            "{name}: loading out-of-tree module taints kernel."
        );
        taint_mask |= 1 << taint::OOT_MODULE;
    }
    if elf.modinfo_get("staging").is_some() {
        taint_mask |= 1 << taint::CRAP;
    }
    if elf.modinfo_get("livepatch").is_some() {
        taint_mask |= 1 << taint::LIVEPATCH;
    }
    let license = elf.modinfo_get("license").unwrap_or("unspecified");
    if !GPL_COMPATIBLE.contains(&license) {
        klog!(
            level::WARNING,
            "{name}: module license '{license}' taints kernel."
        );
        taint_mask |= 1 << taint::PROPRIETARY_MODULE;
    }
    Ok(taint_mask)
}

/// References taken on provider modules while resolving; given back on
/// drop unless handed to the module that uses them.
struct Providers(Vec<Arc<Module>>);

impl Providers {
    fn take(mut self) -> Vec<Arc<Module>> {
        core::mem::take(&mut self.0)
    }
}

impl Drop for Providers {
    fn drop(&mut self) {
        for p in self.0.drain(..) {
            p.put();
        }
    }
}

/// Resolves every undefined symbol against the kernel's exports, then the
/// modules' exports (Linux's resolve_symbol). A provider module gets one
/// reference for the whole load. A module whose licence is not
/// GPL-compatible does not see `EXPORT_SYMBOL_GPL` symbols; the first
/// unknown symbol fails the load with ENOENT ("Unknown symbol"); a symbol
/// of a module still coming gives EBUSY.
fn resolve(elf: &CheckedElf, gpl_ok: bool) -> KResult<(BTreeMap<String, usize>, Providers)> {
    let mut out = BTreeMap::new();
    let mut providers = Providers(Vec::new());
    for sym in elf.symbols.iter().skip(1) {
        if sym.shndx != SHN_UNDEF || out.contains_key(&sym.name) {
            continue;
        }
        if let Some(a) = kapi::lookup(&sym.name) {
            out.insert(sym.name.clone(), a);
            continue;
        }
        let found = exports::find(&sym.name).filter(|(_, gpl, _)| gpl_ok || !gpl);
        match found {
            Some((addr, _, owner)) => {
                if !providers.0.iter().any(|p| Arc::ptr_eq(p, &owner)) {
                    if owner.state() == State::Coming {
                        let msg = alloc::format!(
                            "{}: symbol {} belongs to {}, which is still loading",
                            elf.name,
                            sym.name,
                            owner.name()
                        );
                        return Err(Error::new(Errno::EBUSY, msg));
                    }
                    if !owner.try_get() {
                        return Err(unknown_symbol(&elf.name, &sym.name));
                    }
                    providers.0.push(owner);
                }
                out.insert(sym.name.clone(), addr);
            }
            None if sym.bind() == STB_WEAK => {}
            None => return Err(unknown_symbol(&elf.name, &sym.name)),
        }
    }
    Ok((out, providers))
}

fn unknown_symbol(module: &str, sym: &str) -> Error {
    // Logged by load() with every other load error.
    Error::new(
        Errno::ENOENT,
        alloc::format!("{module}: Unknown symbol {sym} (err -2)"),
    )
}

/// Matches the loader's allocations with the sections they hold.
fn place_sections(elf: &CheckedElf, allocs: &[(usize, usize)]) -> KResult<Vec<LoadedSection>> {
    if allocs.len() != elf.plan.len() {
        crate::bail!(
            ENOEXEC,
            "{}: loader made {} allocations, {} sections expected",
            elf.name,
            allocs.len(),
            elf.plan.len()
        );
    }
    let mut out = Vec::with_capacity(allocs.len());
    for (p, &(addr, len)) in elf.plan.iter().zip(allocs) {
        let s = &elf.sections[p.index];
        let size = p.size.unwrap_or(len);
        if size.div_ceil(PAGE_SIZE) * PAGE_SIZE != len || addr == 0 {
            crate::bail!(
                ENOEXEC,
                "{}: allocation for {} does not match its size",
                elf.name,
                s.name
            );
        }
        out.push(LoadedSection {
            index: p.index,
            name: s.name.clone(),
            addr,
            size,
            flags: s.flags,
        });
    }
    Ok(out)
}

fn within(
    sections: &[LoadedSection],
    addr: usize,
    len: usize,
    pred: impl Fn(&LoadedSection) -> bool,
) -> bool {
    sections.iter().any(|s| {
        pred(s) && addr >= s.addr && addr.checked_add(len).is_some_and(|e| e <= s.addr + s.size)
    })
}

/// Reads a machine word of module memory that `within` has vouched for.
fn read_word(addr: usize) -> usize {
    // SAFETY: callers only pass addresses inside a loaded, readable section.
    unsafe { (addr as *const usize).read_unaligned() }
}

/// Reads a NUL-terminated string at `ptr` inside a loaded section that
/// `pred` accepts; None if it is not one.
fn read_cstr(
    sections: &[LoadedSection],
    ptr: usize,
    pred: impl Fn(&LoadedSection) -> bool,
) -> Option<String> {
    let sec = sections
        .iter()
        .find(|s| pred(s) && ptr >= s.addr && ptr < s.addr + s.size)?;
    // SAFETY: [ptr, section end) is loaded, readable module memory.
    let bytes = unsafe { core::slice::from_raw_parts(ptr as *const u8, sec.addr + sec.size - ptr) };
    let nul = bytes.iter().position(|&c| c == 0)?;
    Some(String::from_utf8_lossy(&bytes[..nul]).into_owned())
}

/// Size of a `struct kernel_symbol` with absolute pointers (value, name,
/// namespace), as the sample header emits them.
const KERNEL_SYMBOL_SIZE: usize = 24;

/// The symbols a module exports, read from its relocated `__ksymtab` and
/// `__ksymtab_gpl`: each entry's name must be a string of
/// `__ksymtab_strings` and its value must point into the module.
fn module_exports(name: &str, sections: &[LoadedSection]) -> KResult<Vec<ModExport>> {
    let mut out = Vec::new();
    for (table, gpl) in [("__ksymtab", false), ("__ksymtab_gpl", true)] {
        let Some(sec) = sections.iter().find(|s| s.name == table) else {
            continue;
        };
        if sec.size % KERNEL_SYMBOL_SIZE != 0 {
            crate::bail!(ENOEXEC, "{name}: {table} is not a table of kernel_symbol");
        }
        for i in 0..sec.size / KERNEL_SYMBOL_SIZE {
            let entry = sec.addr + i * KERNEL_SYMBOL_SIZE;
            let value = read_word(entry);
            let sym = read_cstr(sections, read_word(entry + 8), |s| {
                s.name == "__ksymtab_strings"
            })
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                Error::new(
                    Errno::ENOEXEC,
                    alloc::format!("{name}: {table} entry {i} has no name"),
                )
            })?;
            if !within(sections, value, 1, |_| true) {
                crate::bail!(ENOEXEC, "{name}: export {sym} points outside the module");
            }
            out.push(ModExport {
                name: sym,
                addr: value,
                gpl,
            });
        }
    }
    Ok(out)
}

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

/// Validates each relocated `kernel_param`: its name, ops and argument must
/// point where a module's parameter can point (HOSTLOAD.md: NULL ops/set,
/// or `__param` in an unallocated section, made the loader write through
/// wild pointers).
fn module_params(name: &str, sections: &[LoadedSection]) -> KResult<Vec<Param>> {
    let Some(ps) = sections.iter().find(|s| s.name == "__param") else {
        return Ok(Vec::new());
    };
    let kp_size = elf::KERNEL_PARAM_SIZE;
    let bad = |i: usize, what: &str| {
        Error::new(
            Errno::ENOEXEC,
            alloc::format!("{name}: parameter {i}: {what}"),
        )
    };
    let mut out = Vec::new();
    for i in 0..ps.size / kp_size {
        let kp = ps.addr + i * kp_size;
        let name_ptr = read_word(kp);
        let ops = read_word(kp + 16);
        // SAFETY: kp + 24 lies inside the __param section (checked size).
        let perm = unsafe { ((kp + 24) as *const u16).read_unaligned() };
        let arg = read_word(kp + 32);
        let pname = read_cstr(sections, name_ptr, |_| true)
            .ok_or_else(|| bad(i, "name is not a string of the module"))?;
        let noarg;
        let module_ops = std_ops_width(ops).is_none();
        if let Some(width) = std_ops_width(ops) {
            if !within(sections, arg, width, |s| s.flags & SHF_WRITE != 0) {
                return Err(bad(i, "argument is not writable module data"));
            }
            // A charp's initial value is read (strlen) by get and by sysfs:
            // NULL or a string of the module (found by fuzzing: a mutated
            // relocation made it point anywhere).
            if ops == kapi::lookup("param_ops_charp").unwrap_or(0) {
                let value = read_word(arg);
                if value != 0 && read_cstr(sections, value, |_| true).is_none() {
                    return Err(bad(i, "charp value is not a string of the module"));
                }
            }
            noarg = ops == kapi::lookup("param_ops_bool").unwrap_or(0)
                || ops == kapi::lookup("param_ops_invbool").unwrap_or(0);
        } else {
            // The module's own ops: a kernel_param_ops inside the module whose
            // functions are module code.
            if !within(sections, ops, 32, |_| true) {
                return Err(bad(i, "ops point outside the module"));
            }
            // SAFETY: the 32-byte ops structure lies in loaded module memory.
            let flags = unsafe { (ops as *const u32).read_unaligned() };
            for (off, what) in [(8, "set"), (16, "get"), (24, "free")] {
                let f = read_word(ops + off);
                if f != 0 && !within(sections, f, 1, |s| s.flags & SHF_EXECINSTR != 0) {
                    return Err(bad(i, &alloc::format!("{what} op is not module code")));
                }
            }
            if read_word(ops + 8) == 0 {
                return Err(bad(i, "ops have no set"));
            }
            noarg = flags & params::OPS_FL_NOARG != 0;
        }
        out.push(Param {
            name: pname,
            perm,
            kp,
            noarg,
            module_ops,
        });
    }
    Ok(out)
}

/// Loads a module image with an argument string: Linux's load_module +
/// do_init_module. Returns the live module.
pub fn load(image: &[u8], args: &[u8], flags: u32) -> KResult<Arc<Module>> {
    let words = aligned_copy(image);
    // SAFETY: the u64 buffer holds image.len() initialised bytes.
    let data = unsafe { core::slice::from_raw_parts(words.as_ptr() as *const u8, image.len()) };
    let elf = elf::check(data).inspect_err(|e| klog!(level::ERR, "{}", e.msg))?;
    let taint_mask = check_modinfo(&elf, flags).inspect_err(|e| klog!(level::ERR, "{}", e.msg))?;
    let reserved = module::reserve(&elf.name).inspect_err(|e| klog!(level::ERR, "{}", e.msg))?;
    let gpl_ok = taint_mask & (1 << taint::PROPRIETARY_MODULE) == 0;
    let formed = resolve(&elf, gpl_ok).and_then(|(resolved, providers)| {
        let m = form(&elf, data, resolved, args, taint_mask)?;
        // Exports become visible with the module (Linux's
        // complete_formation); a duplicate refuses the whole module.
        if let Err(e) = exports::register(&m, &m.exports()) {
            teardown(&m);
            return Err(e);
        }
        Module::attach_uses(&m, providers.take());
        Ok(m)
    });
    let formed = match formed {
        Ok(m) => m,
        Err(e) => {
            module::remove(&reserved);
            klog!(level::ERR, "{}", e.msg);
            return Err(e);
        }
    };
    module::publish(&reserved, formed.clone());
    run_init(formed)
}

/// Relocates, protects and builds the module record (state Coming).
fn form(
    elf: &CheckedElf,
    data: &[u8],
    resolved: BTreeMap<String, usize>,
    args: &[u8],
    taint_mask: u32,
) -> KResult<Arc<Module>> {
    let name = &elf.name;
    let (owner, allocs) = {
        let _serial = LOAD_LOCK.lock();
        *LOAD_CTX.lock() = Some(LoadCtx {
            resolved,
            allocs: Vec::new(),
            protect_failed: false,
            packer: Packer::new(elf),
        });
        let r = ModuleLoader::<Helper>::new(data).and_then(|l| l.load_module(CString::default()));
        let ctx = LOAD_CTX.lock().take();
        let protect_failed = ctx.as_ref().is_some_and(|c| c.protect_failed);
        (
            r.map_err(|e| (e, protect_failed)),
            ctx.map(|c| (c.allocs, c.packer.core_pages, c.packer.init_pages))
                .unwrap_or_default(),
        )
    };
    let (allocs, core_pages, init_pages) = allocs;
    let owner = owner.map_err(|(e, protect_failed)| {
        // Out of pages (kmod-loader says ENOSPC) or of page-table memory
        // for a protection change (it says EINVAL): ENOMEM, as Linux.
        let errno = Errno::from(e);
        if errno == Errno::ENOSPC || protect_failed {
            let what = if protect_failed {
                "cannot protect module memory"
            } else {
                "out of module memory"
            };
            Error::new(Errno::ENOMEM, alloc::format!("{name}: {what}"))
        } else {
            Error::new(errno, alloc::format!("{name}: relocation failed: {errno}"))
        }
    })?;
    let sections = place_sections(elf, &allocs)?;
    let pages = core_pages + init_pages;
    let params = module_params(name, &sections)?;
    let this = sections
        .iter()
        .find(|s| s.name == ".gnu.linkonce.this_module")
        .map(|s| s.addr)
        .ok_or_else(|| {
            Error::new(
                Errno::ENOEXEC,
                alloc::format!("{name}: struct module not loaded"),
            )
        })?;
    // struct module's init (@312) and exit (@1088), as relocated.
    let init_fn = read_word(this + 312);
    let exit_fn = read_word(this + 1088);
    for (f, what) in [(init_fn, "init"), (exit_fn, "exit")] {
        if f != 0 && !within(&sections, f, 1, |s| s.flags & SHF_EXECINSTR != 0) {
            crate::bail!(ENOEXEC, "{name}: {what} function is not module code");
        }
    }
    // Linux's coresize/initsize: the page-rounded core and init regions.
    let init_size = init_pages * PAGE_SIZE;
    let core_size = core_pages * PAGE_SIZE;

    let exports = module_exports(name, &sections)?;
    let plain: Vec<String> = exports
        .iter()
        .filter(|e| !e.gpl)
        .map(|e| e.name.clone())
        .collect();
    let symbols = kallsyms::module_symbols(elf, &sections, &plain);
    let loaded = Loaded {
        _owner: owner,
        sections,
        params,
        symbols,
        demangled: false,
        exports,
        pages,
    };
    // Arguments go through each parameter's own ops, Linux's way; a bad value
    // fails the load (the loaded pages are freed with `loaded`).
    params::apply_args(name, &loaded.params, args).inspect_err(|_| free_params(&loaded))?;

    let mut m = Module::new_unformed(name);
    m.init_fn = init_fn;
    m.exit_fn = exit_fn;
    m.this_module = this;
    m.core_size = core_size;
    m.modinfo = elf.modinfo.clone();
    m.set_init_size(init_size);
    for bit in 0..32 {
        if taint_mask & (1 << bit) != 0 {
            m.add_taint(bit);
        }
    }
    *m.loaded.lock() = Some(loaded);
    m.set_state(State::Coming);
    Ok(Arc::new(m))
}

fn free_params(l: &Loaded) {
    for p in &l.params {
        p.free();
    }
}

/// Runs init; on failure the module is torn down and init's errno returned.
fn run_init(m: Arc<Module>) -> KResult<Arc<Module>> {
    let ret = if m.init_fn != 0 && params::run_module_code() {
        // SAFETY: init_fn was checked to lie in the module's executable
        // pages, which stay mapped while the module is Coming.
        let init: extern "C" fn() -> i32 = unsafe { core::mem::transmute(m.init_fn) };
        init()
    } else {
        0
    };
    if ret < 0 {
        m.set_state(State::Going);
        exports::unregister(&m);
        m.detach_uses();
        teardown(&m);
        module::remove(&m);
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

/// Frees what a module holds: parameter memory, then its pages.
fn teardown(m: &Module) {
    let loaded = m.loaded.lock().take();
    if let Some(l) = loaded {
        free_params(&l);
        drop(l);
    }
}

/// delete_module flags.
pub const O_NONBLOCK: u32 = 0o4000;
/// delete_module flags: force.
pub const O_TRUNC: u32 = 0o1000;

/// Unloads a module: Linux's delete_module checks, exit, then teardown.
pub fn unload(name: &str, flags: u32) -> KResult<()> {
    let m = module::find(name)
        .ok_or_else(|| Error::new(Errno::ENOENT, alloc::format!("module {name} not found")))?;
    let force = flags & O_TRUNC != 0;
    // Other modules depend on it: they must go first, even when forcing.
    if m.has_holders() {
        crate::bail!(
            EWOULDBLOCK,
            "{name}: module is in use by: {}",
            m.holders().join(" ")
        );
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
        module::add_kernel_taint(taint::FORCED_RMMOD);
    }
    if !m.begin_going() {
        m.restart(held);
        crate::bail!(EBUSY, "{name}: module is already being unloaded");
    }
    if m.exit_fn != 0 && params::run_module_code() {
        // SAFETY: exit_fn was checked to lie in the module's executable
        // pages, which stay mapped until teardown below.
        let exit: extern "C" fn() = unsafe { core::mem::transmute(m.exit_fn) };
        exit();
    }
    exports::unregister(&m);
    m.detach_uses();
    teardown(&m);
    module::remove(&m);
    Ok(())
}
