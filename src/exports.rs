//! Symbols exported by modules (`EXPORT_SYMBOL` / `EXPORT_SYMBOL_GPL`):
//! reading a module's export tables, the table later modules resolve
//! against after the kernel's own exports (Linux's per-module
//! `syms`/`gpl_syms` searched by find_symbol), and the resolution of a
//! module's undefined symbols (resolve_symbol).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::mem::size_of;

use ax_kspin::SpinRaw;

use crate::console::level;
use crate::elf::CheckedElf;
use crate::elf::consts::{SHN_UNDEF, STB_WEAK};
use crate::errno::{Errno, Error, KResult};
use crate::memory::reader::{KernelSymbol, KernelSymbolPrel32, ModuleMemoryReader};
pub use crate::module::ModExport;
use crate::module::{Module, State};
use crate::{kapi, klog};

struct Entry {
    addr: usize,
    gpl: bool,
    owner: Weak<Module>,
}

static TABLE: SpinRaw<BTreeMap<String, Entry>> = SpinRaw::new(BTreeMap::new());

/// Publishes a module's exports, all or none. A name the kernel or another
/// module already exports is refused with ENOEXEC, as Linux's
/// verify_exported_symbols ("exports duplicate symbol X (owned by Y)").
pub(crate) fn register(m: &Arc<Module>, list: &[ModExport]) -> KResult<()> {
    let mut table = TABLE.lock();
    for (i, e) in list.iter().enumerate() {
        let owner = if kapi::lookup(&e.name).is_some() {
            Some(String::from("kernel"))
        } else if let Some(t) = table.get(&e.name) {
            Some(
                t.owner
                    .upgrade()
                    .map_or_else(|| String::from("?"), |o| o.name().into()),
            )
        } else if list[..i].iter().any(|p| p.name == e.name) {
            Some(String::from(m.name()))
        } else {
            None
        };
        if let Some(owner) = owner {
            return Err(Error::new(
                Errno::ENOEXEC,
                alloc::format!(
                    "{}: exports duplicate symbol {} (owned by {owner})",
                    m.name(),
                    e.name
                ),
            ));
        }
    }
    for e in list {
        table.insert(
            e.name.clone(),
            Entry {
                addr: e.addr,
                gpl: e.gpl,
                owner: Arc::downgrade(m),
            },
        );
    }
    Ok(())
}

/// Withdraws every export of a module.
pub(crate) fn unregister(m: &Module) {
    TABLE
        .lock()
        .retain(|_, e| !core::ptr::eq(e.owner.as_ptr(), m));
}

/// A module's export of that name: (address, GPL-only, owner).
pub fn find(name: &str) -> Option<(usize, bool, Arc<Module>)> {
    let table = TABLE.lock();
    let e = table.get(name)?;
    Some((e.addr, e.gpl, e.owner.upgrade()?))
}

/// Every module export: (name, owner's name, GPL-only).
pub fn all() -> Vec<(String, String, bool)> {
    TABLE
        .lock()
        .iter()
        .map(|(n, e)| {
            let owner = e
                .owner
                .upgrade()
                .map_or_else(String::new, |o| o.name().into());
            (n.clone(), owner, e.gpl)
        })
        .collect()
}

/// Whether a table reads as Linux's 12-byte PREL32 entries: every entry's
/// name offset lands on a string of `__ksymtab_strings`.
fn looks_prel32(mem: &ModuleMemoryReader<'_>, addr: usize, size: usize) -> bool {
    let n = size_of::<KernelSymbolPrel32>();
    size.is_multiple_of(n)
        && (0..size / n).all(|i| {
            let at = addr + i * n;
            mem.read::<KernelSymbolPrel32>(at, |_| true)
                .is_some_and(|e| {
                    let name_field = at + core::mem::offset_of!(KernelSymbolPrel32, name_offset);
                    let name = name_field.wrapping_add_signed(e.name_offset as isize);
                    mem.cstr(name, |s| s.name == "__ksymtab_strings").is_some()
                })
        })
}

/// The symbols a module exports, read from its relocated `__ksymtab` and
/// `__ksymtab_gpl` (absolute `struct kernel_symbol` entries, as this
/// kernel's header emits): each entry's name must be a string of
/// `__ksymtab_strings` and its value must point into the module. A table
/// in Linux's PREL32 format (modules built for another kernel) is refused
/// saying so.
pub(crate) fn module_exports(
    module: &str,
    mem: &ModuleMemoryReader<'_>,
) -> KResult<Vec<ModExport>> {
    let mut out = Vec::new();
    for (table, gpl) in [("__ksymtab", false), ("__ksymtab_gpl", true)] {
        let Some(sec) = mem.sections().iter().find(|s| s.name == table) else {
            continue;
        };
        let n = size_of::<KernelSymbol>();
        for i in 0..sec.size.div_ceil(n) {
            let entry: Option<KernelSymbol> = mem.read(sec.addr + i * n, |s| s.name == table);
            let name = entry.and_then(|e| mem.cstr(e.name, |s| s.name == "__ksymtab_strings"));
            let (Some(e), Some(sym)) = (entry, name.filter(|n| !n.is_empty())) else {
                if looks_prel32(mem, sec.addr, sec.size) {
                    crate::bail!(
                        ENOEXEC,
                        "{module}: {table} holds 12-byte PREL32 kernel_symbol entries (a kernel \
                         built with CONFIG_HAVE_ARCH_PREL32_RELOCATIONS); this kernel reads \
                         24-byte entries with absolute pointers: rebuild the module for it"
                    );
                }
                crate::bail!(
                    ENOEXEC,
                    "{module}: {table} entry {i} is not a kernel_symbol with a name in __ksymtab_strings"
                );
            };
            if !mem.contains(e.value, 1, |_| true) {
                crate::bail!(ENOEXEC, "{module}: export {sym} points outside the module");
            }
            out.push(ModExport {
                name: sym,
                addr: e.value,
                gpl,
            });
        }
    }
    Ok(out)
}

