//! Symbols exported by modules (`EXPORT_SYMBOL` / `EXPORT_SYMBOL_GPL`):
//! the table later modules resolve against, after the kernel's own
//! exports (Linux's per-module `syms`/`gpl_syms` searched by find_symbol).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use ax_kspin::SpinRaw;

use crate::errno::{Errno, Error, KResult};
use crate::kapi;
use crate::module::Module;

/// One symbol a module exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModExport {
    /// Its name.
    pub name: String,
    /// Its address in the module.
    pub addr: usize,
    /// `EXPORT_SYMBOL_GPL`: usable by GPL-compatible modules only.
    pub gpl: bool,
}

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
