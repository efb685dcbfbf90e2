//! The /proc entries modules create (Linux's fs/proc/generic.c and
//! inode.c): the tree of `proc_dir_entry`s, the file nodes through which
//! reads and writes reach a module's `proc_ops`, and their lifetime.
//!
//! Every entry records its owner, the module whose memory holds its ops
//! table (or, for a directory, its name). Each call into an entry's ops
//! is counted on the entry (Linux's use_pde) and goes through the owner's
//! boundary ([`call_op`]); removal marks the entry gone, waits for the
//! calls in flight, then releases the files still open on it, so a file
//! opened before removal afterwards fails with EIO and never reaches
//! freed code. What a module forgot is removed when it goes, with a
//! warning naming it and the path.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use ax_fs_vfs::{VfsNodeAttr, VfsNodeOps, VfsNodePerm, VfsNodeRef, VfsNodeType, VfsResult};
use ax_kspin::SpinRaw;
use starry_kmod_fs::pseudo::{Access, Dir, DirOps, Mode, current_cred, errno, permitted_owned};

use crate::console::level;
use crate::errno::Errno;
use crate::kapi::fs::{Dentry, File, Inode, Qstr, call_op, valid_op};
use crate::kapi::uaccess::Window;
use crate::klog;
use crate::module::{self, Module};

/// `struct proc_ops` as the kernel reads it: the callbacks, in Linux's
/// order (proc_flags first). `include/linux/proc_fs.h` asserts the same.
#[derive(Clone, Copy, Default)]
pub struct ProcOps {
    open: usize,
    read: usize,
    write: usize,
    lseek: usize,
    release: usize,
}

/// Offsets of the callbacks in `struct proc_ops`.
const OPS_OPEN: usize = 8;
const OPS_READ: usize = 16;
const OPS_WRITE: usize = 32;
const OPS_LSEEK: usize = 40;
const OPS_RELEASE: usize = 48;

/// The filesystem an entry is in: /proc (proc_create...) or debugfs
/// (/sys/kernel/debug, debugfs_create_*), which share these entries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fs {
    /// /proc.
    Proc,
    /// /sys/kernel/debug.
    Debug,
}

/// Where an entry's callbacks come from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ops {
    /// A module's `struct proc_ops` at this address (0: none).
    Proc(usize),
    /// A module's `struct file_operations` at this address.
    Fops(usize),
    /// The kernel's own read/write (debugfs value files): the value at
    /// the entry's data, read and written as `Value` says.
    Value(Value),
}

/// How a debugfs value file shows its value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Value {
    /// `bool`: Y or N.
    Bool,
    /// Unsigned of this many bytes, in decimal.
    Unsigned(u8),
    /// Unsigned of this many bytes, as 0x and 2 digits a byte.
    Hex(u8),
    /// `struct debugfs_blob_wrapper` (data, size): its bytes.
    Blob,
}

/// A proc entry (`struct proc_dir_entry`; modules hold it as an opaque
/// pointer) or a debugfs entry (modules hold its dentry).
pub struct Pde {
    fs: Fs,
    value: Option<Value>,
    name: Vec<u8>,
    mode: Mode,
    uid: AtomicU32,
    gid: AtomicU32,
    dir: bool,
    ops: ProcOps,
    parent: Option<Weak<Pde>>,
    children: SpinRaw<Vec<Arc<Pde>>>,
    owner: Weak<Module>,
    removed: AtomicBool,
    users: AtomicUsize,
    opens: SpinRaw<Vec<Weak<OpenFile>>>,
    inode: Box<UnsafeCell<Inode>>,
    dentry: Box<UnsafeCell<Dentry>>,
}

// SAFETY: the raw pointers inside the inode and dentry point at the
// entry's own boxed name/inode; modules read them during calls, and the
// kernel writes them only through proc_set_size (a word store).
unsafe impl Send for Pde {}
// SAFETY: as above.
unsafe impl Sync for Pde {}

