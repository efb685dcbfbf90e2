//! The in-kernel decoders (gzip, xz, zstd) on arbitrary bytes, with a
//! small output cap: each input decodes within the cap or is refused with
//! EINVAL (bad magic, corrupt or truncated stream) or EFBIG (over the
//! cap); never a crash, never more output than the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use starry_kmod::Errno;
use starry_kmod::decompress::decompress;

const CAP: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    match decompress(data, CAP) {
        Ok(out) => assert!(out.len() <= CAP),
        Err(e) => assert!(
            e.errno == Errno::EINVAL || e.errno == Errno::EFBIG,
            "unexpected {e}"
        ),
    }
});
