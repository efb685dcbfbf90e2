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
//! PKCS#7 message before it.
//!
//! The message is checked as Linux's crypto/asymmetric_keys (pkcs7_verify,
//! pkcs7_validate_trust) checks a module's: a detached CMS SignedData over
//! `data`, without signed attributes, each signer named by issuer and
//! serial number or by subject key identifier and found among the
//! certificates built into the kernel ([`add_builtin_cert`]), the digest
//! SHA-256, SHA-384 or SHA-512 and the signature RSA PKCS#1 v1.5 or ECDSA
//! on P-256 or P-384. [`module_sig_check`] is the policy of
//! kernel/module/signing.c: which failures refuse a module, and
//! `module.sig_enforce`.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use ax_kspin::SpinRaw;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1::DecodeRsaPublicKey;
use sha2::Digest;
use x509_cert::Certificate;

use crate::bail;
use crate::console::level;
use crate::errno::{Errno, Error, KResult};
use crate::klog;

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

const fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

const OID_SIGNED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.2");
const OID_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.1");
const OID_SHA256: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.3");
const OID_RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
const OID_SHA256_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.11");
const OID_SHA384_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.12");
const OID_SHA512_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.13");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = oid("1.2.840.10045.2.1");
const OID_ECDSA_SHA256: ObjectIdentifier = oid("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = oid("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = oid("1.2.840.10045.4.3.4");
const OID_P256: ObjectIdentifier = oid("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = oid("1.3.132.0.34");
const OID_SUBJECT_KEY_ID: ObjectIdentifier = oid("2.5.29.14");
const OID_COMMON_NAME: ObjectIdentifier = oid("2.5.4.3");
const OID_ORGANIZATION: ObjectIdentifier = oid("2.5.4.10");

/// A digest algorithm a module signature may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgo {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgo {
    fn from_oid(oid: ObjectIdentifier) -> Option<HashAlgo> {
        match oid {
            OID_SHA256 => Some(HashAlgo::Sha256),
            OID_SHA384 => Some(HashAlgo::Sha384),
            OID_SHA512 => Some(HashAlgo::Sha512),
            _ => None,
        }
    }

    /// Linux's name of the algorithm (`sig_hashalgo` in modinfo).
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha384 => "sha384",
            HashAlgo::Sha512 => "sha512",
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgo::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlgo::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlgo::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// A public key of a built-in certificate.
#[derive(Clone)]
enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

/// A certificate of the kernel's built-in keyring (Linux's
/// `.builtin_trusted_keys`), reduced to what finds and checks a signer.
#[derive(Clone)]
struct TrustedKey {
    /// The DER of the issuer name and the serial number's bytes.
    issuer: Vec<u8>,
    serial: Vec<u8>,
    /// The subject key identifier extension, if the certificate has one.
    skid: Option<Vec<u8>>,
    key: PublicKey,
    /// Linux's key description: `<O or CN>: <CN>: <SKID in hex>`.
    description: String,
}

static BUILTIN_KEYS: SpinRaw<Vec<TrustedKey>> = SpinRaw::new(Vec::new());

fn bad_cert(what: &str) -> Error {
    Error::new(Errno::EBADMSG, alloc::format!("X.509: {what}"))
}

fn name_attr(name: &x509_cert::name::Name, oid: ObjectIdentifier) -> Option<String> {
    name.0.iter().flat_map(|rdn| rdn.0.iter()).find_map(|atv| {
        if atv.oid != oid {
            return None;
        }
        let s = match der::Tagged::tag(&atv.value) {
            der::Tag::Utf8String => atv
                .value
                .decode_as::<der::asn1::Utf8StringRef<'_>>()
                .ok()?
                .as_str(),
            der::Tag::PrintableString => atv
                .value
                .decode_as::<der::asn1::PrintableStringRef<'_>>()
                .ok()?
                .as_str(),
            der::Tag::Ia5String => atv
                .value
                .decode_as::<der::asn1::Ia5StringRef<'_>>()
                .ok()?
                .as_str(),
            _ => return None,
        };
        Some(String::from(s))
    })
}

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::new();
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parses a DER X.509 certificate into a trusted key, with Linux's errnos:
/// EBADMSG for a certificate that does not parse, ENOPKG for a key type
/// this kernel cannot check signatures with.
fn trusted_key(der: &[u8]) -> KResult<TrustedKey> {
    let cert = Certificate::from_der(der).map_err(|e| bad_cert(&alloc::format!("{e}")))?;
    let tbs = &cert.tbs_certificate;
    let spki = &tbs.subject_public_key_info;
    let raw = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| bad_cert("public key is not a whole number of bytes"))?;
    let key = match spki.algorithm.oid {
        OID_RSA_ENCRYPTION => PublicKey::Rsa(
            rsa::RsaPublicKey::from_pkcs1_der(raw).map_err(|_| bad_cert("bad RSA public key"))?,
        ),
        OID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(OID_P256) => PublicKey::P256(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                        .map_err(|_| bad_cert("bad P-256 public key"))?,
                ),
                Some(OID_P384) => PublicKey::P384(
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                        .map_err(|_| bad_cert("bad P-384 public key"))?,
                ),
                _ => bail!(ENOPKG, "X.509: unsupported elliptic curve"),
            }
        }
        other => bail!(ENOPKG, "X.509: unsupported public key algorithm {other}"),
    };
    let skid = tbs.extensions.iter().flatten().find_map(|ext| {
        (ext.extn_id == OID_SUBJECT_KEY_ID)
            .then(|| der::asn1::OctetString::from_der(ext.extn_value.as_bytes()).ok())
            .flatten()
            .map(|o| o.into_bytes())
    });
    let cn = name_attr(&tbs.subject, OID_COMMON_NAME).unwrap_or_default();
    let org = name_attr(&tbs.subject, OID_ORGANIZATION);
    // Linux's x509_cert_parse: "<O>: <CN>" unless CN already starts with
    // O, then ": <SKID>" (the serial when there is no SKID).
    let mut description = match org {
        Some(o) if !cn.starts_with(o.as_str()) => alloc::format!("{o}: {cn}"),
        _ => cn,
    };
    description.push_str(": ");
    description.push_str(&hex(skid
        .as_deref()
        .unwrap_or(tbs.serial_number.as_bytes())));
    Ok(TrustedKey {
        issuer: tbs.issuer.to_der().map_err(|_| bad_cert("issuer"))?,
        serial: tbs.serial_number.as_bytes().to_vec(),
        skid,
        key,
        description,
    })
}