/// Every live entry (what a `struct proc_dir_entry *` may point at).
static ALL: SpinRaw<Vec<Arc<Pde>>> = SpinRaw::new(Vec::new());

impl Pde {
    /// Its name.
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name.len() - 1]).unwrap_or("?")
    }

    /// Its path (`/proc/a/b`, `/sys/kernel/debug/a/b`).
    pub fn path(&self) -> String {
        let mut p = alloc::format!("/{}", self.name());
        let mut up = self.parent.as_ref().and_then(Weak::upgrade);
        while let Some(d) = up {
            p.insert_str(0, &alloc::format!("/{}", d.name()));
            up = d.parent.as_ref().and_then(Weak::upgrade);
        }
        match self.fs {
            Fs::Proc => alloc::format!("/proc{p}"),
            Fs::Debug => alloc::format!("/sys/kernel/debug{p}"),
        }
    }

    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.dir
    }

    /// Its dentry (what debugfs hands modules).
    pub fn dentry_ptr(&self) -> usize {
        self.dentry.get() as usize
    }

    /// How its value is shown, for a debugfs value file.
    pub fn value(&self) -> Option<Value> {
        self.value
    }

    fn inode(&self) -> *mut Inode {
        self.inode.get()
    }

    /// Sets the size `stat` reports (proc_set_size).
    pub fn set_size(&self, size: i64) {
        // SAFETY: a word store into the entry's own inode.
        unsafe { (*self.inode()).i_size = size };
    }

    /// Sets its owner (proc_set_user).
    pub fn set_user(&self, uid: u32, gid: u32) {
        self.uid.store(uid, Ordering::Relaxed);
        self.gid.store(gid, Ordering::Relaxed);
        // SAFETY: word stores into the entry's own inode.
        unsafe {
            (*self.inode()).i_uid = uid;
            (*self.inode()).i_gid = gid;
        }
    }

    /// Its owner's uid and gid.
    pub fn owner_ids(&self) -> (u32, u32) {
        (
            self.uid.load(Ordering::Relaxed),
            self.gid.load(Ordering::Relaxed),
        )
    }

    /// The data given at creation (pde_data).
    pub fn data(&self) -> usize {
        // SAFETY: a word read of the entry's own inode.
        unsafe { (*self.inode()).i_private }
    }

    /// Counts a call on the entry (use_pde); fails once it is removed.
    fn enter(&self) -> Result<Users<'_>, Errno> {
        self.users.fetch_add(1, Ordering::SeqCst);
        let u = Users(self);
        if self.removed.load(Ordering::SeqCst) {
            return Err(Errno::EIO);
        }
        Ok(u)
    }
}

/// A counted call on an entry; uncounted on drop.
struct Users<'a>(&'a Pde);

