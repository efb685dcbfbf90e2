//! The Oops: what the kernel log says when module code faults, in the
//! shape of Linux's x86 report (arch/x86/mm/fault.c page_fault_oops,
//! arch/x86/kernel/dumpstack.c __die/oops_end, kernel/module/main.c
//! print_modules), then taint D and the calling task killed.
//!
//! This file only formats: the caller (`Module::call`) gathers what it
//! needs (the symbol of an address, the modules linked in).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::console::level;
use crate::platform::{self, FaultKind, ModuleFault, PAGE_SIZE, Task};
use crate::taint;
use crate::version::RELEASE;

/// Where an address lies: `name+0xoff/0xsize [module]`, for text only.
pub struct Place {
    /// The symbol's shown (demangled) name.
    pub name: String,
    /// The offset into it.
    pub offset: usize,
    /// Its size (to the next symbol).
    pub size: usize,
    /// The module it belongs to (None: the kernel).
    pub module: Option<String>,
}

impl core::fmt::Display for Place {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}+{:#x}/{:#x}", self.name, self.offset, self.size)?;
        match &self.module {
            Some(m) => write!(f, " [{m}]"),
            None => Ok(()),
        }
    }
}

static OOPS_COUNT: AtomicU32 = AtomicU32::new(0);

/// The first lines: what went wrong, and the `Oops` header with its count.
fn header(kind: &FaultKind, n: u32, out: &mut Vec<(u8, String)>) {
    let mut alert = |s: String| out.push((level::ALERT, s));
    let head = match *kind {
        FaultKind::PageFault {
            addr,
            write,
            fetch,
            present,
        } => {
            if addr < PAGE_SIZE {
                alert(alloc::format!(
                    "BUG: kernel NULL pointer dereference, address: {addr:016x}"
                ));
            } else {
                alert(alloc::format!(
                    "BUG: unable to handle page fault for address: {addr:016x}"
                ));
            }
            let access = match (fetch, write) {
                (true, _) => "instruction fetch",
                (false, true) => "write",
                (false, false) => "read",
            };
            alert(alloc::format!(
                "#PF: supervisor {access} access in kernel mode"
            ));
            let code = present as u32 | (write as u32) << 1 | (fetch as u32) << 4;
            let why = if present {
                "permissions violation"
            } else {
                "not-present page"
            };
            alert(alloc::format!("#PF: error_code({code:#06x}) - {why}"));
            alloc::format!("Oops: {code:04x}")
        }
        FaultKind::InvalidOpcode => String::from("invalid opcode: 0000"),
        FaultKind::DivideError => String::from("divide error: 0000"),
        FaultKind::Trap => String::from("int3: 0000"),
        FaultKind::Bus { .. } => String::from("general protection fault: 0000"),
    };
    out.push((level::WARNING, alloc::format!("{head} [#{n}] SMP")));
}

/// The register block, three to a line, after `RIP`.
fn registers(
    fault: &ModuleFault,
    at: &dyn Fn(usize) -> Option<Place>,
    out: &mut Vec<(u8, String)>,
) {
    let rip = at(fault.pc).map_or_else(
        || alloc::format!("{:#x}", fault.pc),
        |p| alloc::format!("{p}"),
    );
    out.push((level::WARNING, alloc::format!("RIP: 0010:{rip}")));
    let mut regs = fault.regs.iter().filter(|(n, _)| *n != "CR2");
    if let (Some((_, sp)), Some((_, fl))) = (regs.next(), regs.next()) {
        out.push((
            level::WARNING,
            alloc::format!("RSP: 0018:{sp:016x} EFLAGS: {fl:08x}"),
        ));
    }
    let rest: Vec<_> = regs.collect();
    for line in rest.chunks(3) {
        let mut s = String::new();
        for (n, v) in line {
            let _ = write!(s, "{n}: {v:016x} ");
        }
        out.push((level::WARNING, String::from(s.trim_end())));
    }
}

/// Reports an Oops for `fault`, raised by module code called for `task`:
/// the lines go to the kernel log, the kernel is tainted D (after the
/// report, as Linux's oops_end), and the task is killed (SIGKILL for a
/// page fault, SIGSEGV otherwise, as Linux). `at` says where an address
/// lies (text symbols only); `modules` is the `Modules linked in:` list.
pub fn report(
    fault: &ModuleFault,
    task: &Task,
    at: &dyn Fn(usize) -> Option<Place>,
    modules: &str,
) {
    let n = OOPS_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    let mut out = Vec::new();
    header(&fault.kind, n, &mut out);
    out.push((
        level::WARNING,
        alloc::format!(
            "CPU: 0 PID: {} Comm: {} {} {RELEASE} #1",
            task.pid,
            task.comm,
            taint::print_tainted()
        ),
    ));
    registers(fault, at, &mut out);
    out.push((level::WARNING, String::from("Call Trace:")));
    out.push((level::WARNING, String::from(" <TASK>")));
    // Return addresses found on the stack: unreliable, so marked `?`.
    for place in fault.stack.iter().filter_map(|&w| at(w)).take(16) {
        out.push((level::WARNING, alloc::format!(" ? {place}")));
    }
    out.push((level::WARNING, String::from(" </TASK>")));
    out.push((
        level::WARNING,
        alloc::format!("Modules linked in:{modules}"),
    ));
    if let FaultKind::PageFault { addr, .. } = fault.kind {
        out.push((level::WARNING, alloc::format!("CR2: {addr:016x}")));
    }
    out.push((
        level::WARNING,
        String::from("---[ end trace 0000000000000000 ]---"),
    ));
    for (lvl, line) in out {
        crate::klog!(lvl, "{line}");
    }
    taint::add_kernel_taint(taint::DIE);
    let signal = match fault.kind {
        FaultKind::PageFault { .. } => 9,
        _ => 11,
    };
    platform::get().kill_current_task(signal);
}
