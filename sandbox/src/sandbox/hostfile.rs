//! A host file descriptor as an ax-fs-vfs node, so finit_module can read a
//! sandboxed process's file exactly as it reads one of the kernel's VFS.

use std::os::fd::{AsRawFd, OwnedFd};

use ax_fs_vfs::{VfsNodeAttr, VfsNodeOps, VfsNodePerm, VfsNodeType, VfsResult};
use starry_kmod::Errno;
use starry_kmod_fs::pseudo::errno;

/// A regular file (or not) of the host, read with pread so the owner's
/// file offset does not move.
pub struct HostFile {
    fd: OwnedFd,
}

impl HostFile {
    /// Wraps a descriptor; EBADF if it is not open for reading (Linux's
    /// finit_module).
    pub fn new(fd: OwnedFd) -> Result<HostFile, Errno> {
        // SAFETY: F_GETFL on a descriptor we own.
        let fl = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        if fl < 0 || fl & libc::O_ACCMODE == libc::O_WRONLY || fl & libc::O_PATH != 0 {
            return Err(Errno::EBADF);
        }
        Ok(HostFile { fd })
    }
}

impl VfsNodeOps for HostFile {
    fn get_attr(&self) -> VfsResult<VfsNodeAttr> {
        // SAFETY: fstat fills a plain struct for a descriptor we own.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(self.fd.as_raw_fd(), &mut st) } < 0 {
            return Err(errno(libc::EBADF));
        }
        let ty = match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => VfsNodeType::File,
            libc::S_IFDIR => VfsNodeType::Dir,
            libc::S_IFLNK => VfsNodeType::SymLink,
            libc::S_IFCHR => VfsNodeType::CharDevice,
            libc::S_IFBLK => VfsNodeType::BlockDevice,
            libc::S_IFIFO => VfsNodeType::Fifo,
            _ => VfsNodeType::Socket,
        };
        Ok(VfsNodeAttr::new(
            VfsNodePerm::from_bits_truncate(st.st_mode as u16 & 0o777),
            ty,
            st.st_size as u64,
            st.st_blocks as u64,
        ))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        // SAFETY: pread into our own buffer of buf.len() bytes.
        let n = unsafe {
            libc::pread(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr() as *mut libc::c_void,
                buf.len(),
                offset as libc::off_t,
            )
        };
        if n < 0 {
            return Err(errno(
                std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::EIO),
            ));
        }
        Ok(n as usize)
    }

    ax_fs_vfs::impl_vfs_non_dir_default! {}
}
