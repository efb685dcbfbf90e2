//! The user-mode kernel's VFS (rootfs at `/`, sysfs, procfs) served to the
//! host through FUSE, so that unmodified programs can open its files.
//!
//! Every request runs with the requesting process's credentials (uid, gid,
//! effective capabilities from /proc/<pid>/status), so the pseudo files'
//! permission rules and address hiding apply to host processes as they
//! would to tasks of the kernel. Files are opened in direct-I/O mode
//! (generated files report a size that is not their length) and nothing is
//! cached (entry and attribute timeouts are zero).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ax_fs_vfs::{VfsError, VfsNodeRef, VfsNodeType};
use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, OpenFlags,
    ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen,
    ReplyWrite, Request,
};
use starry_kmod::platform::Cred;
use starry_kmod::platform::host::with_cred;
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::pseudo::{list_dir, read_all, to_errno};

const TTL: Duration = Duration::ZERO;

/// Inode numbers <-> absolute paths in the namespace.
#[derive(Default)]
struct Inodes {
    by_path: HashMap<String, u64>,
    paths: Vec<String>,
}

impl Inodes {
    fn ino(&mut self, path: &str) -> u64 {
        if let Some(&i) = self.by_path.get(path) {
            return i;
        }
        self.paths.push(path.to_string());
        let i = self.paths.len() as u64;
        self.by_path.insert(path.to_string(), i);
        i
    }
}

/// The FUSE filesystem.
pub struct KernelFs {
    ns: Arc<Namespace>,
    inodes: Mutex<Inodes>,
    /// Open files by handle: the node each open looked up, so that a
    /// module's file sees one open (its open op, its struct file, its
    /// release at close) as on Linux. Handle 0 is "no node kept".
    open: Mutex<OpenNodes>,
}

#[derive(Default)]
struct OpenNodes {
    next: u64,
    nodes: HashMap<u64, VfsNodeRef>,
}

fn errno(e: VfsError) -> Errno {
    Errno::from_i32(to_errno(e))
}

/// Whether `path` is under a /proc entry a module created.
fn module_file(path: &str) -> bool {
    path.strip_prefix("/proc/")
        .and_then(|r| r.split('/').next())
        .is_some_and(|first| starry_kmod::pde::by_name(first, None).is_some())
}

fn join(dir: &str, name: &OsStr) -> Result<String, Errno> {
    let name = name.to_str().ok_or(Errno::EINVAL)?;
    Ok(if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    })
}

/// The credentials of a host process, from /proc/<pid>/status.
pub fn cred_of(pid: u32, uid: u32, gid: u32) -> Cred {
    let caps = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(if uid == 0 { u64::MAX } else { 0 });
    Cred { uid, gid, caps }
}

fn req_cred(req: &Request) -> Cred {
    cred_of(req.pid(), req.uid(), req.gid())
}

impl KernelFs {
    /// Serves `ns`.
    pub fn new(ns: Arc<Namespace>) -> KernelFs {
        let mut inodes = Inodes::default();
        inodes.ino("/");
        KernelFs {
            ns,
            inodes: Mutex::new(inodes),
            open: Mutex::new(OpenNodes::default()),
        }
    }

    fn path(&self, ino: INodeNo) -> Result<String, Errno> {
        let inodes = self.inodes.lock().unwrap();
        inodes
            .paths
            .get((ino.0 as usize).wrapping_sub(1))
            .cloned()
            .ok_or(Errno::ENOENT)
    }

    fn node(&self, ino: INodeNo) -> Result<(String, VfsNodeRef), Errno> {
        let path = self.path(ino)?;
        let node = self.ns.lookup_nofollow(&path).map_err(errno)?;
        Ok((path, node))
    }

