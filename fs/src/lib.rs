//! Filesystem pieces of starry-kmod, as ax-fs-vfs nodes.
//!
//! [`pseudo`] is the framework of the pseudo filesystems (sysfs, procfs):
//! nodes generated from live state with kernfs's permission rules.
//! [`mount`] resolves paths across mounted filesystems. [`rootfs`] builds
//! the root filesystem a kernel loads modules from:
//! `/lib/modules/<release>/kernel/...`, the tree `finit_module` reads and
//! modprobe walks.
#![no_std]

extern crate alloc;

pub mod mount;
pub mod pseudo;
#[cfg(feature = "ramfs")]
pub mod rootfs;

use ax_fs_vfs::{VfsNodeRef, VfsResult};

/// Walks a `/`-separated path from a directory node, one component at a time.
pub fn walk(root: &VfsNodeRef, path: &str) -> VfsResult<VfsNodeRef> {
    let mut node = root.clone();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        node = node.lookup(part)?;
    }
    Ok(node)
}
