//! Kobjects and their sysfs directories (Linux's lib/kobject.c and
//! fs/sysfs/): the records behind a module's `struct kobject`s, their
//! reference counts and release, their attribute files and groups, and
//! the nodes of `/sys` through which `cat`/`echo` reach a module's
//! show/store callbacks.
//!
//! A module's `struct kobject` (its memory, or the kernel's for
//! kobject_create_and_add/kset_create_and_add) is tied to a record here
//! by its address (`kobj->sd` points at the record). Every show, store,
//! is_visible and release goes through the boundary of the module whose
//! code it is; show/store calls are counted on the kobject, so removing
//! a file or the kobject waits for those in flight, and a file looked up
//! before the removal then gives ENOENT. What a module leaves behind is
//! removed when it goes, with a warning naming it and the path; its
//! release callback is not run then (its memory is about to go).

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ax_fs_vfs::{VfsNodeRef, VfsNodeType, VfsResult};
use ax_kspin::SpinRaw;
use starry_kmod_fs::pseudo::{Cred, Dir, DirOps, File, FileOps, Mode, errno, read_slice};

use crate::console::level;
use crate::errno::Errno;
use crate::kapi::fs::call_op;
use crate::klog;
use crate::module::{self, Module};

/// Linux's PAGE_SIZE: what a show callback may fill, a store receives.
pub const PAGE_SIZE: usize = 4096;

/// `struct kobject` as `include/linux/kobject.h` lays it out.
#[repr(C)]
pub struct KObjectC {
    /// Its name (the record's copy).
    pub name: *const u8,
    entry: [usize; 2],
    /// Its parent kobject.
    pub parent: usize,
    /// Its kset.
    pub kset: usize,
    /// Its kobj_type.
    pub ktype: usize,
    /// The kernel's record.
    pub sd: usize,
    state: u32,
}

/// `struct kset`.
#[repr(C)]
pub struct KsetC {
    list: [usize; 2],
    lock: usize,
    /// Its kobject.
    pub kobj: KObjectC,
    uevent_ops: usize,
}

/// `struct sysfs_ops`.
#[repr(C)]
pub struct SysfsOpsC {
    show: Option<unsafe extern "C" fn(usize, usize, *mut u8) -> isize>,
    store: Option<unsafe extern "C" fn(usize, usize, *const u8, usize) -> isize>,
}

/// `struct kobj_type` (the fields the kernel reads).
#[repr(C)]
pub struct KTypeC {
    release: usize,
    sysfs_ops: *const SysfsOpsC,
    default_groups: usize,
    rest: [usize; 3],
}

const _: () = {
    assert!(core::mem::size_of::<KObjectC>() == 64);
    assert!(core::mem::offset_of!(KObjectC, parent) == 24);
    assert!(core::mem::offset_of!(KObjectC, ktype) == 40);
    assert!(core::mem::offset_of!(KObjectC, sd) == 48);
    assert!(core::mem::offset_of!(KsetC, kobj) == 24);
};

/// Offsets in `struct kobj_attribute`, `struct attribute` and
/// `struct attribute_group`.
const KATTR_SHOW: usize = 16;
const KATTR_STORE: usize = 24;
const ATTR_MODE: usize = 8;
const GROUP_IS_VISIBLE: usize = 8;
const GROUP_ATTRS: usize = 24;
/// kobject state bits: initialized, in sysfs.
const STATE_INITIALIZED: u32 = 1;
const STATE_IN_SYSFS: u32 = 2;

/// Linux's kobj_attr_show: the `show` of the `struct kobj_attribute`
/// around `attr` (called inside a module's boundary).
///
/// # Safety
/// `attr` is inside a `struct kobj_attribute`.
unsafe extern "C" fn kobj_attr_show(kobj: usize, attr: usize, buf: *mut u8) -> isize {
    // SAFETY: per the contract.
    let f = unsafe { word(attr + KATTR_SHOW) };
    if f == 0 {
        return -(Errno::EIO.code() as isize);
    }
    // SAFETY: the module's own show callback, called from its own code.
    let f: extern "C" fn(usize, usize, *mut u8) -> isize = unsafe { core::mem::transmute(f) };
    f(kobj, attr, buf)
}

/// Linux's kobj_attr_store.
///
/// # Safety
/// `attr` is inside a `struct kobj_attribute`.
unsafe extern "C" fn kobj_attr_store(kobj: usize, attr: usize, buf: *const u8, n: usize) -> isize {
    // SAFETY: per the contract.
    let f = unsafe { word(attr + KATTR_STORE) };
    if f == 0 {
        return -(Errno::EIO.code() as isize);
    }
    // SAFETY: the module's own store callback, called from its own code.
    let f: extern "C" fn(usize, usize, *const u8, usize) -> isize =
        unsafe { core::mem::transmute(f) };
    f(kobj, attr, buf, n)
}

/// `kobj_sysfs_ops` (exported): show/store of `struct kobj_attribute`s.
pub static KOBJ_SYSFS_OPS: SysfsOpsC = SysfsOpsC {
    show: Some(kobj_attr_show),
    store: Some(kobj_attr_store),
};

