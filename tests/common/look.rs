//! Reading everything a user could read about the loaded modules, to show
//! that every file generates without trouble (a mutant that loads must not
//! break a reader). Also included by the fuzz targets (`#[path]`), so it
//! uses only `starry_kmod`.
#![allow(dead_code)]

use starry_kmod::{module, procfs};

/// `/proc/modules` and, for each loaded module, its `/sys/module` files
/// (its info) and every sysfs parameter's value.
pub fn look_at_modules() {
    let _ = procfs::modules_text(true);
    for m in module::list() {
        let _ = m.info();
        for (p, _) in m.sysfs_params() {
            let _ = m.param_get(&p);
        }
    }
}

/// [`look_at_modules`], then all of `/proc/kallsyms` in 64 KiB reads.
pub fn look_at_everything() {
    look_at_modules();
    let mut buf = vec![0u8; 1 << 16];
    let mut off = 0;
    loop {
        let n = starry_kmod::kallsyms::read(off, &mut buf, true);
        if n == 0 {
            break;
        }
        off += n as u64;
    }
}
