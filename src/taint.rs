//! Taint flags, with Linux's bit numbers and letters (kernel/panic.c's
//! taint_flags), for the kernel (`/proc/sys/kernel/tainted`) and for each
//! module (`/sys/module/<m>/taint`, `/proc/modules`).

use alloc::string::String;
use core::sync::atomic::{AtomicU32, Ordering};

/// Proprietary module (P).
pub const PROPRIETARY_MODULE: u32 = 0;
/// Module forced in (F).
pub const FORCED_MODULE: u32 = 1;
/// Module forced out (R; kernel-wide only).
pub const FORCED_RMMOD: u32 = 3;
/// The kernel died: an Oops (D; kernel-wide only).
pub const DIE: u32 = 7;
/// A warning was issued (W; kernel-wide only): WARN(), sleeping in
/// atomic context.
pub const WARN: u32 = 9;
/// Staging driver (C).
pub const CRAP: u32 = 10;
/// Out-of-tree module (O).
pub const OOT_MODULE: u32 = 12;
/// Unsigned module (E).
pub const UNSIGNED_MODULE: u32 = 13;
/// Live patch (K).
pub const LIVEPATCH: u32 = 15;
/// Auxiliary (X).
pub const AUX: u32 = 16;
/// Randomized struct layout (T).
pub const RANDSTRUCT: u32 = 17;
/// Test module (N).
pub const TEST: u32 = 18;

/// The letters a module can carry, in bit order.
pub const MODULE_LETTERS: &[(u32, char)] = &[
    (PROPRIETARY_MODULE, 'P'),
    (FORCED_MODULE, 'F'),
    (CRAP, 'C'),
    (OOT_MODULE, 'O'),
    (UNSIGNED_MODULE, 'E'),
    (LIVEPATCH, 'K'),
    (AUX, 'X'),
    (RANDSTRUCT, 'T'),
    (TEST, 'N'),
];

/// The letters of a module's taint mask, e.g. "PO".
pub fn letters(mask: u32) -> String {
    MODULE_LETTERS
        .iter()
        .filter(|(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// A set of taint bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaintMask(pub u32);

impl TaintMask {
    /// Adds one bit.
    pub fn add(&mut self, bit: u32) {
        self.0 |= 1 << bit;
    }

    /// Whether it has this bit.
    pub fn has(self, bit: u32) -> bool {
        self.0 & (1 << bit) != 0
    }
}

static KERNEL_TAINT: AtomicU32 = AtomicU32::new(0);

/// The kernel-wide taint mask (/proc/sys/kernel/tainted).
pub fn kernel_taint() -> u32 {
    KERNEL_TAINT.load(Ordering::Relaxed)
}

/// Whether the kernel carries this taint bit.
pub fn kernel_tainted(bit: u32) -> bool {
    kernel_taint() & (1 << bit) != 0
}

/// Taints the kernel (add_taint).
pub fn add_kernel_taint(bit: u32) {
    KERNEL_TAINT.fetch_or(1 << bit, Ordering::Relaxed);
}

/// Every taint flag in Linux's order, with its letter when set and when
/// not (kernel/panic.c taint_flags).
const ALL_FLAGS: [(char, char); 19] = [
    ('P', 'G'),
    ('F', ' '),
    ('S', ' '),
    ('R', ' '),
    ('M', ' '),
    ('B', ' '),
    ('U', ' '),
    ('D', ' '),
    ('A', ' '),
    ('W', ' '),
    ('C', ' '),
    ('I', ' '),
    ('O', ' '),
    ('E', ' '),
    ('L', ' '),
    ('K', ' '),
    ('X', ' '),
    ('T', ' '),
    ('N', ' '),
];

/// Linux's print_tainted: `Not tainted`, or `Tainted: ` and one column
/// per flag (`G           O      ` for an out-of-tree module).
pub fn print_tainted() -> String {
    let mask = kernel_taint();
    if mask == 0 {
        return String::from("Not tainted");
    }
    let mut s = String::from("Tainted: ");
    for (bit, (on, off)) in ALL_FLAGS.iter().enumerate() {
        s.push(if mask & (1 << bit) != 0 { *on } else { *off });
    }
    s
}
