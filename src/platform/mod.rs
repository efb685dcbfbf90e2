//! The platform: the subsystem's only door to memory, page protection,
//! cache/TLB maintenance, the kernel's own symbol table and the console.
//! A kernel ports starry-kmod by implementing [`Platform`] and nothing else.

use crate::symbols::KernelSymbols;
pub use starry_kmod_fs::pseudo::Cred;

#[cfg(feature = "arceos")]
pub mod arceos;
#[cfg(feature = "host")]
pub mod host;

/// The page size module memory is managed in.
pub const PAGE_SIZE: usize = 4096;

/// Page protections. Never WRITE and EXEC together (W^X).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prot {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

impl Prot {
    /// Read-only (rodata).
    pub const R: Prot = Prot {
        read: true,
        write: false,
        exec: false,
    };
    /// Read-write (data, bss; fresh pages).
    pub const RW: Prot = Prot {
        read: true,
        write: true,
        exec: false,
    };
    /// Read-execute (text).
    pub const RX: Prot = Prot {
        read: true,
        write: false,
        exec: true,
    };

    /// True if this protection would make a page writable and executable.
    pub const fn is_wx(self) -> bool {
        self.write && self.exec
    }
}

/// What kind of synchronous fault module code raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// A bad memory access (x86 #PF): the address, and what was tried.
    PageFault {
        /// The address accessed (CR2).
        addr: usize,
        /// A write (else a read or a fetch).
        write: bool,
        /// An instruction fetch.
        fetch: bool,
        /// The page was present (a protection violation, not a missing page).
        present: bool,
    },
    /// An invalid instruction (`BUG()`, `ud2`).
    InvalidOpcode,
    /// A division by zero or overflow.
    DivideError,
    /// A breakpoint or trap instruction.
    Trap,
    /// A bus error (misaligned or nonexistent physical memory).
    Bus {
        /// The address accessed.
        addr: usize,
    },
}

/// A fault raised while module code ran, as the platform caught it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleFault {
    /// What happened.
    pub kind: FaultKind,
    /// The faulting instruction.
    pub pc: usize,
    /// The stack pointer then.
    pub sp: usize,
    /// Register values worth showing, in the architecture's order.
    pub regs: alloc::vec::Vec<(&'static str, usize)>,
    /// Words from the stack pointer up, to find return addresses in.
    pub stack: alloc::vec::Vec<usize>,
}

/// A task's command name, as Linux keeps it: at most 15 bytes
/// (TASK_COMM_LEN 16 with the NUL), so a task is cheap to copy into every
/// call into module code.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Comm([u8; 16]);

impl Comm {
    /// No name.
    pub const EMPTY: Comm = Comm([0; 16]);

    /// `name`, cut to 15 bytes as Linux's set_task_comm.
    pub fn new(name: &str) -> Comm {
        let mut c = [0u8; 16];
        let mut n = name.len().min(15);
        while !name.is_char_boundary(n) {
            n -= 1;
        }
        c[..n].copy_from_slice(&name.as_bytes()[..n]);
        Comm(c)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        let n = self.0.iter().position(|&b| b == 0).unwrap_or(16);
        core::str::from_utf8(&self.0[..n]).unwrap_or("?")
    }
}

impl core::fmt::Display for Comm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::fmt::Debug for Comm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// The task making the current call (syscall or file operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    /// Its process id.
    pub pid: u32,
    /// Its command name (`comm`).
    pub comm: Comm,
}

/// A sleep/wake primitive: a one-token event a task sleeps on. `notify`
/// leaves a token (waking a sleeper, or making the next `wait` return at
/// once); `wait` takes it. Each kernel task has one ([`crate::sched`]):
/// Linux's wake_up_process is a notify of the task's event, schedule() a
/// wait on it.
pub trait Event: Send + Sync {
    /// Sleeps until a token is there (taking it) or the monotonic clock
    /// ([`Platform::now_ns`]) reaches `deadline_ns`: true when woken by a
    /// token, false on timeout.
    fn wait(&self, deadline_ns: Option<u64>) -> bool;
    /// Leaves a token and wakes the sleeper, if any.
    fn notify(&self);
}

