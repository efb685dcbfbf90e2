//! Array and string parameters and custom ops on the kernel's
//! `param_set_*`/`param_get_*` (the `paramarray` sample), at load and
//! through /sys/module/<m>/parameters, with Linux's errors.

mod common;

use ax_fs_vfs::VfsNodeRef;
use common::{Sys, assert_logged, boot, kernel};
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::vfs::finit_path;
use starry_kmod::{Errno, RELEASE, delete_module};
use starry_kmod_fs::pseudo::{read_all, to_errno};
use starry_sample_modules::PARAMARRAY;

const DIR: &str = "/sys/module/paramarray/parameters";

fn insmod(sys: &Sys, args: &str) -> Result<(), Errno> {
    let path = format!("/lib/modules/{RELEASE}/kernel/paramarray.ko");
    finit_path(&sys.ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
}

fn node(sys: &Sys, name: &str) -> VfsNodeRef {
    let path = format!("{DIR}/{name}");
    sys.ns
        .lookup(&path)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn get(sys: &Sys, name: &str) -> String {
    String::from_utf8(read_all(&node(sys, name), 4096).unwrap()).unwrap()
}

fn set(sys: &Sys, name: &str, val: &str) -> Result<(), Errno> {
    node(sys, name)
        .write_at(0, val.as_bytes())
        .map(|_| ())
        .map_err(|e| Errno(to_errno(e)))
}

#[test]
fn defaults_and_load_time_lists() {
    let mut k = kernel();
    let sys = boot(&[PARAMARRAY]);
    insmod(&sys, "").unwrap();
    assert_logged(
        &k.log(),
        "init: values=1,2,3,4 nvalues=0 names=-,-,- switch=0,0 label=none watched=42",
    );
    // Without a count, every element shows; with one, only those set
    // (none: an empty file, as Linux's).
    assert_eq!(get(&sys, "values"), "");
    assert_eq!(get(&sys, "names"), "(null),(null),(null)\n");
    assert_eq!(get(&sys, "switch"), "N,N\n");
    assert_eq!(get(&sys, "label"), "none\n");
    assert_eq!(get(&sys, "watched"), "42\n");
    delete_module("paramarray", O_NONBLOCK).unwrap();

    insmod(
        &sys,
        "values=7,-8,0x10 names=a,b switch=y label=short watched=5",
    )
    .unwrap();
    let log = k.log();
    assert_logged(&log, "watched updated to 5");
    assert_logged(
        &log,
        "init: values=7,-8,16,4 nvalues=3 names=a,b,- switch=1,0 label=short watched=5",
    );
    assert_eq!(get(&sys, "values"), "7,-8,16\n");
    assert_eq!(get(&sys, "names"), "a,b,(null)\n");
    delete_module("paramarray", O_NONBLOCK).unwrap();
}

#[test]
fn linux_errors_at_load() {
    let mut k = kernel();
    let sys = boot(&[PARAMARRAY]);
    assert_eq!(insmod(&sys, "values=1,2,3,4,5"), Err(Errno::EINVAL));
    let log = k.log();
    assert_logged(&log, "values: can only take 4 arguments");
    assert_logged(
        &log,
        "paramarray: `1,2,3,4,5' invalid for parameter `values'",
    );
    assert_eq!(insmod(&sys, "values=1,x"), Err(Errno::EINVAL));
    assert_eq!(insmod(&sys, "values="), Err(Errno::EINVAL));
    assert_eq!(insmod(&sys, "values"), Err(Errno::EINVAL));
    assert_eq!(insmod(&sys, "values=1,99999999999"), Err(Errno::ERANGE));
    assert_eq!(insmod(&sys, "label=eightchr"), Err(Errno::ENOSPC));
    let log = k.log();
    assert_logged(&log, "label: string doesn't fit in 7 chars.");
    assert_logged(
        &log,
        "paramarray: `eightchr' too large for parameter `label'",
    );
    assert!(starry_kmod::module::find("paramarray").is_none());
    // Seven characters fit.
    insmod(&sys, "label=sevench").unwrap();
    assert_eq!(get(&sys, "label"), "sevench\n");
    delete_module("paramarray", O_NONBLOCK).unwrap();
}

#[test]
fn sysfs_writes() {
    let mut k = kernel();
    let sys = boot(&[PARAMARRAY]);
    insmod(&sys, "values=1,2,3 names=x,y,z").unwrap();
    set(&sys, "values", "9,10\n").unwrap();
    assert_eq!(get(&sys, "values"), "9,10\n");
    // Too many: EINVAL, with the first four already stored, as Linux's
    // param_array_set leaves them.
    assert_eq!(set(&sys, "values", "1,2,3,4,5\n"), Err(Errno::EINVAL));
    assert_eq!(get(&sys, "values"), "1,2,3,4\n");
    assert_eq!(set(&sys, "label", "toolongx"), Err(Errno::ENOSPC));
    assert_eq!(get(&sys, "label"), "none\n");
    // The newline echo writes is kept, as Linux's param_set_copystring.
    set(&sys, "label", "new\n").unwrap();
    assert_eq!(get(&sys, "label"), "new\n\n");
    set(&sys, "switch", "n,y").unwrap();
    assert_eq!(get(&sys, "switch"), "N,Y\n");
    set(&sys, "watched", "77").unwrap();
    assert_logged(&k.log(), "watched updated to 77");
    assert_eq!(set(&sys, "watched", "seven"), Err(Errno::EINVAL));
    assert_eq!(get(&sys, "watched"), "77\n");
    // names is 0444: not writable, even by root.
    assert_eq!(set(&sys, "names", "a"), Err(Errno::EACCES));
    delete_module("paramarray", O_NONBLOCK).unwrap();
    assert_logged(
        &k.log(),
        "exit: values=1,2,3,4 nvalues=4 names=x,y,z switch=0,1 label=new",
    );
}
