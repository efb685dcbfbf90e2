//! finit_module with flags: the image is written to a file of a RAM
//! filesystem and loaded from it with the fuzzed flags (known ones,
//! unknown bits, the compressed flag) and argument string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use starry_kmod::syscalls::{O_NONBLOCK, O_TRUNC};
use starry_kmod::platform::{self, Platform};
use starry_kmod::{RELEASE, delete_module, finit_module, module};
use starry_kmod_fs::rootfs::RootFs;

fuzz_target!(|data: &[u8]| {
    let host = platform::host::install();
    // [flags][args_len][args][image]
    if data.len() < 2 {
        return;
    }
    let flags = u32::from(data[0] & 0x0f) | (u32::from(data[0] >> 4) << 8);
    let n = (data[1] as usize).min(data.len() - 2);
    let (args, image) = data[2..].split_at(n);
    let Ok(rootfs) = RootFs::new(RELEASE) else {
        return;
    };
    let Ok(path) = rootfs.add_module("fuzzed", image) else {
        return;
    };
    let node = rootfs.lookup(&path).expect("the file just written");
    let pages = host.module_pages_in_use();
    if finit_module(node.as_ref(), args, flags).is_ok() {
        for m in module::list() {
            let _ = m.info();
            delete_module(m.name(), O_NONBLOCK | O_TRUNC).expect("a loaded module unloads");
        }
    }
    assert!(module::list().is_empty());
    assert_eq!(host.module_pages_in_use(), pages, "pages leaked");
});