// SAFETY: read-only tables of kernel function and table addresses.
unsafe impl Sync for SysfsOpsC {}
// SAFETY: as above.
unsafe impl Sync for KTypeC {}

/// The ktype of kobject_create_and_add's and kset_create_and_add's
/// objects (the kernel frees them).
static DYNAMIC_KTYPE: KTypeC = KTypeC {
    release: 0,
    sysfs_ops: &KOBJ_SYSFS_OPS,
    default_groups: 0,
    rest: [0; 3],
};

/// One of the kernel's own kobjects (`kernel_kobj`...).
pub struct StaticKobj(UnsafeCell<KObjectC>);
// SAFETY: modules only read it; the kernel writes it once (sd) under ALL.
unsafe impl Sync for StaticKobj {}

/// A `struct kobject *` variable exported to modules.
#[repr(transparent)]
pub struct KobjPtr(*mut KObjectC);
// SAFETY: a constant pointer.
unsafe impl Sync for KobjPtr {}

const fn static_kobj(name: &'static [u8]) -> StaticKobj {
    StaticKobj(UnsafeCell::new(KObjectC {
        name: name.as_ptr(),
        entry: [0; 2],
        parent: 0,
        kset: 0,
        ktype: 0,
        sd: 0,
        state: STATE_INITIALIZED | STATE_IN_SYSFS,
    }))
}

/// The kernel's directories of /sys a module may add to.
pub static STATICS: [StaticKobj; 6] = [
    static_kobj(b"kernel\0"),
    static_kobj(b"fs\0"),
    static_kobj(b"firmware\0"),
    static_kobj(b"mm\0"),
    static_kobj(b"power\0"),
    static_kobj(b"hypervisor\0"),
];

/// `kernel_kobj`, `fs_kobj`, ... (exported variables holding the
/// addresses of [`STATICS`]).
pub static STATIC_PTRS: [KobjPtr; 6] = [
    KobjPtr(STATICS[0].0.get()),
    KobjPtr(STATICS[1].0.get()),
    KobjPtr(STATICS[2].0.get()),
    KobjPtr(STATICS[3].0.get()),
    KobjPtr(STATICS[4].0.get()),
    KobjPtr(STATICS[5].0.get()),
];

const STATIC_NAMES: [&str; 6] = ["kernel", "fs", "firmware", "mm", "power", "hypervisor"];

/// Names of /sys the kernel itself generates.
const RESERVED: &[&str] = &["module"];

/// Reads a word of module (or kernel) memory.
///
/// # Safety
/// `addr` is readable.
unsafe fn word(addr: usize) -> usize {
    // SAFETY: per the contract.
    unsafe { (addr as *const usize).read_unaligned() }
}

/// Reads a C string.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn cstr(p: usize) -> Option<String> {
    if p == 0 {
        return None;
    }
    // SAFETY: per the contract.
    let s = unsafe { core::ffi::CStr::from_ptr(p as *const core::ffi::c_char) };
    Some(String::from_utf8_lossy(s.to_bytes()).into_owned())
}

/// Who frees a kobject's memory when its last reference goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The kernel's own (`kernel_kobj`...): never released.
    Static,
    /// kobject_create_and_add's: the kernel frees it.
    Dynamic,
    /// kset_create_and_add's kset (at this address): the kernel frees it.
    DynamicKset(usize),
    /// A module's: its ktype's release.
    Module,
}

/// An attribute file of a kobject.
pub struct AttrEntry {
    /// The module's `struct attribute`.
    attr: usize,
    name: String,
    mode: Mode,
    /// The named group (subdirectory) it is in, if any.
    dir: Option<String>,
    /// The `struct attribute_group` that created it (0: a plain file).
    group: usize,
    owner: Weak<Module>,
    gone: AtomicBool,
}

/// A named group's subdirectory.
struct GroupDir {
    group: usize,
    name: String,
    owner: Weak<Module>,
}

/// The record of one `struct kobject`.
pub struct KObj {
    addr: usize,
    names: SpinRaw<Vec<Box<[u8]>>>,
    kind: Kind,
    owner: Weak<Module>,
    release: usize,
    show: usize,
    store: usize,
    default_groups: usize,
    refs: AtomicUsize,
    in_sysfs: AtomicBool,
    parent: SpinRaw<Option<Arc<KObj>>>,
    files: SpinRaw<Vec<Arc<AttrEntry>>>,
    dirs: SpinRaw<Vec<GroupDir>>,
    users: AtomicUsize,
}

impl KObj {
    fn c(&self) -> *mut KObjectC {
        self.addr as *mut KObjectC
    }

    /// Its name.
    pub fn name(&self) -> String {
        let names = self.names.lock();
        names.last().map_or(String::new(), |n| {
            String::from_utf8_lossy(&n[..n.len() - 1]).into_owned()
        })
    }

    /// Its path under /sys.
    pub fn path(&self) -> String {
        let mut p = alloc::format!("/{}", self.name());
        let mut up = self.parent.lock().clone();
        while let Some(d) = up {
            p.insert_str(0, &alloc::format!("/{}", d.name()));
            up = d.parent.lock().clone();
        }
        alloc::format!("/sys{p}")
    }

