//! `/sys/module`: one directory per module, generated from the registry
//! (Linux's kernel/module/sysfs.c and the parameter part of kernel/params.c).
//!
//! ```text
//! /sys/module/<m>/uevent        0200
//! /sys/module/<m>/initstate     0444  live | coming | going
//! /sys/module/<m>/refcnt        0444  %i
//! /sys/module/<m>/coresize      0444  %u
//! /sys/module/<m>/initsize      0444  %u
//! /sys/module/<m>/taint         0444  letters
//! /sys/module/<m>/version       0444  (when .modinfo has one)
//! /sys/module/<m>/srcversion    0444  (when .modinfo has one)
//! /sys/module/<m>/holders/<u>   -> ../../<u>
//! /sys/module/<m>/sections/<s>  0400  0x%016x
//! /sys/module/<m>/parameters/<p> perm (perm != 0 only), the param's get/set
//! ```
//!
//! Every node holds only a weak reference to its module: once the module
//! is unloaded, its files give ENOENT.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use ax_fs_vfs::{VfsNodeRef, VfsNodeType, VfsResult};
use starry_kmod_fs::pseudo::{
    Cred, Dir, DirOps, File, FileOps, Mode, PseudoFs, Symlink, errno, read_slice,
};

use crate::errno::Errno;
use crate::module::{self, Module};
use crate::taint;

/// The sysfs filesystem (mount it at `/sys`).
pub fn filesystem() -> Arc<PseudoFs> {
    PseudoFs::new(Dir::node(SysRoot, None))
}

fn enoent() -> ax_fs_vfs::VfsError {
    errno(Errno::ENOENT.code())
}

/// The module behind a node, while it is still registered: coming, live
/// or going (Linux shows /sys/module/<m> from formation to removal).
fn registered(m: &Weak<Module>) -> VfsResult<Arc<Module>> {
    m.upgrade().filter(|m| !m.is_unlinked()).ok_or_else(enoent)
}

struct SysRoot;

impl DirOps for SysRoot {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        let mut out = alloc::vec![("module".to_string(), VfsNodeType::Dir)];
        out.extend(crate::kobject::root_list());
        Ok(out)
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        match name {
            "module" => Ok(Dir::node(ModuleList, Some(me.clone()))),
            _ => crate::kobject::root_child(name, me).ok_or_else(enoent),
        }
    }
}

/// What `/sys/kernel` holds besides kobjects: `debug`, debugfs.
pub fn kernel_extra_list() -> Vec<(String, VfsNodeType)> {
    alloc::vec![("debug".to_string(), VfsNodeType::Dir)]
}

/// The entry `name` of `/sys/kernel` that is not a kobject, if any.
pub fn kernel_extra_child(name: &str, me: &VfsNodeRef) -> Option<VfsResult<VfsNodeRef>> {
    (name == "debug").then(|| Ok(Dir::node(DebugRoot, Some(me.clone()))))
}

/// `/sys/kernel/debug`: the debugfs entries modules created (root only,
/// mode 0700, as Linux mounts it).
struct DebugRoot;

impl DirOps for DebugRoot {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        Ok(crate::pde::root_list_in(crate::pde::Fs::Debug))
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        crate::pde::root_child_in(crate::pde::Fs::Debug, name, me).ok_or_else(enoent)
    }

    fn mode(&self) -> Mode {
        0o700
    }
}

/// `/sys/module`.
struct ModuleList;

impl DirOps for ModuleList {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        let mut names: Vec<String> = module::list().iter().map(|m| m.name().into()).collect();
        names.sort();
        let mut out = crate::sysfs_kernel::list();
        out.extend(names.into_iter().map(|n| (n, VfsNodeType::Dir)));
        Ok(out)
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        if let Some(node) = crate::sysfs_kernel::child(name, me) {
            return node;
        }
        let m = module::find(name).ok_or_else(enoent)?;
        Ok(Dir::node(
            ModuleDir {
                m: Arc::downgrade(&m),
            },
            Some(me.clone()),
        ))
    }
}

/// The plain attributes of a module directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attr {
    Uevent,
    Initstate,
    Refcnt,
    Coresize,
    Initsize,
    Taint,
    Version,
    Srcversion,
}

