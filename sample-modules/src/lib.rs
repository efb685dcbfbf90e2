//! The sample modules, built by `build.rs` into real ELF relocatable `.ko`
//! files for the host architecture (x86_64) as part of `cargo build`.
//!
//! Each module is available as its path on disk and as embedded bytes;
//! which modules there are is `src/samples.rs`.
//! When Debian's riscv64 cross compiler is installed, the same modules are
//! also built for riscv64 ([`riscv64`]). Compiled into a kernel (a
//! bare-metal target), the crate also has them for that kernel's
//! architecture ([`kernel`]).
#![no_std]

// RELEASE and VERMAGIC, the kernel's (src/version.rs): every sample module
// carries VERMAGIC in `.modinfo`; the kernel refuses modules whose vermagic
// differs (see `starry_kmod::VERMAGIC`).
include!("../../src/version.rs");

/// One built sample module.
#[derive(Debug, Clone, Copy)]
pub struct SampleModule {
    /// The module's name (its `name=` in `.modinfo`, its file stem).
    pub name: &'static str,
    /// Where the build wrote the `.ko` file.
    pub path: &'static str,
    /// The `.ko` file's bytes.
    pub bytes: &'static [u8],
}

macro_rules! sample {
    ($name:literal) => {
        SampleModule {
            name: $name,
            path: concat!(env!("OUT_DIR"), "/", $name, ".ko"),
            bytes: include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".ko")),
        }
    };
}

// One constant per module of src/samples.rs, and ALL.
include!(concat!(env!("OUT_DIR"), "/samples.rs"));

/// The same modules built for riscv64 (medany, no relaxation), for the
/// in-kernel backend.
#[cfg(riscv64_samples)]
pub mod riscv64 {
    use super::SampleModule;

    macro_rules! rv {
        ($name:literal) => {
            SampleModule {
                name: $name,
                path: concat!(env!("OUT_DIR"), "/riscv64/", $name, ".ko"),
                bytes: include_bytes!(concat!(env!("OUT_DIR"), "/riscv64/", $name, ".ko")),
            }
        };
    }

    // ALL, for riscv64.
    include!(concat!(env!("OUT_DIR"), "/riscv64/samples.rs"));
}

// INSTALLED: the installed tree's index files.
include!(concat!(env!("OUT_DIR"), "/installed.rs"));

/// Module signing: the certificates the build generated (the kernel's
/// built-in keyring holds [`CERTS`](signing::CERTS)), their keys' paths
/// and the signing tool, `scripts/sign-file` of the Kbuild directory.
pub mod signing {
    /// The certificates (DER) built into the kernel: the RSA-2048 key
    /// modules_install signs with, then the ECDSA P-256 one.
    pub const CERTS: &[&[u8]] = &[RSA_CERT, ECDSA_CERT];
    /// The RSA-2048 certificate (`certs/signing_key.x509`).
    pub const RSA_CERT: &[u8] = include_bytes!(concat!(
        env!("STARRY_KBUILD_DIR"),
        "/certs/signing_key.x509"
    ));
    /// The ECDSA P-256 certificate.
    pub const ECDSA_CERT: &[u8] = include_bytes!(concat!(
        env!("STARRY_KBUILD_DIR"),
        "/certs/signing_key_ecdsa.x509"
    ));
    /// A certificate built into no kernel (the wrong signer).
    pub const UNTRUSTED_CERT: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/untrusted/signing_key.x509"));
    /// `sign-file`, Linux's interface.
    pub const SIGN_FILE: &str = concat!(env!("STARRY_KBUILD_DIR"), "/scripts/sign-file");
    /// The RSA key and certificate, as sign-file takes them.
    pub const RSA: (&str, &str) = (
        concat!(env!("STARRY_KBUILD_DIR"), "/certs/signing_key.pem"),
        concat!(env!("STARRY_KBUILD_DIR"), "/certs/signing_key.x509"),
    );
    /// The ECDSA P-256 key and certificate.
    pub const ECDSA: (&str, &str) = (
        concat!(env!("STARRY_KBUILD_DIR"), "/certs/signing_key_ecdsa.pem"),
        concat!(env!("STARRY_KBUILD_DIR"), "/certs/signing_key_ecdsa.x509"),
    );
    /// The untrusted key and certificate.
    pub const UNTRUSTED: (&str, &str) = (
        concat!(env!("OUT_DIR"), "/untrusted/signing_key.pem"),
        concat!(env!("OUT_DIR"), "/untrusted/signing_key.x509"),
    );
}

/// The Kbuild directory (`make -C KBUILD_DIR M=$PWD modules`): the one the
/// samples were built with; `/lib/modules/<release>/build` in the sandbox.
pub const KBUILD_DIR: &str = env!("STARRY_KBUILD_DIR");

/// The same modules built for the architecture of the kernel this crate
/// is compiled into (a bare-metal target: riscv64, x86_64, aarch64 or
/// loongarch64), for that kernel's rootfs.
#[cfg(kernel_samples)]
pub mod kernel {
    use super::SampleModule;

    macro_rules! kmod {
        ($name:literal) => {
            SampleModule {
                name: $name,
                path: concat!(env!("OUT_DIR"), "/kernel/", $name, ".ko"),
                bytes: include_bytes!(concat!(env!("OUT_DIR"), "/kernel/", $name, ".ko")),
            }
        };
    }

    // ALL, for the kernel's architecture.
    include!(concat!(env!("OUT_DIR"), "/kernel/samples.rs"));
}

/// Looks a sample module up by name.
pub fn by_name(name: &str) -> Option<SampleModule> {
    ALL.iter().copied().find(|m| m.name == name)
}