    fn attr(&self, path: &str, node: &VfsNodeRef) -> Result<FileAttr, Errno> {
        let a = node.get_attr().map_err(errno)?;
        let ino = self.inodes.lock().unwrap().ino(path);
        let kind = match a.file_type() {
            VfsNodeType::Dir => FileType::Directory,
            VfsNodeType::SymLink => FileType::Symlink,
            VfsNodeType::CharDevice => FileType::CharDevice,
            VfsNodeType::BlockDevice => FileType::BlockDevice,
            VfsNodeType::Fifo => FileType::NamedPipe,
            VfsNodeType::Socket => FileType::Socket,
            VfsNodeType::File => FileType::RegularFile,
        };
        let now = SystemTime::now();
        // A module's /proc entry has the owner proc_set_user gave it.
        let (uid, gid) = starry_kmod::pde::by_path(path).map_or((0, 0), |p| p.owner_ids());
        Ok(FileAttr {
            ino: INodeNo(ino),
            size: a.size(),
            blocks: a.size().div_ceil(512),
            atime: now,
            mtime: now,
            ctime: now,
            crtime: UNIX_EPOCH,
            kind,
            perm: a.perm().bits(),
            nlink: if kind == FileType::Directory { 2 } else { 1 },
            uid,
            gid,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        })
    }

    /// The node an open kept (its handle), else a fresh lookup.
    fn file_node(&self, ino: INodeNo, fh: FileHandle) -> Result<VfsNodeRef, Errno> {
        if let Some(n) = self.open.lock().unwrap().nodes.get(&fh.0) {
            return Ok(n.clone());
        }
        self.node(ino).map(|(_, n)| n)
    }

    fn entry(&self, path: &str) -> Result<FileAttr, Errno> {
        let node = self.ns.lookup_nofollow(path).map_err(errno)?;
        self.attr(path, &node)
    }

    /// The directory node holding `path`'s last component, and that name.
    fn parent_of(&self, parent: INodeNo, name: &OsStr) -> Result<(VfsNodeRef, String), Errno> {
        let (_, dir) = self.node(parent)?;
        let name = name.to_str().ok_or(Errno::EINVAL)?.to_string();
        Ok((dir, name))
    }
}