    fn set_name(&self, name: &[u8]) {
        let mut n: Vec<u8> = name
            .iter()
            .map(|&b| if b == b'/' { b'!' } else { b })
            .collect();
        n.push(0);
        let n = n.into_boxed_slice();
        let ptr = n.as_ptr();
        // Older names stay allocated: the module may still hold one.
        self.names.lock().push(n);
        // SAFETY: the module's kobject, which it handed to the kernel.
        unsafe { (*self.c()).name = ptr };
    }

    fn has_name(&self) -> bool {
        self.names.lock().last().is_some_and(|n| n.len() > 1)
    }

    fn set_state(&self, bits: u32, on: bool) {
        if self.kind == Kind::Static {
            return;
        }
        // SAFETY: the module's kobject, handed to the kernel.
        unsafe {
            let s = &mut (*self.c()).state;
            *s = if on { *s | bits } else { *s & !bits };
        }
    }

    /// Counts a show/store on it; fails once the file or the kobject
    /// is gone.
    fn enter(&self, attr: &AttrEntry) -> Result<Users<'_>, Errno> {
        self.users.fetch_add(1, Ordering::SeqCst);
        let u = Users(self);
        if attr.gone.load(Ordering::SeqCst) || !self.in_sysfs.load(Ordering::SeqCst) {
            return Err(Errno::ENOENT);
        }
        Ok(u)
    }

    fn wait_idle(&self) {
        while self.users.load(Ordering::SeqCst) != 0 {
            core::hint::spin_loop();
        }
    }

    /// Whether `name` is taken in its directory (a file, a group, a
    /// child kobject).
    fn taken(&self, name: &str, dir: Option<&str>) -> bool {
        let file = self
            .files
            .lock()
            .iter()
            .any(|f| f.dir.as_deref() == dir && f.name == name);
        file || (dir.is_none()
            && (self.dirs.lock().iter().any(|d| d.name == name)
                || children(self).iter().any(|c| c.name() == name)
                || (self.addr == STATIC_PTRS[0].0 as usize && name == "debug")))
    }
}

/// A counted show/store; uncounted on drop.
struct Users<'a>(&'a KObj);

impl Drop for Users<'_> {
    fn drop(&mut self) {
        self.0.users.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Every kobject the kernel knows.
static ALL: SpinRaw<Vec<Arc<KObj>>> = SpinRaw::new(Vec::new());

fn all() -> ax_kspin::SpinRawGuard<'static, Vec<Arc<KObj>>> {
    let mut all = ALL.lock();
    if all.is_empty() {
        for (i, s) in STATICS.iter().enumerate() {
            let k = Arc::new(KObj {
                addr: s.0.get() as usize,
                names: SpinRaw::new(alloc::vec![{
                    let mut n = STATIC_NAMES[i].as_bytes().to_vec();
                    n.push(0);
                    n.into_boxed_slice()
                }]),
                kind: Kind::Static,
                owner: Weak::new(),
                release: 0,
                show: 0,
                store: 0,
                default_groups: 0,
                refs: AtomicUsize::new(usize::MAX / 2),
                in_sysfs: AtomicBool::new(true),
                parent: SpinRaw::new(None),
                files: SpinRaw::new(Vec::new()),
                dirs: SpinRaw::new(Vec::new()),
                users: AtomicUsize::new(0),
            });
            // SAFETY: the kernel's own static kobject.
            unsafe { (*s.0.get()).sd = Arc::as_ptr(&k) as usize };
            all.push(k);
        }
    }
    all
}

/// The record of the kobject at `addr`.
pub fn by_addr(addr: usize) -> Option<Arc<KObj>> {
    if addr == 0 {
        return None;
    }
    all().iter().find(|k| k.addr == addr).cloned()
}

/// Its children in sysfs.
fn children(k: &KObj) -> Vec<Arc<KObj>> {
    all()
        .iter()
        .filter(|c| {
            c.in_sysfs.load(Ordering::SeqCst)
                && c.parent
                    .lock()
                    .as_ref()
                    .is_some_and(|p| core::ptr::eq(&**p, k))
        })
        .cloned()
        .collect()
}

/// The module whose code `f` is, for a call of it.
fn code_owner(f: usize) -> Option<Arc<Module>> {
    module::owning(f).filter(|m| m.is_code(f))
}

/// kobject_init: a record for the module's `kobj` with `ktype` (in the
/// caller's memory, or the kernel's dynamic ktype). EINVAL for a ktype
/// outside it; a kobject already known is reinitialized as Linux warns.
///
/// # Safety
/// `kobj` points at a writable `struct kobject`; `ktype` is NULL or a
/// `struct kobj_type`.
pub unsafe fn init(kobj: usize, ktype: usize, caller: &Arc<Module>) -> Result<Arc<KObj>, Errno> {
    // SAFETY: per the contract.
    unsafe { init_kind(kobj, ktype, caller, Kind::Module) }
}

