//! The load path: image bytes + argument string + flags through
//! init_module/finit_module, then unload; seeded with the real samples.
//! Module code never runs (the `fuzzing` feature); everything else does:
//! the ELF check, relocation, protection, parameters, exports, symbols,
//! the registry, sysfs/procfs generation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::platform::{self, Platform};
use starry_kmod::{init_module, module};

// The tests' reader of every file a user could read.
#[path = "../../tests/common/look.rs"]
mod look;

fuzz_target!(|data: &[u8]| {
    let host = platform::host::install();
    // [args_len][args][image]
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = (n as usize).min(rest.len());
    let (args, image) = rest.split_at(n);
    let pages = host.module_pages_in_use();
    if init_module(image, args).is_ok() {
        // Everything a user can look at must generate without trouble.
        look::look_at_modules();
        for m in module::list() {
            starry_kmod::delete_module(m.name(), O_NONBLOCK | starry_kmod::syscalls::O_TRUNC)
                .expect("a loaded module unloads");
        }
    }
    assert!(module::list().is_empty());
    assert_eq!(host.module_pages_in_use(), pages, "pages leaked");
});
