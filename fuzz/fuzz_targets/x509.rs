//! X.509 certificates (DER) as the built-in keyring parses them: a key
//! description, or EBADMSG (does not parse) / ENOPKG (a key this kernel
//! cannot check signatures with); never a crash. Seeded with the build's
//! RSA, ECDSA and untrusted certificates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use starry_kmod::Errno;
use starry_kmod::signature::check_cert;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = check_cert(data) {
        assert!(
            e.errno == Errno::EBADMSG || e.errno == Errno::ENOPKG,
            "unexpected {e}"
        );
    }
});