/// [`init`] for a kobject that `kind` says who frees.
///
/// # Safety
/// As [`init`].
unsafe fn init_kind(
    kobj: usize,
    ktype: usize,
    caller: &Arc<Module>,
    kind: Kind,
) -> Result<Arc<KObj>, Errno> {
    if kobj == 0 {
        return Err(Errno::EINVAL);
    }
    if ktype == 0 {
        klog!(
            level::ERR,
            "kobject: '(null)' ({kobj:#x}): must have a ktype to be initialized properly!"
        );
        return Err(Errno::EINVAL);
    }
    let dynamic = ktype == &DYNAMIC_KTYPE as *const KTypeC as usize;
    if !dynamic && !caller.contains(ktype) {
        klog!(
            level::ERR,
            "kobject: {kobj:#x}: its kobj_type is outside {}",
            caller.name()
        );
        return Err(Errno::EINVAL);
    }
    if let Some(old) = by_addr(kobj) {
        klog!(
            level::ERR,
            "kobject ({kobj:#x}): tried to init an initialized object, something is seriously wrong."
        );
        return Ok(old);
    }
    // SAFETY: the ktype is the kernel's or in the caller's memory.
    let (release, ops, groups) = unsafe { (word(ktype), word(ktype + 8), word(ktype + 16)) };
    let (show, store) = if ops == 0 {
        (0, 0)
    } else if ops == &KOBJ_SYSFS_OPS as *const SysfsOpsC as usize {
        (ops, ops)
    } else if caller.contains(ops) {
        // SAFETY: the caller's sysfs_ops table.
        unsafe { (word(ops), word(ops + 8)) }
    } else {
        return Err(Errno::EINVAL);
    };
    let k = Arc::new(KObj {
        addr: kobj,
        names: SpinRaw::new(Vec::new()),
        kind,
        owner: Arc::downgrade(caller),
        release,
        show,
        store,
        default_groups: groups,
        refs: AtomicUsize::new(1),
        in_sysfs: AtomicBool::new(false),
        parent: SpinRaw::new(None),
        files: SpinRaw::new(Vec::new()),
        dirs: SpinRaw::new(Vec::new()),
        users: AtomicUsize::new(0),
    });
    // SAFETY: the module's kobject (Linux's kobject_init writes it too).
    unsafe {
        let c = &mut *(kobj as *mut KObjectC);
        c.ktype = ktype;
        c.sd = Arc::as_ptr(&k) as usize;
        c.state = STATE_INITIALIZED;
        c.entry = [0; 2];
    }
    all().push(k.clone());
    Ok(k)
}

/// kobject_set_name: EINVAL for an unknown kobject.
pub fn set_name(kobj: usize, name: &[u8]) -> Result<(), Errno> {
    let k = by_addr(kobj).ok_or(Errno::EINVAL)?;
    k.set_name(name);
    Ok(())
}

/// kobject_add: names it and makes its directory under `parent` (or its
/// kset's kobject, or /sys), with its ktype's default groups. EEXIST when
/// the name is taken there.
pub fn add(k: &Arc<KObj>, parent: usize, name: Option<&[u8]>) -> Result<(), Errno> {
    if let Some(n) = name {
        k.set_name(n);
    }
    if !k.has_name() {
        klog!(
            level::ERR,
            "kobject: ({:#x}): attempted to be registered with empty name!",
            k.addr
        );
        return Err(Errno::EINVAL);
    }
    let name = k.name();
    if k.in_sysfs.load(Ordering::SeqCst) {
        klog!(level::ERR, "kobject: '{name}': is already in sysfs");
        return Err(Errno::EINVAL);
    }
    let parent = if parent != 0 {
        Some(by_addr(parent).ok_or(Errno::EINVAL)?)
    } else {
        // SAFETY: the module's kobject.
        let kset = unsafe { (*k.c()).kset };
        if kset != 0 {
            Some(by_addr(kset + core::mem::offset_of!(KsetC, kobj)).ok_or(Errno::EINVAL)?)
        } else {
            None
        }
    };
    {
        let all = all();
        let clash = match &parent {
            Some(p) => {
                drop(all);
                p.taken(&name, None)
            }
            None => {
                RESERVED.contains(&name.as_str())
                    || all.iter().any(|c| {
                        c.in_sysfs.load(Ordering::SeqCst)
                            && c.parent.lock().is_none()
                            && c.name() == name
                    })
            }
        };
        if clash {
            let at = parent.as_ref().map_or(String::from("/sys"), |p| p.path());
            klog!(
                level::ERR,
                "sysfs: cannot create duplicate filename '{at}/{name}'"
            );
            klog!(
                level::ERR,
                "kobject_add_internal failed for {name} with -EEXIST, don't try to register things with the same name in the same directory."
            );
            return Err(Errno::EEXIST);
        }
    }
    if let Some(p) = &parent {
        p.refs.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the module's kobject.
        unsafe { (*k.c()).parent = p.addr };
    }
    *k.parent.lock() = parent;
    k.in_sysfs.store(true, Ordering::SeqCst);
    k.set_state(STATE_IN_SYSFS, true);
    if k.default_groups != 0 {
        let owner = k.owner.upgrade().ok_or(Errno::EINVAL)?;
        let mut i = 0;
        loop {
            let slot = k.default_groups + i * 8;
            if !owner.contains(slot) {
                break;
            }
            // SAFETY: the NULL-terminated array lies in the module's memory.
            let g = unsafe { word(slot) };
            if g == 0 {
                break;
            }
            if let Err(e) = create_group(k, g, &owner) {
                del(k);
                return Err(e);
            }
            i += 1;
        }
    }
    Ok(())
}

