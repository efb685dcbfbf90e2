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
    if super::install(&ARCEOS) {
        let previous = ax_hal::trap::set_page_fault_handler(on_page_fault);
        PREVIOUS_PAGE_FAULT.store(previous as usize, Ordering::Release);
    }
    &ARCEOS
}

/// The page-fault hook that was there before ours (the runtime's).
static PREVIOUS_PAGE_FAULT: AtomicUsize = AtomicUsize::new(0);

/// Page faults: the kernel's own handling first (lazy kernel mappings);
/// one it cannot handle whose instruction is module code is reported as
/// an Oops, symbolized through kallsyms, before ArceOS stops (this home
/// has no way back into the interrupted call).
fn on_page_fault(addr: VirtAddr, flags: ax_hal::trap::PageFaultFlags) -> bool {
    let previous = PREVIOUS_PAGE_FAULT.load(Ordering::Acquire);
    if previous != 0 {
        // SAFETY: the value was a page-fault handler returned by
        // set_page_fault_handler, stored as an address.
        let previous: fn(VirtAddr, ax_hal::trap::PageFaultFlags) -> bool =
            unsafe { core::mem::transmute(previous) };
        if previous(addr, flags) {
            return true;
        }
    }
    let Some(pc) = faulting_pc() else {
        return false;
    };
    let sp = current_sp();
    // The words above the handler's own stack pointer hold the trap frame
    // (the interrupted pc and return address among them) and the calls
    // that led to the module.
    let stack = (0..64)
        .map(|i| {
            // SAFETY: the handler runs on the interrupted task's kernel
            // stack, deep in a call chain: 512 bytes above sp are mapped.
            unsafe { ((sp + i * 8) as *const usize).read_volatile() }
        })
        .collect();
    let fault = super::ModuleFault {
        kind: super::FaultKind::PageFault {
            addr: addr.as_usize(),
            write: flags.contains(ax_hal::trap::PageFaultFlags::WRITE),
            fetch: flags.contains(ax_hal::trap::PageFaultFlags::EXECUTE),
            present: false,
        },
        pc,
        sp,
        regs: alloc::vec::Vec::new(),
        stack,
    };
    crate::module::report_fault(&fault);
    false
}

/// The interrupted instruction, from the trap CSRs (None where this hook
/// cannot see it).
fn faulting_pc() -> Option<usize> {
    #[cfg(target_arch = "riscv64")]
    {
        let pc: usize;
        // SAFETY: reads sepc, which holds the trapping pc in a page-fault
        // handler (no nested trap has happened yet).
        unsafe { core::arch::asm!("csrr {}, sepc", out(reg) pc) };
        Some(pc)
    }
    #[cfg(target_arch = "aarch64")]
    {
        let pc: usize;
        // SAFETY: reads ELR_EL1, the trapping pc of this exception.
        unsafe { core::arch::asm!("mrs {}, elr_el1", out(reg) pc) };
        Some(pc)
    }
    #[cfg(target_arch = "loongarch64")]
    {
        let pc: usize;
        // SAFETY: reads CSR.ERA (0x6), the trapping pc of this exception.
        unsafe { core::arch::asm!("csrrd {}, 0x6", out(reg) pc) };
        Some(pc)
    }
    #[cfg(not(any(
        target_arch = "riscv64",
        target_arch = "aarch64",
        target_arch = "loongarch64"
    )))]
    {
        None
    }
}

fn current_sp() -> usize {
    let probe = 0u8;
    &probe as *const u8 as usize
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
