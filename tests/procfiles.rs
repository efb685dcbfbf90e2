//! /proc files a module creates, as a user sees them through the VFS
//! (lookup / read_at / write_at: what cat and echo do): the `procfiles`
//! sample's buffer, its 100,000-record seq_file read in any chunk size and
//! offset, its single_open file; permissions; a file opened before the
//! unload; what `forgetful` leaves behind is removed with a warning.

mod common;

use ax_fs_vfs::{VfsNodeRef, VfsNodeType};
use common::{Sys, assert_logged, boot, kernel};
use starry_kmod::platform::Cred;
use starry_kmod::platform::host::with_cred;
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::vfs::finit_path;
use starry_kmod::{Errno, RELEASE, delete_module};
use starry_kmod_fs::pseudo::{list_dir, read_all, to_errno};
use starry_sample_modules::{FORGETFUL, PROCFILES, SampleModule};

fn insmod(sys: &Sys, m: &SampleModule, args: &str) -> Result<(), Errno> {
    let path = format!("/lib/modules/{RELEASE}/kernel/{}.ko", m.name);
    finit_path(&sys.ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
}

fn node(sys: &Sys, path: &str) -> VfsNodeRef {
    sys.ns
        .lookup(path)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn cat(sys: &Sys, path: &str, chunk: usize) -> Result<Vec<u8>, Errno> {
    read_all(&node(sys, path), chunk).map_err(|e| Errno(to_errno(e)))
}

fn names(sys: &Sys, path: &str) -> Vec<String> {
    let mut v: Vec<String> = list_dir(&node(sys, path))
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    v.sort();
    v
}

fn expected_records(n: u64) -> Vec<u8> {
    (0..n)
        .map(|i| format!("record {i}: square {}\n", i * i))
        .collect::<String>()
        .into_bytes()
}

#[test]
fn buffer_reads_what_was_written() {
    let mut k = kernel();
    let sys = boot(&[PROCFILES]);
    insmod(&sys, &PROCFILES, "records=10").unwrap();
    assert_logged(&k.log(), "/proc/procfiles created");
    assert!(names(&sys, "/proc").contains(&"procfiles".to_string()));
    assert_eq!(
        names(&sys, "/proc/procfiles"),
        ["buffer", "records", "summary"]
    );
    let a = node(&sys, "/proc/procfiles").get_attr().unwrap();
    assert_eq!((a.perm().bits(), a.file_type()), (0o555, VfsNodeType::Dir));
    let a = node(&sys, "/proc/procfiles/buffer").get_attr().unwrap();
    assert_eq!((a.perm().bits(), a.size()), (0o644, 0));
    // proc_create_data with mode 0 gets 0444, as Linux's.
    let a = node(&sys, "/proc/procfiles/summary").get_attr().unwrap();
    assert_eq!(a.perm().bits(), 0o444);

    assert_eq!(cat(&sys, "/proc/procfiles/buffer", 4096).unwrap(), b"");
    let n = node(&sys, "/proc/procfiles/buffer")
        .write_at(0, b"hello proc\n")
        .unwrap();
    assert_eq!(n, 11);
    assert_logged(&k.log(), "procfiles: buffer now 11 bytes");
    assert_eq!(
        cat(&sys, "/proc/procfiles/buffer", 3).unwrap(),
        b"hello proc\n"
    );
    // The module refuses more than its buffer: its own errno.
    let big = vec![b'x'; 2000];
    let e = node(&sys, "/proc/procfiles/buffer").write_at(0, &big);
    assert_eq!(e.map_err(|e| Errno(to_errno(e))), Err(Errno::ENOSPC));
    // Reads: one empty cat, then 11 bytes in 3-byte reads (4) and the
    // read that returns 0.
    assert_eq!(
        cat(&sys, "/proc/procfiles/summary", 4096).unwrap(),
        b"buffer: 11 bytes, 6 reads\n"
    );
    assert_eq!(
        cat(&sys, "/proc/procfiles/records", 7).unwrap(),
        expected_records(10)
    );
    delete_module("procfiles", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "/proc/procfiles removed");
    assert!(sys.ns.lookup("/proc/procfiles").is_err());
    assert!(!names(&sys, "/proc").contains(&"procfiles".to_string()));
}

#[test]
fn seq_file_same_bytes_at_any_chunk_and_offset() {
    let _k = kernel();
    let sys = boot(&[PROCFILES]);
    insmod(&sys, &PROCFILES, "").unwrap();
    let want = expected_records(100_000);
    for chunk in [1, 7, 65536] {
        let got = cat(&sys, "/proc/procfiles/records", chunk).unwrap();
        assert!(
            got == want,
            "chunk {chunk}: {} bytes, want {}",
            got.len(),
            want.len()
        );
    }
    // Reads at arbitrary offsets of one open file (pread): the records are
    // replayed up to the offset.
    let f = node(&sys, "/proc/procfiles/records");
    for off in [want.len() - 5, 0, 123_457, 17, want.len() + 10, 999_999] {
        let mut buf = vec![0u8; 100];
        let n = f.read_at(off as u64, &mut buf).unwrap();
        let end = (off + n).min(want.len());
        let expect = if off >= want.len() {
            &[][..]
        } else {
            &want[off..end]
        };
        assert_eq!(&buf[..n], expect, "at offset {off}");
        assert!(n > 0 || off >= want.len());
    }
    drop(f);
    delete_module("procfiles", O_NONBLOCK).unwrap();
}

#[test]
fn modes_are_honoured_for_users() {
    let _k = kernel();
    let sys = boot(&[PROCFILES]);
    insmod(&sys, &PROCFILES, "records=3").unwrap();
    let user = Cred::user(1000, 1000);
    let r = with_cred(user, || cat(&sys, "/proc/procfiles/records", 4096));
    assert_eq!(r.unwrap(), expected_records(3));
    let w = with_cred(user, || {
        node(&sys, "/proc/procfiles/buffer")
            .write_at(0, b"no")
            .map_err(|e| Errno(to_errno(e)))
    });
    assert_eq!(w, Err(Errno::EACCES));
    delete_module("procfiles", O_NONBLOCK).unwrap();
}

#[test]
fn file_open_across_unload_fails_with_eio() {
    let _k = kernel();
    let sys = boot(&[PROCFILES]);
    insmod(&sys, &PROCFILES, "records=5").unwrap();
    let f = node(&sys, "/proc/procfiles/records");
    let mut buf = [0u8; 10];
    assert_eq!(f.read_at(0, &mut buf).unwrap(), 10);
    delete_module("procfiles", O_NONBLOCK).unwrap();
    let e = f.read_at(10, &mut buf).map_err(|e| Errno(to_errno(e)));
    assert_eq!(e, Err(Errno::EIO));
    drop(f);
    // Loading it again gives fresh files.
    insmod(&sys, &PROCFILES, "records=2").unwrap();
    assert_eq!(
        cat(&sys, "/proc/procfiles/records", 4096).unwrap(),
        expected_records(2)
    );
    delete_module("procfiles", O_NONBLOCK).unwrap();
}

#[test]
fn forgotten_files_are_removed_with_a_warning() {
    let mut k = kernel();
    let sys = boot(&[FORGETFUL]);
    insmod(&sys, &FORGETFUL, "").unwrap();
    assert_eq!(
        cat(&sys, "/proc/forgetful/note", 4096).unwrap(),
        b"remember me\n"
    );
    delete_module("forgetful", O_NONBLOCK).unwrap();
    let log = k.log();
    assert_logged(
        &log,
        "forgetful: removing /proc/forgetful it did not remove",
    );
    assert!(sys.ns.lookup("/proc/forgetful").is_err());
    // An init that fails after creating files leaves none either.
    assert_eq!(insmod(&sys, &FORGETFUL, "fail=1"), Err(Errno::EAGAIN));
    assert_logged(
        &k.log(),
        "forgetful: removing /proc/forgetful it did not remove",
    );
    assert!(sys.ns.lookup("/proc/forgetful").is_err());
    assert!(starry_kmod::module::find("forgetful").is_none());
}
