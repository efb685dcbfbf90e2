//! The kernel's own entries of `/sys/module`, beside the modules'
//! directories: `compression` (Linux's kernel/module/decompress.c, the
//! algorithm `finit_module(MODULE_INIT_COMPRESSED_FILE)` takes) and, when
//! the kernel checks module signatures, `module/parameters/sig_enforce`
//! (kernel/module/signing.c's `module.sig_enforce`, a `bool_enable_only`
//! parameter: `Y` or `N`, writable by root, never back to `N`).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ax_fs_vfs::{VfsError, VfsNodeRef, VfsNodeType, VfsResult};
use starry_kmod_fs::pseudo::{Cred, Dir, DirOps, File, FileOps, Mode, errno, read_slice};

use crate::{decompress, signature};

/// The kernel's entries of `/sys/module`, for its listing.
pub fn list() -> Vec<(String, VfsNodeType)> {
    let mut out = alloc::vec![("compression".to_string(), VfsNodeType::File)];
    if signature::module_signing() {
        out.push(("module".to_string(), VfsNodeType::Dir));
    }
    out
}

/// The kernel's entry `name` of `/sys/module`, if it is one.
pub fn child(name: &str, parent: &VfsNodeRef) -> Option<VfsResult<VfsNodeRef>> {
    match name {
        "compression" => Some(Ok(File::node(Text(decompress::SYSFS_COMPRESSION)))),
        "module" if signature::module_signing() => {
            Some(Ok(Dir::node(ModuleParams(false), Some(parent.clone()))))
        }
        _ => None,
    }
}

/// `/sys/module/module` (`false`) and its `parameters` (`true`).
struct ModuleParams(bool);

impl DirOps for ModuleParams {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        Ok(if self.0 {
            alloc::vec![("sig_enforce".to_string(), VfsNodeType::File)]
        } else {
            alloc::vec![("parameters".to_string(), VfsNodeType::Dir)]
        })
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        match (self.0, name) {
            (false, "parameters") => Ok(Dir::node(ModuleParams(true), Some(me.clone()))),
            (true, "sig_enforce") => Ok(File::node(SigEnforce)),
            _ => Err(VfsError::NotFound),
        }
    }
}

/// `module.sig_enforce` (mode 0644, as Linux's).
struct SigEnforce;

impl FileOps for SigEnforce {
    fn mode(&self) -> Mode {
        0o644
    }

    fn read_at(&self, _cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        let v: &[u8] = if signature::sig_enforced() {
            b"Y\n"
        } else {
            b"N\n"
        };
        Ok(read_slice(v, offset, buf))
    }

    fn write(&self, _cred: &Cred, data: &[u8]) -> VfsResult<usize> {
        let text = core::str::from_utf8(data).map_err(|_| errno(22))?;
        signature::set_sig_enforce(text).map_err(|e| errno(e.errno.code()))?;
        Ok(data.len())
    }
}

/// A read-only file with fixed contents (mode 0444).
struct Text(&'static str);

impl FileOps for Text {
    fn mode(&self) -> Mode {
        0o444
    }

    fn read_at(&self, _cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        Ok(read_slice(self.0.as_bytes(), offset, buf))
    }
}
