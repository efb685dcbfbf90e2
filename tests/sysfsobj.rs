//! kobjects and sysfs attribute files a module creates, as a user sees
//! them through the VFS (what `ls`, `cat` and `echo >` do): the
//! `sysfsobj` sample's attributes under /sys/kernel, its named group with
//! a hidden attribute, kobjects of its own ktype released on the last
//! put, a kset; permissions; a file looked up before the unload; what a
//! module forgets is removed with a warning.

mod common;

use ax_fs_vfs::{VfsNodeRef, VfsNodeType};
use common::{Sys, assert_logged, boot, kernel};
use starry_kmod::platform::Cred;
use starry_kmod::platform::host::with_cred;
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::vfs::finit_path;
use starry_kmod::{Errno, RELEASE, delete_module};
use starry_kmod_fs::pseudo::{list_dir, read_all, to_errno};
use starry_sample_modules::{SYSFSOBJ, SampleModule};

fn insmod(sys: &Sys, m: &SampleModule, args: &str) -> Result<(), Errno> {
    let path = format!("/lib/modules/{RELEASE}/kernel/{}.ko", m.name);
    finit_path(&sys.ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
}

fn node(sys: &Sys, path: &str) -> VfsNodeRef {
    sys.ns
        .lookup(path)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn cat(sys: &Sys, path: &str) -> Result<String, Errno> {
    let bytes = read_all(&node(sys, path), 4096).map_err(|e| Errno(to_errno(e)))?;
    Ok(String::from_utf8(bytes).unwrap())
}

fn echo(sys: &Sys, path: &str, text: &str) -> Result<usize, Errno> {
    node(sys, path)
        .write_at(0, text.as_bytes())
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

fn mode(sys: &Sys, path: &str) -> (u16, VfsNodeType, u64) {
    let a = node(sys, path).get_attr().unwrap();
    (a.perm().bits(), a.file_type(), a.size())
}

#[test]
fn attributes_show_and_store() {
    let mut k = kernel();
    let sys = boot(&[SYSFSOBJ]);
    insmod(&sys, &SYSFSOBJ, "").unwrap();
    assert_logged(&k.log(), "sysfsobj: /sys/kernel/sysfsobj ready");
    let kernel_dir = names(&sys, "/sys/kernel");
    assert!(
        kernel_dir.contains(&"sysfsobj".to_string()),
        "{kernel_dir:?}"
    );
    assert!(kernel_dir.contains(&"sysfsobj_set".to_string()));
    assert_eq!(
        names(&sys, "/sys/kernel/sysfsobj"),
        ["item0", "item1", "label", "poke", "stats", "value"]
    );
    assert_eq!(
        mode(&sys, "/sys/kernel/sysfsobj"),
        (0o755, VfsNodeType::Dir, 0)
    );
    assert_eq!(
        mode(&sys, "/sys/kernel/sysfsobj/value"),
        (0o644, VfsNodeType::File, 4096)
    );
    assert_eq!(mode(&sys, "/sys/kernel/sysfsobj/poke").0, 0o200);

    assert_eq!(cat(&sys, "/sys/kernel/sysfsobj/value").unwrap(), "7\n");
    assert_eq!(echo(&sys, "/sys/kernel/sysfsobj/value", "42\n"), Ok(3));
    assert_eq!(cat(&sys, "/sys/kernel/sysfsobj/value").unwrap(), "42\n");
    // The module's own errors reach the writer; the value stays.
    assert_eq!(
        echo(&sys, "/sys/kernel/sysfsobj/value", "many"),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        echo(&sys, "/sys/kernel/sysfsobj/label", "far too long for it\n"),
        Err(Errno::ENAMETOOLONG)
    );
    assert_eq!(echo(&sys, "/sys/kernel/sysfsobj/label", "blue\n"), Ok(5));
    assert_eq!(cat(&sys, "/sys/kernel/sysfsobj/label").unwrap(), "blue\n");
    // Write-only: no read bit, so even root cannot read it (kernfs).
    assert_eq!(cat(&sys, "/sys/kernel/sysfsobj/poke"), Err(Errno::EACCES));
    assert_eq!(echo(&sys, "/sys/kernel/sysfsobj/poke", "abc"), Ok(3));
    assert_logged(&k.log(), "sysfsobj: poked with 3 bytes");

    // The named group is a directory; is_visible hid one attribute.
    assert_eq!(
        names(&sys, "/sys/kernel/sysfsobj/stats"),
        ["stores", "twice"]
    );
    assert!(sys.ns.lookup("/sys/kernel/sysfsobj/stats/hidden").is_err());
    assert_eq!(
        cat(&sys, "/sys/kernel/sysfsobj/stats/stores").unwrap(),
        "2\n"
    );
    assert_eq!(
        cat(&sys, "/sys/kernel/sysfsobj/stats/twice").unwrap(),
        "42 x 2 = 84\n"
    );
    // Its own ktype: custom sysfs_ops and default_groups.
    assert_eq!(names(&sys, "/sys/kernel/sysfsobj/item1"), ["id"]);
    assert_eq!(
        cat(&sys, "/sys/kernel/sysfsobj/item1/id").unwrap(),
        "1 item1\n"
    );
    // A kobject in a kset with no parent sits under the kset.
    assert_eq!(names(&sys, "/sys/kernel/sysfsobj_set"), ["member"]);
    assert_eq!(
        cat(&sys, "/sys/kernel/sysfsobj_set/member/x").unwrap(),
        "in sysfsobj_set\n"
    );

    delete_module("sysfsobj", O_NONBLOCK).unwrap();
    let log = k.log();
    for line in [
        "sysfsobj: member released",
        "sysfsobj: item0 released",
        "sysfsobj: item1 released",
        "sysfsobj: all removed",
    ] {
        assert_logged(&log, line);
    }
    assert!(!log.iter().any(|l| l.contains("did not remove")), "{log:?}");
    assert!(sys.ns.lookup("/sys/kernel/sysfsobj").is_err());
    assert!(!names(&sys, "/sys/kernel").contains(&"sysfsobj".to_string()));
    // Loading it again gives the same tree, fresh values.
    insmod(&sys, &SYSFSOBJ, "items=1").unwrap();
    assert_eq!(cat(&sys, "/sys/kernel/sysfsobj/value").unwrap(), "7\n");
    assert_eq!(
        names(&sys, "/sys/kernel/sysfsobj"),
        ["item0", "label", "poke", "stats", "value"]
    );
    delete_module("sysfsobj", O_NONBLOCK).unwrap();
}

#[test]
fn modes_are_honoured_for_users() {
    let _k = kernel();
    let sys = boot(&[SYSFSOBJ]);
    insmod(&sys, &SYSFSOBJ, "").unwrap();
    let user = Cred::user(1000, 1000);
    let r = with_cred(user, || cat(&sys, "/sys/kernel/sysfsobj/value"));
    assert_eq!(r.unwrap(), "7\n");
    let w = with_cred(user, || echo(&sys, "/sys/kernel/sysfsobj/value", "1"));
    assert_eq!(w, Err(Errno::EACCES));
    assert_eq!(cat(&sys, "/sys/kernel/sysfsobj/value").unwrap(), "7\n");
    delete_module("sysfsobj", O_NONBLOCK).unwrap();
}

#[test]
fn file_looked_up_before_unload_gives_enoent() {
    let _k = kernel();
    let sys = boot(&[SYSFSOBJ]);
    insmod(&sys, &SYSFSOBJ, "").unwrap();
    let f = node(&sys, "/sys/kernel/sysfsobj/value");
    let mut buf = [0u8; 16];
    assert_eq!(f.read_at(0, &mut buf).unwrap(), 2);
    delete_module("sysfsobj", O_NONBLOCK).unwrap();
    let e = f.read_at(0, &mut buf).map_err(|e| Errno(to_errno(e)));
    assert_eq!(e, Err(Errno::ENOENT));
    let e = f.write_at(0, b"3").map_err(|e| Errno(to_errno(e)));
    assert_eq!(e, Err(Errno::ENOENT));
}

#[test]
fn forgotten_kobjects_are_removed_with_a_warning() {
    let mut k = kernel();
    let sys = boot(&[SYSFSOBJ]);
    let before = starry_kmod::kapi::kmalloc_bytes_in_use();
    insmod(&sys, &SYSFSOBJ, "forget=1").unwrap();
    assert_eq!(
        cat(&sys, "/sys/kernel/sysfsobj/item0/id").unwrap(),
        "0 item0\n"
    );
    delete_module("sysfsobj", O_NONBLOCK).unwrap();
    let log = k.log();
    for line in [
        "sysfsobj: leaving my kobjects behind",
        "sysfsobj: removing /sys/kernel/sysfsobj it did not remove",
        "sysfsobj: removing /sys/kernel/sysfsobj/item0 it did not remove",
        "sysfsobj: removing /sys/kernel/sysfsobj_set it did not remove",
        "sysfsobj: removing /sys/kernel/sysfsobj_set/member it did not remove",
    ] {
        assert_logged(&log, line);
    }
    // Its release callbacks are not run once it is gone.
    assert!(!log.iter().any(|l| l.contains("released")), "{log:?}");
    assert!(sys.ns.lookup("/sys/kernel/sysfsobj").is_err());
    assert!(sys.ns.lookup("/sys/kernel/sysfsobj_set").is_err());
    // The kernel's own kobject and kset memory is freed; the module's
    // kmalloc'ed items stay leaked, as on Linux.
    let leaked = starry_kmod::kapi::kmalloc_bytes_in_use() - before;
    assert!(leaked <= 2 * 96, "{leaked} bytes");
    // Loading it again works: the names are free.
    insmod(&sys, &SYSFSOBJ, "").unwrap();
    assert_eq!(cat(&sys, "/sys/kernel/sysfsobj/value").unwrap(), "7\n");
    delete_module("sysfsobj", O_NONBLOCK).unwrap();
}
