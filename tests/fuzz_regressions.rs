//! Every input the fuzzers found crashing the kernel, replayed: each must
//! now be refused with an errno (or load and unload cleanly), leaving
//! nothing behind. Files are named `<target>-<what>` in
//! tests/fuzz-regressions/, in the fuzz target's input format.

mod common;

use common::kernel;
use starry_kmod::syscalls::{O_NONBLOCK, O_TRUNC};
use starry_kmod::{delete_module, init_module, module};

/// The `load` target's format: [args_len][args][image].
fn replay_load(data: &[u8]) -> Result<(), starry_kmod::Error> {
    let (&n, rest) = data.split_first().expect("non-empty input");
    let (args, image) = rest.split_at((n as usize).min(rest.len()));
    init_module(image, args)
}

#[test]
fn fuzz_findings_stay_fixed() {
    let k = kernel();
    let pages = k.pages();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        if let Some(what) = name.strip_prefix("load-") {
            let r = replay_load(&data);
            assert!(r.is_err(), "{name}: loads ({what}); expected a refusal");
            for m in module::list() {
                let _ = delete_module(m.name(), O_NONBLOCK | O_TRUNC);
            }
            n += 1;
        }
        assert!(module::list().is_empty(), "{name}: module left");
        assert_eq!(k.pages(), pages, "{name}: pages leaked");
    }
    assert!(n > 0, "no regression inputs found in {}", dir.display());
}
