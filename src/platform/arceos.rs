//! The ArceOS backend: module pages mapped in a module area beside the
//! kernel image (Linux's MODULES_VADDR), protection changes through ax-mm's
//! kernel address space, TLB and I-cache flushes from ax-hal, the console
//! through ax-hal.
//!
//! Why an area of its own: the pages ax-alloc hands out live in the linear
//! map, which on x86_64 (0xffff8000...) is more than 2 GiB from the kernel
//! text (PC32/PLT32 reach), on aarch64 and loongarch64 more than 128 MiB
//! (CALL26/B26 reach), and on loongarch64 is the direct-map window, which
//! bypasses the page tables (no W^X there). Pages `map_alloc`ed into the
//! kernel address space next to the image are within reach of every kernel
//! function and protected by the page tables.
//!
//! Except on loongarch64, which does what StarryOS does there: module pages
//! come from the allocator, in the direct-map window, out of B26 reach (the
//! loader's PLT entries make the calls) and with no page-level permissions
//! ([`PAGE_TABLE_PROTECTION`] is false). Mappings that ax-mm 0.8.4 makes in
//! the kernel address space under QEMU 7.2's loongarch64 virt board do not
//! reliably reach the physical page they name (a write through a fresh
//! mapping lands elsewhere and corrupts the heap), so a module area cannot
//! be used there yet.
//!
//! An ArceOS kernel has no runtime symbol table (it links with
//! --gc-sections): kallsyms here is the table of exported kernel symbols.

use alloc::boxed::Box;
use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(target_arch = "loongarch64")]
use ax_alloc::{UsageKind, global_allocator};
use ax_hal::paging::MappingFlags;
use ax_kspin::SpinRaw;
use ax_memory_addr::{VirtAddr, VirtAddrRange};

use super::{Event, PAGE_SIZE, Platform, Prot, ThreadBody};
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
        // kallsyms is ready at boot, as Linux's: the Oops path (a trap
        // handler) must not be the first to build it.
        ARCEOS.kernel_symbols();
    }
    &ARCEOS
}

/// Room for the kernel image's symbol table, written into the linked ELF
/// by `kallsyms_image::embed` (all zeros, so no table, until then).
/// Interior mutability keeps the compiler from folding its reads to the
/// zeros it was built with.
#[repr(C, align(8))]
struct EmbeddedKallsyms(core::cell::UnsafeCell<[u8; crate::kallsyms_image::RESERVED]>);

// SAFETY: nothing writes the table at run time (only the build, in the
// ELF file), so shared reads from any CPU are sound.
unsafe impl Sync for EmbeddedKallsyms {}

#[used]
#[unsafe(link_section = ".starry_kallsyms")]
static EMBEDDED_KALLSYMS: EmbeddedKallsyms = EmbeddedKallsyms(core::cell::UnsafeCell::new(
    [0; crate::kallsyms_image::RESERVED],
));

/// The page-fault hook that was there before ours (the runtime's).
static PREVIOUS_PAGE_FAULT: AtomicUsize = AtomicUsize::new(0);

