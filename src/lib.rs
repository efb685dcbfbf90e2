//! starry-kmod: a Linux-compatible loadable kernel module subsystem for
//! ArceOS-based kernels.
//!
//! One `no_std` core, two homes: inside a kernel (the `arceos` backend) or
//! inside a host process as a user-mode kernel (the `host` backend). Real
//! ELF `.ko` files are checked, relocated by kmod-loader into pages that are
//! then re-protected (text R-X, rodata R--, data RW-), and their init and
//! exit run for real against the kernel API in [`kapi`].
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

extern crate alloc;
// The C part of the kernel API (csrc/printk.c) formats with lwprintf.
extern crate lwprintf_rs;
#[cfg(feature = "host")]
extern crate std;

pub mod console;
pub mod decompress;
pub mod elf;
pub mod errno;
pub mod exports;
pub mod hung_task;
pub mod kallsyms;
pub mod kallsyms_image;
pub mod kapi;
pub mod kobject;
pub mod loader;
pub mod memory;
pub mod modinfo;
pub mod module;
pub mod oops;
pub mod params;
pub mod pde;
pub mod platform;
pub mod procfs;
pub mod relocate;
pub mod sched;
pub mod signature;
pub mod symbols;
pub mod syscalls;
pub mod sysfs;
pub mod sysfs_kernel;
pub mod taint;
pub mod version;
pub mod vfs;

pub use errno::{Errno, Error, KResult};
pub use loader::{RELEASE, VERMAGIC};
pub use module::{Module, ModuleInfo, State};
pub use syscalls::{delete_module, finit_module, init_module};
