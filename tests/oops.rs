//! Oops, not crash: a fault in module code is reported in Linux's shape,
//! taints the kernel D, marks the module broken, and the kernel carries on:
//! other modules are untouched and the broken one can be removed with
//! `rmmod -f` and loaded again.

mod common;

use common::{assert_logged, kernel};
use starry_kmod::syscalls::{O_NONBLOCK, O_TRUNC};
use starry_kmod::taint::{self, kernel_taint};
use starry_kmod::{Errno, delete_module, init_module, module, procfs};
use starry_sample_modules::{HELLO, OOPS};

/// The lines of the Oops in `log`, from its first line to its end marker.
fn oops_lines(log: &[String], first: &str) -> Vec<String> {
    let start = log
        .iter()
        .position(|l| l.starts_with(first))
        .unwrap_or_else(|| panic!("no `{first}` in {log:#?}"));
    let end = log[start..]
        .iter()
        .position(|l| l == "---[ end trace 0000000000000000 ]---")
        .unwrap_or_else(|| panic!("no end of trace in {log:#?}"));
    log[start..=start + end].to_vec()
}

/// Checks that `lines` has, in this order, lines starting with `expected`.
fn in_order(lines: &[String], expected: &[&str]) {
    let mut at = 0;
    for e in expected {
        match lines[at..].iter().position(|l| l.starts_with(e)) {
            Some(i) => at += i + 1,
            None => panic!(
                "`{e}` missing (in order) from the Oops:\n{}",
                lines.join("\n")
            ),
        }
    }
}

#[test]
fn null_write_in_init_is_an_oops_and_the_kernel_carries_on() {
    let mut k = kernel();
    let before = k.pages();
    init_module(HELLO.bytes, b"").unwrap();
    k.log();
    let e = init_module(OOPS.bytes, b"where=init").unwrap_err();
    assert_eq!(e.errno, Errno::EFAULT);
    let log = k.log();
    let oops = oops_lines(&log, "BUG: kernel NULL pointer dereference");
    in_order(
        &oops,
        &[
            "BUG: kernel NULL pointer dereference, address: 0000000000000000",
            "#PF: supervisor write access in kernel mode",
            "#PF: error_code(0x0002) - not-present page",
            "Oops: 0002 [#",
            "CPU: 0 PID: ",
            "RIP: 0010:oops_init+0x",
            "RSP: 0018:",
            "RAX: ",
            "Call Trace:",
            " <TASK>",
            " </TASK>",
            "Modules linked in: oops(+) hello",
            "CR2: 0000000000000000",
            "---[ end trace 0000000000000000 ]---",
        ],
    );
    let rip = oops.iter().find(|l| l.starts_with("RIP: ")).unwrap();
    assert!(rip.ends_with(" [oops]"), "{rip}");
    let cpu = oops.iter().find(|l| l.starts_with("CPU: ")).unwrap();
    assert!(
        cpu.contains(" Comm: ") && cpu.ends_with(" 6.6.0-starry #1"),
        "{cpu}"
    );
    assert!(kernel_taint() & (1 << taint::DIE) != 0, "taint D");
    // The module stays as Linux leaves it, coming, but broken.
    let m = module::find("oops").unwrap();
    assert!(m.is_broken());
    assert!(procfs::modules_text(true).contains("oops "));
    assert!(procfs::modules_text(true).contains(" Loading "));
    // Other modules are untouched.
    assert_eq!(
        module::find("hello").unwrap().info().state,
        module::State::Live
    );
    delete_module("hello", O_NONBLOCK).unwrap();
    // Not without force; with it, gone, every page back.
    assert_eq!(
        delete_module("oops", O_NONBLOCK).unwrap_err().errno,
        Errno::EBUSY
    );
    delete_module("oops", O_NONBLOCK | O_TRUNC).unwrap();
    assert!(module::find("oops").is_none());
    assert_eq!(k.pages(), before);
    // Fixed (here: told not to fault), it loads again.
    init_module(OOPS.bytes, b"").unwrap();
    assert_logged(&k.log(), "oops: init, faulting at ''");
    delete_module("oops", O_NONBLOCK).unwrap();
    assert_eq!(k.pages(), before);
}

#[test]
fn null_read_in_exit_is_reported_and_the_module_still_goes() {
    let mut k = kernel();
    let before = k.pages();
    init_module(OOPS.bytes, b"where=exit").unwrap();
    delete_module("oops", O_NONBLOCK).unwrap();
    let log = k.log();
    let oops = oops_lines(&log, "BUG: kernel NULL pointer dereference");
    in_order(
        &oops,
        &[
            "#PF: supervisor read access in kernel mode",
            "Oops: 0000 [#",
            "RIP: 0010:oops_exit+0x",
            "Modules linked in: oops(-)",
        ],
    );
    assert!(module::find("oops").is_none());
    assert_eq!(k.pages(), before);
}

#[test]
fn bug_is_an_invalid_opcode_oops() {
    let mut k = kernel();
    let e = init_module(OOPS.bytes, b"where=bug").unwrap_err();
    assert_eq!(e.errno, Errno::EFAULT);
    let log = k.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("kernel BUG at ") && l.contains("oops.c:") && l.ends_with('!')),
        "{log:#?}"
    );
    let oops = oops_lines(&log, "invalid opcode: 0000 [#");
    in_order(
        &oops,
        &["RIP: 0010:oops_init+0x", "Modules linked in: oops(+)"],
    );
    delete_module("oops", O_NONBLOCK | O_TRUNC).unwrap();
}

#[test]
fn a_faulting_parameter_op_breaks_only_its_module() {
    let mut k = kernel();
    let before = k.pages();
    init_module(OOPS.bytes, b"").unwrap();
    init_module(HELLO.bytes, b"").unwrap();
    k.log();
    let m = module::find("oops").unwrap();
    assert_eq!(
        m.param_set("poke", b"1\n").unwrap_err().errno,
        Errno::EFAULT
    );
    let log = k.log();
    assert_logged(&log, "oops: poking 1");
    in_order(
        &oops_lines(&log, "BUG: kernel NULL pointer dereference"),
        &["RIP: 0010:poke_set+0x", "Modules linked in: hello oops"],
    );
    // From now on calls into it fail with EIO; hello is fine.
    assert_eq!(m.param_get("where").unwrap_err().errno, Errno::EIO);
    assert_eq!(m.param_set("poke", b"2").unwrap_err().errno, Errno::EIO);
    delete_module("hello", O_NONBLOCK).unwrap();
    delete_module("oops", O_NONBLOCK | O_TRUNC).unwrap();
    assert_eq!(k.pages(), before);
}