/// kobject_del: its directory goes (files, groups; children become
/// unreachable), calls in flight are waited for, its parent is put.
pub fn del(k: &Arc<KObj>) {
    if k.kind == Kind::Static || !k.in_sysfs.swap(false, Ordering::SeqCst) {
        return;
    }
    for f in k.files.lock().drain(..) {
        f.gone.store(true, Ordering::SeqCst);
    }
    k.dirs.lock().clear();
    k.set_state(STATE_IN_SYSFS, false);
    k.wait_idle();
    let parent = k.parent.lock().take();
    if let Some(p) = parent {
        put(&p);
    }
}

/// kobject_get.
pub fn get(k: &KObj) {
    k.refs.fetch_add(1, Ordering::SeqCst);
}

/// kobject_put: when the last reference goes, it leaves sysfs and is
/// released (its ktype's release, through its module; the kernel's own
/// objects are freed by the kernel).
pub fn put(k: &Arc<KObj>) {
    if k.kind == Kind::Static {
        return;
    }
    let before = k.refs.fetch_sub(1, Ordering::SeqCst);
    if before == 0 {
        k.refs.store(0, Ordering::SeqCst);
        klog!(
            level::WARNING,
            "kobject: '{}': refcount underflow",
            k.name()
        );
        return;
    }
    if before != 1 {
        return;
    }
    del(k);
    all().retain(|o| !Arc::ptr_eq(o, k));
    match k.kind {
        Kind::Dynamic | Kind::DynamicKset(_) => free_kernel(k),
        Kind::Module if k.release == 0 => klog!(
            level::ERR,
            "kobject: '{}' ({:#x}): does not have a release() function, it is broken and must be fixed.",
            k.name(),
            k.addr
        ),
        Kind::Module => match code_owner(k.release) {
            // SAFETY: the ktype's release, the module's code, taking
            // the kobject; the last put may come from its exit.
            Some(m) => {
                let _ = unsafe { call_op(&m, k.release, [k.addr, 0, 0, 0], true) };
            }
            None => klog!(
                level::ERR,
                "kobject: '{}': its release is not module code; not called",
                k.name()
            ),
        },
        Kind::Static => {}
    }
}

/// Frees the memory of a kobject the kernel allocated (once its record
/// is gone).
fn free_kernel(k: &KObj) {
    let mem = match k.kind {
        Kind::Dynamic => k.addr,
        Kind::DynamicKset(kset) => kset,
        _ => return,
    };
    // SAFETY: the kernel's own kzalloc of this kobject (or its kset),
    // freed once: its record has just left the registry.
    unsafe { crate::kapi::kfree(mem as *mut core::ffi::c_void) };
}

/// kobject_create_and_add: a kernel-allocated kobject with the dynamic
/// ktype (kobj_sysfs_ops), named `name` under `parent`.
pub fn create_and_add(name: &[u8], parent: usize, caller: &Arc<Module>) -> Result<usize, Errno> {
    let mem = crate::kapi::kzalloc(core::mem::size_of::<KObjectC>(), 0) as usize;
    if mem == 0 {
        return Err(Errno::ENOMEM);
    }
    new_dynamic(mem, mem, Kind::Dynamic, name, parent, caller)
}

/// kset_create_and_add: a kernel-allocated kset, its kobject named
/// `name` under `parent`.
pub fn kset_create_and_add(
    name: &[u8],
    parent: usize,
    caller: &Arc<Module>,
) -> Result<usize, Errno> {
    let mem = crate::kapi::kzalloc(core::mem::size_of::<KsetC>(), 0) as usize;
    if mem == 0 {
        return Err(Errno::ENOMEM);
    }
    let kobj = mem + core::mem::offset_of!(KsetC, kobj);
    new_dynamic(mem, kobj, Kind::DynamicKset(mem), name, parent, caller).map(|_| mem)
}

fn new_dynamic(
    mem: usize,
    kobj: usize,
    kind: Kind,
    name: &[u8],
    parent: usize,
    caller: &Arc<Module>,
) -> Result<usize, Errno> {
    let ktype = &DYNAMIC_KTYPE as *const KTypeC as usize;
    // SAFETY: freshly allocated, zeroed memory; the kernel's ktype.
    let k = match unsafe { init_kind(kobj, ktype, caller, kind) } {
        Ok(k) => k,
        Err(e) => {
            // SAFETY: the allocation above, not handed out.
            unsafe { crate::kapi::kfree(mem as *mut core::ffi::c_void) };
            return Err(e);
        }
    };
    if let Err(e) = add(&k, parent, Some(name)) {
        put(&k);
        return Err(e);
    }
    Ok(kobj)
}