/// Parses a DER X.509 certificate as [`add_builtin_cert`] would, without
/// adding it: its key description, or EBADMSG/ENOPKG.
pub fn check_cert(der: &[u8]) -> KResult<String> {
    trusted_key(der).map(|k| k.description)
}

/// Adds a DER X.509 certificate to the kernel's built-in keyring (Linux's
/// load_system_certificate_list at boot) and logs it as Linux does.
/// Returns the key's description.
pub fn add_builtin_cert(der: &[u8]) -> KResult<String> {
    let key = trusted_key(der).inspect_err(|e| {
        klog!(
            level::ERR,
            "Problem loading in-kernel X.509 certificate ({})",
            e.ret()
        );
    })?;
    let description = key.description.clone();
    let mut keys = BUILTIN_KEYS.lock();
    if !keys
        .iter()
        .any(|k| k.description == description && k.serial == key.serial)
    {
        keys.push(key);
        drop(keys);
        klog!(level::NOTICE, "Loaded X.509 cert '{description}'");
    }
    Ok(description)
}

/// The descriptions of the built-in keys, in the order they were added.
pub fn builtin_keys() -> Vec<String> {
    BUILTIN_KEYS
        .lock()
        .iter()
        .map(|k| k.description.clone())
        .collect()
}

/// The built-in key a signer names, if there is one.
fn find_key(sid: &SignerIdentifier) -> KResult<Option<TrustedKey>> {
    let keys = BUILTIN_KEYS.lock();
    Ok(match sid {
        SignerIdentifier::IssuerAndSerialNumber(is) => {
            let issuer = is.issuer.to_der().map_err(|_| bad_msg("issuer"))?;
            keys.iter()
                .find(|k| k.issuer == issuer && k.serial == is.serial_number.as_bytes())
                .cloned()
        }
        SignerIdentifier::SubjectKeyIdentifier(skid) => keys
            .iter()
            .find(|k| k.skid.as_deref() == Some(skid.0.as_bytes()))
            .cloned(),
    })
}

