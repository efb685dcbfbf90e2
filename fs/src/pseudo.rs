//! Pseudo-filesystem nodes (sysfs/procfs style): directories whose entries
//! and files whose contents are generated from live kernel state on every
//! access, with kernfs's permission rules.
//!
//! A tree is built from two traits: [`DirOps`] lists and looks up a
//! directory's children, [`FileOps`] reads and writes a file. [`Dir`],
//! [`File`] and [`Symlink`] wrap them into ax-fs-vfs nodes, and [`PseudoFs`]
//! makes a root directory mountable with `VfsOps`.

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use ax_errno::LinuxError;
use ax_fs_vfs::{
    VfsDirEntry, VfsError, VfsNodeAttr, VfsNodeOps, VfsNodePerm, VfsNodeRef, VfsNodeType, VfsOps,
    VfsResult,
};
use ax_kspin::SpinRaw;

/// Permission bits of a node, as `st_mode & 0o777`.
pub type Mode = u16;

/// The credentials of the caller of a file operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cred {
    /// Effective user id.
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
    /// Effective capabilities, one bit per Linux capability number.
    pub caps: u64,
}

impl Cred {
    /// Bypass file read/write permission checks.
    pub const CAP_DAC_OVERRIDE: u32 = 1;
    /// Bypass file read permission checks.
    pub const CAP_DAC_READ_SEARCH: u32 = 2;
    /// Load and unload kernel modules.
    pub const CAP_SYS_MODULE: u32 = 16;
    /// See kernel addresses (kptr_restrict = 1).
    pub const CAP_SYSLOG: u32 = 34;

    /// Root with every capability.
    pub const ROOT: Cred = Cred {
        uid: 0,
        gid: 0,
        caps: u64::MAX,
    };

    /// An unprivileged user.
    pub const fn user(uid: u32, gid: u32) -> Cred {
        Cred { uid, gid, caps: 0 }
    }

    /// Whether the caller holds capability `cap`.
    pub const fn capable(&self, cap: u32) -> bool {
        cap < 64 && self.caps & (1 << cap) != 0
    }

    /// Whether the caller may see kernel addresses.
    pub const fn sees_addresses(&self) -> bool {
        self.capable(Self::CAP_SYSLOG)
    }
}

fn root_cred() -> Cred {
    Cred::ROOT
}

static CURRENT: SpinRaw<fn() -> Cred> = SpinRaw::new(root_cred);

/// Tells the pseudo filesystems where the caller's credentials come from
/// (the platform's task context). Until then every caller is root.
pub fn set_cred_source(f: fn() -> Cred) {
    *CURRENT.lock() = f;
}

/// The credentials of the current caller.
pub fn current_cred() -> Cred {
    let f = *CURRENT.lock();
    f()
}

/// A Linux errno as a VFS error.
pub fn errno(code: i32) -> VfsError {
    LinuxError::try_from(code)
        .map(VfsError::from)
        .unwrap_or(VfsError::from(LinuxError::EIO))
}

/// The Linux errno a VFS error stands for.
pub fn to_errno(e: VfsError) -> i32 {
    LinuxError::from(e) as i32
}

/// Copies the part of `content` at `offset` into `buf` (read semantics of a
/// generated file: 0 at or past the end).
pub fn read_slice(content: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(offset) else {
        return 0;
    };
    if start >= content.len() {
        return 0;
    }
    let n = buf.len().min(content.len() - start);
    buf[..n].copy_from_slice(&content[start..start + n]);
    n
}

/// Which operation a permission check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading.
    Read,
    /// Writing.
    Write,
}

/// kernfs's rule then the VFS's: a file needs some read (write) bit in its
/// mode to be read (written) at all, even by root; then the owner (root),
/// group (root) or other bits must allow the caller unless it may override
/// permissions.
pub fn permitted(mode: Mode, cred: &Cred, access: Access) -> bool {
    let (any, bit) = match access {
        Access::Read => (0o444, 0o4),
        Access::Write => (0o222, 0o2),
    };
    if mode & any == 0 {
        return false;
    }
    if cred.capable(Cred::CAP_DAC_OVERRIDE)
        || (access == Access::Read && cred.capable(Cred::CAP_DAC_READ_SEARCH))
    {
        return true;
    }
    let shift = if cred.uid == 0 {
        6
    } else if cred.gid == 0 {
        3
    } else {
        0
    };
    (mode >> shift) & bit != 0
}

