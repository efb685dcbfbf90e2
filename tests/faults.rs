//! Fault injection: the platform fails the Nth page allocation or the Nth
//! protection change; every N along a load gives a clean ENOMEM, leaves no
//! module, page or kmalloc'd byte behind, and the next load works.

mod common;

use common::kernel;
use starry_kmod::platform::host::{self, Fault};
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::{Errno, delete_module, init_module, kapi, module};
use starry_sample_modules::{HELLO, HELLO_RUST, PARAMS, PROVIDER};

fn sweep(what: Fault) -> usize {
    let k = kernel();
    let host = host::install();
    let pages = k.pages();
    let heap = kapi::kmalloc_bytes_in_use();
    let mut failures = 0;
    for m in [HELLO, PARAMS, HELLO_RUST, PROVIDER] {
        for nth in 1.. {
            host.inject_fault(what, nth);
            let r = init_module(m.bytes, b"");
            let untouched = host.fault_pending(what);
            host.inject_fault(what, 0);
            match r {
                Ok(()) => {
                    assert!(untouched, "{} loaded through fault {what:?} #{nth}", m.name);
                    delete_module(m.name, O_NONBLOCK).unwrap();
                    break;
                }
                Err(e) => {
                    assert!(!untouched, "{}: {e} without the fault", m.name);
                    assert_eq!(
                        e.errno,
                        Errno::ENOMEM,
                        "{} fault {what:?} #{nth}: {e}",
                        m.name
                    );
                    failures += 1;
                }
            }
            assert!(module::list().is_empty(), "{} #{nth}: module left", m.name);
            assert_eq!(k.pages(), pages, "{} #{nth}: pages leaked", m.name);
            assert_eq!(
                kapi::kmalloc_bytes_in_use(),
                heap,
                "{} #{nth}: kmalloc leaked",
                m.name
            );
        }
        // The kernel is intact: the module loads normally afterwards.
        init_module(m.bytes, b"").unwrap();
        delete_module(m.name, O_NONBLOCK).unwrap();
    }
    assert_eq!(k.pages(), pages);
    failures
}

#[test]
fn every_failed_page_allocation_is_a_clean_enomem() {
    let n = sweep(Fault::Alloc);
    assert!(n >= 10, "only {n} allocation points exercised");
}

#[test]
fn every_refused_protection_change_is_a_clean_enomem() {
    let n = sweep(Fault::Protect);
    assert!(n >= 10, "only {n} protection points exercised");
}
