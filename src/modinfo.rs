//! What `.modinfo` decides before a module is formed (Linux's
//! check_modinfo): the version magic, the licence, and the taints they
//! bring.

use crate::console::level;
use crate::elf::CheckedElf;
use crate::errno::KResult;
use crate::klog;
use crate::taint::{self, TaintMask};
use crate::version::VERMAGIC;

/// Licences Linux treats as GPL-compatible (license_is_gpl_compatible).
pub const GPL_COMPATIBLE: &[&str] = &[
    "GPL",
    "GPL v2",
    "GPL and additional rights",
    "Dual BSD/GPL",
    "Dual MIT/GPL",
    "Dual MPL/GPL",
];

/// Whether a licence string is GPL-compatible.
pub fn license_is_gpl_compatible(license: &str) -> bool {
    GPL_COMPATIBLE.contains(&license)
}

/// Linux's try_to_force_load: taints F, saying why the first time the
/// kernel is tainted so.
fn force_load(name: &str, reason: &str, mask: &mut TaintMask) {
    if !taint::kernel_tainted(taint::FORCED_MODULE) {
        klog!(level::WARNING, "{name}: {reason}: kernel tainted.");
    }
    mask.add(taint::FORCED_MODULE);
}

/// The checks of Linux's check_modinfo: vermagic (a missing one, or one
/// ignored by the flag, forces the load), then the taints of an
/// out-of-tree, staging, livepatch or non-GPL module. Returns the module's
/// taints.
pub fn check_modinfo(elf: &CheckedElf, ignore_vermagic: bool) -> KResult<TaintMask> {
    let name = &elf.name;
    let mut mask = TaintMask::default();
    let magic = if ignore_vermagic {
        None
    } else {
        elf.modinfo_get("vermagic")
    };
    match magic {
        None => force_load(name, "bad vermagic", &mut mask),
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
        mask.add(taint::OOT_MODULE);
    }
    if elf.modinfo_get("staging").is_some() {
        mask.add(taint::CRAP);
    }
    if elf.modinfo_get("livepatch").is_some() {
        mask.add(taint::LIVEPATCH);
    }
    let license = elf.modinfo_get("license").unwrap_or("unspecified");
    if !license_is_gpl_compatible(license) {
        klog!(
            level::WARNING,
            "{name}: module license '{license}' taints kernel."
        );
        mask.add(taint::PROPRIETARY_MODULE);
    }
    Ok(mask)
}
