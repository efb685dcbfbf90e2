//! The kernel's own entries of `/sys/module`, beside the modules'
//! directories: `compression` (Linux's kernel/module/decompress.c, the
//! algorithm `finit_module(MODULE_INIT_COMPRESSED_FILE)` takes).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ax_fs_vfs::{VfsNodeRef, VfsNodeType, VfsResult};
use starry_kmod_fs::pseudo::{Cred, File, FileOps, Mode, read_slice};

use crate::decompress;

/// The kernel's entries of `/sys/module`, for its listing.
pub fn list() -> Vec<(String, VfsNodeType)> {
    alloc::vec![("compression".to_string(), VfsNodeType::File)]
}

/// The kernel's entry `name` of `/sys/module`, if it is one.
pub fn child(name: &str, _parent: &VfsNodeRef) -> Option<VfsResult<VfsNodeRef>> {
    match name {
        "compression" => Some(Ok(File::node(Text(decompress::SYSFS_COMPRESSION)))),
        _ => None,
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