/// Reads an attribute's name and mode (in `owner`'s memory).
fn read_attr(attr: usize, owner: &Module) -> Result<(String, Mode), Errno> {
    if !owner.contains(attr) || !owner.contains(attr + ATTR_MODE + 1) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the attribute lies in the module's memory (checked).
    let (name_p, mode) = unsafe {
        (
            word(attr),
            ((attr + ATTR_MODE) as *const u16).read_unaligned(),
        )
    };
    if name_p == 0 || !owner.contains(name_p) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: a string in the module's memory.
    let name = unsafe { cstr(name_p) }.ok_or(Errno::EINVAL)?;
    if name.is_empty() || name.contains('/') {
        return Err(Errno::EINVAL);
    }
    Ok((name, mode & 0o7777))
}

fn add_file(
    k: &Arc<KObj>,
    attr: usize,
    name: String,
    mode: Mode,
    dir: Option<&str>,
    group: usize,
    owner: &Arc<Module>,
) -> Result<(), Errno> {
    if !k.in_sysfs.load(Ordering::SeqCst) {
        return Err(Errno::EINVAL);
    }
    if k.taken(&name, dir) {
        let d = dir.map_or(String::new(), |d| alloc::format!("/{d}"));
        klog!(
            level::ERR,
            "sysfs: cannot create duplicate filename '{}{d}/{name}'",
            k.path()
        );
        return Err(Errno::EEXIST);
    }
    k.files.lock().push(Arc::new(AttrEntry {
        attr,
        name,
        mode,
        dir: dir.map(String::from),
        group,
        owner: Arc::downgrade(owner),
        gone: AtomicBool::new(false),
    }));
    Ok(())
}

/// sysfs_create_file: the attribute (in the caller's memory) as a file of
/// the kobject's directory.
pub fn create_file(kobj: usize, attr: usize, caller: &Arc<Module>) -> Result<(), Errno> {
    let k = by_addr(kobj).ok_or(Errno::EINVAL)?;
    let (name, mode) = read_attr(attr, caller)?;
    add_file(&k, attr, name, mode, None, 0, caller)
}

fn remove_entries(k: &KObj, keep: impl Fn(&AttrEntry) -> bool) -> usize {
    let mut removed = 0;
    k.files.lock().retain(|f| {
        if keep(f) {
            true
        } else {
            f.gone.store(true, Ordering::SeqCst);
            removed += 1;
            false
        }
    });
    k.wait_idle();
    removed
}

/// sysfs_remove_file: the file for `attr` goes (calls in flight waited for).
pub fn remove_file(kobj: usize, attr: usize) {
    if let Some(k) = by_addr(kobj) {
        remove_entries(&k, |f| f.attr != attr || f.group != 0);
    }
}

/// sysfs_create_group: its attributes (those `is_visible` does not hide)
/// in the kobject's directory, or in a subdirectory when the group is
/// named. On an error none of them is left.
pub fn create_group(k: &Arc<KObj>, group: usize, caller: &Arc<Module>) -> Result<(), Errno> {
    if !caller.contains(group) || !caller.contains(group + GROUP_ATTRS + 7) {
        return Err(Errno::EINVAL);
    }
    if !k.in_sysfs.load(Ordering::SeqCst) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the group lies in the caller's memory (checked).
    let (name_p, visible, attrs) = unsafe {
        (
            word(group),
            word(group + GROUP_IS_VISIBLE),
            word(group + GROUP_ATTRS),
        )
    };
    let dir = if name_p == 0 {
        None
    } else if caller.contains(name_p) {
        // SAFETY: a string in the caller's memory.
        Some(unsafe { cstr(name_p) }.ok_or(Errno::EINVAL)?)
    } else {
        return Err(Errno::EINVAL);
    };
    if let Some(d) = &dir {
        if d.is_empty() || d.contains('/') {
            return Err(Errno::EINVAL);
        }
        if k.taken(d, None) {
            klog!(
                level::ERR,
                "sysfs: cannot create duplicate filename '{}/{d}'",
                k.path()
            );
            return Err(Errno::EEXIST);
        }
        k.dirs.lock().push(GroupDir {
            group,
            name: d.clone(),
            owner: Arc::downgrade(caller),
        });
    }
    let r = (|| {
        if attrs == 0 {
            return Ok(());
        }
        for i in 0.. {
            let slot = attrs + i * 8;
            if !caller.contains(slot) {
                return Err(Errno::EINVAL);
            }
            // SAFETY: the NULL-terminated array in the caller's memory.
            let a = unsafe { word(slot) };
            if a == 0 {
                break;
            }
            let (name, mut mode) = read_attr(a, caller)?;
            if visible != 0 {
                let m = code_owner(visible).ok_or(Errno::EINVAL)?;
                // SAFETY: the group's is_visible, module code taking
                // (kobj, attr, index) and returning umode_t.
                let r = unsafe { call_op(&m, visible, [k.addr, a, i, 0], false) }?;
                mode = (r as u16) & 0o7777;
                if mode == 0 {
                    continue;
                }
            }
            if mode & !0o664 != 0 {
                klog!(
                    level::WARNING,
                    "Attribute {name}: Invalid permissions 0{mode:o}"
                );
            }
            mode &= 0o664;
            add_file(k, a, name, mode, dir.as_deref(), group, caller)?;
        }
        Ok(())
    })();
    if r.is_err() {
        remove_group_of(k, group);
    }
    r
}