impl Drop for Users<'_> {
    fn drop(&mut self) {
        self.0.users.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Offsets of the callbacks in `struct file_operations` (fs.h).
const FOPS_LLSEEK: usize = 8;
const FOPS_READ: usize = 16;
const FOPS_WRITE: usize = 24;
const FOPS_OPEN: usize = 80;
const FOPS_RELEASE: usize = 96;

/// Reads the callbacks of a module's `struct proc_ops` or `struct
/// file_operations`, each checked to be the module's code or a kernel
/// export; the kernel's own for a value file.
fn read_ops(m: &Module, ops: Ops) -> Result<ProcOps, Errno> {
    let (addr, [open, read, write, lseek, release]) = match ops {
        Ops::Proc(0) | Ops::Fops(0) => return Ok(ProcOps::default()),
        Ops::Proc(a) => (a, [OPS_OPEN, OPS_READ, OPS_WRITE, OPS_LSEEK, OPS_RELEASE]),
        Ops::Fops(a) => (
            a,
            [FOPS_OPEN, FOPS_READ, FOPS_WRITE, FOPS_LLSEEK, FOPS_RELEASE],
        ),
        Ops::Value(_) => {
            return Ok(ProcOps {
                read: crate::kapi::debugfs::value_read as *const () as usize,
                write: crate::kapi::debugfs::value_write as *const () as usize,
                ..ProcOps::default()
            });
        }
    };
    if !m.contains(addr) || !m.contains(addr + open.max(release) + 7) {
        klog!(
            level::ERR,
            "{}: its ops table at {addr:#x} is outside its memory",
            m.name()
        );
        return Err(Errno::EINVAL);
    }
    // SAFETY: the table lies in the module's loaded memory (checked),
    // mapped while the module (a caller of this kapi) is formed.
    let word = |off: usize| unsafe { ((addr + off) as *const usize).read_unaligned() };
    let o = ProcOps {
        open: word(open),
        read: word(read),
        write: word(write),
        lseek: word(lseek),
        release: word(release),
    };

    for f in [o.open, o.read, o.write, o.lseek, o.release] {
        if !valid_op(m, f) {
            klog!(
                level::ERR,
                "{}: callback {f:#x} is neither its code nor a kernel export",
                m.name()
            );
            return Err(Errno::EINVAL);
        }
    }
    Ok(o)
}

/// What proc_create/proc_mkdir are asked for.
pub struct NewEntry<'a> {
    /// The name (one path component).
    pub name: &'a [u8],
    /// Mode bits (type bits ignored).
    pub mode: Mode,
    /// The parent directory (None: /proc).
    pub parent: Option<Arc<Pde>>,
    /// Its callbacks (`Ops::Proc(0)` for a directory).
    pub ops: Ops,
    /// The filesystem it is in.
    pub fs: Fs,
    /// pde_data.
    pub data: usize,
    /// Whether it is a directory.
    pub dir: bool,
    /// An address in the creating module (its name string or ops).
    pub hint: usize,
}

/// Names /proc itself generates.
const RESERVED: &[&str] = &["modules", "kallsyms", "sys"];

/// A new entry's record, its dentry pointing at its own name and inode.
fn new_pde(e: &NewEntry<'_>, mode: Mode, ops: ProcOps, owner: &Arc<Module>) -> Arc<Pde> {
    let mut cname = e.name.to_vec();
    cname.push(0);
    let pde = Arc::new(Pde {
        fs: e.fs,
        value: match e.ops {
            Ops::Value(v) => Some(v),
            _ => None,
        },
        mode,
        uid: AtomicU32::new(0),
        gid: AtomicU32::new(0),
        dir: e.dir,
        ops,
        parent: e.parent.as_ref().map(Arc::downgrade),
        children: SpinRaw::new(Vec::new()),
        owner: Arc::downgrade(owner),
        removed: AtomicBool::new(false),
        users: AtomicUsize::new(0),
        opens: SpinRaw::new(Vec::new()),
        inode: Box::new(UnsafeCell::new(Inode {
            i_mode: mode | if e.dir { 0o040000 } else { 0o100000 },
            i_uid: 0,
            i_gid: 0,
            i_size: 0,
            i_private: e.data,
        })),
        dentry: Box::new(UnsafeCell::new(Dentry {
            d_name: Qstr {
                hash: 0,
                len: 0,
                name: core::ptr::null(),
            },
            d_inode: core::ptr::null_mut(),
            d_parent: core::ptr::null_mut(),
        })),
        name: cname,
    });
    // SAFETY: the dentry is the entry's own, not yet shared.
    unsafe {
        let d = &mut *pde.dentry.get();
        d.d_name = Qstr {
            hash: 0,
            len: e.name.len() as u32,
            name: pde.name.as_ptr(),
        };
        d.d_inode = pde.inode();
        d.d_parent = pde.dentry.get();
    }
    pde
}

