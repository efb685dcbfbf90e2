//! The sample modules, built by `build.rs` into real ELF relocatable `.ko`
//! files for the host architecture (x86_64) as part of `cargo build`.
//!
//! Each module is available as its path on disk and as embedded bytes.
//! When Debian's riscv64 cross compiler is installed, the same modules are
//! also built for riscv64 ([`riscv64`], for the ArceOS kernel under QEMU).
#![no_std]

/// The version magic every sample module carries in `.modinfo`; the kernel
/// refuses modules whose vermagic differs (see `starry_kmod::VERMAGIC`).
pub const VERMAGIC: &str = "6.6.0-starry SMP mod_unload";

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

/// `hello` (C): greets at init and exit.
pub const HELLO: SampleModule = sample!("hello");
/// `params` (C): int, bool, charp, ulong and a perm-0 short parameter.
pub const PARAMS: SampleModule = sample!("params");
/// `initfail` (C): init returns its `err` parameter (default -ENODEV).
pub const INITFAIL: SampleModule = sample!("initfail");
/// `hello_rust` (Rust, kmod-tools macros).
pub const HELLO_RUST: SampleModule = sample!("hello_rust");

/// `provider` (C): EXPORT_SYMBOL(provider_add), EXPORT_SYMBOL_GPL(provider_secret).
pub const PROVIDER: SampleModule = sample!("provider");
/// `consumer` (C, GPL): uses provider_add.
pub const CONSUMER: SampleModule = sample!("consumer");
/// `gpl_consumer` (C, GPL v2): uses the GPL-only provider_secret.
pub const GPL_CONSUMER: SampleModule = sample!("gpl_consumer");
/// `proprietary` (C, Proprietary): tries provider_secret; must be refused.
pub const PROPRIETARY: SampleModule = sample!("proprietary");
/// `closed` (C, Proprietary): uses provider_add; its `pin` parameter takes
/// or drops a reference on itself (try_module_get/module_put).
pub const CLOSED: SampleModule = sample!("closed");
/// `consumer_rust` (Rust): uses the C provider's provider_add.
pub const CONSUMER_RUST: SampleModule = sample!("consumer_rust");

/// Every sample module, in a sensible load order (providers first).
pub const ALL: &[SampleModule] = &[
    HELLO,
    PARAMS,
    HELLO_RUST,
    INITFAIL,
    PROVIDER,
    CONSUMER,
    GPL_CONSUMER,
    PROPRIETARY,
    CLOSED,
    CONSUMER_RUST,
];

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

    /// Every sample module for riscv64, providers first.
    pub const ALL: &[SampleModule] = &[
        rv!("hello"),
        rv!("params"),
        rv!("hello_rust"),
        rv!("initfail"),
        rv!("provider"),
        rv!("consumer"),
        rv!("gpl_consumer"),
        rv!("proprietary"),
        rv!("closed"),
        rv!("consumer_rust"),
    ];
}

/// Looks a sample module up by name.
pub fn by_name(name: &str) -> Option<SampleModule> {
    ALL.iter().copied().find(|m| m.name == name)
}