/// The POSIX check for a file owned by `uid`:`gid` (procfs and debugfs
/// files a module created, which may belong to another user): owner,
/// group or other bits, unless the caller may override permissions.
pub fn permitted_owned(mode: Mode, uid: u32, gid: u32, cred: &Cred, access: Access) -> bool {
    let bit = match access {
        Access::Read => 0o4,
        Access::Write => 0o2,
    };
    if cred.capable(Cred::CAP_DAC_OVERRIDE)
        || (access == Access::Read && cred.capable(Cred::CAP_DAC_READ_SEARCH))
    {
        return true;
    }
    let shift = if cred.uid == uid {
        6
    } else if cred.gid == gid {
        3
    } else {
        0
    };
    (mode >> shift) & bit != 0
}

/// The contents of a generated file.
pub trait FileOps: Send + Sync + 'static {
    /// Its permission bits.
    fn mode(&self) -> Mode;
    /// Reads at `offset`; 0 at the end.
    fn read_at(&self, cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize>;
    /// Writes `data` (one store of the whole buffer, as sysfs does);
    /// returns the bytes consumed.
    fn write(&self, _cred: &Cred, _data: &[u8]) -> VfsResult<usize> {
        Err(errno(13))
    }
    /// The size `stat` reports (sysfs attributes report 4096, procfs 0).
    fn size(&self) -> u64 {
        4096
    }
}

/// The entries of a generated directory.
pub trait DirOps: Send + Sync + 'static {
    /// Its children's names and types, in listing order.
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>>;
    /// The child called `name`; `me` is this directory's node (the
    /// child's parent).
    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef>;
    /// Its permission bits.
    fn mode(&self) -> Mode {
        0o755
    }
}

/// A directory listing as generated for one pass of reads.
type Listing = Arc<Vec<(String, VfsNodeType)>>;

/// A generated directory node.
pub struct Dir<D: DirOps> {
    ops: D,
    parent: Option<VfsNodeRef>,
    /// The listing a read from index 0 generated; later indices of the same
    /// pass read it (as getdents on one open directory), so listing n
    /// entries costs one generation, not one per batch.
    listing: SpinRaw<Option<Listing>>,
}

impl<D: DirOps> Dir<D> {
    /// A directory node under `parent` (None for a filesystem's root).
    pub fn node(ops: D, parent: Option<VfsNodeRef>) -> VfsNodeRef {
        Arc::new(Dir {
            ops,
            parent,
            listing: SpinRaw::new(None),
        })
    }

    /// Its operations.
    pub fn ops(&self) -> &D {
        &self.ops
    }
}

fn attr(mode: Mode, ty: VfsNodeType, size: u64) -> VfsNodeAttr {
    VfsNodeAttr::new(VfsNodePerm::from_bits_truncate(mode), ty, size, 0)
}

impl<D: DirOps> VfsNodeOps for Dir<D> {
    fn get_attr(&self) -> VfsResult<VfsNodeAttr> {
        Ok(attr(self.ops.mode(), VfsNodeType::Dir, 0))
    }

    fn parent(&self) -> Option<VfsNodeRef> {
        self.parent.clone()
    }

    fn lookup(self: Arc<Self>, path: &str) -> VfsResult<VfsNodeRef> {
        let path = path.trim_start_matches('/');
        let (name, rest) = match path.split_once('/') {
            Some((n, r)) => (n, Some(r)),
            None => (path, None),
        };
        let node: VfsNodeRef = match name {
            "" | "." => self.clone(),
            ".." => self.parent.clone().unwrap_or(self.clone()),
            _ => {
                let me: VfsNodeRef = self.clone();
                self.ops.child(name, &me)?
            }
        };
        match rest {
            Some(r) if !r.is_empty() => node.lookup(r),
            _ => Ok(node),
        }
    }

    fn read_dir(&self, start_idx: usize, dirents: &mut [VfsDirEntry]) -> VfsResult<usize> {
        let cached = if start_idx == 0 {
            None
        } else {
            self.listing.lock().clone()
        };
        let list = match cached {
            Some(l) => l,
            None => {
                let l = Arc::new(self.ops.list()?);
                *self.listing.lock() = Some(l.clone());
                l
            }
        };
        let mut n = 0;
        for (i, ent) in dirents.iter_mut().enumerate() {
            *ent = match i + start_idx {
                0 => VfsDirEntry::new(".", VfsNodeType::Dir),
                1 => VfsDirEntry::new("..", VfsNodeType::Dir),
                k => match list.get(k - 2) {
                    Some((name, ty)) => VfsDirEntry::new(dirent_name(name), *ty),
                    None => break,
                },
            };
            n += 1;
        }
        Ok(n)
    }