/// Creates an entry (Linux's proc_register): refused (EEXIST) when the
/// parent already has the name, EINVAL for a bad name or ops.
pub fn create(e: NewEntry<'_>) -> Result<Arc<Pde>, Errno> {
    let ops_addr = match e.ops {
        Ops::Proc(a) | Ops::Fops(a) => a,
        Ops::Value(_) => e.data,
    };
    let owner = module::owning(e.hint)
        .or_else(|| module::owning(ops_addr))
        .or_else(|| e.parent.as_ref().and_then(|p| p.owner.upgrade()))
        .ok_or(Errno::EINVAL)?;
    let name = core::str::from_utf8(e.name).map_err(|_| Errno::EINVAL)?;
    if name.is_empty() || name.len() > 255 || name.contains('/') || name == "." || name == ".." {
        return Err(Errno::EINVAL);
    }
    let ops = read_ops(&owner, e.ops)?;
    let perm = e.mode & 0o7777;
    let mode = match (e.fs, e.dir, perm & 0o777 == 0) {
        (Fs::Proc, true, true) => 0o555,
        (Fs::Proc, false, true) => 0o444,
        (Fs::Debug, true, true) => 0o755,
        _ => perm,
    };
    let pde = new_pde(&e, mode, ops, &owner);
    let mut all = ALL.lock();
    let clash = match &e.parent {
        Some(p) => p.children.lock().iter().any(|c| c.name == pde.name),
        None => {
            (e.fs == Fs::Proc && RESERVED.contains(&name))
                || all
                    .iter()
                    .any(|c| c.fs == e.fs && c.parent.is_none() && c.name == pde.name)
        }
    };
    if clash {
        drop(all);
        match e.fs {
            Fs::Proc => klog!(
                level::WARNING,
                "proc_dir_entry '{}' already registered",
                pde.path()
            ),
            Fs::Debug => klog!(
                level::ERR,
                "debugfs: File '{name}' in directory '{}' already present!",
                e.parent
                    .as_ref()
                    .map_or(String::from("/"), |p| String::from(p.name()))
            ),
        }
        return Err(Errno::EEXIST);
    }
    if let Some(p) = &e.parent {
        p.children.lock().push(pde.clone());
    }
    all.push(pde.clone());
    Ok(pde)
}

/// The live entry a module's `struct proc_dir_entry *` points at.
pub fn by_handle(ptr: usize) -> Option<Arc<Pde>> {
    ALL.lock()
        .iter()
        .find(|p| Arc::as_ptr(p) as usize == ptr)
        .cloned()
}

/// The live entry whose dentry is at `ptr` (a debugfs handle).
pub fn by_dentry(ptr: usize) -> Option<Arc<Pde>> {
    ALL.lock().iter().find(|p| p.dentry_ptr() == ptr).cloned()
}

/// The live entry at an absolute path (`/proc/a/b`,
/// `/sys/kernel/debug/a/b`), if a module created it.
pub fn by_path(path: &str) -> Option<Arc<Pde>> {
    let (fs, rest) = if let Some(r) = path.strip_prefix("/proc/") {
        (Fs::Proc, r)
    } else {
        (Fs::Debug, path.strip_prefix("/sys/kernel/debug/")?)
    };
    let mut cur: Option<Arc<Pde>> = None;
    for name in rest.split('/').filter(|n| !n.is_empty()) {
        cur = Some(by_name_in(fs, name, cur.as_ref())?);
    }
    cur
}

/// Whether the current caller may open the entry at `path` for `access`
/// (its mode and owner), as the VFS checks before an open reaches it.
pub fn may_open(path: &str, access: Access) -> Option<bool> {
    let p = by_path(path)?;
    let (uid, gid) = p.owner_ids();
    Some(permitted_owned(p.mode, uid, gid, &current_cred(), access))
}

/// The live entry called `name` under `parent` (None: /proc).
pub fn by_name(name: &str, parent: Option<&Arc<Pde>>) -> Option<Arc<Pde>> {
    by_name_in(Fs::Proc, name, parent)
}

