//! A mount namespace: a root filesystem with other filesystems mounted on
//! its directories (the rootfs at `/`, sysfs at `/sys`, procfs at `/proc`),
//! and path resolution across them, following symbolic links.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ax_fs_vfs::{VfsError, VfsNodeRef, VfsNodeType, VfsOps, VfsResult};
use ax_kspin::SpinRaw;

use crate::pseudo::read_all;

/// How many symbolic links one resolution follows before giving up (ELOOP).
const MAX_LINKS: usize = 40;

/// A root directory with filesystems mounted under it.
pub struct Namespace {
    root: VfsNodeRef,
    /// (absolute normalised path, root of the mounted filesystem).
    mounts: SpinRaw<Vec<(String, VfsNodeRef)>>,
}

/// Splits a path into its components, dropping empty ones and `.`.
fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

impl Namespace {
    /// A namespace whose `/` is `root`.
    pub fn new(root: VfsNodeRef) -> Namespace {
        Namespace {
            root,
            mounts: SpinRaw::new(Vec::new()),
        }
    }

    /// Mounts `fs` on the directory at `path` (which must exist).
    pub fn mount(&self, path: &str, fs: &dyn VfsOps) -> VfsResult {
        let node = self.lookup(path)?;
        if node.get_attr()?.file_type() != VfsNodeType::Dir {
            return Err(VfsError::NotADirectory);
        }
        let key = self.canonical(path)?;
        let mut mounts = self.mounts.lock();
        if mounts.iter().any(|(p, _)| *p == key) {
            return Err(VfsError::ResourceBusy);
        }
        mounts.push((key, fs.root_dir()));
        Ok(())
    }

    /// The filesystem root mounted at a canonical path, if any.
    fn mounted(&self, canon: &str) -> Option<VfsNodeRef> {
        self.mounts
            .lock()
            .iter()
            .find(|(p, _)| p == canon)
            .map(|(_, n)| n.clone())
    }

    /// The node at an absolute path, following every symbolic link.
    pub fn lookup(&self, path: &str) -> VfsResult<VfsNodeRef> {
        self.resolve(path, true).map(|(n, _)| n)
    }

    /// The node at an absolute path without following a final symbolic
    /// link (lstat's view).
    pub fn lookup_nofollow(&self, path: &str) -> VfsResult<VfsNodeRef> {
        self.resolve(path, false).map(|(n, _)| n)
    }

    /// The canonical absolute path (links resolved, no `.`/`..`).
    pub fn canonical(&self, path: &str) -> VfsResult<String> {
        self.resolve(path, true).map(|(_, p)| p)
    }

    /// Walks `path` component by component from `/`, entering mounted
    /// filesystems and following links; returns the node and its canonical
    /// path.
    fn resolve(&self, path: &str, follow_final: bool) -> VfsResult<(VfsNodeRef, String)> {
        let mut todo: Vec<String> = components(path).rev().map(|c| c.to_string()).collect();
        // The stack of (canonical path, node) from the root down.
        let mut stack: Vec<(String, VfsNodeRef)> = Vec::new();
        let root = self.mounted("/").unwrap_or_else(|| self.root.clone());
        stack.push((String::from("/"), root));
        let mut links = 0;
        while let Some(part) = todo.pop() {
            if part == ".." {
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
            let (dir_path, dir) = stack.last().cloned().ok_or(VfsError::NotFound)?;
            if dir.get_attr()?.file_type() != VfsNodeType::Dir {
                return Err(VfsError::NotADirectory);
            }
            let child_path = if dir_path == "/" {
                alloc::format!("/{part}")
            } else {
                alloc::format!("{dir_path}/{part}")
            };
            let node = match self.mounted(&child_path) {
                Some(m) => m,
                None => dir.lookup(&part)?,
            };
            let is_link = node.get_attr()?.file_type() == VfsNodeType::SymLink;
            if is_link && (follow_final || !todo.is_empty()) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(VfsError::FilesystemLoop);
                }
                let target = read_all(&node, 256)?;
                let target = core::str::from_utf8(&target).map_err(|_| VfsError::InvalidData)?;
                if target.starts_with('/') {
                    stack.truncate(1);
                }
                for c in components(target).rev() {
                    todo.push(c.to_string());
                }
                continue;
            }
            stack.push((child_path, node));
        }
        stack.pop().map(|(p, n)| (n, p)).ok_or(VfsError::NotFound)
    }
}