const ATTRS: &[(&str, Attr)] = &[
    ("uevent", Attr::Uevent),
    ("initstate", Attr::Initstate),
    ("refcnt", Attr::Refcnt),
    ("coresize", Attr::Coresize),
    ("initsize", Attr::Initsize),
    ("taint", Attr::Taint),
    ("version", Attr::Version),
    ("srcversion", Attr::Srcversion),
];

/// `/sys/module/<m>`.
struct ModuleDir {
    m: Weak<Module>,
}

impl ModuleDir {
    /// Whether `attr` exists for this module (version/srcversion only when
    /// .modinfo carries them).
    fn has(m: &Module, attr: Attr) -> bool {
        match attr {
            Attr::Version => m.modinfo_get("version").is_some(),
            Attr::Srcversion => m.modinfo_get("srcversion").is_some(),
            _ => true,
        }
    }
}

impl DirOps for ModuleDir {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        let m = registered(&self.m)?;
        let mut out: Vec<(String, VfsNodeType)> = ATTRS
            .iter()
            .filter(|(_, a)| Self::has(&m, *a))
            .map(|(n, _)| (n.to_string(), VfsNodeType::File))
            .collect();
        out.push(("holders".into(), VfsNodeType::Dir));
        out.push(("sections".into(), VfsNodeType::Dir));
        if !m.sysfs_params().is_empty() {
            out.push(("parameters".into(), VfsNodeType::Dir));
        }
        Ok(out)
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        let m = registered(&self.m)?;
        let weak = self.m.clone();
        let parent = Some(me.clone());
        match name {
            "holders" => Ok(Dir::node(Holders { m: weak }, parent)),
            "sections" => Ok(Dir::node(Sections { m: weak }, parent)),
            "parameters" if !m.sysfs_params().is_empty() => {
                Ok(Dir::node(Parameters { m: weak }, parent))
            }
            _ => {
                let attr = ATTRS
                    .iter()
                    .find(|(n, a)| *n == name && Self::has(&m, *a))
                    .map(|(_, a)| *a)
                    .ok_or_else(enoent)?;
                Ok(File::node(AttrFile { m: weak, attr }))
            }
        }
    }
}

struct AttrFile {
    m: Weak<Module>,
    attr: Attr,
}

impl AttrFile {
    fn render(&self, m: &Module) -> String {
        match self.attr {
            Attr::Uevent => String::new(),
            Attr::Initstate => format!("{}\n", m.state().initstate()),
            Attr::Refcnt => format!("{}\n", m.refcnt()),
            Attr::Coresize => format!("{}\n", m.core_size()),
            Attr::Initsize => format!("{}\n", m.init_size()),
            Attr::Taint => format!("{}\n", taint::letters(m.taint_mask())),
            Attr::Version => format!("{}\n", m.modinfo_get("version").unwrap_or("")),
            Attr::Srcversion => format!("{}\n", m.modinfo_get("srcversion").unwrap_or("")),
        }
    }
}

/// The actions a kobject's `uevent` file accepts.
const UEVENT_ACTIONS: &[&str] = &[
    "add", "remove", "change", "move", "online", "offline", "bind", "unbind",
];

impl FileOps for AttrFile {
    fn mode(&self) -> Mode {
        if self.attr == Attr::Uevent {
            0o200
        } else {
            0o444
        }
    }

    fn read_at(&self, _cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        let m = registered(&self.m)?;
        Ok(read_slice(self.render(&m).as_bytes(), offset, buf))
    }

    fn write(&self, _cred: &Cred, data: &[u8]) -> VfsResult<usize> {
        registered(&self.m)?;
        // Writing an action to `uevent` replays it to userspace (udev); this
        // kernel has no uevent listeners, so a known action is accepted
        // and dropped.
        let text = core::str::from_utf8(data).map_err(|_| errno(Errno::EINVAL.code()))?;
        let action = text.split_whitespace().next().unwrap_or("");
        if UEVENT_ACTIONS.contains(&action) {
            Ok(data.len())
        } else {
            Err(errno(Errno::EINVAL.code()))
        }
    }
}

/// `/sys/module/<m>/holders`: a link per module using this one.
struct Holders {
    m: Weak<Module>,
}

