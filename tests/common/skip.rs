//! Skip rules for the tests that need something of the machine: the
//! sandbox (root or a user namespace, /dev/fuse, seccomp user
//! notification, the kmod/busybox tools) or QEMU and an architecture's cross
//! compiler. Such a test says why it cannot run and passes, unless CI asks
//! for it (`STARRY_KMOD_REQUIRE_SANDBOX=1`, `STARRY_KMOD_REQUIRE_QEMU=1`),
//! where not running is a failure.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

/// What a test needs of the machine.
#[derive(Clone, Copy)]
pub enum Needs {
    /// `starry-kmod run`, and the real tools it runs.
    Sandbox,
    /// QEMU and the toolchains of the kernel home (per architecture).
    Qemu,
}

impl Needs {
    /// The variable that turns a skip into a failure.
    pub fn require_var(self) -> &'static str {
        match self {
            Needs::Sandbox => "STARRY_KMOD_REQUIRE_SANDBOX",
            Needs::Qemu => "STARRY_KMOD_REQUIRE_QEMU",
        }
    }

    /// Whether this run must not skip (the variable is `1`).
    pub fn required(self) -> bool {
        std::env::var_os(self.require_var()).is_some_and(|v| v == "1")
    }

    /// The test cannot run here: fails when required, else says why.
    pub fn skip(self, why: &str) {
        let what = match self {
            Needs::Sandbox => "sandbox",
            Needs::Qemu => "QEMU",
        };
        assert!(!self.required(), "{what} test cannot run: {why}");
        eprintln!("SKIPPED: {why}");
    }
}

/// Whether a tool is installed where the sandbox's scripts find it.
pub fn installed(tool: &str) -> bool {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .any(|d| Path::new(d).join(tool).exists())
}

/// Whether `cmd --version` runs and succeeds.
pub fn runs(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