/// A kernel thread's body.
pub type ThreadBody = alloc::boxed::Box<dyn FnOnce() + Send + 'static>;

/// What a kernel provides to the module subsystem.
pub trait Platform: Send + Sync {
    /// Allocates `pages` zeroed, read-write, non-executable pages for module
    /// memory, placed where the kernel's code can reach them (for x86_64 the
    /// +-2 GiB of a PC32 relocation). `None` when out of memory.
    fn alloc_module_pages(&self, pages: usize) -> Option<usize>;
    /// Returns pages from [`Platform::alloc_module_pages`].
    ///
    /// # Safety
    /// `addr` and `pages` are exactly what one `alloc_module_pages` call
    /// returned and asked for, the pages are read-write again, and nothing
    /// will touch them afterwards.
    unsafe fn free_module_pages(&self, addr: usize, pages: usize);
    /// Changes the protection of whole pages; false if it could not.
    ///
    /// # Safety
    /// `[addr, addr + len)` lies in pages from `alloc_module_pages` that
    /// are still allocated, and no Rust reference to that memory relies on
    /// the protection being taken away (module memory is only reached
    /// through raw pointers and the module-memory reader).
    unsafe fn protect(&self, addr: usize, len: usize, prot: Prot) -> bool;
    /// Makes freshly written code visible to instruction fetch and a
    /// protection change visible to every CPU (I-cache and TLB flush).
    fn flush(&self, addr: usize, len: usize);
    /// The kernel's own symbols (kallsyms).
    fn kernel_symbols(&self) -> &KernelSymbols;
    /// Where the kernel's own code lies: an address outside it is never
    /// shown as a kernel function (an Oops's call trace), as Linux's
    /// `is_ksym_addr`. The default claims all of memory.
    fn kernel_text(&self) -> core::ops::Range<usize> {
        0..usize::MAX
    }
    /// Writes a finished console line (no trailing newline).
    fn console_write(&self, level: u8, line: &str);
    /// Module pages currently allocated (for leak accounting).
    fn module_pages_in_use(&self) -> usize;
    /// The credentials of the task making the current call (syscall or
    /// file operation). A kernel without users answers root.
    fn current_cred(&self) -> Cred {
        Cred::ROOT
    }
    /// The task making the current call.
    fn current_task(&self) -> Task {
        Task {
            pid: 0,
            comm: Comm::new("swapper/0"),
        }
    }
    /// Kills the task making the current call with `signal` once the call
    /// returns (after an Oops, as Linux's make_task_dead); a kernel without
    /// tasks ignores it.
    fn kill_current_task(&self, signal: i32) {
        let _ = signal;
    }
    /// Monotonic time in nanoseconds (the hung-task watchdog's clock).
    fn now_ns(&self) -> u64 {
        0
    }
    /// Monotonic time in nanoseconds at a few milliseconds' resolution,
    /// cheaper to read than [`Platform::now_ns`] (every call into module
    /// code reads it for the hung-task watchdog). Its own epoch.
    fn now_coarse_ns(&self) -> u64 {
        self.now_ns()
    }
    /// Real (wall-clock) time in nanoseconds since the Unix epoch.
    fn real_ns(&self) -> u64 {
        self.now_ns()
    }
    /// Starts a kernel thread named `name` running `body`; false when the
    /// platform has no threads (then kthreads, timers and work queues are
    /// refused with ENOMEM/EAGAIN).
    fn spawn_thread(&self, name: &str, body: ThreadBody) -> bool {
        let _ = (name, body);
        false
    }
    /// A new sleep/wake event (see [`Event`]).
    fn new_event(&self) -> alloc::boxed::Box<dyn Event> {
        alloc::boxed::Box::new(SpinEvent(core::sync::atomic::AtomicBool::new(false)))
    }
    /// Gives the CPU to another runnable thread (cond_resched, a spinning
    /// lock's back-off).
    fn yield_now(&self) {
        core::hint::spin_loop();
    }
    /// This thread's kernel-task word (0 until set): where the runtime
    /// keeps the thread's `task_struct` ([`crate::sched`]).
    fn task_word(&self) -> usize {
        0
    }
    /// Sets this thread's kernel-task word; `release` is called with it
    /// when the thread ends (or the word is replaced).
    fn set_task_word(&self, word: usize, release: fn(usize)) {
        let _ = (word, release);
    }
    /// Ends the innermost protected call into module code on this thread
    /// as if the module function had returned `ret` (Linux's kthread_exit
    /// from a kthread's function). Returns only where the platform cannot
    /// unwind a call (the caller then ends the thread by other means).
    ///
    /// # Safety
    /// Called from module code running under [`Platform::call_module`] on
    /// this thread, through kernel frames holding nothing to drop.
    unsafe fn leave_module_call(&self, ret: usize) {
        let _ = ret;
    }
    /// Ends the current thread (a kthread whose call could not be unwound).
    fn exit_thread(&self) -> ! {
        loop {
            core::hint::spin_loop();
        }
    }
    /// Calls module code `f` with up to three integer or pointer arguments
    /// (the C ABI), through the protected boundary where the platform has
    /// one: a synchronous fault inside module code comes back as `Err`
    /// instead of taking the kernel down. The default calls it directly.
    ///
    /// # Safety
    /// `f` is the address of module code taking at most three integer or
    /// pointer arguments and returning an integer, a pointer or nothing,
    /// and the module's pages stay mapped for the call.
    unsafe fn call_module(&self, f: usize, args: [usize; 3]) -> Result<usize, ModuleFault> {
        // SAFETY: the caller vouches for f; extra arguments are ignored by
        // the C calling conventions of the supported architectures.
        let f: extern "C" fn(usize, usize, usize) -> usize = unsafe { core::mem::transmute(f) };
        Ok(f(args[0], args[1], args[2]))
    }
}