    fn create(&self, _path: &str, _ty: VfsNodeType) -> VfsResult {
        Err(errno(1))
    }

    fn remove(&self, _path: &str) -> VfsResult {
        Err(errno(1))
    }

    ax_fs_vfs::impl_vfs_dir_default! {}
}

/// A name as a `VfsDirEntry` can hold it (63 bytes; longer names are cut
/// at a character boundary rather than overflow it).
fn dirent_name(name: &str) -> &str {
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// A generated file node.
pub struct File<F: FileOps> {
    ops: F,
}

impl<F: FileOps> File<F> {
    /// A file node.
    pub fn node(ops: F) -> VfsNodeRef {
        Arc::new(File { ops })
    }
}

/// The most one write stores (sysfs hands a store at most a page).
pub const MAX_STORE: usize = 4096;

impl<F: FileOps> VfsNodeOps for File<F> {
    fn get_attr(&self) -> VfsResult<VfsNodeAttr> {
        Ok(attr(self.ops.mode(), VfsNodeType::File, self.ops.size()))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        let cred = current_cred();
        if !permitted(self.ops.mode(), &cred, Access::Read) {
            return Err(errno(13));
        }
        self.ops.read_at(&cred, offset, buf)
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> VfsResult<usize> {
        let cred = current_cred();
        if !permitted(self.ops.mode(), &cred, Access::Write) {
            return Err(errno(13));
        }
        let data = &buf[..buf.len().min(MAX_STORE)];
        self.ops.write(&cred, data)
    }

    fn truncate(&self, _size: u64) -> VfsResult {
        // `echo > file` opens with O_TRUNC; like sysfs, ignore it.
        Ok(())
    }

    fn fsync(&self) -> VfsResult {
        Ok(())
    }

    ax_fs_vfs::impl_vfs_non_dir_default! {}
}

/// A symbolic link (e.g. sysfs's `holders/<m>` -> `../../<m>`); reading it
/// yields the target, as readlink(2).
pub struct Symlink {
    target: String,
}

impl Symlink {
    /// A link to `target`.
    pub fn node(target: &str) -> VfsNodeRef {
        Arc::new(Symlink {
            target: target.to_string(),
        })
    }
}

impl VfsNodeOps for Symlink {
    fn get_attr(&self) -> VfsResult<VfsNodeAttr> {
        Ok(attr(0o777, VfsNodeType::SymLink, self.target.len() as u64))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        Ok(read_slice(self.target.as_bytes(), offset, buf))
    }

    ax_fs_vfs::impl_vfs_non_dir_default! {}
}

/// A read-only file with fixed contents and mode.
pub struct Text {
    /// Its permission bits.
    pub mode: Mode,
    /// Its contents.
    pub text: String,
}

impl FileOps for Text {
    fn mode(&self) -> Mode {
        self.mode
    }
    fn read_at(&self, _cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        Ok(read_slice(self.text.as_bytes(), offset, buf))
    }
}

/// A whole filesystem whose root is a generated directory.
pub struct PseudoFs {
    root: VfsNodeRef,
}

impl PseudoFs {
    /// A filesystem with this root directory.
    pub fn new(root: VfsNodeRef) -> Arc<PseudoFs> {
        Arc::new(PseudoFs { root })
    }
}

impl VfsOps for PseudoFs {
    fn root_dir(&self) -> VfsNodeRef {
        self.root.clone()
    }
}

/// Reads a whole file through `read_at` in `chunk`-byte reads (as `cat`
/// does), until a read returns 0.
pub fn read_all(node: &VfsNodeRef, chunk: usize) -> VfsResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = alloc::vec![0u8; chunk.max(1)];
    loop {
        let n = node.read_at(out.len() as u64, &mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Lists a directory through `read_dir` (without `.` and `..`).
pub fn list_dir(node: &VfsNodeRef) -> VfsResult<Vec<(String, VfsNodeType)>> {
    let mut out = Vec::new();
    let mut idx = 0;
    loop {
        let mut ents: [VfsDirEntry; 8] = core::array::from_fn(|_| VfsDirEntry::default());
        let n = node.read_dir(idx, &mut ents)?;
        if n == 0 {
            return Ok(out);
        }
        for e in &ents[..n] {
            let name = core::str::from_utf8(e.name_as_bytes())
                .unwrap_or("?")
                .to_string();
            if name != "." && name != ".." {
                out.push((name, e.entry_type()));
            }
        }
        idx += n;
    }
}