fn bad_msg(what: &str) -> Error {
    Error::new(Errno::EBADMSG, alloc::format!("PKCS#7: {what}"))
}

/// The signature algorithm a signer names: RSA (any of rsaEncryption and
/// shaNNNWithRSAEncryption) or ECDSA, with the digest it implies if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SigAlgo {
    Rsa,
    Ecdsa,
}

fn sig_algo(oid: ObjectIdentifier) -> Option<(SigAlgo, Option<HashAlgo>)> {
    Some(match oid {
        OID_RSA_ENCRYPTION => (SigAlgo::Rsa, None),
        OID_SHA256_WITH_RSA => (SigAlgo::Rsa, Some(HashAlgo::Sha256)),
        OID_SHA384_WITH_RSA => (SigAlgo::Rsa, Some(HashAlgo::Sha384)),
        OID_SHA512_WITH_RSA => (SigAlgo::Rsa, Some(HashAlgo::Sha512)),
        OID_ECDSA_SHA256 => (SigAlgo::Ecdsa, Some(HashAlgo::Sha256)),
        OID_ECDSA_SHA384 => (SigAlgo::Ecdsa, Some(HashAlgo::Sha384)),
        OID_ECDSA_SHA512 => (SigAlgo::Ecdsa, Some(HashAlgo::Sha512)),
        _ => return None,
    })
}

/// What a verified signature was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The digest algorithm.
    pub hash: HashAlgo,
    /// The description of the built-in key that made it.
    pub key: String,
}

