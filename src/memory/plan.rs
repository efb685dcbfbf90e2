//! The prediction of kmod-loader's allocations: which sections it
//! allocates, in which order, and how large. This is knowledge of the
//! loader's memory layout rather than a validity check; it runs on an image
//! that passed the check.

use alloc::vec::Vec;

use crate::elf::consts::*;
use crate::elf::{CheckedElf, HOST_MACHINE, loader_allocates};

/// A section the loader will allocate, in the loader's allocation order,
/// with the size it will ask for (`None`: decided by the loader's arch code).
#[derive(Debug, Clone)]
pub struct PlannedAlloc {
    /// Section index.
    pub index: usize,
    /// The section's size after the loader's arch adjustments.
    pub size: Option<usize>,
    /// Whether the loader's arch code rewrites this section (GOT/PLT): its
    /// flags become ALLOC (GOT) or ALLOC|EXEC (PLT).
    pub frobbed: bool,
}

/// What kmod-loader 0.3.1 allocates for a checked image, in its order
/// (section order), after its arch adjustments: on x86_64 it sizes `.got`
/// by the GOTPCREL relocations (8 bytes each); on
/// riscv64 its arch code sizes `.got`, `.plt` and `.got.plt` itself, on
/// loongarch64 `.got`, `.plt` and `.plt.idx`, on aarch64 `.plt` (when
/// there are CALL26/JUMP26 relocations in executable sections) and `.got`
/// (when there are GOT relocations there). It
/// skips sections it does not allocate and empty ones.
pub fn plan_allocations(elf: &CheckedElf) -> Vec<PlannedAlloc> {
    let (machine, sections, gotpcrel) = (HOST_MACHINE, &elf.sections, elf.gotpcrel);
    let got = sections.iter().position(|s| s.name == ".got");
    let mut plan = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let frobbed = match machine {
            EM_X86_64 if Some(i) == got && gotpcrel > 0 => Some(Some(gotpcrel * 8)),
            EM_RISCV if matches!(s.name.as_str(), ".got" | ".plt" | ".got.plt") => Some(None),
            EM_LOONGARCH if matches!(s.name.as_str(), ".got" | ".plt" | ".plt.idx") => Some(None),
            EM_AARCH64 if s.name == ".plt" && elf.a64_plts > 0 => Some(None),
            EM_AARCH64 if s.name == ".got" && elf.a64_gots > 0 => Some(None),
            _ => None,
        };
        match frobbed {
            Some(size) => plan.push(PlannedAlloc {
                index: i,
                size,
                frobbed: true,
            }),
            None if loader_allocates(s) && s.size > 0 => plan.push(PlannedAlloc {
                index: i,
                size: Some(s.size),
                frobbed: false,
            }),
            None => {}
        }
    }
    plan
}
