//! The ArceOS backend: module pages from ax-alloc, protection changes
//! through ax-mm's kernel address space, TLB and I-cache flushes from
//! ax-hal, the console through ax-hal.
//!
//! An ArceOS kernel has no runtime symbol table (it links with
//! --gc-sections): kallsyms here is the table of exported kernel symbols.

use alloc::boxed::Box;
use core::sync::atomic::{AtomicUsize, Ordering};

use ax_alloc::{UsageKind, global_allocator};
use ax_hal::paging::MappingFlags;
use ax_kspin::SpinRaw;
use ax_memory_addr::VirtAddr;

use super::{PAGE_SIZE, Platform, Prot};
use crate::symbols::{KernelSymbol, KernelSymbols};

/// The ArceOS platform.
pub struct ArceosPlatform {
    syms: SpinRaw<Option<&'static KernelSymbols>>,
    pages: AtomicUsize,
}

static ARCEOS: ArceosPlatform = ArceosPlatform {
    syms: SpinRaw::new(None),
    pages: AtomicUsize::new(0),
};

/// Installs the ArceOS platform (idempotent) and returns it.
pub fn install() -> &'static ArceosPlatform {
    super::install(&ARCEOS);
    &ARCEOS
}

impl Platform for ArceosPlatform {
    fn alloc_module_pages(&self, pages: usize) -> Option<usize> {
        let addr = global_allocator()
            .alloc_pages(pages, PAGE_SIZE, UsageKind::Global)
            .ok()?;
        // SAFETY: the allocator just handed us these pages; zero them, as
        // module memory (.bss, the GOT) must start zeroed.
        unsafe { core::ptr::write_bytes(addr as *mut u8, 0, pages * PAGE_SIZE) };
        self.pages.fetch_add(pages, Ordering::Relaxed);
        Some(addr)
    }

    unsafe fn free_module_pages(&self, addr: usize, pages: usize) {
        global_allocator().dealloc_pages(addr, pages, UsageKind::Global);
        self.pages.fetch_sub(pages, Ordering::Relaxed);
    }

    unsafe fn protect(&self, addr: usize, len: usize, prot: Prot) -> bool {
        if prot.is_wx() {
            return false;
        }
        let mut flags = MappingFlags::empty();
        if prot.read {
            flags |= MappingFlags::READ;
        }
        if prot.write {
            flags |= MappingFlags::WRITE;
        }
        if prot.exec {
            flags |= MappingFlags::EXECUTE;
        }
        // Never print while holding the address-space lock (KERNEL.md).
        let ok = ax_mm::kernel_aspace()
            .lock()
            .protect(VirtAddr::from(addr), len, flags)
            .is_ok();
        let _ = ax_hal::cache::flush_tlb_range_all_cpus(VirtAddr::from(addr), len);
        ok
    }

    fn flush(&self, addr: usize, len: usize) {
        let _ = ax_hal::cache::flush_tlb_range_all_cpus(VirtAddr::from(addr), len);
        ax_hal::cache::flush_icache_all_cpus();
    }

    fn kernel_symbols(&self) -> &KernelSymbols {
        let mut g = self.syms.lock();
        if let Some(s) = *g {
            return s;
        }
        let syms = crate::kapi::exports()
            .map(|(name, addr)| KernelSymbol {
                addr,
                kind: b'T',
                name: name.into(),
            })
            .collect();
        let table: &'static KernelSymbols = Box::leak(Box::new(KernelSymbols::new(syms)));
        *g = Some(table);
        table
    }

    fn console_write(&self, level: u8, line: &str) {
        let _ = level;
        ax_hal::console::write_bytes(line.as_bytes());
        ax_hal::console::write_bytes(b"\n");
    }

    fn module_pages_in_use(&self) -> usize {
        self.pages.load(Ordering::Relaxed)
    }
}
