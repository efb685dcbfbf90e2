//! The signature check of a module image (Linux's module_sig_check): the
//! trailer, then the CMS SignedData (DER) and each signer's algorithms,
//! key and signature, with the build's certificates built in. Arbitrary
//! bytes either verify, go on unverified (no marker, unsupported crypto,
//! unknown key: not enforced here) or are refused with one of Linux's
//! errnos; never a crash. Seeded with small files signed by sign-file
//! (RSA and ECDSA, SHA-256/384/512, by serial and by key id).
#![no_main]

use libfuzzer_sys::fuzz_target;
use starry_kmod::Errno;
use starry_kmod::signature::{init_module_signing, module_sig_check, module_signing};

fuzz_target!(|data: &[u8]| {
    if !module_signing() {
        init_module_signing(starry_sample_modules::signing::CERTS);
    }
    match module_sig_check(data, false) {
        Ok(c) => {
            assert!(data.starts_with(c.image));
            if c.verified.is_some() {
                assert!(c.image.len() < data.len());
            }
        }
        Err(e) => assert!(
            [Errno::EBADMSG, Errno::EKEYREJECTED, Errno::EINVAL].contains(&e.errno),
            "unexpected {e}"
        ),
    }
});