fn remove_group_of(k: &KObj, group: usize) -> bool {
    let had_dir = {
        let mut dirs = k.dirs.lock();
        let before = dirs.len();
        dirs.retain(|d| d.group != group);
        before != dirs.len()
    };
    remove_entries(k, |f| f.group != group) > 0 || had_dir
}

/// sysfs_remove_group.
pub fn remove_group(kobj: usize, group: usize) {
    let Some(k) = by_addr(kobj) else { return };
    if !remove_group_of(&k, group) {
        klog!(
            level::WARNING,
            "sysfs group {group:#x} not found for kobject '{}'",
            k.name()
        );
    }
}

/// Removes what module `m` left: its kobjects (their directories and
/// records; their release is not run), and the files and groups it added
/// to other kobjects, each with a warning naming it and the path.
pub fn remove_owned(m: &Module) {
    let mine = |w: &Weak<Module>| w.upgrade().is_some_and(|o| core::ptr::eq(&*o, m));
    let kobjs: Vec<Arc<KObj>> = all().iter().filter(|k| mine(&k.owner)).cloned().collect();
    for k in kobjs.iter().rev() {
        let path = k.path();
        if k.in_sysfs.load(Ordering::SeqCst) {
            klog!(
                level::WARNING,
                "{}: removing {path} it did not remove",
                m.name()
            );
        } else {
            klog!(
                level::WARNING,
                "{}: dropping kobject '{}' it did not put",
                m.name(),
                k.name()
            );
        }
        del(k);
        all().retain(|o| !Arc::ptr_eq(o, k));
        free_kernel(k);
    }
    let every: Vec<Arc<KObj>> = all().clone();
    for k in every {
        let leftover: Vec<String> = k
            .files
            .lock()
            .iter()
            .filter(|f| mine(&f.owner))
            .map(|f| match &f.dir {
                Some(d) => alloc::format!("{}/{d}/{}", k.path(), f.name),
                None => alloc::format!("{}/{}", k.path(), f.name),
            })
            .collect();
        for p in &leftover {
            klog!(
                level::WARNING,
                "{}: removing {p} it did not remove",
                m.name()
            );
        }
        k.dirs.lock().retain(|d| !mine(&d.owner));
        remove_entries(&k, |f| !mine(&f.owner));
    }
}

/// A show: the attribute's text (at most PAGE_SIZE - 1 bytes), from its
/// kobject's sysfs_ops through the module whose code runs.
fn show(k: &KObj, a: &AttrEntry) -> Result<Vec<u8>, Errno> {
    let _u = k.enter(a)?;
    let (f, args): (usize, [usize; 3]) = if k.show == &KOBJ_SYSFS_OPS as *const SysfsOpsC as usize {
        // SAFETY: a kobj_attribute in its module's memory (checked at
        // creation; the module is alive while the file is listed).
        (unsafe { word(a.attr + KATTR_SHOW) }, [k.addr, a.attr, 0])
    } else {
        (k.show, [k.addr, a.attr, 0])
    };
    if f == 0 {
        return Err(Errno::EIO);
    }
    let m = code_owner(f).ok_or(Errno::EIO)?;
    let mut page = Page::new().ok_or(Errno::ENOMEM)?;
    // SAFETY: f is module code (checked) taking (kobj, attr, buf).
    let r = unsafe { call_op(&m, f, [args[0], args[1], page.ptr() as usize, 0], false) }? as isize;
    if r < 0 {
        return Err(Errno::from_code(r as i32));
    }
    let mut n = r as usize;
    if n >= PAGE_SIZE {
        klog!(
            level::WARNING,
            "fill_read_buffer: {f:#x} returned bad count"
        );
        n = PAGE_SIZE - 1;
    }
    Ok(page.bytes()[..n].to_vec())
}

/// A store of `data` (at most PAGE_SIZE bytes, NUL-terminated for the
/// module): what the module returns.
fn store(k: &KObj, a: &AttrEntry, data: &[u8]) -> Result<usize, Errno> {
    let _u = k.enter(a)?;
    if data.is_empty() {
        return Ok(0);
    }
    let f = if k.store == &KOBJ_SYSFS_OPS as *const SysfsOpsC as usize {
        // SAFETY: as in show.
        unsafe { word(a.attr + KATTR_STORE) }
    } else {
        k.store
    };
    if f == 0 {
        return Err(Errno::EIO);
    }
    let m = code_owner(f).ok_or(Errno::EIO)?;
    let mut buf = Vec::with_capacity(data.len() + 1);
    buf.extend_from_slice(data);
    buf.push(0);
    // SAFETY: f is module code taking (kobj, attr, buf, count).
    let r = unsafe {
        call_op(
            &m,
            f,
            [k.addr, a.attr, buf.as_ptr() as usize, data.len()],
            false,
        )
    }? as isize;
    if r < 0 {
        return Err(Errno::from_code(r as i32));
    }
    Ok((r as usize).min(data.len()))
}

/// A zeroed, page-aligned page (sysfs_emit checks the alignment).
struct Page(*mut u8);

