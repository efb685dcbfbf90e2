//! Module memory: where a module's sections live and what they may do
//! (Linux's `struct module_memory`, the layout of kernel/module/main.c and
//! the re-protection of kernel/module/strict_rwx.c).
//!
//! - [`ModMemType`]: the permission classes sections are packed by;
//! - [`ModuleMemory`]: pages of one class, owned: dropping it makes them
//!   writable again, flushes and frees them;
//! - [`plan`]: which sections kmod-loader allocates, in its order;
//! - [`layout`]: where each section goes, in the order kmod-loader asks;
//! - [`reader`]: the one typed, bounds-checked door to relocated module
//!   memory (`struct module`, `kernel_param`, exports).

pub mod layout;
pub mod plan;
pub mod reader;

use alloc::string::String;
use alloc::sync::Arc;

use ax_kspin::SpinRaw;

use crate::console::level;
use crate::elf::consts::{SHF_EXECINSTR, SHF_WRITE};
use crate::klog;
use crate::platform::{self, PAGE_SIZE, Prot};

/// A section the loader placed in module memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedSection {
    /// Index in the module's section header table.
    pub index: usize,
    /// Section name.
    pub name: String,
    /// Load address.
    pub addr: usize,
    /// Size in bytes (the section's own size, not the page-rounded one).
    pub size: usize,
    /// SHF_* flags.
    pub flags: u64,
}

/// Linux's `enum mod_mem_type`, as far as this kernel separates them
/// (read-only-after-init data lives with data; init rodata with init data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModMemType {
    /// Core code: `r-x`.
    Text,
    /// Core read-only data: `r--`.
    Rodata,
    /// Core data and bss: `rw-`.
    Data,
    /// Init code: `r-x` (kept until unload; `initsize` reads 0 once live).
    InitText,
    /// Init data and init rodata: `rw-`.
    InitData,
}

impl ModMemType {
    /// Every type, in layout order.
    pub const ALL: [ModMemType; 5] = [
        ModMemType::Text,
        ModMemType::Rodata,
        ModMemType::Data,
        ModMemType::InitText,
        ModMemType::InitData,
    ];

    /// Its index in [`ModMemType::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The protection its pages get once relocated (never W+X).
    pub fn prot(self) -> Prot {
        match self {
            ModMemType::Text | ModMemType::InitText => Prot::RX,
            ModMemType::Rodata => Prot::R,
            ModMemType::Data | ModMemType::InitData => Prot::RW,
        }
    }

    /// Whether it holds init sections (`initsize`).
    pub fn is_init(self) -> bool {
        matches!(self, ModMemType::InitText | ModMemType::InitData)
    }

    /// The type of a section with these flags and name (Linux's
    /// layout_sections masks).
    pub fn of(name: &str, flags: u64) -> ModMemType {
        let init = name.starts_with(".init");
        match (flags & SHF_EXECINSTR != 0, flags & SHF_WRITE != 0, init) {
            (true, _, false) => ModMemType::Text,
            (true, _, true) => ModMemType::InitText,
            (false, true, false) => ModMemType::Data,
            (false, false, false) => ModMemType::Rodata,
            (false, _, true) => ModMemType::InitData,
        }
    }
}

/// Pages from the platform holding the sections of one type (or one
/// section whose size only the loader knows). Owns them: dropping it
/// returns them.
pub struct ModuleMemory {
    base: usize,
    pages: usize,
    prot: SpinRaw<Prot>,
}

impl ModuleMemory {
    /// Allocates zeroed, writable pages for `bytes` (at least one page).
    pub fn alloc(bytes: usize) -> Option<Arc<ModuleMemory>> {
        let pages = bytes.div_ceil(PAGE_SIZE).max(1);
        let base = platform::get().alloc_module_pages(pages)?;
        Some(Arc::new(ModuleMemory {
            base,
            pages,
            prot: SpinRaw::new(Prot::RW),
        }))
    }

    /// Its first byte.
    pub fn base(&self) -> usize {
        self.base
    }

    /// Its size in pages.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Whether `[addr, addr + len)` lies inside it.
    pub fn contains(&self, addr: usize, len: usize) -> bool {
        addr >= self.base
            && addr
                .checked_add(len)
                .is_some_and(|end| end <= self.base + self.pages * PAGE_SIZE)
    }

    /// Gives the whole region `prot` (strict_rwx's module_set_memory);
    /// W+X is refused.
    pub fn set_prot(&self, prot: Prot) -> bool {
        if prot.is_wx() {
            return false;
        }
        let mut cur = self.prot.lock();
        if *cur == prot {
            return true;
        }
        // SAFETY: the pages are this region's own, allocated by the
        // platform for module memory; nothing of the kernel lives there.
        if !unsafe { platform::get().protect(self.base, self.pages * PAGE_SIZE, prot) } {
            return false;
        }
        *cur = prot;
        true
    }
}

impl Drop for ModuleMemory {
    fn drop(&mut self) {
        let p = platform::get();
        let len = self.pages * PAGE_SIZE;
        // Pages go back to the allocator writable and flushed; a page whose
        // protection cannot be restored is leaked, never handed out read-only.
        // SAFETY: the region's own pages; no module code runs any more
        // (the module record dropped its memory after exit).
        if *self.prot.lock() != Prot::RW && !unsafe { p.protect(self.base, len, Prot::RW) } {
            klog!(
                level::ERR,
                "module memory at {:#x} could not be made writable again; leaked",
                self.base
            );
            return;
        }
        p.flush(self.base, len);
        // SAFETY: allocated by alloc_module_pages with this page count,
        // writable again, and nothing refers to it once the last Arc goes.
        unsafe { p.free_module_pages(self.base, self.pages) };
    }
}