/// Page faults: the kernel's own handling first (lazy kernel mappings);
/// one it cannot handle whose instruction is module code is reported as
/// an Oops, symbolized through kallsyms, before ArceOS stops (this home
/// has no way back into the interrupted call).
fn on_page_fault(addr: VirtAddr, flags: ax_hal::trap::PageFaultFlags) -> bool {
    let csr_pc = faulting_pc();
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
    // The interrupted context as the trap entry saved it; else the trap
    // CSRs, which are only right if no interrupt came in between.
    let (pc, sp) = match trap_frame(current_sp()) {
        Some(at) => at,
        None => match csr_pc {
            Some(pc) => (pc, current_sp()),
            None => return false,
        },
    };
    // The words from the interrupted stack pointer up: the module's
    // frames and the calls that led to it.
    let stack = (0..64)
        .map(|i| {
            // SAFETY: the interrupted code's stack, deep in the call chain
            // that called the module: 512 bytes above its sp are mapped.
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

/// Where ax-cpu's trap entry keeps the interrupted stack pointer and pc in
/// its `TrapFrame`, in words: riscv64 `regs.sp` and `sepc`, aarch64 `sp`
/// and `elr`, loongarch64 `regs.sp` (r3) and `era`. Each entry stores the
/// stack pointer from before it pushed the frame, so a frame is
/// recognised by that word pointing just past itself.
const TRAP_FRAME: Option<(usize, usize)> = if cfg!(target_arch = "riscv64") {
    Some((2, 32))
} else if cfg!(target_arch = "aarch64") {
    Some((33, 31))
} else if cfg!(target_arch = "loongarch64") {
    Some((3, 33))
} else {
    None
};

/// The interrupted (pc, sp) of the fault being handled, from its trap
/// frame on the stack above the handler: the first frame whose saved
/// stack pointer lies just past it and whose saved pc is module code.
/// The page-fault hook may run with interrupts enabled again (ax-cpu
/// restores the interrupted context's state first), and an interrupt
/// taken then rewrites the trap CSRs, but not this frame.
fn trap_frame(sp: usize) -> Option<(usize, usize)> {
    let (sp_at, pc_at) = TRAP_FRAME?;
    let frame_words = sp_at.max(pc_at) + 1;
    for i in 0..384 {
        let at = sp + i * 8;
        // SAFETY: the handler runs on the interrupted task's kernel stack,
        // below the trap frame and the call chain that called the module
        // (loader, Module::call, module code): the 3 KiB above are those
        // frames.
        let word = |w: usize| unsafe { ((at + w * 8) as *const usize).read_volatile() };
        let saved_sp = word(sp_at);
        let above = saved_sp.wrapping_sub(at);
        if above >= frame_words * 8 && above <= 1024 && saved_sp % 16 == 0 {
            let pc = word(pc_at);
            if crate::module::is_module_text(pc) {
                return Some((pc, saved_sp));
            }
        }
    }
    None
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

unsafe extern "C" {
    // The kernel image's bounds and its code's, from ArceOS's linker
    // script.
    static _skernel: u8;
    static _ekernel: u8;
    static _stext: u8;
    static _etext: u8;
}

const MIB: usize = 1 << 20;
/// Size of the module area. Every byte of it is within 64 MiB plus the
/// image's size of every kernel function: inside the +-128 MiB of an
/// AArch64 CALL26/JUMP26 or LoongArch B26 branch (for a kernel image of
/// less than 64 MiB), and the +-2 GiB of an x86_64 PC32/PLT32.
pub const MODULE_AREA_SIZE: usize = 64 * MIB;

/// The module area: `MODULE_AREA_SIZE` bytes beside the kernel image.
/// x86_64 puts it above the image, as Linux's MODULES_VADDR, so that it
/// stays in the top 2 GiB where sign-extended 32-bit absolute addresses
/// (R_X86_64_32S) also reach; the others put it just below the image
/// (above it, the linear map of the RAM after the image is in the way on
/// riscv64).
pub fn module_area() -> VirtAddrRange {
    // Only the addresses of the linker-defined symbols are taken.
    let (start, end) = (&raw const _skernel as usize, &raw const _ekernel as usize);
    let two_mib = 2 * MIB;
    let lo = if cfg!(target_arch = "x86_64") {
        end.next_multiple_of(two_mib)
    } else {
        (start & !(two_mib - 1)) - MODULE_AREA_SIZE
    };
    VirtAddrRange::from_start_size(VirtAddr::from(lo), MODULE_AREA_SIZE)
}

/// Whether module page protections are the page tables' (W^X enforced):
/// false on loongarch64, where module memory is in the direct-map window.
pub const PAGE_TABLE_PROTECTION: bool = !cfg!(target_arch = "loongarch64");

impl Platform for ArceosPlatform {
    #[cfg(target_arch = "loongarch64")]
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

    #[cfg(target_arch = "loongarch64")]
    unsafe fn free_module_pages(&self, addr: usize, pages: usize) {
        global_allocator().dealloc_pages(addr, pages, UsageKind::Global);
        self.pages.fetch_sub(pages, Ordering::Relaxed);
    }

    #[cfg(not(target_arch = "loongarch64"))]
    fn alloc_module_pages(&self, pages: usize) -> Option<usize> {
        let size = pages.checked_mul(PAGE_SIZE)?;
        let area = module_area();
        let mut aspace = ax_mm::kernel_aspace().lock();
        let va = aspace.find_free_area(area.start, size, area)?;
        aspace
            .map_alloc(va, size, MappingFlags::READ | MappingFlags::WRITE, true)
            .ok()?;
        drop(aspace);
        // SAFETY: just mapped read-write and populated; zero them, as
        // module memory (.bss, the GOT) must start zeroed.
        unsafe { core::ptr::write_bytes(va.as_usize() as *mut u8, 0, size) };
        self.pages.fetch_add(pages, Ordering::Relaxed);
        Some(va.as_usize())
    }

    #[cfg(not(target_arch = "loongarch64"))]
    unsafe fn free_module_pages(&self, addr: usize, pages: usize) {
        // Unmapping returns the frames to the allocator; their linear-map
        // alias was never re-protected.
        let ok = ax_mm::kernel_aspace()
            .lock()
            .unmap(VirtAddr::from(addr), pages * PAGE_SIZE)
            .is_ok();
        let _ = ax_hal::cache::flush_tlb_range_all_cpus(VirtAddr::from(addr), pages * PAGE_SIZE);
        if ok {
            self.pages.fetch_sub(pages, Ordering::Relaxed);
        }
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
        // The direct-map window has no page-level permissions: nothing to
        // change (PAGE_TABLE_PROTECTION says so; the kernel's W^X checks
        // report it as not enforced).
        if cfg!(target_arch = "loongarch64") {
            let _ = flags;
            return true;
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
        // AArch64's I-cache fetches through the point of unification: the
        // D-cache lines holding freshly written code are cleaned to it
        // first (a no-op elsewhere).
        if let Ok(range) = ax_hal::cpu::cache::CacheRange::new(VirtAddr::from(addr), len) {
            // SAFETY: the range is module memory this kernel mapped.
            unsafe { ax_hal::cpu::cache::clean_dcache_range_to_pou(range) };
        }
        let _ = ax_hal::cache::flush_tlb_range_all_cpus(VirtAddr::from(addr), len);
        ax_hal::cache::flush_icache_all_cpus();
    }

    fn kernel_symbols(&self) -> &KernelSymbols {
        let mut g = self.syms.lock();
        if let Some(s) = *g {
            return s;
        }
        // The image's own text symbols, where the build embedded them
        // (crate::kallsyms_image), and the exports under their names.
        // SAFETY: the table is never written at run time.
        let embedded = unsafe { &*EMBEDDED_KALLSYMS.0.get() };
        let anchor = super::starry_kmod_kallsyms_anchor();
        let mut syms = crate::kallsyms_image::decode(embedded, anchor).unwrap_or_default();
        let text = self.kernel_text();
        for (name, addr) in crate::kapi::exports() {
            if !syms.iter().any(|s| s.addr == addr && s.name == name) {
                syms.push(KernelSymbol {
                    addr,
                    kind: if text.contains(&addr) { b'T' } else { b'D' },
                    name: name.into(),
                });
            }
        }
        let table: &'static KernelSymbols = Box::leak(Box::new(KernelSymbols::new(syms)));
        *g = Some(table);
        table
    }

    fn kernel_text(&self) -> core::ops::Range<usize> {
        // Only the addresses of the linker-defined symbols are taken.
        (&raw const _stext) as usize..(&raw const _etext) as usize
    }

    fn console_write(&self, level: u8, line: &str) {
        let _ = level;
        ax_hal::console::write_bytes(line.as_bytes());
        ax_hal::console::write_bytes(b"\n");
    }

    fn module_pages_in_use(&self) -> usize {
        self.pages.load(Ordering::Relaxed)
    }

    fn now_ns(&self) -> u64 {
        ax_hal::time::monotonic_time_nanos()
    }

    fn real_ns(&self) -> u64 {
        ax_hal::time::wall_time_nanos()
    }

    fn spawn_thread(&self, name: &str, body: ThreadBody) -> bool {
        // The task runs on its own; its handle is not kept (kthreads are
        // joined through the runtime's own records).
        let _ = ax_api::task::ax_spawn(body, name.into(), KTHREAD_STACK);
        true
    }

    fn new_event(&self) -> Box<dyn Event> {
        Box::new(TaskEvent {
            token: core::sync::atomic::AtomicBool::new(false),
            wq: ax_api::task::AxWaitQueueHandle::new(),
        })
    }

    fn yield_now(&self) {
        ax_api::task::ax_yield_now();
    }

    fn task_word(&self) -> usize {
        let id = ax_api::task::ax_current_task_id();
        TASK_WORDS
            .lock()
            .iter()
            .find(|(t, _, _)| *t == id)
            .map_or(0, |(_, w, _)| *w)
    }

    fn set_task_word(&self, word: usize, release: fn(usize)) {
        let id = ax_api::task::ax_current_task_id();
        let mut g = TASK_WORDS.lock();
        let old = match g.iter().position(|(t, _, _)| *t == id) {
            Some(i) if word == 0 => Some(g.swap_remove(i)),
            Some(i) => Some(core::mem::replace(&mut g[i], (id, word, release))),
            None => {
                if word != 0 {
                    g.push((id, word, release));
                }
                None
            }
        };
        drop(g);
        // ArceOS tasks have no thread-exit hook: a thread's word is
        // released when it is replaced or cleared (the runtime clears it
        // as its threads end).
        if let Some((_, w, r)) = old
            && w != 0
            && w != word
        {
            r(w);
        }
    }

    fn exit_thread(&self) -> ! {
        // Forget the task word: this task's record goes with it.
        let id = ax_api::task::ax_current_task_id();
        let gone = {
            let mut g = TASK_WORDS.lock();
            let i = g.iter().position(|(t, _, _)| *t == id);
            i.map(|i| g.swap_remove(i))
        };
        if let Some((_, w, release)) = gone {
            release(w);
        }
        ax_api::task::ax_exit(0)
    }
}

/// A kernel thread's stack (Linux's THREAD_SIZE is 16 KiB; module code
/// run through the kernel's helpers gets more room here).
const KTHREAD_STACK: usize = 64 * 1024;

/// Each task's kernel-task word (ArceOS tasks have no slot of ours):
/// (task id, word, release).
static TASK_WORDS: SpinRaw<alloc::vec::Vec<(u64, usize, fn(usize))>> =
    SpinRaw::new(alloc::vec::Vec::new());

/// An event on an ArceOS wait queue: the token is a flag, the queue is
/// where the task sleeps (woken by notify or the deadline's timer).
struct TaskEvent {
    token: core::sync::atomic::AtomicBool,
    wq: ax_api::task::AxWaitQueueHandle,
}

impl Event for TaskEvent {
    fn wait(&self, deadline_ns: Option<u64>) -> bool {
        let take = || self.token.swap(false, Ordering::AcqRel);
        match deadline_ns {
            None => {
                ax_api::task::ax_wait_queue_wait_until(&self.wq, take, None);
                true
            }
            Some(d) => {
                if take() {
                    return true;
                }
                let timed_out = ax_api::task::ax_wait_queue_wait_until_deadline(
                    &self.wq,
                    core::time::Duration::from_nanos(d),
                    take,
                );
                !timed_out
            }
        }
    }

    fn notify(&self) {
        self.token.store(true, Ordering::Release);
        ax_api::task::ax_wait_queue_wake(&self.wq, 1);
    }
}