impl Page {
    fn layout() -> core::alloc::Layout {
        core::alloc::Layout::from_size_align(PAGE_SIZE, PAGE_SIZE).unwrap()
    }

    fn new() -> Option<Page> {
        // SAFETY: a non-zero size.
        let p = unsafe { alloc::alloc::alloc_zeroed(Self::layout()) };
        (!p.is_null()).then_some(Page(p))
    }

    fn ptr(&mut self) -> *mut u8 {
        self.0
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the page this owns.
        unsafe { core::slice::from_raw_parts(self.0, PAGE_SIZE) }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        // SAFETY: allocated in new with this layout.
        unsafe { alloc::alloc::dealloc(self.0, Self::layout()) };
    }
}

/// A kobject's directory.
struct KObjDir(Arc<KObj>);

fn live(k: &KObj) -> VfsResult {
    if k.in_sysfs.load(Ordering::SeqCst) {
        Ok(())
    } else {
        Err(errno(Errno::ENOENT.code()))
    }
}

fn file_list(k: &KObj, dir: Option<&str>) -> Vec<(String, VfsNodeType)> {
    k.files
        .lock()
        .iter()
        .filter(|f| f.dir.as_deref() == dir)
        .map(|f| (f.name.clone(), VfsNodeType::File))
        .collect()
}

fn file_node(k: &Arc<KObj>, name: &str, dir: Option<&str>) -> Option<VfsNodeRef> {
    let a = k
        .files
        .lock()
        .iter()
        .find(|f| f.dir.as_deref() == dir && f.name == name)
        .cloned()?;
    Some(File::node(AttrFile {
        k: k.clone(),
        a,
        shown: SpinRaw::new(None),
    }))
}

impl DirOps for KObjDir {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        live(&self.0)?;
        let mut out = file_list(&self.0, None);
        out.extend(
            self.0
                .dirs
                .lock()
                .iter()
                .map(|d| (d.name.clone(), VfsNodeType::Dir)),
        );
        out.extend(
            children(&self.0)
                .iter()
                .map(|c| (c.name(), VfsNodeType::Dir)),
        );
        if self.0.addr == STATIC_PTRS[0].0 as usize {
            out.extend(crate::sysfs::kernel_extra_list());
        }
        Ok(out)
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        live(&self.0)?;
        if let Some(n) = file_node(&self.0, name, None) {
            return Ok(n);
        }
        if self.0.dirs.lock().iter().any(|d| d.name == name) {
            return Ok(Dir::node(
                GroupDirNode(self.0.clone(), name.to_string()),
                Some(me.clone()),
            ));
        }
        if let Some(c) = children(&self.0).into_iter().find(|c| c.name() == name) {
            return Ok(Dir::node(KObjDir(c), Some(me.clone())));
        }
        if self.0.addr == STATIC_PTRS[0].0 as usize
            && let Some(n) = crate::sysfs::kernel_extra_child(name, me)
        {
            return n;
        }
        Err(errno(Errno::ENOENT.code()))
    }
}

/// A named group's directory.
struct GroupDirNode(Arc<KObj>, String);

impl DirOps for GroupDirNode {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        live(&self.0)?;
        Ok(file_list(&self.0, Some(&self.1)))
    }

    fn child(&self, name: &str, _me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        live(&self.0)?;
        file_node(&self.0, name, Some(&self.1)).ok_or_else(|| errno(Errno::ENOENT.code()))
    }
}

/// An attribute file: a read at offset 0 calls show (later offsets read
/// what it showed, as sysfs's seq_file per open); a write calls store.
struct AttrFile {
    k: Arc<KObj>,
    a: Arc<AttrEntry>,
    shown: SpinRaw<Option<Vec<u8>>>,
}

impl FileOps for AttrFile {
    fn mode(&self) -> Mode {
        self.a.mode
    }

    fn read_at(&self, _cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        if offset != 0
            && let Some(text) = self.shown.lock().as_ref()
        {
            return Ok(read_slice(text, offset, buf));
        }
        let text = show(&self.k, &self.a).map_err(|e| errno(e.code()))?;
        let n = read_slice(&text, offset, buf);
        *self.shown.lock() = Some(text);
        Ok(n)
    }

    fn write(&self, _cred: &Cred, data: &[u8]) -> VfsResult<usize> {
        store(&self.k, &self.a, data).map_err(|e| errno(e.code()))
    }
}

/// The kobjects directly under /sys (the kernel's and those added with
/// no parent), for its listing.
pub fn root_list() -> Vec<(String, VfsNodeType)> {
    all()
        .iter()
        .filter(|k| k.in_sysfs.load(Ordering::SeqCst) && k.parent.lock().is_none())
        .map(|k| (k.name(), VfsNodeType::Dir))
        .collect()
}

/// The directory of kobject `name` directly under /sys.
pub fn root_child(name: &str, root: &VfsNodeRef) -> Option<VfsNodeRef> {
    let k = all()
        .iter()
        .find(|k| {
            k.in_sysfs.load(Ordering::SeqCst) && k.parent.lock().is_none() && k.name() == name
        })
        .cloned()?;
    Some(Dir::node(KObjDir(k), Some(root.clone())))
}