/// The live entry called `name` under `parent` (None: the root of `fs`).
pub fn by_name_in(fs: Fs, name: &str, parent: Option<&Arc<Pde>>) -> Option<Arc<Pde>> {
    match parent {
        Some(p) => p.children.lock().iter().find(|c| c.name() == name).cloned(),
        None => ALL
            .lock()
            .iter()
            .find(|c| c.fs == fs && c.parent.is_none() && c.name() == name)
            .cloned(),
    }
}

/// Removes an entry and everything under it (proc_remove): each is
/// marked gone, its calls in flight are waited for, and files still open
/// on it are released (their release op runs once, as at close).
pub fn remove(pde: &Arc<Pde>) {
    let children: Vec<Arc<Pde>> = pde.children.lock().drain(..).collect();
    for c in &children {
        remove(c);
    }
    pde.removed.store(true, Ordering::SeqCst);
    ALL.lock().retain(|p| !Arc::ptr_eq(p, pde));
    if let Some(parent) = pde.parent.as_ref().and_then(Weak::upgrade) {
        parent.children.lock().retain(|p| !Arc::ptr_eq(p, pde));
    }
    while pde.users.load(Ordering::SeqCst) != 0 {
        core::hint::spin_loop();
    }
    let opens: Vec<Arc<OpenFile>> = pde
        .opens
        .lock()
        .drain(..)
        .filter_map(|w| w.upgrade())
        .collect();
    for o in opens {
        o.release(true);
    }
}

/// Removes what module `m` created and did not remove (at unload, or
/// after a failed init), with a warning naming each path.
pub fn remove_owned(m: &Module) {
    loop {
        let next =
            ALL.lock()
                .iter()
                .find(|p| {
                    p.owner.upgrade().is_some_and(|o| core::ptr::eq(&*o, m))
                        && !p.parent.as_ref().and_then(Weak::upgrade).is_some_and(|d| {
                            d.owner.upgrade().is_some_and(|o| core::ptr::eq(&*o, m))
                        })
                })
                .cloned();
        let Some(p) = next else { return };
        klog!(
            level::WARNING,
            "{}: removing {} it did not remove",
            m.name(),
            p.path()
        );
        remove(&p);
    }
}

/// The errno a caller sees for a module's error: the kernel-internal
/// restart codes (ERESTARTSYS and its kin, returned when a signal ended a
/// sleep) become EINTR, as Linux's signal delivery makes them for a
/// handler without SA_RESTART or a signal that kills.
pub fn user_errno(code: i32) -> i32 {
    match code {
        512..=516 => Errno::EINTR.code(),
        c => c,
    }
}

/// Runs `f` (an open of a module's file) with `flags` as the open flags
/// its `struct file` gets (`f_flags`: O_NONBLOCK...), as the caller's
/// open(2) asked.
pub fn with_open_flags<R>(flags: u32, f: impl FnOnce() -> R) -> R {
    let t = crate::sched::current();
    let old = t.set_open_flags(flags);
    let r = f();
    t.set_open_flags(old);
    r
}

/// One open of an entry's file: the `struct file` its ops receive.
pub struct OpenFile {
    pde: Arc<Pde>,
    module: Arc<Module>,
    file: Box<UnsafeCell<File>>,
    released: AtomicBool,
}

// SAFETY: the file struct is touched by the module only during calls the
// entry counts; the kernel writes it only before open and after release.
unsafe impl Send for OpenFile {}
// SAFETY: as above.
unsafe impl Sync for OpenFile {}

impl OpenFile {
    fn file(&self) -> *mut File {
        self.file.get()
    }

