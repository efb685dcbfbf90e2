//! The sections found by name (Linux's `elf_validity_cache_index_info` and
//! `elf_validity_cache_index_mod`, plus `__param`).

use alloc::format;

use super::consts::*;
use super::{KERNEL_PARAM_SIZE, STRUCT_MODULE_SIZE, Section, bad};
use crate::errno::KResult;

/// Sections the loader finds by name: at most one of each.
const UNIQUE: &[&str] = &[
    ".gnu.linkonce.this_module",
    ".modinfo",
    "__param",
    "__ksymtab",
    "__ksymtab_gpl",
    "__ksymtab_strings",
    ".got",
    ".plt",
    ".got.plt",
    ".plt.idx",
];

/// Where the sections found by name are, if present.
pub(super) struct Indices {
    /// `.modinfo`.
    pub(super) modinfo: Option<usize>,
    /// `.gnu.linkonce.this_module`.
    pub(super) this_module: Option<usize>,
    /// `__param`.
    pub(super) param: Option<usize>,
}

/// The sections found by name.
///
/// Checks:
/// - at most one of each section the loader looks up by name
///   (`.gnu.linkonce.this_module`, `.modinfo`, `__param`, `__ksymtab*`,
///   `.got`, `.plt`, `.got.plt`).
pub(super) fn section_indices(sections: &[Section]) -> KResult<Indices> {
    for u in UNIQUE {
        if sections.iter().filter(|s| s.name == *u).count() > 1 {
            return Err(bad(format!("more than one {u} section")));
        }
    }
    let find = |name: &str| sections.iter().position(|s| s.name == name);
    Ok(Indices {
        modinfo: find(".modinfo"),
        this_module: find(".gnu.linkonce.this_module"),
        param: find("__param"),
    })
}

/// The sections holding `struct module` and the parameters; returns the
/// index of `.gnu.linkonce.this_module`.
///
/// Checks:
/// - `.gnu.linkonce.this_module` exists and is allocated PROGBITS of
///   exactly `STRUCT_MODULE_SIZE` bytes;
/// - `__param`, if any, is allocated PROGBITS holding a whole number of
///   `kernel_param`s.
pub(super) fn module_sections(sections: &[Section], index: &Indices) -> KResult<usize> {
    let this_module = index
        .this_module
        .ok_or_else(|| bad("no .gnu.linkonce.this_module section"))?;
    let s = &sections[this_module];
    if s.sh_type != SHT_PROGBITS || !s.is_alloc() || s.size != STRUCT_MODULE_SIZE {
        return Err(bad(format!(
            ".gnu.linkonce.this_module must be allocated data of {STRUCT_MODULE_SIZE} bytes (struct module)"
        )));
    }
    if let Some(p) = index.param {
        let s = &sections[p];
        if s.sh_type != SHT_PROGBITS || !s.is_alloc() || !s.size.is_multiple_of(KERNEL_PARAM_SIZE) {
            return Err(bad(format!(
                "__param must be allocated data, a whole number of {KERNEL_PARAM_SIZE}-byte kernel_params"
            )));
        }
    }
    Ok(this_module)
}
