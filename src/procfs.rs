//! `/proc/modules` and `/proc/kallsyms` (Linux's kernel/module/procfs.c and
//! kernel/kallsyms.c), generated on every read, and beside them the
//! entries modules create ([`crate::pde`]).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

use ax_fs_vfs::{VfsNodeRef, VfsNodeType, VfsResult};
use starry_kmod_fs::pseudo::{Cred, Dir, DirOps, File, FileOps, Mode, PseudoFs, errno, read_slice};

use crate::errno::Errno;
use crate::kallsyms;
use crate::module::{self, Module};
use crate::{hung_task, pde, taint};

/// The procfs filesystem with the module files (mount it at `/proc`).
pub fn filesystem() -> Arc<PseudoFs> {
    PseudoFs::new(Dir::node(ProcRoot, None))
}

struct ProcRoot;

impl DirOps for ProcRoot {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        Ok(alloc::vec![
            ("kallsyms".to_string(), VfsNodeType::File),
            ("modules".to_string(), VfsNodeType::File),
            ("sys".to_string(), VfsNodeType::Dir),
        ]
        .into_iter()
        .chain(pde::root_list())
        .collect())
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        match name {
            "modules" => Ok(File::node(Modules)),
            "kallsyms" => Ok(File::node(Kallsyms)),
            "sys" => Ok(Dir::node(Sysctl(&["kernel"]), Some(me.clone()))),
            _ => pde::root_child(name, me).ok_or_else(|| errno(Errno::ENOENT.code())),
        }
    }
}

/// `/proc/sys` and `/proc/sys/kernel`: the sysctls of this subsystem,
/// `kernel/tainted` (the kernel-wide taint mask, as module tools read it)
/// and `kernel/hung_task_timeout_secs` (the hung-task watchdog).
struct Sysctl(&'static [&'static str]);

impl DirOps for Sysctl {
    fn list(&self) -> VfsResult<Vec<(String, VfsNodeType)>> {
        Ok(match self.0 {
            ["kernel"] => alloc::vec![("kernel".to_string(), VfsNodeType::Dir)],
            _ => alloc::vec![
                ("hung_task_timeout_secs".to_string(), VfsNodeType::File),
                ("tainted".to_string(), VfsNodeType::File),
            ],
        })
    }

    fn child(&self, name: &str, me: &VfsNodeRef) -> VfsResult<VfsNodeRef> {
        match (self.0, name) {
            (["kernel"], "kernel") => Ok(Dir::node(Sysctl(&["tainted"]), Some(me.clone()))),
            (["tainted"], "tainted") => Ok(File::node(TAINTED)),
            (["tainted"], "hung_task_timeout_secs") => Ok(File::node(HUNG_TASK_TIMEOUT)),
            _ => Err(errno(Errno::ENOENT.code())),
        }
    }

    fn mode(&self) -> Mode {
        0o555
    }
}

/// A numeric sysctl: its value as a decimal line, and, when it has a
/// setter, root-writable (proc_dointvec's shape, without ranges).
struct Sysctl1 {
    get: fn() -> u64,
    set: Option<fn(u64)>,
}

/// `kernel/tainted`: the kernel-wide taint mask, read-only.
const TAINTED: Sysctl1 = Sysctl1 {
    get: || u64::from(taint::kernel_taint()),
    set: None,
};

/// `kernel/hung_task_timeout_secs`: seconds before a call into module
/// code that has not returned is reported (0: never).
const HUNG_TASK_TIMEOUT: Sysctl1 = Sysctl1 {
    get: hung_task::timeout_secs,
    set: Some(hung_task::set_timeout_secs),
};

impl FileOps for Sysctl1 {
    fn mode(&self) -> Mode {
        if self.set.is_some() { 0o644 } else { 0o444 }
    }
    fn size(&self) -> u64 {
        0
    }
    fn read_at(&self, _cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        let text = format!("{}\n", (self.get)());
        Ok(read_slice(text.as_bytes(), offset, buf))
    }
    fn write(&self, _cred: &Cred, data: &[u8]) -> VfsResult<usize> {
        let set = self.set.ok_or_else(|| errno(Errno::EACCES.code()))?;
        let value = core::str::from_utf8(data)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| errno(Errno::EINVAL.code()))?;
        set(value);
        Ok(data.len())
    }
}

/// One `/proc/modules` line: `name size refcnt deps state 0x%016x[ (taint)]`.
pub fn modules_line(m: &Module, show_addr: bool) -> String {
    let mut line = format!(
        "{} {} {} ",
        m.name(),
        m.core_size() + m.init_size(),
        m.refcnt()
    );
    let mut deps = String::new();
    for h in m.holders() {
        let _ = write!(deps, "{h},");
    }
    if m.is_permanent() {
        deps.push_str("[permanent],");
    }
    if deps.is_empty() {
        deps.push('-');
    }
    line.push_str(&deps);
    let addr = if show_addr { m.text_base() } else { 0 };
    let _ = write!(line, " {} 0x{addr:016x}", m.state().proc_state());
    if m.taint_mask() != 0 {
        line.push(' ');
        line.push_str(&m.flags());
    }
    line.push('\n');
    line
}

/// The whole of `/proc/modules`, newest module first.
pub fn modules_text(show_addr: bool) -> String {
    module::list()
        .iter()
        .map(|m| modules_line(m, show_addr))
        .collect()
}

struct Modules;

impl FileOps for Modules {
    fn mode(&self) -> Mode {
        0o444
    }
    fn size(&self) -> u64 {
        0
    }
    fn read_at(&self, cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        let show = cred.sees_addresses();
        let generation = module::generation();
        let cached = MODULES_TEXT
            .lock()
            .as_ref()
            .filter(|(g, s, _)| *g == generation && *s == show)
            .map(|(_, _, t)| t.clone());
        let text = match cached {
            Some(t) => t,
            None => {
                let t = Arc::new(modules_text(show));
                *MODULES_TEXT.lock() = Some((generation, show, t.clone()));
                t
            }
        };
        Ok(read_slice(text.as_bytes(), offset, buf))
    }
}

/// /proc/modules as last rendered: (registry generation, addresses shown,
/// text). Every change of a module's state or refcount moves the
/// generation, so a cached text is never stale.
static MODULES_TEXT: ax_kspin::SpinRaw<Option<(u64, bool, Arc<String>)>> =
    ax_kspin::SpinRaw::new(None);

struct Kallsyms;

impl FileOps for Kallsyms {
    fn mode(&self) -> Mode {
        0o444
    }
    fn size(&self) -> u64 {
        0
    }
    fn read_at(&self, cred: &Cred, offset: u64, buf: &mut [u8]) -> VfsResult<usize> {
        Ok(kallsyms::read(offset, buf, cred.sees_addresses()))
    }
}