    /// Opens the entry: its open op, if any (proc_reg_open).
    fn open(pde: &Arc<Pde>) -> Result<Arc<OpenFile>, Errno> {
        let _u = pde.enter()?;
        let module = pde.owner.upgrade().ok_or(Errno::EIO)?;
        let file = File {
            f_path_mnt: 0,
            f_path_dentry: pde.dentry.get(),
            f_inode: pde.inode(),
            f_op: 0,
            f_flags: crate::sched::current().open_flags(),
            f_mode: 0,
            f_pos: 0,
            private_data: 0,
            owner: Arc::as_ptr(&module),
        };
        let o = Arc::new(OpenFile {
            pde: pde.clone(),
            module,
            file: Box::new(UnsafeCell::new(file)),
            released: AtomicBool::new(false),
        });
        if pde.ops.open != 0 {
            // SAFETY: the entry's ops passed valid_op when it was created.
            let r = unsafe {
                call_op(
                    &o.module,
                    pde.ops.open,
                    [pde.inode() as usize, o.file() as usize, 0, 0],
                    false,
                )
            }?;
            if (r as i32) < 0 {
                o.released.store(true, Ordering::SeqCst);
                return Err(Errno::from_code(-user_errno(-(r as i32))));
            }
        }
        pde.opens.lock().push(Arc::downgrade(&o));
        Ok(o)
    }

    /// Its release op, once (at close, or at the entry's removal).
    fn release(&self, teardown: bool) {
        if self.released.swap(true, Ordering::SeqCst) || self.pde.ops.release == 0 {
            return;
        }
        // At removal the entry is already gone (and its calls waited for):
        // the release is the remover's own call.
        let _u = if teardown {
            None
        } else {
            match self.pde.enter() {
                Ok(u) => Some(u),
                Err(_) => return,
            }
        };
        let args = [self.pde.inode() as usize, self.file() as usize, 0, 0];
        // SAFETY: the entry's ops passed valid_op when it was created.
        let _ = unsafe { call_op(&self.module, self.pde.ops.release, args, teardown) };
    }

    /// One read or write op at `offset` on `len` bytes at `buf`: the
    /// buffer is the call's user window; Linux's `*ppos` is a local
    /// position (pread semantics), stored back into f_pos.
    fn io(&self, f: usize, offset: u64, buf: usize, len: usize, to_user: bool) -> VfsResult<usize> {
        let _u = self.pde.enter().map_err(|e| errno(e.code()))?;
        if f == 0 || self.released.load(Ordering::SeqCst) {
            return Err(errno(Errno::EIO.code()));
        }
        let _w = Window::open(buf, len, to_user);
        let mut pos = offset as i64;
        let args = [
            self.file() as usize,
            buf,
            len,
            &mut pos as *mut i64 as usize,
        ];
        // SAFETY: f is one of the entry's ops, which passed valid_op.
        let r =
            unsafe { call_op(&self.module, f, args, false) }.map_err(|e| errno(e.code()))? as isize;
        if r < 0 {
            return Err(errno(user_errno((-r) as i32)));
        }
        // SAFETY: the file is this open's; no call is using it now.
        unsafe { (*self.file()).f_pos = pos };
        Ok((r as usize).min(len))
    }
}

/// A module's proc file as a VFS node: one node, one open file (opened on
/// first use, released when the node is released or dropped).
pub struct ProcNode {
    pde: Arc<Pde>,
    open: SpinRaw<Option<Arc<OpenFile>>>,
}

impl ProcNode {
    fn opened(&self) -> VfsResult<Arc<OpenFile>> {
        if let Some(o) = self.open.lock().clone() {
            return Ok(o);
        }
        let o = OpenFile::open(&self.pde).map_err(|e| errno(e.code()))?;
        let mut slot = self.open.lock();
        if let Some(first) = slot.clone() {
            drop(slot);
            o.release(false);
            return Ok(first);
        }
        *slot = Some(o.clone());
        Ok(o)
    }

    fn check(&self, access: Access) -> VfsResult {
        let (uid, gid) = self.pde.owner_ids();
        if permitted_owned(self.pde.mode, uid, gid, &current_cred(), access) {
            Ok(())
        } else {
            Err(errno(Errno::EACCES.code()))
        }
    }

