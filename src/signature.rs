//! The module signature trailer (Linux's include/linux/module_signature.h,
//! kernel/module_signature.c, kernel/module/signing.c): a signed module is
//!
//! ```text
//! [ module ELF ][ PKCS#7 SignedData, DER ][ struct module_signature ][ "~Module signature appended~\n" ]
//! ```
//!
//! `struct module_signature` is 12 bytes: `algo`, `hash`, `id_type`,
//! `signer_len`, `key_id_len`, three pad bytes (all 0 except `id_type` =
//! [`PKEY_ID_PKCS7`]), then `sig_len`, big-endian: the length of the
//! PKCS#7 message before it. This file only splits the trailer off, with
//! Linux's checks and errnos; verifying the message is for later steps.

use crate::bail;
use crate::errno::KResult;

/// The magic string at the very end of a signed module.
pub const MODULE_SIG_STRING: &[u8] = b"~Module signature appended~\n";
/// `id_type` of a PKCS#7 (CMS) signature, the only kind Linux accepts.
pub const PKEY_ID_PKCS7: u8 = 2;
/// The size of `struct module_signature`.
pub const MODULE_SIGNATURE_LEN: usize = 12;

/// A module split from its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed<'a> {
    /// The module bytes the signature covers.
    pub module: &'a [u8],
    /// The detached PKCS#7 SignedData (DER).
    pub pkcs7: &'a [u8],
}

/// Splits `image` into the module and its signature: `Ok(None)` when it
/// carries no marker (unsigned: Linux's ENODATA case, decided by policy),
/// `EBADMSG` for a trailer that does not fit or has non-standard fields,
/// `ENOPKG` for a signature that is not PKCS#7 (Linux's mod_check_sig).
pub fn split(image: &[u8]) -> KResult<Option<Signed<'_>>> {
    let Some(rest) = image.strip_suffix(MODULE_SIG_STRING) else {
        return Ok(None);
    };
    if rest.len() <= MODULE_SIGNATURE_LEN {
        bail!(EBADMSG, "module: signature trailer is truncated");
    }
    let (body, ms) = rest.split_at(rest.len() - MODULE_SIGNATURE_LEN);
    let sig_len = u32::from_be_bytes([ms[8], ms[9], ms[10], ms[11]]) as usize;
    if sig_len >= body.len() {
        bail!(
            EBADMSG,
            "module: signature length {sig_len} exceeds the module"
        );
    }
    if ms[2] != PKEY_ID_PKCS7 {
        bail!(ENOPKG, "module: not signed with expected PKCS#7 message");
    }
    if ms[0] != 0 || ms[1] != 0 || ms[3] != 0 || ms[4] != 0 || ms[5..8] != [0, 0, 0] {
        bail!(
            EBADMSG,
            "module: PKCS#7 signature with non-standard parameters"
        );
    }
    let (module, pkcs7) = body.split_at(body.len() - sig_len);
    Ok(Some(Signed { module, pkcs7 }))
}

/// The trailer for a PKCS#7 message of `sig_len` bytes (what sign-file
/// appends after the message).
pub fn trailer(sig_len: u32) -> [u8; MODULE_SIGNATURE_LEN + MODULE_SIG_STRING.len()] {
    let mut t = [0u8; MODULE_SIGNATURE_LEN + MODULE_SIG_STRING.len()];
    t[2] = PKEY_ID_PKCS7;
    t[8..12].copy_from_slice(&sig_len.to_be_bytes());
    t[MODULE_SIGNATURE_LEN..].copy_from_slice(MODULE_SIG_STRING);
    t
}