/// One signer: its algorithms (ENOPKG when unsupported), then its key
/// among the built-in ones (ENOKEY when absent), then the signature itself
/// over the digest of `data` (EKEYREJECTED when it does not match).
fn verify_one(si: &SignerInfo, data: &[u8]) -> KResult<Verified> {
    let Some(hash) = HashAlgo::from_oid(si.digest_alg.oid) else {
        bail!(
            ENOPKG,
            "PKCS#7: unsupported digest algorithm {}",
            si.digest_alg.oid
        );
    };
    let Some((algo, implied)) = sig_algo(si.signature_algorithm.oid) else {
        bail!(
            ENOPKG,
            "PKCS#7: unsupported signature algorithm {}",
            si.signature_algorithm.oid
        );
    };
    if implied.is_some_and(|h| h != hash) {
        bail!(EBADMSG, "PKCS#7: signature and digest algorithms disagree");
    }
    let Some(key) = find_key(&si.sid)? else {
        bail!(ENOKEY, "PKCS#7: signature not signed with a trusted key");
    };
    let digest = hash.digest(data);
    let sig = si.signature.as_bytes();
    let ok = match (&key.key, algo) {
        (PublicKey::Rsa(k), SigAlgo::Rsa) => {
            let scheme = match hash {
                HashAlgo::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlgo::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlgo::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            k.verify(scheme, &digest, sig).is_ok()
        }
        (PublicKey::P256(k), SigAlgo::Ecdsa) => {
            let sig = p256::ecdsa::Signature::from_der(sig)
                .map_err(|_| bad_msg("malformed ECDSA signature"))?;
            k.verify_prehash(&digest, &sig).is_ok()
        }
        (PublicKey::P384(k), SigAlgo::Ecdsa) => {
            let sig = p384::ecdsa::Signature::from_der(sig)
                .map_err(|_| bad_msg("malformed ECDSA signature"))?;
            k.verify_prehash(&digest, &sig).is_ok()
        }
        _ => false,
    };
    if !ok {
        bail!(
            EKEYREJECTED,
            "PKCS#7: signature does not verify with key '{}'",
            key.description
        );
    }
    Ok(Verified {
        hash,
        key: key.description,
    })
}

/// Verifies a detached PKCS#7 message over `data` for a module (Linux's
/// verify_pkcs7_signature with VERIFYING_MODULE_SIGNATURE): EBADMSG for a
/// message that does not parse, EKEYREJECTED for one that is not over
/// plain data or carries signed attributes, EINVAL for one that carries
/// its content, then per signer as [`verify_one`]: any signer refused
/// other than for its crypto (ENOPKG) or key (ENOKEY) refuses the
/// message; else one verified signer verifies it; else ENOKEY, or ENOPKG
/// when no signer had supported crypto.
pub fn verify(data: &[u8], pkcs7: &[u8]) -> KResult<Verified> {
    let ci = ContentInfo::from_der(pkcs7).map_err(|e| bad_msg(&alloc::format!("{e}")))?;
    if ci.content_type != OID_SIGNED_DATA {
        bail!(EBADMSG, "PKCS#7: only signedData is supported");
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| bad_msg(&alloc::format!("{e}")))?;
    if sd.encap_content_info.econtent_type != OID_DATA {
        bail!(EKEYREJECTED, "Invalid module sig (not pkcs7-data)");
    }
    if sd.encap_content_info.econtent.is_some() {
        bail!(
            EINVAL,
            "PKCS#7: data already supplied (not a detached signature)"
        );
    }
    let signers = sd.signer_infos.0.as_slice();
    if signers.is_empty() {
        bail!(EBADMSG, "PKCS#7: no signer");
    }
    if signers.iter().any(|si| si.signed_attrs.is_some()) {
        bail!(EKEYREJECTED, "Invalid module sig (has authattrs)");
    }
    // As pkcs7_verify + pkcs7_validate_trust: a signer with unsupported
    // crypto is skipped, one without a trusted key does not count, any
    // other failure refuses the message; a trusted signer verifies it.
    let mut verified = None;
    let mut errno = Errno::ENOPKG;
    for si in signers {
        match verify_one(si, data) {
            Ok(v) => verified = verified.or(Some(v)),
            Err(e) if e.errno == Errno::ENOPKG => {}
            Err(e) if e.errno == Errno::ENOKEY => errno = Errno::ENOKEY,
            Err(e) => return Err(e),
        }
    }
    verified.ok_or_else(|| {
        let msg = if errno == Errno::ENOKEY {
            "PKCS#7: signature not signed with a trusted key"
        } else {
            "PKCS#7: no signer with supported crypto"
        };
        Error::new(errno, msg)
    })
}

/// Whether this kernel checks module signatures (Linux's
/// CONFIG_MODULE_SIG): a home turns it on at boot with its built-in
/// certificates ([`init_module_signing`]); without it a signature is
/// trailing bytes the loader ignores, and nothing taints E.
static MODULE_SIG: AtomicBool = AtomicBool::new(false);

/// Turns module signature checking on, for good, with the certificates
/// built into the kernel (Linux: CONFIG_MODULE_SIG, and the
/// `.builtin_trusted_keys` keyring filled from CONFIG_SYSTEM_TRUSTED_KEYS
/// at boot). A certificate that does not parse is logged and skipped, as
/// Linux's load_certificate_list does. Returns the keys' descriptions.
pub fn init_module_signing(certs: &[&[u8]]) -> Vec<String> {
    MODULE_SIG.store(true, Ordering::Relaxed);
    certs
        .iter()
        .filter_map(|c| add_builtin_cert(c).ok())
        .collect()
}

/// Whether module signatures are checked (CONFIG_MODULE_SIG).
pub fn module_signing() -> bool {
    MODULE_SIG.load(Ordering::Relaxed)
}

/// `module.sig_enforce`: off at boot unless the home switches it on.
static SIG_ENFORCE: AtomicBool = AtomicBool::new(false);

/// Whether unsigned and unverifiable modules are refused (Linux's
/// is_module_sig_enforced).
pub fn sig_enforced() -> bool {
    SIG_ENFORCE.load(Ordering::Relaxed)
}

/// Switches enforcement on, for good (Linux's set_module_sig_enforced).
pub fn enforce() {
    SIG_ENFORCE.store(true, Ordering::Relaxed);
}

/// Sets `module.sig_enforce` from a parameter value, as Linux's
/// `bool_enable_only` parameters: `y`/`n` and their kin (EINVAL
/// otherwise); switching it off once it is on is EROFS.
pub fn set_sig_enforce(value: &str) -> KResult<()> {
    let v = value.strip_suffix('\n').unwrap_or(value);
    let on = match v.as_bytes() {
        [b'y' | b'Y' | b'1', ..] => true,
        [b'n' | b'N' | b'0', ..] => false,
        [b'o' | b'O', b'n' | b'N', ..] => true,
        [b'o' | b'O', b'f' | b'F', ..] => false,
        _ => bail!(EINVAL, "module.sig_enforce: {v:?} is not a boolean"),
    };
    if on {
        enforce();
    } else if sig_enforced() {
        bail!(EROFS, "module.sig_enforce cannot be switched off");
    }
    Ok(())
}

static WARNED_UNVERIFIED: AtomicBool = AtomicBool::new(false);

/// The first module that loads without a verified signature says so,
/// once per boot (Linux's pr_notice_once in module_augment_kernel_taints);
/// each such module taints the kernel E.
pub fn note_unverified(name: &str) {
    if !WARNED_UNVERIFIED.swap(true, Ordering::Relaxed) {
        klog!(
            level::NOTICE,
            "{name}: module verification failed: signature and/or required key missing - tainting kernel"
        );
    }
}

/// Applies the kernel command line's `module.sig_enforce` (`=y`, `=1`...,
/// or bare, which is `y`, as Linux's parse_args takes a bool); other
/// words are not this file's. A bad value is logged and ignored, as
/// Linux's unknown boot values are.
pub fn apply_cmdline(cmdline: &str) {
    for word in cmdline.split_ascii_whitespace() {
        let (name, value) = word.split_once('=').unwrap_or((word, "y"));
        if name == "module.sig_enforce"
            && let Err(e) = set_sig_enforce(value)
        {
            klog!(level::WARNING, "{}", e.msg);
        }
    }
}

/// The outcome of the signature check of a module about to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigCheck<'a> {
    /// The image the loader goes on with: without the signature when one
    /// was checked.
    pub image: &'a [u8],
    /// The signature verified (Linux's `info->sig_ok`); otherwise the
    /// module taints the kernel E.
    pub verified: Option<Verified>,
}

