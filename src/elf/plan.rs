//! The prediction of kmod-loader's allocations: which sections it
//! allocates, in which order, and how large. This is knowledge of the
//! loader's memory layout rather than a validity check; it runs on an image
//! that passed the check.

use alloc::vec::Vec;

use super::consts::*;
use super::{PlannedAlloc, Section, loader_allocates};

/// What kmod-loader 0.3.1 allocates for a checked image, in its order
/// (section order), after its arch adjustments: on x86_64 it sizes `.got`
/// by the GOTPCREL relocations (`gotpcrel` of them, 8 bytes each); on
/// riscv64 its arch code sizes `.got`, `.plt` and `.got.plt` itself. It
/// skips sections it does not allocate and empty ones.
pub fn plan_allocations(machine: u16, sections: &[Section], gotpcrel: usize) -> Vec<PlannedAlloc> {
    let got = sections.iter().position(|s| s.name == ".got");
    let mut plan = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let frobbed = match machine {
            EM_X86_64 if Some(i) == got && gotpcrel > 0 => Some(Some(gotpcrel * 8)),
            EM_RISCV if matches!(s.name.as_str(), ".got" | ".plt" | ".got.plt") => Some(None),
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