impl DirOps for Holders {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        let m = registered(&self.m)?;
        Ok(m.holders()
            .into_iter()
            .map(|h| (h, VfsNodeType::SymLink))
            .collect())
    }

    fn child(&self, name: &str, _me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        let m = registered(&self.m)?;
        if m.holders().iter().any(|h| h == name) {
            Ok(Symlink::node(&format!("../../{name}")))
        } else {
            Err(enoent())
        }
    }
}

/// `/sys/module/<m>/sections`: one file per loaded section.
struct Sections {
    m: Weak<Module>,
}

impl DirOps for Sections {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        let m = registered(&self.m)?;
        let mut names: Vec<String> = m
            .sections()
            .into_iter()
            .filter(|s| s.size > 0)
            .map(|s| s.name)
            .collect();
        names.dedup();
        Ok(names.into_iter().map(|n| (n, VfsNodeType::File)).collect())
    }

    fn child(&self, name: &str, _me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        let m = registered(&self.m)?;
        m.section_addr(name).ok_or_else(enoent)?;
        Ok(File::node(SectionFile {
            m: self.m.clone(),
            name: name.into(),
        }))
    }
}

/// Bytes of a section file: `0x` + 16 hex digits + newline.
const SECTION_TEXT_LEN: usize = 19;

struct SectionFile {
    m: Weak<Module>,
    name: String,
}

impl FileOps for SectionFile {
    fn mode(&self) -> Mode {
        0o400
    }

    fn size(&self) -> u64 {
        SECTION_TEXT_LEN as u64
    }

    /// Linux's module_sect_read: the whole text from offset 0, EOF past its
    /// end, EINVAL for a read starting inside it.
    fn read_at(&self, cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        let m = registered(&self.m)?;
        let addr = m.section_addr(&self.name).ok_or_else(enoent)?;
        if offset >= SECTION_TEXT_LEN as u64 {
            return Ok(0);
        }
        if offset != 0 {
            return Err(errno(Errno::EINVAL.code()));
        }
        let shown = if cred.sees_addresses() { addr } else { 0 };
        Ok(read_slice(format!("0x{shown:016x}\n").as_bytes(), 0, buf))
    }
}

/// `/sys/module/<m>/parameters`: the parameters with a non-zero perm.
struct Parameters {
    m: Weak<Module>,
}

impl DirOps for Parameters {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        let m = registered(&self.m)?;
        Ok(m.sysfs_params()
            .into_iter()
            .map(|(n, _)| (n, VfsNodeType::File))
            .collect())
    }

    fn child(&self, name: &str, _me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        let m = registered(&self.m)?;
        let (name, perm) = m
            .sysfs_params()
            .into_iter()
            .find(|(n, _)| n == name)
            .ok_or_else(enoent)?;
        Ok(File::node(ParamFile {
            m: self.m.clone(),
            name,
            perm: perm & 0o777,
            shown: ax_kspin::SpinRaw::new(None),
        }))
    }
}

struct ParamFile {
    m: Weak<Module>,
    name: String,
    perm: Mode,
    /// What the last read at offset 0 showed: later offsets read from it,
    /// so one `cat` calls `get` once (as kernfs's seq_file does per open).
    shown: ax_kspin::SpinRaw<Option<Vec<u8>>>,
}

impl FileOps for ParamFile {
    fn mode(&self) -> Mode {
        self.perm
    }

    /// The parameter's own `get` op, called by a read at offset 0 (or the
    /// first read); the reads after it continue its text.
    fn read_at(&self, _cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        let m = registered(&self.m)?;
        if offset != 0
            && let Some(text) = self.shown.lock().as_ref()
        {
            return Ok(read_slice(text, offset, buf));
        }
        let text = m.param_get(&self.name).map_err(|e| errno(e.errno.code()))?;
        let n = read_slice(&text, offset, buf);
        *self.shown.lock() = Some(text);
        Ok(n)
    }

    /// The parameter's own `set` op, under the module's parameter lock;
    /// a refused value leaves the old one and returns the setter's errno.
    fn write(&self, _cred: &Cred, data: &[u8]) -> VfsResult<usize> {
        let m = registered(&self.m)?;
        m.param_set(&self.name, data)
            .map_err(|e| errno(e.errno.code()))?;
        Ok(data.len())
    }
}
