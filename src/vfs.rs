//! The file view of the subsystem: mounting sysfs and procfs into a mount
//! namespace, and path-based helpers a kernel's syscall layer (or a test,
//! as `cat`/`echo` would) uses.

use alloc::vec::Vec;

use ax_fs_vfs::{VfsError, VfsResult};
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::pseudo::{read_all, to_errno};

use crate::errno::{Errno, Error, KResult};
use crate::{procfs, syscalls, sysfs};

/// Mounts sysfs at `/sys` and procfs at `/proc` (both directories must
/// exist in the root filesystem).
pub fn mount_pseudo(ns: &Namespace) -> VfsResult {
    ns.mount("/sys", &*sysfs::filesystem())?;
    ns.mount("/proc", &*procfs::filesystem())
}

fn vfs_error(path: &str, e: VfsError) -> Error {
    let errno = Errno(to_errno(e));
    Error::new(errno, alloc::format!("{path}: {errno}"))
}

/// Reads a whole file by path, in page-sized reads (as `cat`).
pub fn read_path(ns: &Namespace, path: &str) -> KResult<Vec<u8>> {
    let node = ns.lookup(path).map_err(|e| vfs_error(path, e))?;
    read_all(&node, 4096).map_err(|e| vfs_error(path, e))
}

/// Writes bytes to a file by path in one write (as `echo value > path`).
pub fn write_path(ns: &Namespace, path: &str, data: &[u8]) -> KResult<usize> {
    let node = ns.lookup(path).map_err(|e| vfs_error(path, e))?;
    node.write_at(0, data).map_err(|e| vfs_error(path, e))
}

/// finit_module on the file at `path`.
pub fn finit_path(ns: &Namespace, path: &str, args: &[u8], flags: u32) -> KResult<()> {
    let node = ns.lookup(path).map_err(|e| vfs_error(path, e))?;
    syscalls::finit_module(node.as_ref(), args, flags)
}
