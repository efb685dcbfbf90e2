//! debugfs files a module creates, as a user sees them through the VFS
//! at /sys/kernel/debug: the `debugfsobj` sample's values in Linux's
//! formats and modes, writes parsed as Linux's (and refused), its own
//! file_operations, removal with the module (or with a warning when it
//! forgets).

mod common;

use ax_fs_vfs::{VfsNodeRef, VfsNodeType};
use common::{Sys, assert_logged, boot, kernel};
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::vfs::finit_path;
use starry_kmod::{Errno, RELEASE, delete_module};
use starry_kmod_fs::pseudo::{list_dir, read_all, to_errno};
use starry_sample_modules::{DEBUGFSOBJ, SampleModule};

const D: &str = "/sys/kernel/debug/debugfsobj";

fn insmod(sys: &Sys, m: &SampleModule, args: &str) -> Result<(), Errno> {
    let path = format!("/lib/modules/{RELEASE}/kernel/{}.ko", m.name);
    finit_path(&sys.ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
}

fn node(sys: &Sys, path: &str) -> VfsNodeRef {
    sys.ns
        .lookup(path)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn cat(sys: &Sys, name: &str) -> Result<Vec<u8>, Errno> {
    read_all(&node(sys, &format!("{D}/{name}")), 3).map_err(|e| Errno(to_errno(e)))
}

fn text(sys: &Sys, name: &str) -> String {
    String::from_utf8(cat(sys, name).unwrap()).unwrap()
}

fn echo(sys: &Sys, name: &str, t: &str) -> Result<usize, Errno> {
    node(sys, &format!("{D}/{name}"))
        .write_at(0, t.as_bytes())
        .map_err(|e| Errno(to_errno(e)))
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

#[test]
fn values_in_linux_formats() {
    let mut k = kernel();
    let sys = boot(&[DEBUGFSOBJ]);
    insmod(&sys, &DEBUGFSOBJ, "").unwrap();
    let log = k.log();
    assert_logged(&log, "debugfsobj: lookup found it");
    assert_logged(
        &log,
        "debugfs: File 'sub' in directory 'debugfsobj' already present!",
    );
    assert!(!log.iter().any(|l| l.contains("a second sub")), "{log:?}");
    assert!(names(&sys, "/sys/kernel").contains(&"debug".to_string()));
    let a = node(&sys, "/sys/kernel/debug").get_attr().unwrap();
    assert_eq!((a.perm().bits(), a.file_type()), (0o700, VfsNodeType::Dir));
    assert_eq!(
        names(&sys, D),
        ["big", "blob", "count", "flag", "mask", "small", "sub"]
    );
    let a = node(&sys, D).get_attr().unwrap();
    assert_eq!(a.perm().bits(), 0o755);
    for (name, mode) in [("flag", 0o644), ("small", 0o444), ("big", 0o600)] {
        let a = node(&sys, &format!("{D}/{name}")).get_attr().unwrap();
        assert_eq!(a.perm().bits(), mode, "{name}");
    }
    assert_eq!(text(&sys, "flag"), "Y\n");
    assert_eq!(text(&sys, "count"), "42\n");
    assert_eq!(text(&sys, "mask"), "0x0000beef\n");
    assert_eq!(text(&sys, "small"), "200\n");
    assert_eq!(text(&sys, "big"), "1099511627776\n");
    assert_eq!(cat(&sys, "blob").unwrap(), b"binary\0blob\n");

    assert_eq!(echo(&sys, "flag", "n\n"), Ok(2));
    assert_eq!(text(&sys, "flag"), "N\n");
    assert_eq!(echo(&sys, "flag", "maybe"), Err(Errno::EINVAL));
    assert_eq!(echo(&sys, "count", "0x10\n"), Ok(5));
    assert_eq!(text(&sys, "count"), "16\n");
    assert_eq!(echo(&sys, "count", "12 apples"), Err(Errno::EINVAL));
    // Stored truncated to the width, as Linux's debugfs_u32_set.
    assert_eq!(echo(&sys, "count", "4294967297"), Ok(10));
    assert_eq!(text(&sys, "count"), "1\n");
    assert_eq!(echo(&sys, "mask", "255"), Ok(3));
    assert_eq!(text(&sys, "mask"), "0x000000ff\n");
    // A blob is read-only whatever its mode.
    assert_eq!(echo(&sys, "blob", "x"), Err(Errno::EPERM));

    // Its own file_operations.
    assert_eq!(echo(&sys, "sub/echo", "hello debugfs\n"), Ok(14));
    assert_eq!(cat(&sys, "sub/echo").unwrap(), b"hello debugfs\n");

    delete_module("debugfsobj", O_NONBLOCK).unwrap();
    let log = k.log();
    assert_logged(&log, "debugfsobj: count was 1 at exit");
    assert!(!log.iter().any(|l| l.contains("did not remove")), "{log:?}");
    assert!(sys.ns.lookup(D).is_err());
    assert!(names(&sys, "/sys/kernel/debug").is_empty());
}

#[test]
fn forgotten_entries_are_removed_with_a_warning() {
    let mut k = kernel();
    let sys = boot(&[DEBUGFSOBJ]);
    insmod(&sys, &DEBUGFSOBJ, "forget=1").unwrap();
    let f = node(&sys, &format!("{D}/count"));
    delete_module("debugfsobj", O_NONBLOCK).unwrap();
    assert_logged(
        &k.log(),
        "debugfsobj: removing /sys/kernel/debug/debugfsobj it did not remove",
    );
    assert!(sys.ns.lookup(D).is_err());
    // A file looked up before the unload never reaches the module again.
    let mut buf = [0u8; 8];
    let e = f.read_at(0, &mut buf).map_err(|e| Errno(to_errno(e)));
    assert_eq!(e, Err(Errno::EIO));
    insmod(&sys, &DEBUGFSOBJ, "").unwrap();
    assert_eq!(text(&sys, "count"), "42\n");
    delete_module("debugfsobj", O_NONBLOCK).unwrap();
}
