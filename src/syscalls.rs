//! The module syscalls with Linux's arguments and errnos: `init_module`,
//! `finit_module` (the image read from a VFS node) and `delete_module`.

use alloc::vec::Vec;

use ax_fs_vfs::{VfsNodeOps, VfsNodeType};

use crate::errno::{Errno, Error, KResult};
use crate::loader::{self, LoadOptions};
use crate::platform::{self, Cred};
use crate::{bail, console::level, decompress, elf, klog};

/// finit_module flag: ignore symbol version hashes.
pub const MODULE_INIT_IGNORE_MODVERSIONS: u32 = 1;
/// finit_module flag: ignore the version magic (loads with taint F).
pub const MODULE_INIT_IGNORE_VERMAGIC: u32 = 2;
/// finit_module flag: the file is compressed.
pub const MODULE_INIT_COMPRESSED_FILE: u32 = 4;
/// delete_module flag: accepted and ignored, as Linux (kmod passes it).
pub const O_NONBLOCK: u32 = 0o4000;
/// delete_module flag: force the unload where Linux allows it (taints R).
pub const O_TRUNC: u32 = 0o1000;

/// Linux's may_init_module / delete_module check: the caller needs
/// CAP_SYS_MODULE (its credentials come from the platform).
fn require_sys_module(what: &str) -> KResult<()> {
    let cred = platform::current_cred();
    if !cred.capable(Cred::CAP_SYS_MODULE) {
        bail!(EPERM, "{what}: uid {} lacks CAP_SYS_MODULE", cred.uid);
    }
    Ok(())
}

/// init_module(2): load an image from a buffer with an argument string.
pub fn init_module(image: &[u8], args: &[u8]) -> KResult<()> {
    require_sys_module("init_module")?;
    if image.len() < 64 {
        bail!(
            ENOEXEC,
            "module image of {} bytes is too small",
            image.len()
        );
    }
    loader::load(image, args, LoadOptions::default()).map(|_| ())
}

/// finit_module(2): load the image read from a file of the VFS.
pub fn finit_module(file: &dyn VfsNodeOps, args: &[u8], flags: u32) -> KResult<()> {
    require_sys_module("finit_module")?;
    let known =
        MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC | MODULE_INIT_COMPRESSED_FILE;
    if flags & !known != 0 {
        bail!(EINVAL, "finit_module: unknown flags {:#x}", flags & !known);
    }
    let mut image = read_file(file)?;
    if flags & MODULE_INIT_COMPRESSED_FILE != 0 {
        // Linux's module_decompress: the file is replaced by its contents.
        let cap = elf::MAX_MODULE_BYTES as usize;
        image =
            decompress::decompress(&image, cap).inspect_err(|e| klog!(level::ERR, "{}", e.msg))?;
    }
    let opts = LoadOptions {
        ignore_vermagic: flags & MODULE_INIT_IGNORE_VERMAGIC != 0,
        mangled: flags & (MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC) != 0,
    };
    loader::load(&image, args, opts).map(|_| ())
}

/// Reads a whole regular file through its VFS node, handling short reads.
pub fn read_file(file: &dyn VfsNodeOps) -> KResult<Vec<u8>> {
    let attr = file.get_attr().map_err(|e| {
        Error::new(
            Errno::EBADF,
            alloc::format!("finit_module: cannot stat the file: {e:?}"),
        )
    })?;
    if attr.file_type() != VfsNodeType::File {
        bail!(EINVAL, "finit_module: not a regular file");
    }
    let size = attr.size();
    if size == 0 {
        bail!(EINVAL, "finit_module: empty file");
    }
    if size > i32::MAX as u64 {
        bail!(EFBIG, "finit_module: file of {size} bytes is too large");
    }
    let size = size as usize;
    let mut buf = alloc::vec![0u8; size];
    let mut done = 0;
    while done < size {
        match file.read_at(done as u64, &mut buf[done..]) {
            Ok(0) => bail!(EIO, "finit_module: short read ({done} of {size} bytes)"),
            Ok(n) => done += n.min(size - done),
            Err(e) => bail!(EIO, "finit_module: read failed at {done}: {e:?}"),
        }
    }
    Ok(buf)
}

/// delete_module(2): unload by name. `O_NONBLOCK` is accepted (Linux
/// ignores it); `O_TRUNC` forces where Linux allows it (and taints R).
pub fn delete_module(name: &str, flags: u32) -> KResult<()> {
    require_sys_module("delete_module")?;
    if name.len() > elf::MODULE_NAME_MAX {
        bail!(ENOENT, "module {name} not found");
    }
    loader::unload(name, flags & O_TRUNC != 0).inspect_err(|e| {
        if e.errno != Errno::ENOENT {
            klog!(level::WARNING, "{}", e.msg);
        }
    })
}
