//! Where each section of a module goes: sections are packed by
//! [`ModMemType`] into shared [`ModuleMemory`] regions, as Linux lays a
//! module out, instead of one page-rounded allocation per section.
//!
//! kmod-loader asks for each section separately, in the order
//! [`plan_allocations`] predicts, and gets its place in its type's
//! region. It changes protections only after every relocation, so a region
//! is writable while any of its sections is being written.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::elf::consts::{SHF_ALLOC, SHF_EXECINSTR};
use crate::elf::{CheckedElf, Section};
use crate::errno::{Errno, Error, KResult};
use crate::platform::{PAGE_SIZE, Prot};

use super::plan::{PlannedAlloc, plan_allocations};
use super::{ModMemType, ModuleMemory};

/// Where one planned section goes.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// At this offset of its type's region, with this size.
    Packed(ModMemType, usize, usize),
    /// In a region of its own, sized when the loader asks (the GOT/PLT
    /// kmod-loader's arch code builds).
    Own(ModMemType),
}

/// One section's memory as handed to kmod-loader: a place in a region and
/// the protection its type will get (anything else is refused).
pub struct SectionMem {
    /// The region it lies in (None: the request was refused).
    pub region: Option<Arc<ModuleMemory>>,
    /// Its first byte (0 when refused).
    pub addr: usize,
    /// The protection its type gets.
    pub prot: Prot,
}

impl SectionMem {
    fn refused() -> SectionMem {
        SectionMem {
            region: None,
            addr: 0,
            prot: Prot::RW,
        }
    }
}

/// The type of a planned section, from the flags the loader will use.
fn mem_type(s: &Section, frobbed: bool) -> ModMemType {
    let flags = if frobbed {
        // kmod-loader's arch code: the PLT becomes ALLOC|EXEC, the GOTs ALLOC.
        if s.name == ".plt" {
            SHF_ALLOC | SHF_EXECINSTR
        } else {
            SHF_ALLOC
        }
    } else {
        s.flags
    };
    ModMemType::of(&s.name, flags)
}

/// The layout of one load: a slot per planned section, in the loader's
/// allocation order, and the regions as they are allocated.
pub struct Layout {
    plan: Vec<PlannedAlloc>,
    slots: Vec<Slot>,
    sizes: [usize; 5],
    regions: [Option<Arc<ModuleMemory>>; 5],
    next: usize,
    /// Pages of every region, core and init (`coresize`, `initsize`).
    pub core_pages: usize,
    /// Pages of the init regions.
    pub init_pages: usize,
}

impl Layout {
    /// Lays out the sections of a checked image.
    pub fn new(elf: &CheckedElf) -> Layout {
        let plan = plan_allocations(elf);
        let mut sizes = [0usize; 5];
        let mut slots = Vec::with_capacity(plan.len());
        for p in &plan {
            let s = &elf.sections[p.index];
            let ty = mem_type(s, p.frobbed);
            slots.push(match p.size {
                Some(size) => {
                    // The arch code re-aligns the GOT/PLT it rewrites
                    // (entries of 8 or 16 bytes).
                    let min = if p.frobbed { 16 } else { 1 };
                    let align = (s.align.max(min) as usize).min(PAGE_SIZE);
                    let at = sizes[ty.index()].div_ceil(align) * align;
                    sizes[ty.index()] = at + size;
                    Slot::Packed(ty, at, size)
                }
                None => Slot::Own(ty),
            });
        }
        Layout {
            plan,
            slots,
            sizes,
            regions: Default::default(),
            next: 0,
            core_pages: 0,
            init_pages: 0,
        }
    }

    /// What the loader will allocate, in its order.
    pub fn plan(&self) -> &[PlannedAlloc] {
        &self.plan
    }

    fn count(&mut self, region: &ModuleMemory, ty: ModMemType) {
        if ty.is_init() {
            self.init_pages += region.pages();
        } else {
            self.core_pages += region.pages();
        }
    }

    /// Allocates every packed region (their sizes are known before
    /// relocation, so zero-size sections can be given addresses first).
    pub fn alloc_regions(&mut self) -> KResult<()> {
        for ty in ModMemType::ALL {
            if self.sizes[ty.index()] == 0 {
                continue;
            }
            let r = ModuleMemory::alloc(self.sizes[ty.index()]).ok_or(OUT_OF_MEMORY)?;
            self.count(&r, ty);
            self.regions[ty.index()] = Some(r);
        }
        Ok(())
    }

    /// Where a zero-size allocated section lives: at the start of its
    /// type's region, or `fallback` when the type has no bytes at all.
    /// kmod-loader skips such sections, but symbols in them are real
    /// (`static struct lock_class_key key;` is an empty struct in .bss)
    /// and must resolve to a non-NULL address, as on Linux.
    pub fn zero_size_addr(&self, s: &Section, fallback: usize) -> usize {
        let ty = ModMemType::of(&s.name, s.flags);
        self.regions[ty.index()]
            .as_ref()
            .map_or(fallback, |r| r.base())
    }

    /// The memory for the loader's next allocation request.
    pub fn place(&mut self, request: usize) -> SectionMem {
        let Some(&slot) = self.slots.get(self.next) else {
            return SectionMem::refused();
        };
        self.next += 1;
        match slot {
            Slot::Packed(ty, at, size) => {
                // The loader asks for the page-rounded section size.
                if request != size.div_ceil(PAGE_SIZE) * PAGE_SIZE {
                    return SectionMem::refused();
                }
                let Some(region) = self.regions[ty.index()].clone() else {
                    return SectionMem::refused();
                };
                SectionMem {
                    addr: region.base() + at,
                    region: Some(region),
                    prot: ty.prot(),
                }
            }
            Slot::Own(ty) => match ModuleMemory::alloc(request) {
                Some(r) => {
                    self.count(&r, ty);
                    SectionMem {
                        addr: r.base(),
                        region: Some(r),
                        prot: ty.prot(),
                    }
                }
                None => SectionMem::refused(),
            },
        }
    }
}

/// ENOMEM, reported without allocating (memory is short on this path).
pub const OUT_OF_MEMORY: Error = Error {
    errno: Errno::ENOMEM,
    msg: alloc::borrow::Cow::Borrowed("out of module memory"),
};
