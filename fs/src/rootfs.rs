//! A RAM root filesystem holding the module tree.

use alloc::format;
use alloc::sync::Arc;

use ax_fs_ramfs::RamFileSystem;
use ax_fs_vfs::{VfsNodeRef, VfsNodeType, VfsOps, VfsResult};

use crate::walk;

/// The root filesystem.
pub struct RootFs {
    fs: Arc<RamFileSystem>,
    release: &'static str,
}

impl RootFs {
    /// An empty rootfs with `/lib/modules/<release>/kernel/` and the mount
    /// points `/sys` and `/proc`.
    pub fn new(release: &'static str) -> VfsResult<RootFs> {
        let fs = Arc::new(RamFileSystem::new());
        let root = fs.root_dir();
        for dir in [
            "sys",
            "proc",
            "etc",
            "lib",
            "lib/modules",
            &format!("lib/modules/{release}"),
            &format!("lib/modules/{release}/kernel"),
        ] {
            root.clone().create(dir, VfsNodeType::Dir)?;
        }
        Ok(RootFs { fs, release })
    }

    /// The root directory node.
    pub fn root(&self) -> VfsNodeRef {
        self.fs.root_dir()
    }

    /// The kernel release this tree is for.
    pub fn release(&self) -> &'static str {
        self.release
    }

    /// The module directory, `/lib/modules/<release>`.
    pub fn module_dir(&self) -> alloc::string::String {
        format!("/lib/modules/{}", self.release)
    }

    /// Writes a file (creating it), e.g. a module under `kernel/`.
    pub fn add_file(&self, path: &str, bytes: &[u8]) -> VfsResult<VfsNodeRef> {
        let root = self.root();
        root.clone()
            .create(path.trim_start_matches('/'), VfsNodeType::File)?;
        let node = walk(&root, path)?;
        node.truncate(0)?;
        let mut done = 0;
        while done < bytes.len() {
            done += node.write_at(done as u64, &bytes[done..])?;
        }
        Ok(node)
    }

    /// Adds a module as `/lib/modules/<release>/kernel/<name>.ko`; returns its path.
    pub fn add_module(&self, name: &str, bytes: &[u8]) -> VfsResult<alloc::string::String> {
        let path = format!("/lib/modules/{}/kernel/{name}.ko", self.release);
        self.add_file(&path, bytes)?;
        Ok(path)
    }

    /// The node at an absolute path.
    pub fn lookup(&self, path: &str) -> VfsResult<VfsNodeRef> {
        walk(&self.root(), path)
    }
}
