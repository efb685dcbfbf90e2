//! The kernel log: every printk line is kept in a bounded ring (what
//! `dmesg` reads; tests read it too) and written to the platform console.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use ax_kspin::SpinRaw;

use crate::platform;

/// Log levels, as KERN_EMERG..KERN_DEBUG.
pub mod level {
    /// KERN_EMERG.
    pub const EMERG: u8 = 0;
    /// KERN_ALERT.
    pub const ALERT: u8 = 1;
    /// KERN_CRIT.
    pub const CRIT: u8 = 2;
    /// KERN_ERR.
    pub const ERR: u8 = 3;
    /// KERN_WARNING.
    pub const WARNING: u8 = 4;
    /// KERN_NOTICE.
    pub const NOTICE: u8 = 5;
    /// KERN_INFO.
    pub const INFO: u8 = 6;
    /// The default printk level (a message without KERN_*): KERN_WARNING.
    pub const DEFAULT: u8 = 4;
}

/// One line of the kernel log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Sequence number, increasing from 1.
    pub seq: u64,
    /// Log level 0..=7.
    pub level: u8,
    /// The text, without the trailing newline.
    pub text: String,
}

const RING_BYTES: usize = 256 * 1024;

struct Ring {
    records: VecDeque<Record>,
    bytes: usize,
    next_seq: u64,
    /// A line printed without its newline yet (KERN_CONT may extend it).
    open: Option<(u8, String)>,
}

static RING: SpinRaw<Ring> = SpinRaw::new(Ring {
    records: VecDeque::new(),
    bytes: 0,
    next_seq: 1,
    open: None,
});

fn push_line(ring: &mut Ring, level: u8, text: String) -> Record {
    let rec = Record {
        seq: ring.next_seq,
        level,
        text,
    };
    ring.next_seq += 1;
    ring.bytes += rec.text.len();
    ring.records.push_back(rec.clone());
    while ring.bytes > RING_BYTES {
        match ring.records.pop_front() {
            Some(old) => ring.bytes -= old.text.len(),
            None => break,
        }
    }
    rec
}

/// Logs formatted text at a level, as printk does: a message may hold several
/// lines; a message not ending in a newline stays open for KERN_CONT.
pub fn log(level: u8, text: &str, cont: bool) {
    let mut finished = Vec::new();
    {
        let mut ring = RING.lock();
        let mut rest = text;
        let mut cur = match ring.open.take() {
            Some((l, s)) if cont => (l, s),
            Some((l, s)) => {
                finished.push(push_line(&mut ring, l, s));
                (level, String::new())
            }
            None => (level, String::new()),
        };
        while let Some(nl) = rest.find('\n') {
            cur.1.push_str(&rest[..nl]);
            let (l, s) = core::mem::replace(&mut cur, (level, String::new()));
            finished.push(push_line(&mut ring, l, s));
            rest = &rest[nl + 1..];
        }
        cur.1.push_str(rest);
        if !cur.1.is_empty() {
            ring.open = Some(cur);
        }
    }
    if let Some(p) = platform::installed() {
        for r in &finished {
            p.console_write(r.level, &r.text);
        }
    }
    let listener = *LISTENER.lock();
    if let Some(f) = listener {
        for r in &finished {
            f(r);
        }
    }
}

static LISTENER: SpinRaw<Option<fn(&Record)>> = SpinRaw::new(None);

/// Calls `f` with every finished line from now on, on the printing thread
/// (as a console driver sees them; `None` stops it). The line is already in
/// the ring; `f` may use the whole kernel API.
pub fn set_listener(f: Option<fn(&Record)>) {
    *LISTENER.lock() = f;
}

/// Logs a kernel message (the subsystem's own pr_err/pr_warn/pr_info).
#[macro_export]
macro_rules! klog {
    ($level:expr, $($arg:tt)*) => {
        $crate::console::log($level, &alloc::format!("{}\n", format_args!($($arg)*)), false)
    };
}

/// Drops every kept line (as `dmesg -C`); sequence numbers go on.
pub fn clear() {
    let mut ring = RING.lock();
    ring.records = VecDeque::new();
    ring.bytes = 0;
    ring.open = None;
}

/// The sequence number the next line will get.
pub fn next_seq() -> u64 {
    RING.lock().next_seq
}

/// Every kept line with a sequence number >= `seq`.
pub fn since(seq: u64) -> Vec<Record> {
    RING.lock()
        .records
        .iter()
        .filter(|r| r.seq >= seq)
        .cloned()
        .collect()
}