/// References taken on provider modules while resolving; given back on
/// drop unless handed to the module that uses them.
pub(crate) struct Providers(Vec<Arc<Module>>);

impl Providers {
    /// The providers, now the user's to keep.
    pub(crate) fn take(mut self) -> Vec<Arc<Module>> {
        core::mem::take(&mut self.0)
    }
}

impl Drop for Providers {
    fn drop(&mut self) {
        for p in self.0.drain(..) {
            p.module_put();
        }
    }
}

/// Where an undefined symbol resolved: its address and the module that
/// exports it (None: the kernel).
type Resolved = (usize, Option<Arc<Module>>);

/// What an undefined symbol resolves to, if anything.
fn resolve_one(elf: &CheckedElf, name: &str, gpl_ok: bool) -> KResult<Option<Resolved>> {
    if let Some(a) = kapi::lookup(name) {
        return Ok(Some((a, None)));
    }
    let found = find(name).filter(|(_, gpl, _)| gpl_ok || !gpl);
    let Some((addr, _, owner)) = found else {
        return Ok(None);
    };
    if owner.state() == State::Coming {
        let msg = alloc::format!(
            "{}: symbol {name} belongs to {}, which is still loading",
            elf.name,
            owner.name()
        );
        return Err(Error::new(Errno::EBUSY, msg));
    }
    Ok(Some((addr, Some(owner))))
}

/// Resolves every undefined symbol against the kernel's exports, then the
/// modules' exports (Linux's resolve_symbol). A provider module gets one
/// reference for the whole load. A module whose licence is not
/// GPL-compatible does not see `EXPORT_SYMBOL_GPL` symbols. Every unknown
/// symbol is reported, as Linux's `<module>: Unknown symbol X (err -2)`,
/// then the load fails with ENOENT (the last one is the returned error,
/// logged by the loader with every other load error); a symbol of a
/// module still coming gives EBUSY.
pub(crate) fn resolve(
    elf: &CheckedElf,
    gpl_ok: bool,
) -> KResult<(BTreeMap<String, usize>, Providers)> {
    let mut out = BTreeMap::new();
    let mut providers = Providers(Vec::new());
    let mut unknown: Option<Error> = None;
    for sym in elf.symbols.iter().skip(1) {
        if sym.shndx != SHN_UNDEF || out.contains_key(&sym.name) {
            continue;
        }
        match resolve_one(elf, &sym.name, gpl_ok)? {
            Some((addr, owner)) => {
                if let Some(owner) = owner
                    && !providers.0.iter().any(|p| Arc::ptr_eq(p, &owner))
                {
                    if !owner.try_module_get() {
                        report(&mut unknown, unknown_symbol(&elf.name, &sym.name));
                        continue;
                    }
                    providers.0.push(owner);
                }
                out.insert(sym.name.clone(), addr);
            }
            None if sym.bind() == STB_WEAK => {}
            None => report(&mut unknown, unknown_symbol(&elf.name, &sym.name)),
        }
    }
    match unknown {
        Some(e) => Err(e),
        None => Ok((out, providers)),
    }
}

/// Keeps the newest error to return and logs the one it replaces.
fn report(last: &mut Option<Error>, e: Error) {
    if let Some(earlier) = last.replace(e) {
        klog!(level::ERR, "{}", earlier.msg);
    }
}

fn unknown_symbol(module: &str, sym: &str) -> Error {
    Error::new(
        Errno::ENOENT,
        alloc::format!("{module}: Unknown symbol {sym} (err -2)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::LoadedSection;

    fn section(name: &str, addr: usize, size: usize) -> LoadedSection {
        LoadedSection {
            index: 0,
            name: name.into(),
            addr,
            size,
            flags: 0,
        }
    }

    /// A `__ksymtab` of Linux's 12-byte PREL32 entries (another kernel's
    /// module) is refused saying what the format is.
    #[test]
    fn prel32_export_table_is_named() {
        let mut buf = alloc::vec![0u8; 12 + 8];
        let base = buf.as_ptr() as usize;
        let strings = base + 12;
        let name_field = base + 4;
        buf[4..8].copy_from_slice(&((strings - name_field) as i32).to_le_bytes());
        buf[12..16].copy_from_slice(b"foo\0");
        let secs = [
            section("__ksymtab", base, 12),
            section("__ksymtab_strings", strings, 8),
        ];
        // SAFETY: both sections lie in `buf`, alive for the reader's life.
        let mem = unsafe { ModuleMemoryReader::new(&secs) };
        let e = module_exports("m", &mem).unwrap_err();
        assert_eq!(e.errno, Errno::ENOEXEC);
        assert!(e.msg.contains("PREL32"), "{}", e.msg);
        assert!(e.msg.starts_with("m: __ksymtab "), "{}", e.msg);
    }

    /// An entry that is neither format says which entry is wrong.
    #[test]
    fn nameless_export_entry_is_refused() {
        let buf = alloc::vec![0u8; 24 + 8];
        let base = buf.as_ptr() as usize;
        let secs = [
            section("__ksymtab_gpl", base, 24),
            section("__ksymtab_strings", base + 24, 8),
        ];
        // SAFETY: both sections lie in `buf`, alive for the reader's life.
        let mem = unsafe { ModuleMemoryReader::new(&secs) };
        let e = module_exports("m", &mem).unwrap_err();
        assert!(e.msg.contains("__ksymtab_gpl entry 0"), "{}", e.msg);
    }
}
