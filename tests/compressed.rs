//! In-kernel decompression: finit_module(MODULE_INIT_COMPRESSED_FILE) of
//! `.ko.gz`, `.ko.xz` and `.ko.zst` made by the real gzip, xz and zstd
//! tools; unknown magic, corrupt and truncated streams, a decompression
//! bomb (refused without the heap growing past the cap), and
//! `/sys/module/compression`. The heap is counted: failed decompressions
//! leave nothing behind.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicIsize, Ordering};

use common::{assert_logged, boot, kernel};
use starry_kmod::syscalls::MODULE_INIT_COMPRESSED_FILE as COMPRESSED;
use starry_kmod::{Errno, RELEASE, console, decompress, delete_module, kapi, module};
use starry_kmod_fs::pseudo::{list_dir, read_all};
use starry_kmod_fs::rootfs::RootFs;
use starry_sample_modules::{HELLO, PARAMS};

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grew(n: isize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards to System and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: same contract as System.alloc.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size() as isize);
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
            grew(new as isize - l.size() as isize);
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

/// `tool ARGS < data`, its stdout.
fn compress(tool: &str, args: &[&str], data: &[u8]) -> Vec<u8> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool} (apt-get install gzip xz-utils zstd): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let data = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{tool} {args:?} failed");
    out.stdout
}

/// The three formats as their tools write them (several options each).
fn variants(data: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("gzip -9", compress("gzip", &["-9", "-c"], data)),
        (
            "gzip -1 (with name)",
            compress("gzip", &["-1", "-c", "-N"], data),
        ),
        ("xz (crc64)", compress("xz", &["-c"], data)),
        (
            "xz --check=crc32",
            compress("xz", &["-c", "--check=crc32"], data),
        ),
        (
            "xz -9e --x86 (BCJ)",
            compress("xz", &["-c", "-9e", "--x86", "--lzma2"], data),
        ),
        ("zstd -19", compress("zstd", &["-q", "-c", "-19"], data)),
        (
            "zstd --long",
            compress("zstd", &["-q", "-c", "--long=27"], data),
        ),
    ]
}

/// finit_module of `bytes` written as a rootfs file.
fn finit(bytes: &[u8], args: &[u8], flags: u32) -> Result<(), Errno> {
    let root = RootFs::new(RELEASE).unwrap();
    let node = root.add_file("/m.ko.z", bytes).unwrap();
    starry_kmod::finit_module(node.as_ref(), args, flags).map_err(|e| e.errno)
}

#[test]
fn compressed_modules_load_with_the_flag() {
    let mut k = kernel();
    for (what, z) in variants(HELLO.bytes) {
        assert_eq!(
            decompress::decompress(&z, 64 << 20).unwrap(),
            HELLO.bytes,
            "{what}"
        );
        finit(&z, b"", COMPRESSED).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_logged(&k.log(), "Hello, world!");
        delete_module("hello", 0).unwrap();
        // Without the flag, the kernel sees a compressed file: not an ELF.
        assert_eq!(finit(&z, b"", 0), Err(Errno::ENOEXEC), "{what}");
        assert!(module::find("hello").is_none());
    }
    // Arguments still reach the decompressed module.
    let z = compress("xz", &["-c"], PARAMS.bytes);
    finit(&z, b"count=7", COMPRESSED).unwrap();
    assert_logged(&k.log(), "count=7");
    delete_module("params", 0).unwrap();
}

#[test]
fn unknown_magic_corrupt_and_truncated_streams_are_refused() {
    let mut k = kernel();
    assert_eq!(finit(HELLO.bytes, b"", COMPRESSED), Err(Errno::EINVAL));
    assert_logged(&k.log(), "not a gzip, xz or zstd compressed module");
    let all = variants(HELLO.bytes);
    // The second round is measured: the first fills the log ring.
    corrupt_round(&all);
    let before = figures(&k);
    corrupt_round(&all);
    assert!(module::find("hello").is_none());
    assert_eq!(
        figures(&k),
        before,
        "(heap, pages, kmalloc) after the failures"
    );
}

/// (heap bytes, module pages, kmalloc bytes) with the log emptied.
fn figures(k: &common::Kernel) -> (isize, usize, usize) {
    console::clear();
    let heap = LIVE.load(Ordering::Relaxed);
    (heap, k.pages(), kapi::kmalloc_bytes_in_use())
}

/// Every 97th prefix of each variant, and one flipped byte every 61 bytes.
fn corrupt_round(all: &[(&str, Vec<u8>)]) {
    for (what, z) in all {
        for cut in (1..z.len()).step_by(97).chain([z.len() - 1]) {
            let r = finit(&z[..cut], b"", COMPRESSED);
            assert_eq!(r, Err(Errno::EINVAL), "{what} cut at {cut}");
        }
        for at in (4..z.len()).step_by(61) {
            let mut bad = z.clone();
            bad[at] ^= 0x55;
            match finit(&bad, b"", COMPRESSED) {
                // A flip in an unchecked spot (gzip's MTIME, xz's padding)
                // may still give the same ELF.
                Ok(()) => delete_module("hello", 0).unwrap(),
                Err(e) => assert_eq!(e, Errno::EINVAL, "{what} flipped at {at}"),
            }
        }
    }
}

#[test]
fn a_decompression_bomb_is_refused_within_the_cap() {
    let k = kernel();
    // 1 GiB of zeros: a few hundred KiB to a few MiB compressed.
    let zeros = vec![0u8; 1 << 30];
    let bombs = [
        ("gzip", compress("gzip", &["-1", "-c"], &zeros)),
        ("xz", compress("xz", &["-0", "-c", "-T1"], &zeros)),
        ("zstd", compress("zstd", &["-q", "-c", "-1"], &zeros)),
    ];
    drop(zeros);
    for (what, z) in bombs {
        console::clear();
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        assert_eq!(finit(&z, b"", COMPRESSED), Err(Errno::EFBIG), "{what}");
        let log = console::since(k.seq);
        assert!(
            log.iter().any(|r| r
                .text
                .contains("decompressed module exceeds 67108864 bytes")),
            "{what}"
        );
        drop(log);
        let peak = PEAK.load(Ordering::Relaxed) - before - z.len() as isize;
        // The output stops at the cap (64 MiB); the vector doubling to
        // reach it, the copy of the file and the decoder's window and
        // buffers come on top, but nowhere near the gigabyte.
        assert!(peak < 200 << 20, "{what}: heap grew by {peak} bytes");
        console::clear();
        let after = LIVE.load(Ordering::Relaxed);
        assert_eq!(after, before, "{what}: bytes leaked");
    }
}

#[test]
fn sys_module_compression_names_the_kernels_algorithm() {
    let _k = kernel();
    let sys = boot(&[]);
    let node = sys.ns.lookup("/sys/module/compression").unwrap();
    assert_eq!(read_all(&node, 4096).unwrap(), b"xz\n");
    let a = node.get_attr().unwrap();
    assert_eq!(a.perm().bits(), 0o444);
    let names: Vec<String> = list_dir(&sys.ns.lookup("/sys/module").unwrap())
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(names.contains(&"compression".to_string()), "{names:?}");
    assert_eq!(node.write_at(0, b"gzip\n").map_err(|_| ()), Err(()));
}