/// A function whose run-time address and symbol-table value give the
/// kernel image's load bias (kallsyms: `crate::kallsyms_image::ANCHOR`).
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn starry_kmod_kallsyms_anchor() -> usize {
    starry_kmod_kallsyms_anchor as *const () as usize
}

/// The caller's credentials, from the installed platform (root if none).
pub fn current_cred() -> Cred {
    installed().map_or(Cred::ROOT, |p| p.current_cred())
}

/// The installed platform: a pointer to a leaked `&'static dyn Platform`,
/// set once; read with one atomic load (every call into a module reads
/// it).
static PLATFORM: core::sync::atomic::AtomicPtr<&'static dyn Platform> =
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());

/// Installs the platform. The first call wins; later calls are ignored and
/// return false.
pub fn install(p: &'static dyn Platform) -> bool {
    use core::sync::atomic::Ordering;
    let slot = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(p));
    if PLATFORM
        .compare_exchange(
            core::ptr::null_mut(),
            slot,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_err()
    {
        // SAFETY: the box made above, never shared.
        drop(unsafe { alloc::boxed::Box::from_raw(slot) });
        return false;
    }
    starry_kmod_fs::pseudo::set_cred_source(current_cred);
    true
}

/// The installed platform, if any.
pub fn installed() -> Option<&'static dyn Platform> {
    let p = PLATFORM.load(core::sync::atomic::Ordering::Acquire);
    // SAFETY: a non-null pointer is the leaked box install stored, never
    // freed or changed afterwards.
    (!p.is_null()).then(|| unsafe { *p })
}

/// The installed platform.
///
/// # Panics
/// If no platform was installed: a kernel must call [`install`] (the host
/// backend's `host::install()`) before loading modules.
pub fn get() -> &'static dyn Platform {
    installed().expect("starry-kmod: no platform installed")
}

/// The fallback event of a platform without threads: spins on a flag
/// (never used to sleep for long there: nothing else could wake it).
struct SpinEvent(core::sync::atomic::AtomicBool);

impl Event for SpinEvent {
    fn wait(&self, deadline_ns: Option<u64>) -> bool {
        use core::sync::atomic::Ordering;
        loop {
            if self.0.swap(false, Ordering::AcqRel) {
                return true;
            }
            if let Some(d) = deadline_ns
                && installed().is_none_or(|p| p.now_ns() >= d)
            {
                return false;
            }
            core::hint::spin_loop();
        }
    }

    fn notify(&self) {
        self.0.store(true, core::sync::atomic::Ordering::Release);
    }
}
