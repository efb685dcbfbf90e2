//! The signature trailer as Linux lays it out (module_signature.h):
//! split, and every malformed trailer refused with Linux's errno, never a
//! panic.

use starry_kmod::Errno;
use starry_kmod::signature::{MODULE_SIG_STRING, PKEY_ID_PKCS7, Signed, split, trailer};
use starry_sample_modules::HELLO;

fn signed(module: &[u8], pkcs7: &[u8]) -> Vec<u8> {
    let mut v = module.to_vec();
    v.extend_from_slice(pkcs7);
    v.extend_from_slice(&trailer(pkcs7.len() as u32));
    v
}

#[test]
fn a_trailer_splits_into_module_and_message() {
    let img = signed(HELLO.bytes, b"\x30\x03\x02\x01\x01");
    let s = split(&img).unwrap().unwrap();
    assert_eq!(
        s,
        Signed {
            module: HELLO.bytes,
            pkcs7: b"\x30\x03\x02\x01\x01"
        }
    );
    assert!(img.ends_with(b"~Module signature appended~\n"));
    assert_eq!(img[img.len() - 28 - 12 + 2], PKEY_ID_PKCS7);
    assert_eq!(split(HELLO.bytes).unwrap(), None, "unsigned");
}

#[test]
fn malformed_trailers_are_refused_with_linux_errnos() {
    let err = |img: &[u8]| split(img).unwrap_err().errno;
    // Only the marker, or fewer bytes than struct module_signature.
    assert_eq!(err(MODULE_SIG_STRING), Errno::EBADMSG);
    let mut short = vec![0u8; 12];
    short.extend_from_slice(MODULE_SIG_STRING);
    assert_eq!(err(&short), Errno::EBADMSG);
    // sig_len covering the whole module, or more.
    for len in [HELLO.bytes.len() as u32, u32::MAX] {
        let mut img = HELLO.bytes.to_vec();
        img.extend_from_slice(&trailer(len));
        assert_eq!(err(&img), Errno::EBADMSG, "sig_len {len}");
    }
    let good = signed(HELLO.bytes, b"\x30\x00");
    let at = good.len() - MODULE_SIG_STRING.len() - 12;
    // Not PKCS#7: ENOPKG; any other field non-zero: EBADMSG.
    let mut img = good.clone();
    img[at + 2] = 1;
    assert_eq!(err(&img), Errno::ENOPKG);
    for field in [0, 1, 3, 4, 5, 6, 7] {
        let mut img = good.clone();
        img[at + field] = 1;
        assert_eq!(err(&img), Errno::EBADMSG, "field {field}");
    }
    // Every truncation of a signed module either splits or is refused.
    for cut in 0..good.len() {
        let _ = split(&good[..cut]);
    }
}
