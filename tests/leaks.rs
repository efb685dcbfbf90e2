//! Leak accounting: after 10,000 failed loads and 1,000 load/unload cycles
//! of every sample, module pages, the modules' kmalloc bytes and the
//! kernel's own heap are back to their starting figures, exactly.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use common::kernel;
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::{Errno, console, delete_module, init_module, kapi, module};
use starry_sample_modules::{
    CONSUMER, CONSUMER_RUST, GPL_CONSUMER, HELLO, HELLO_RUST, INITFAIL, PARAMS, PROPRIETARY,
    PROVIDER,
};

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to System and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: same contract as System.alloc.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as System.dealloc.
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: same contract as System.realloc.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// (heap bytes, module pages, kmalloc bytes) with the log emptied.
fn figures(k: &common::Kernel) -> (isize, usize, usize) {
    console::clear();
    (
        LIVE.load(Ordering::Relaxed),
        k.pages(),
        kapi::kmalloc_bytes_in_use(),
    )
}

fn failed_loads(n: usize) {
    let truncated = &HELLO.bytes[..HELLO.bytes.len() / 2];
    let mut bad_magic = HELLO.bytes.to_vec();
    bad_magic[0] = 0;
    for i in 0..n {
        let (img, args, want): (&[u8], &[u8], Errno) = match i % 6 {
            0 => (truncated, b"", Errno::ENOEXEC),
            1 => (&bad_magic, b"", Errno::ENOEXEC),
            2 => (CONSUMER.bytes, b"", Errno::ENOENT),
            3 => (PARAMS.bytes, b"count=lots", Errno::EINVAL),
            4 => (INITFAIL.bytes, b"", Errno::ENODEV),
            _ => (PROPRIETARY.bytes, b"", Errno::ENOENT),
        };
        let e = init_module(img, args).unwrap_err();
        assert_eq!(e.errno, want, "failed load {i}: {e}");
    }
}

fn cycles(n: usize) {
    for _ in 0..n {
        for m in [HELLO, PARAMS, HELLO_RUST] {
            init_module(m.bytes, b"").unwrap();
            delete_module(m.name, O_NONBLOCK).unwrap();
        }
        init_module(PROVIDER.bytes, b"").unwrap();
        for m in [CONSUMER, GPL_CONSUMER, CONSUMER_RUST] {
            init_module(m.bytes, b"").unwrap();
        }
        for m in [CONSUMER_RUST, GPL_CONSUMER, CONSUMER, PROVIDER] {
            delete_module(m.name, O_NONBLOCK).unwrap();
        }
    }
}

#[test]
fn nothing_leaks_over_thousands_of_loads() {
    let k = kernel();
    // Warm up: first-use allocations (kernel symbol table, registry
    // capacity) are not leaks.
    failed_loads(12);
    cycles(2);
    let start = figures(&k);
    assert!(start.0 > 0, "the allocator counts");
    failed_loads(10_000);
    let after_failures = figures(&k);
    assert_eq!(
        after_failures, start,
        "(heap, pages, kmalloc) after 10,000 failed loads"
    );
    cycles(1_000);
    let end = figures(&k);
    assert!(module::list().is_empty());
    assert_eq!(
        end, start,
        "(heap, pages, kmalloc) after 1,000 cycles of every sample"
    );
}

/// Failed verifications return everything too: tampered modules and
/// signatures (EKEYREJECTED), malformed messages and trailers (EBADMSG),
/// and modules signed by an unknown key, which load unverified (E) and
/// unload, with RSA and ECDSA signatures, plain and xz-compressed.
#[test]
fn failed_verifications_leak_nothing() {
    use common::sign::sign;
    use starry_kmod::signature::{MODULE_SIG_STRING, init_module_signing, trailer};
    use starry_kmod::syscalls::MODULE_INIT_COMPRESSED_FILE;
    use starry_kmod_fs::rootfs::RootFs;
    use starry_sample_modules::signing::{CERTS, ECDSA, RSA, UNTRUSTED};

    let k = kernel();
    init_module_signing(CERTS);
    let rsa = sign(HELLO.bytes, RSA);
    let ecdsa = sign(HELLO.bytes, ECDSA);
    let stranger = sign(HELLO.bytes, UNTRUSTED);
    let tampered = |img: &[u8]| {
        let mut v = img.to_vec();
        v[300] ^= 1;
        v
    };
    let (t_rsa, t_ecdsa) = (tampered(&rsa), tampered(&ecdsa));
    let mut bad_value = rsa.clone();
    bad_value[rsa.len() - MODULE_SIG_STRING.len() - 13] ^= 1;
    let mut garbage = HELLO.bytes.to_vec();
    garbage.extend_from_slice(&[0x30, 0x82, 0x01, 0x00, 0x06]);
    garbage.extend_from_slice(&trailer(5));
    let cut = {
        let mut v = HELLO.bytes.to_vec();
        v.extend_from_slice(&trailer(u32::MAX));
        v
    };
    let root = RootFs::new(starry_kmod::RELEASE).unwrap();
    let xz_tampered = {
        let p = std::env::temp_dir().join(format!("starry-leaks-{}.ko", std::process::id()));
        std::fs::write(&p, &t_ecdsa).unwrap();
        let st = std::process::Command::new("xz")
            .arg("-f")
            .arg(&p)
            .status()
            .unwrap();
        assert!(st.success(), "xz");
        let z = p.with_extension("ko.xz");
        let v = std::fs::read(&z).unwrap();
        std::fs::remove_file(&z).unwrap();
        root.add_file("/tampered.ko.xz", &v).unwrap()
    };
    let round = |n: usize| {
        for _ in 0..n {
            for (img, want) in [
                (&t_rsa, Errno::EKEYREJECTED),
                (&t_ecdsa, Errno::EKEYREJECTED),
                (&bad_value, Errno::EKEYREJECTED),
                (&garbage, Errno::EBADMSG),
                (&cut, Errno::EBADMSG),
            ] {
                assert_eq!(init_module(img, b"").unwrap_err().errno, want);
            }
            let e =
                starry_kmod::finit_module(xz_tampered.as_ref(), b"", MODULE_INIT_COMPRESSED_FILE);
            assert_eq!(e.unwrap_err().errno, Errno::EKEYREJECTED);
            for img in [&rsa, &ecdsa, &stranger] {
                init_module(img, b"").unwrap();
                delete_module("hello", O_NONBLOCK).unwrap();
            }
        }
    };
    round(2);
    let start = figures(&k);
    round(300);
    assert_eq!(
        figures(&k),
        start,
        "(heap, pages, kmalloc) after 300 rounds of failed verifications"
    );
}