    /// The owner's uid and gid (for a filesystem that shows them).
    pub fn owner_ids(&self) -> (u32, u32) {
        self.pde.owner_ids()
    }
}

impl Drop for ProcNode {
    fn drop(&mut self) {
        if let Some(o) = self.open.lock().take() {
            o.release(false);
        }
    }
}

fn attr(pde: &Pde) -> VfsNodeAttr {
    let ty = if pde.dir {
        VfsNodeType::Dir
    } else {
        VfsNodeType::File
    };
    // SAFETY: a word read of the entry's own inode.
    let size = unsafe { (*pde.inode()).i_size }.max(0) as u64;
    VfsNodeAttr::new(VfsNodePerm::from_bits_truncate(pde.mode), ty, size, 0)
}

impl VfsNodeOps for ProcNode {
    fn open(&self) -> VfsResult {
        self.opened().map(|_| ())
    }

    fn release(&self) -> VfsResult {
        if let Some(o) = self.open.lock().take() {
            o.release(false);
        }
        Ok(())
    }

    fn get_attr(&self) -> VfsResult<VfsNodeAttr> {
        Ok(attr(&self.pde))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        self.check(Access::Read)?;
        let o = self.opened()?;
        o.io(
            self.pde.ops.read,
            offset,
            buf.as_mut_ptr() as usize,
            buf.len(),
            true,
        )
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> VfsResult<usize> {
        self.check(Access::Write)?;
        let o = self.opened()?;
        o.io(
            self.pde.ops.write,
            offset,
            buf.as_ptr() as usize,
            buf.len(),
            false,
        )
    }

    fn truncate(&self, _size: u64) -> VfsResult {
        Ok(())
    }

    fn fsync(&self) -> VfsResult {
        Ok(())
    }

    ax_fs_vfs::impl_vfs_non_dir_default! {}
}

/// A module's proc directory.
struct PdeDir(Arc<Pde>);

impl DirOps for PdeDir {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        Ok(listing(&self.0.children.lock()))
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        let c = by_name(name, Some(&self.0)).ok_or_else(|| errno(Errno::ENOENT.code()))?;
        Ok(node(c, me))
    }

    fn mode(&self) -> Mode {
        self.0.mode
    }
}

fn listing(entries: &[Arc<Pde>]) -> Vec<(String, VfsNodeType)> {
    entries
        .iter()
        .map(|c| {
            let ty = if c.dir {
                VfsNodeType::Dir
            } else {
                VfsNodeType::File
            };
            (String::from(c.name()), ty)
        })
        .collect()
}

fn node(pde: Arc<Pde>, parent: &VfsNodeRef) -> VfsNodeRef {
    if pde.dir {
        Dir::node(PdeDir(pde), Some(parent.clone()))
    } else {
        Arc::new(ProcNode {
            pde,
            open: SpinRaw::new(None),
        })
    }
}

/// The entries modules created directly under /proc, for its listing.
pub fn root_list() -> Vec<(String, VfsNodeType)> {
    root_list_in(Fs::Proc)
}

/// The entries modules created directly under the root of `fs`.
pub fn root_list_in(fs: Fs) -> Vec<(String, VfsNodeType)> {
    let top: Vec<Arc<Pde>> = ALL
        .lock()
        .iter()
        .filter(|p| p.fs == fs && p.parent.is_none())
        .cloned()
        .collect();
    listing(&top)
}

/// The node of a module's entry `name` directly under /proc (`root` is
/// /proc's node).
pub fn root_child(name: &str, root: &VfsNodeRef) -> Option<VfsNodeRef> {
    root_child_in(Fs::Proc, name, root)
}

/// The node of entry `name` directly under the root of `fs`.
pub fn root_child_in(fs: Fs, name: &str, root: &VfsNodeRef) -> Option<VfsNodeRef> {
    by_name_in(fs, name, None).map(|p| node(p, root))
}