impl Filesystem for KernelFs {
    fn lookup(&self, req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let r = with_cred(req_cred(req), || {
            let path = join(&self.path(parent)?, name)?;
            self.entry(&path)
        });
        match r {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let r = with_cred(req_cred(req), || {
            let (path, node) = self.node(ino)?;
            self.attr(&path, &node)
        });
        match r {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        req: &Request,
        ino: INodeNo,
        _mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<fuser::TimeOrNow>,
        _mtime: Option<fuser::TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let r = with_cred(req_cred(req), || {
            let (path, node) = self.node(ino)?;
            if let Some(size) = size {
                node.truncate(size).map_err(errno)?;
            }
            self.attr(&path, &node)
        });
        match r {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn readlink(&self, req: &Request, ino: INodeNo, reply: ReplyData) {
        let r = with_cred(req_cred(req), || {
            let (_, node) = self.node(ino)?;
            read_all(&node, 4096).map_err(errno)
        });
        match r {
            Ok(t) => reply.data(&t),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let r = with_cred(req_cred(req), || {
            let (path, node) = self.node(ino)?;
            // A module's open sees the caller's flags (O_NONBLOCK...) and
            // may sleep, interruptibly.
            let open = || starry_kmod::pde::with_open_flags(flags.0 as u32, || node.open());
            if module_file(&path) {
                super::interrupt::serve(req.pid(), open)
            } else {
                open()
            }
            .map_err(errno)?;
            let mut open = self.open.lock().unwrap();
            open.next += 1;
            let fh = open.next;
            open.nodes.insert(fh, node);
            Ok(fh)
        });
        match r {
            Ok(fh) => reply.opened(FileHandle(fh), FopenFlags::FOPEN_DIRECT_IO),
            Err(e) => reply.error(e),
        }
    }

    fn release(
        &self,
        req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        let node = self.open.lock().unwrap().nodes.remove(&fh.0);
        if let Some(node) = node {
            let _ = with_cred(req_cred(req), || {
                super::interrupt::serve(req.pid(), || node.release())
            });
        }
        reply.ok();
    }

    fn read(
        &self,
        req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyData,
    ) {
        let r = with_cred(req_cred(req), || {
            let node = self.file_node(ino, fh)?;
            let mut buf = vec![0u8; size as usize];
            let mut done = 0;
            // Fill the request as far as the file goes (short reads of
            // generated files are not EOF), except for a module's own
            // /proc files: each read(2) is one call of its read op, whose
            // 0 the reader must see (a seq_file may start over after it).
            let once = module_file(&self.path(ino)?);
            if once {
                // One call of the module's read op, which may sleep.
                let n = super::interrupt::serve(req.pid(), || node.read_at(offset, &mut buf))
                    .map_err(errno)?;
                buf.truncate(n);
                return Ok(buf);
            }
            while done < buf.len() {
                let n = node
                    .read_at(offset + done as u64, &mut buf[done..])
                    .map_err(errno)?;
                if n == 0 {
                    break;
                }
                done += n;
            }
            buf.truncate(done);
            Ok(buf)
        });
        match r {
            Ok(b) => reply.data(&b),
            Err(e) => reply.error(e),
        }
    }

    fn write(
        &self,
        req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: fuser::WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyWrite,
    ) {
        let r = with_cred(req_cred(req), || {
            let node = self.file_node(ino, fh)?;
            if module_file(&self.path(ino)?) {
                super::interrupt::serve(req.pid(), || node.write_at(offset, data)).map_err(errno)
            } else {
                node.write_at(offset, data).map_err(errno)
            }
        });
        match r {
            Ok(n) => reply.written(n as u32),
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &self,
        req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let r = with_cred(req_cred(req), || {
            let (path, node) = self.node(ino)?;
            let list = list_dir(&node).map_err(errno)?;
            let mut out = vec![
                (ino.0, FileType::Directory, ".".to_string()),
                (ino.0, FileType::Directory, "..".to_string()),
            ];
            let mut inodes = self.inodes.lock().unwrap();
            for (name, ty) in list {
                let child = inodes.ino(&join(&path, OsStr::new(&name))?);
                let kind = match ty {
                    VfsNodeType::Dir => FileType::Directory,
                    VfsNodeType::SymLink => FileType::Symlink,
                    _ => FileType::RegularFile,
                };
                out.push((child, kind, name));
            }
            Ok(out)
        });
        match r {
            Ok(entries) => {
                for (i, (ino, kind, name)) in entries.iter().enumerate().skip(offset as usize) {
                    if reply.add(INodeNo(*ino), (i + 1) as u64, *kind, name) {
                        break;
                    }
                }
                reply.ok();
            }
            Err(e) => reply.error(e),
        }
    }

    fn create(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        _mode: u32,
        _umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let r = with_cred(req_cred(req), || {
            let (dir, n) = self.parent_of(parent, name)?;
            dir.create(&n, VfsNodeType::File).map_err(errno)?;
            self.entry(&join(&self.path(parent)?, name)?)
        });
        match r {
            Ok(a) => reply.created(
                &TTL,
                &a,
                Generation(0),
                FileHandle(0),
                FopenFlags::FOPEN_DIRECT_IO,
            ),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        _mode: u32,
        _umask: u32,
        reply: ReplyEntry,
    ) {
        let r = with_cred(req_cred(req), || {
            let (dir, n) = self.parent_of(parent, name)?;
            dir.create(&n, VfsNodeType::Dir).map_err(errno)?;
            self.entry(&join(&self.path(parent)?, name)?)
        });
        match r {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let r = with_cred(req_cred(req), || {
            let (dir, n) = self.parent_of(parent, name)?;
            dir.remove(&n).map_err(errno)
        });
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        self.unlink(req, parent, name, reply)
    }

    /// Rename of a regular file (what depmod does with its temporary
    /// files): the RAM filesystem has no rename, so copy, then remove.
    fn rename(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        _flags: fuser::RenameFlags,
        reply: ReplyEmpty,
    ) {
        let r = with_cred(req_cred(req), || {
            let (src_dir, src) = self.parent_of(parent, name)?;
            let (dst_dir, dst) = self.parent_of(newparent, newname)?;
            let node = src_dir.clone().lookup(&src).map_err(errno)?;
            if node.get_attr().map_err(errno)?.file_type() != VfsNodeType::File {
                return Err(Errno::EXDEV);
            }
            let data = read_all(&node, 1 << 16).map_err(errno)?;
            let _ = dst_dir.remove(&dst);
            dst_dir.create(&dst, VfsNodeType::File).map_err(errno)?;
            let new = dst_dir.clone().lookup(&dst).map_err(errno)?;
            new.truncate(0).map_err(errno)?;
            let mut done = 0;
            while done < data.len() {
                done += new.write_at(done as u64, &data[done..]).map_err(errno)?;
            }
            src_dir.remove(&src).map_err(errno)
        });
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }
}
