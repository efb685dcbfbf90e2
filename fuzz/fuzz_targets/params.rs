//! Parameter strings and sysfs parameter writes: the fuzz input is split
//! into a load-time argument string for `params` and values written to
//! its sysfs files; the values read back must be what the ops show.
#![no_main]

use libfuzzer_sys::fuzz_target;
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::platform::{self, Platform};
use starry_kmod::{delete_module, init_module, module};
use starry_sample_modules::PARAMS;

fuzz_target!(|data: &[u8]| {
    let host = platform::host::install();
    let mut parts = data.split(|&b| b == 0xff);
    let args = parts.next().unwrap_or_default();
    if init_module(PARAMS.bytes, args).is_err() {
        assert!(module::list().is_empty());
        return;
    }
    let m = module::find("params").expect("params loaded");
    let names = ["count", "verbose", "whom", "max_bytes"];
    for (i, value) in parts.enumerate() {
        let name = names[i % names.len()];
        let before = m.param_get(name).expect("readable");
        match m.param_set(name, value) {
            Ok(()) => {
                let _ = m.param_get(name).expect("readable after a write");
            }
            Err(_) => assert_eq!(
                m.param_get(name).unwrap(),
                before,
                "a refused write changed {name}"
            ),
        }
    }
    drop(m);
    delete_module("params", O_NONBLOCK).expect("unload");
    assert_eq!(host.module_pages_in_use(), 0);
});
