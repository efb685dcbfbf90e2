//! The kernel release modules are built for: the one place it is written.

/// The kernel release (`uname -r`) the module tree is for.
pub const RELEASE: &str = "6.6.0-starry";

/// The version magic modules must carry (`vermagic=` in `.modinfo`).
pub const VERMAGIC: &str = "6.6.0-starry SMP mod_unload";
