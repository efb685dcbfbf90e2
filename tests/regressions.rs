//! Regression tests for bugs found by loading real-world modules: each is
//! the behaviour a module author sees in the kernel log.

mod common;

use common::kernel;
use starry_kmod::loader::{self, LoadOptions};
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::{Errno, delete_module, init_module, module};
use starry_sample_modules::{HELLO, PARAMS};

/// Renames an undefined symbol in a copy of an image (same length, so the
/// string table keeps its shape): the module then needs a symbol nobody
/// exports.
fn rename_symbol(image: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let needle = [b"\0", from.as_bytes(), b"\0"].concat();
    let mut out = image.to_vec();
    let at = out
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{from} not in the image"));
    out[at + 1..at + 1 + to.len()].copy_from_slice(to.as_bytes());
    out
}

fn count(log: &[String], text: &str) -> usize {
    log.iter().filter(|l| l.contains(text)).count()
}

#[test]
fn every_unknown_symbol_is_reported_once() {
    let mut k = kernel();
    let before = k.pages();
    let image = rename_symbol(PARAMS.bytes, "kfree", "kfreX");
    let image = rename_symbol(&image, "kzalloc", "kzallox");
    let e = init_module(&image, b"").unwrap_err();
    assert_eq!(e.errno, Errno::ENOENT);
    let log = k.log();
    assert_eq!(
        count(&log, "params: Unknown symbol kfreX (err -2)"),
        1,
        "{log:?}"
    );
    assert_eq!(
        count(&log, "params: Unknown symbol kzallox (err -2)"),
        1,
        "{log:?}"
    );
    assert_eq!(count(&log, "Unknown symbol"), 2, "{log:?}");
    assert!(module::find("params").is_none());
    assert_eq!(k.pages(), before);
}

#[test]
fn a_refused_parameter_is_logged_once() {
    let mut k = kernel();
    let e = init_module(PARAMS.bytes, b"count=twelve").unwrap_err();
    assert_eq!(e.errno, Errno::EINVAL);
    let log = k.log();
    assert_eq!(
        count(&log, "params: `twelve' invalid for parameter `count'"),
        1,
        "{log:?}"
    );
    // Two bad values: each is logged once, the last errno returned.
    let e = init_module(PARAMS.bytes, b"count=twelve max_bytes=lots").unwrap_err();
    assert_eq!(e.errno, Errno::EINVAL);
    let log = k.log();
    assert_eq!(count(&log, "invalid for parameter `count'"), 1, "{log:?}");
    assert_eq!(
        count(&log, "invalid for parameter `max_bytes'"),
        1,
        "{log:?}"
    );
    assert!(module::find("params").is_none());
}

/// What `insmod -f` asks for (finit_module's MODULE_INIT_IGNORE_VERMAGIC).
const FORCED: LoadOptions = LoadOptions {
    ignore_vermagic: true,
    mangled: true,
};

#[test]
fn a_forced_load_says_bad_vermagic_as_linux_does() {
    let mut k = kernel();
    loader::load(HELLO.bytes, b"", FORCED).unwrap();
    let log = k.log();
    assert_eq!(
        count(&log, "hello: bad vermagic: kernel tainted."),
        1,
        "{log:?}"
    );
    assert_eq!(count(&log, "symbol version"), 0, "{log:?}");
    assert!(module::find("hello").unwrap().info().taint.contains('F'));
    delete_module("hello", O_NONBLOCK).unwrap();
    // Linux says it once: the kernel is tainted F from then on.
    loader::load(HELLO.bytes, b"", FORCED).unwrap();
    let log = k.log();
    assert_eq!(count(&log, "bad vermagic"), 0, "{log:?}");
    assert!(module::find("hello").unwrap().info().taint.contains('F'));
    delete_module("hello", O_NONBLOCK).unwrap();
}

#[test]
fn an_empty_static_lock_class_key_gets_a_real_address() {
    let mut k = kernel();
    let before = k.pages();
    let m = starry_kmod::init_module(starry_sample_modules::LOCKKEY.bytes, b"")
        .map(|_| module::find("lockkey").unwrap())
        .unwrap_or_else(|e| panic!("lockkey refused: {e}"));
    let log = k.log();
    let line = log
        .iter()
        .find_map(|l| l.strip_prefix("lockkey: key at "))
        .unwrap_or_else(|| panic!("no address printed: {log:?}"));
    let addr = usize::from_str_radix(line.trim(), 16).unwrap();
    // Inside the module's own memory (its data region), like Linux lays
    // an empty .bss out among the module's data.
    let secs = m.sections();
    assert!(
        secs.iter()
            .any(|s| s.flags & 1 != 0 && addr >= s.addr && addr <= s.addr + s.size),
        "{addr:#x} not in the module's writable sections {secs:?}"
    );
    delete_module("lockkey", O_NONBLOCK).unwrap();
    assert_eq!(k.pages(), before);
}
