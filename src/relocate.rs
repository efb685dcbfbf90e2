//! Relocation through kmod-loader: its view of the kernel ([`Helper`]: the
//! memory it asks for, the symbols it resolves, the caches it flushes) and
//! one load's run of it, from a checked image to placed sections.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::ffi::CString;
use alloc::string::String;
use alloc::vec::Vec;
use core::mem::offset_of;

use ax_kspin::SpinRaw;
use goblin::elf64::header::Header as Elf64Header;
use goblin::elf64::section_header::SectionHeader as Elf64Shdr;
use kmod_loader::{KernelModuleHelper, ModuleLoader, ModuleOwner, SectionMemOps, SectionPerm};

use crate::elf::{self, CheckedElf};
use crate::errno::{Errno, Error, KResult};
use crate::memory::LoadedSection;
use crate::memory::layout::{Layout, OUT_OF_MEMORY, SectionMem};
use crate::memory::plan::PlannedAlloc;
use crate::platform::{self, PAGE_SIZE, Prot};

/// A module image copied into 8-aligned memory (kmod-loader casts
/// relocation tables in place), which the loader may patch before use.
pub struct Image {
    words: Vec<u64>,
    len: usize,
}

impl Image {
    /// Copies `bytes`.
    pub fn new(bytes: &[u8]) -> Image {
        let mut words = alloc::vec![0u64; bytes.len().div_ceil(8)];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks(8)) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            *w = u64::from_le_bytes(b);
        }
        Image {
            words,
            len: bytes.len(),
        }
    }

    /// Its bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the u64 buffer holds at least len initialised bytes.
        unsafe { core::slice::from_raw_parts(self.words.as_ptr() as *const u8, self.len) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in bytes(), uniquely borrowed.
        unsafe { core::slice::from_raw_parts_mut(self.words.as_mut_ptr() as *mut u8, self.len) }
    }

    /// Sets `sh_addr` of section `index` (the image passed the ELF check,
    /// so its section table lies inside it).
    fn set_sh_addr(&mut self, index: usize, addr: usize) -> Option<()> {
        let shoff_at = offset_of!(Elf64Header, e_shoff);
        let shoff = u64::from_le_bytes(self.bytes().get(shoff_at..shoff_at + 8)?.try_into().ok()?);
        let at = usize::try_from(shoff).ok()?
            + index * size_of::<Elf64Shdr>()
            + offset_of!(Elf64Shdr, sh_addr);
        self.bytes_mut()
            .get_mut(at..at + 8)?
            .copy_from_slice(&(addr as u64).to_le_bytes());
        Some(())
    }
}

/// The state of the one load kmod-loader is running (loads are serialised).
struct LoadCtx {
    resolved: BTreeMap<String, usize>,
    allocs: Vec<(usize, usize)>,
    /// The platform refused a protection change.
    protect_failed: bool,
    layout: Layout,
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
                let mem = ctx.layout.place(size);
                ctx.allocs.push((mem.addr, size));
                mem
            }
            None => SectionMem {
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

impl SectionMemOps for SectionMem {
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
        // A section asking for another protection than its type would
        // change its neighbours' too: refuse (and never W+X).
        if prot != self.prot {
            return false;
        }
        if !region.set_prot(prot) {
            if let Some(ctx) = LOAD_CTX.lock().as_mut() {
                ctx.protect_failed = true;
            }
            return false;
        }
        true
    }
}

/// A relocated module: the loader's record (which owns the memory) and
/// where each section went.
pub struct Relocated {
    /// Kept for the memory it owns: dropping it frees the module's pages.
    pub owner: ModuleOwner<Helper>,
    /// Every placed section.
    pub sections: Vec<LoadedSection>,
    /// Pages of the core regions.
    pub core_pages: usize,
    /// Pages of the init regions.
    pub init_pages: usize,
}

/// What a zero-size section's symbols point at when its type has no
/// region: a kernel object, never dereferenced (the objects have no bytes).
static ZERO_SIZE_ANCHOR: u8 = 0;

/// Lays out, relocates and protects a checked image (Linux's
/// layout_and_allocate + apply_relocations + module_enable_rodata_ro/nx/x).
/// Symbols resolve to `resolved`. Errors free whatever was allocated.
pub fn relocate(
    elf: &CheckedElf,
    mut image: Image,
    resolved: BTreeMap<String, usize>,
) -> KResult<Relocated> {
    let name = &elf.name;
    let _serial = LOAD_LOCK.lock();
    let mut layout = Layout::new(elf);
    layout.alloc_regions()?;
    let anchor = &ZERO_SIZE_ANCHOR as *const u8 as usize;
    for (i, s) in elf.sections.iter().enumerate() {
        if s.size == 0 && elf::loader_allocates(s) {
            image
                .set_sh_addr(i, layout.zero_size_addr(s, anchor))
                .ok_or_else(|| Error::new(Errno::ENOEXEC, "section table outside the image"))?;
        }
    }
    *LOAD_CTX.lock() = Some(LoadCtx {
        resolved,
        allocs: Vec::new(),
        protect_failed: false,
        layout,
    });
    let r =
        ModuleLoader::<Helper>::new(image.bytes()).and_then(|l| l.load_module(CString::default()));
    let ctx = LOAD_CTX.lock().take();
    let Some(ctx) = ctx else {
        return Err(Error::new(Errno::EINVAL, "module load context lost"));
    };
    let owner = r.map_err(|e| {
        // Out of pages (kmod-loader says ENOSPC) or of page-table memory
        // for a protection change (it says EINVAL): ENOMEM, as Linux.
        let errno = Errno::from(e);
        if ctx.protect_failed {
            Error::new(Errno::ENOMEM, "cannot protect module memory")
        } else if errno == Errno::ENOSPC {
            OUT_OF_MEMORY
        } else {
            Error::new(errno, alloc::format!("{name}: relocation failed: {errno}"))
        }
    })?;
    Ok(Relocated {
        owner,
        sections: place_sections(elf, ctx.layout.plan(), &ctx.allocs)?,
        core_pages: ctx.layout.core_pages,
        init_pages: ctx.layout.init_pages,
    })
}

/// Matches the loader's allocations with the sections they hold.
fn place_sections(
    elf: &CheckedElf,
    plan: &[PlannedAlloc],
    allocs: &[(usize, usize)],
) -> KResult<Vec<LoadedSection>> {
    if allocs.len() != plan.len() {
        crate::bail!(
            ENOEXEC,
            "{}: loader made {} allocations, {} sections expected",
            elf.name,
            allocs.len(),
            plan.len()
        );
    }
    let mut out = Vec::with_capacity(allocs.len());
    for (p, &(addr, len)) in plan.iter().zip(allocs) {
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