/// Linux's module_sig_check: a `mangled` load (finit_module with
/// MODULE_INIT_IGNORE_MODVERSIONS or _VERMAGIC) is not verified, as the
/// module is no longer the one signed. An unsigned module, one with
/// unsupported crypto (ENOPKG) or with an unknown key (ENOKEY) loads
/// unverified unless `module.sig_enforce` is on, when it is refused with
/// EKEYREJECTED; every other failure (a malformed message, a signature
/// that does not verify) refuses the module whatever the policy.
pub fn module_sig_check(image: &[u8], mangled: bool) -> KResult<SigCheck<'_>> {
    if !module_signing() {
        return Ok(SigCheck {
            image,
            verified: None,
        });
    }
    let mut rest = image;
    let errno = if mangled || !image.ends_with(MODULE_SIG_STRING) {
        Errno::ENODATA
    } else {
        let signed = match split(image) {
            Ok(Some(s)) => s,
            Ok(None) => unreachable!("the marker was checked"),
            Err(e) if e.errno == Errno::ENOPKG => {
                rest = &image[..image.len() - MODULE_SIG_STRING.len()];
                return unverified(rest, "module with unsupported crypto");
            }
            Err(e) => return Err(rejected(e)),
        };
        rest = signed.module;
        match verify(signed.module, signed.pkcs7) {
            Ok(v) => {
                return Ok(SigCheck {
                    image: rest,
                    verified: Some(v),
                });
            }
            Err(e) if matches!(e.errno, Errno::ENOPKG | Errno::ENOKEY) => e.errno,
            Err(e) => return Err(rejected(e)),
        }
    };
    let reason = match errno {
        Errno::ENODATA => "unsigned module",
        Errno::ENOPKG => "module with unsupported crypto",
        _ => "module with unavailable key",
    };
    unverified(rest, reason)
}

fn rejected(e: Error) -> Error {
    Error::new(
        e.errno,
        alloc::format!("module signature rejected: {}", e.msg),
    )
}

/// Signature-check failures that are not fatal by themselves: refused
/// when enforcing, otherwise the module goes on unverified.
fn unverified<'a>(image: &'a [u8], reason: &str) -> KResult<SigCheck<'a>> {
    if sig_enforced() {
        bail!(EKEYREJECTED, "Loading of {reason} is rejected");
    }
    Ok(SigCheck {
        image,
        verified: None,
    })
}
