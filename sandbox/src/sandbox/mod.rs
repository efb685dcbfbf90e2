//! `starry-kmod run SCRIPT`: the user-mode kernel under real userspace.
//!
//! The supervisor (this process) creates a private mount namespace, serves
//! the kernel's VFS through FUSE and binds its pieces over the host's
//! paths (`/sys/module`, `/proc/kallsyms`, `/lib/modules/$(uname -r)`,
//! the modprobe.d directories, `/proc/cmdline`), then runs the script with
//! `/bin/sh` under a seccomp filter whose module syscalls (and opens of
//! `/proc/modules`, which this host lacks) it performs itself. Nothing the
//! script does reaches the host's module subsystem.

mod fusefs;
mod guard;
mod hostfile;
mod interrupt;
mod seccomp;
mod terminal;

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use starry_kmod::RELEASE;
use starry_kmod::vfs::mount_pseudo;
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::rootfs::RootFs;

/// The kernel command line scripts see in /proc/cmdline (the host's must
/// not leak module options in).
const CMDLINE: &str = "console=ttyS0 root=/dev/ram0 rw\n";

/// Directories modprobe reads configuration from; those that exist on the
/// host are hidden (replaced by the sandbox's /etc/modprobe.d or by an
/// empty directory).
const MODPROBE_DIRS: &[&str] = &[
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
];

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in paths")
}

fn os_err(what: &str) -> String {
    format!("{what}: {}", io::Error::last_os_error())
}

fn mount(
    src: &str,
    dst: &str,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> Result<(), String> {
    let (s, d) = (cstr(src), cstr(dst));
    let t = fstype.map(cstr);
    let o = data.map(cstr);
    // SAFETY: mount(2) with valid NUL-terminated strings or NULLs.
    let r = unsafe {
        libc::mount(
            s.as_ptr(),
            d.as_ptr(),
            t.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
            flags,
            o.as_ref()
                .map_or(std::ptr::null(), |o| o.as_ptr() as *const libc::c_void),
        )
    };
    if r != 0 {
        return Err(os_err(&format!("mount {src} on {dst}")));
    }
    Ok(())
}

fn bind(src: &str, dst: &str) -> Result<(), String> {
    mount(src, dst, None, libc::MS_BIND, None)
}

/// Enters a private mount namespace (and, for a non-root user, a user
/// namespace mapping them to root). Must run before any thread starts.
fn enter_namespace() -> Result<(), String> {
    // SAFETY: geteuid/getegid have no preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let flags = if uid == 0 {
        libc::CLONE_NEWNS
    } else {
        libc::CLONE_NEWNS | libc::CLONE_NEWUSER
    };
    // SAFETY: unshare(2) on this single-threaded process.
    if unsafe { libc::unshare(flags) } != 0 {
        return Err(os_err(
            "cannot create a private mount namespace (the sandbox needs root, or \
             unprivileged user namespaces)",
        ));
    }
    if uid != 0 {
        let w = |p: &str, s: String| fs::write(p, s).map_err(|e| format!("{p}: {e}"));
        w("/proc/self/setgroups", "deny".into())?;
        w("/proc/self/uid_map", format!("0 {uid} 1"))?;
        w("/proc/self/gid_map", format!("0 {gid} 1"))?;
    }
    mount("none", "/", None, libc::MS_REC | libc::MS_PRIVATE, None)
}

/// The host's kernel release (`uname -r`), which the tools look for under
/// /lib/modules.
fn host_release() -> String {
    // SAFETY: uname fills a plain struct.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    unsafe { libc::uname(&mut u) };
    let bytes: Vec<u8> = u
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

struct OpenFiles {
    fuse: PathBuf,
    kallsyms_bound: bool,
}

impl OpenFiles {
    /// Opens the FUSE file with the access mode the caller asked for, its
    /// flags that a module's open sees (O_NONBLOCK, O_APPEND...), and
    /// `extra` open flags.
    fn open_fuse(&self, rel: &str, flags: i32, extra: i32) -> io::Result<OwnedFd> {
        use std::os::unix::fs::OpenOptionsExt;
        let mode = flags & libc::O_ACCMODE;
        let passed = flags
            & (libc::O_NONBLOCK | libc::O_APPEND | libc::O_TRUNC | libc::O_DIRECT | libc::O_SYNC);
        fs::OpenOptions::new()
            .read(mode != libc::O_WRONLY)
            .write(mode != libc::O_RDONLY)
            .custom_flags(passed | extra)
            .open(self.fuse.join(rel))
            .map(OwnedFd::from)
    }

    /// Opens a module's /proc entry for its caller (whose credentials the
    /// supervisor carries): refused with EACCES when its mode and owner do
    /// not allow the access, as Linux's open; a file is opened O_DIRECT,
    /// so that sendfile/splice read it through its read op rather than a
    /// page cache that ends at the size 0 it reports.
    fn open_entry(&self, rel: &str, flags: i32) -> io::Result<OwnedFd> {
        let path = format!("/{rel}");
        let mode = flags & libc::O_ACCMODE;
        let wants = [
            (mode != libc::O_WRONLY, starry_kmod_fs::pseudo::Access::Read),
            (
                mode != libc::O_RDONLY,
                starry_kmod_fs::pseudo::Access::Write,
            ),
        ];
        let entry = starry_kmod::pde::by_path(&path);
        for (asked, access) in wants {
            if asked && starry_kmod::pde::may_open(&path, access) == Some(false) {
                return Err(io::Error::from_raw_os_error(libc::EACCES));
            }
        }
        let is_dir = entry.is_some_and(|e| e.is_dir());
        self.open_fuse(rel, flags, if is_dir { 0 } else { libc::O_DIRECT })
    }
}

/// `/proc/<entry>[/...]` where `<entry>` is a file or directory a module
/// created (the host's /proc has no such name): its path in the FUSE tree.
fn module_proc_entry(path: &[u8]) -> Option<String> {
    let rest = std::str::from_utf8(path.strip_prefix(b"/proc/")?).ok()?;
    let first = rest.split('/').next()?;
    starry_kmod::pde::by_name(first, None)?;
    Some(format!("proc/{}", rest.trim_end_matches('/')))
}

impl seccomp::OpenHook for OpenFiles {
    fn open(&self, path: &[u8], flags: i32, pid: u32) -> Option<io::Result<OwnedFd>> {
        let rel = match path {
            b"/proc/modules" => "proc/modules",
            b"/proc/kallsyms" if !self.kallsyms_bound => "proc/kallsyms",
            _ => {
                let rel = module_proc_entry(path)?;
                let cred = seccomp::status_cred(pid);
                return Some(starry_kmod::platform::host::with_cred(cred, || {
                    self.open_entry(&rel, flags)
                }));
            }
        };
        Some(self.open_fuse(rel, libc::O_RDONLY, 0))
    }

    fn served_at(&self, path: &[u8]) -> Option<PathBuf> {
        module_proc_entry(path).map(|rel| self.fuse.join(rel))
    }

    fn may_sleep(&self, path: &[u8]) -> bool {
        module_proc_entry(path).is_some()
    }
}

/// The sandbox's scratch directory (removed on drop).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn scratch_dir() -> Result<Scratch, String> {
    let mut tmpl = *b"/tmp/starry-kmod.XXXXXX\0";
    // SAFETY: mkdtemp rewrites the template in place.
    let p = unsafe { libc::mkdtemp(tmpl.as_mut_ptr() as *mut libc::c_char) };
    if p.is_null() {
        return Err(os_err("mkdtemp"));
    }
    let s = String::from_utf8_lossy(&tmpl[..tmpl.len() - 1]).into_owned();
    Ok(Scratch(PathBuf::from(s)))
}

/// Builds the kernel's filesystems: the rootfs with the sample modules
/// (installed: depmod's indexes are there), the user's modules under
/// `extra/`, an empty /etc/modprobe.d, sysfs and procfs.
fn build_vfs(extra: &[(String, Vec<u8>)]) -> Result<(RootFs, Arc<Namespace>), String> {
    let rootfs = RootFs::new(RELEASE).map_err(|e| format!("rootfs: {e:?}"))?;
    // As modules_install left them: signed.
    for m in starry_sample_modules::INSTALLED_MODULES {
        rootfs
            .add_module(m.name, m.bytes)
            .map_err(|e| format!("rootfs: {}: {e:?}", m.name))?;
    }
    rootfs
        .root()
        .create("etc/modprobe.d", ax_fs_vfs::VfsNodeType::Dir)
        .map_err(|e| format!("rootfs: /etc/modprobe.d: {e:?}"))?;
    // The installed tree as `make modules_install` + depmod left it (the
    // indexes, modules.order, modules.builtin*), and `build`, the Kbuild
    // directory's mount point.
    let dir = rootfs.module_dir();
    for (file, bytes) in starry_sample_modules::INSTALLED {
        rootfs
            .add_file(&format!("{dir}/{file}"), bytes)
            .map_err(|e| format!("rootfs: {file}: {e:?}"))?;
    }
    rootfs
        .root()
        .create(&format!("{}/build", &dir[1..]), ax_fs_vfs::VfsNodeType::Dir)
        .map_err(|e| format!("rootfs: {dir}/build: {e:?}"))?;
    for m in extra {
        let path = format!("{dir}/extra/{}", m.0);
        make_parents(&rootfs, &path)
            .and_then(|()| rootfs.add_file(&path, &m.1).map(drop))
            .map_err(|e| format!("rootfs: extra/{}: {e:?}", m.0))?;
    }
    let ns = Arc::new(Namespace::new(rootfs.root()));
    mount_pseudo(&ns).map_err(|e| format!("mounting sysfs/procfs: {e:?}"))?;
    Ok((rootfs, ns))
}

/// Creates the directories leading to the absolute `path` in the rootfs.
fn make_parents(rootfs: &RootFs, path: &str) -> ax_fs_vfs::VfsResult {
    let mut at = 0;
    while let Some(i) = path[at + 1..].find('/') {
        at += 1 + i;
        let dir = &path[1..at];
        if rootfs.lookup(&path[..at]).is_err() {
            rootfs.root().create(dir, ax_fs_vfs::VfsNodeType::Dir)?;
        }
    }
    Ok(())
}

/// What the sandboxed shell runs.
pub enum Script {
    /// A script file.
    File(PathBuf),
    /// Script text (`sh -c`).
    Text(&'static str),
    /// An interactive shell.
    Interactive,
}

/// Module files for the tree: (path below `extra/`, bytes).
pub type ModuleFiles = Vec<(String, Vec<u8>)>;

/// The `.ko` files under `dir` (recursively), as (path below `dir`, bytes).
pub fn modules_in(dir: &Path) -> Result<ModuleFiles, String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let p = e.map_err(|e| e.to_string())?.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "ko") {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .into_owned();
                out.push((
                    rel,
                    fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?,
                ));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Module signing as the kernel boots it: the build's certificates are
/// built in (Linux's CONFIG_MODULE_SIG with its system keyring), and
/// `STARRY_KMOD_CMDLINE` is the kernel command line
/// (`module.sig_enforce=1` enforces signatures from boot).
pub fn boot_module_signing() {
    starry_kmod::signature::init_module_signing(starry_sample_modules::signing::CERTS);
    if let Ok(cmdline) = std::env::var("STARRY_KMOD_CMDLINE") {
        starry_kmod::signature::apply_cmdline(&cmdline);
    }
}

/// Runs `script` with `/bin/sh` in the sandbox; returns its exit status.
pub fn run(script: &Script, args: &[String], extra: &[(String, Vec<u8>)]) -> Result<i32, String> {
    guard::fork_watcher()?;
    let host = starry_kmod::platform::host::install();
    // Kernel messages go to stderr as `<level>text`, the script's output
    // stays on stdout (STARRY_KMOD_QUIET=1 silences the kernel).
    host.set_console_echo(std::env::var_os("STARRY_KMOD_QUIET").is_none());
    boot_module_signing();
    let (_rootfs, ns) = build_vfs(extra)?;
    enter_namespace()?;
    let scratch = scratch_dir()?;
    let w = scratch.0.clone();
    prepare_scratch(&w)?;
    let fuse_dir = w.join("fuse");
    let session = mount_kernel_fs(ns, &fuse_dir)?;
    let kallsyms_bound = bind_kernel_files(&w, &fuse_dir)?;
    bind_module_tree(&w, &fuse_dir, !extra.is_empty())?;
    hide_modprobe_config(&w, &fuse_dir)?;
    let hook = OpenFiles {
        fuse: fuse_dir,
        kallsyms_bound,
    };
    let status = spawn_and_wait(script, args, hook)?;
    drop(session);
    Ok(status)
}

/// A path below the scratch directory, as a string for mount(2).
fn below(dir: &Path, rel: &str) -> String {
    dir.join(rel).to_string_lossy().into_owned()
}

/// Everything the sandbox creates lives in a tmpfs of this namespace: the
/// FUSE mount point, the overlay's directories, an empty directory and
/// the kernel command line.
fn prepare_scratch(w: &Path) -> Result<(), String> {
    mount(
        "tmpfs",
        &w.to_string_lossy(),
        Some("tmpfs"),
        0,
        Some("mode=0755"),
    )?;
    for d in ["fuse", "upper", "work", "empty"] {
        fs::create_dir_all(w.join(d)).map_err(|e| format!("{d}: {e}"))?;
    }
    fs::write(w.join("cmdline"), CMDLINE).map_err(|e| e.to_string())
}

/// FUSE request threads: as many callers may sleep in modules at once
/// while the others' file access goes on.
const FUSE_THREADS: usize = 16;

/// Serves the kernel's VFS through FUSE at `fuse_dir`.
fn mount_kernel_fs(
    ns: Arc<Namespace>,
    fuse_dir: &Path,
) -> Result<fuser::BackgroundSession, String> {
    let config = {
        let mut c = fuser::Config::default();
        // The kernel checks each open against the mode and owner served
        // (as Linux's VFS does before a sysfs/procfs open reaches it).
        c.mount_options = vec![
            fuser::MountOption::FSName("starry-kmod".into()),
            fuser::MountOption::DefaultPermissions,
        ];
        c.acl = fuser::SessionACL::All;
        // Requests are served concurrently: a read that sleeps in a module
        // stalls only its caller (each thread has its own /dev/fuse fd).
        c.n_threads = Some(FUSE_THREADS);
        c.clone_fd = true;
        c
    };
    fuser::spawn_mount(fusefs::KernelFs::new(ns), fuse_dir, &config).map_err(|e| {
        format!(
            "cannot mount the kernel's files with FUSE at {}: {e} (the sandbox needs \
             /dev/fuse)",
            fuse_dir.display()
        )
    })
}

/// Binds /sys (the kernel's sysfs: /sys/module, the kobjects modules
/// add under /sys/kernel...), /proc/kallsyms (when the host has one to bind
/// over; returns whether it did), /proc/cmdline and the kernel's sysctls.
fn bind_kernel_files(w: &Path, fuse_dir: &Path) -> Result<bool, String> {
    let fuse = |rel: &str| below(fuse_dir, rel);
    bind(&fuse("sys"), "/sys")?;
    let kallsyms_bound = Path::new("/proc/kallsyms").exists()
        && bind(&fuse("proc/kallsyms"), "/proc/kallsyms").is_ok();
    bind(&below(w, "cmdline"), "/proc/cmdline")?;
    bind(&fuse("proc/sys/kernel/tainted"), "/proc/sys/kernel/tainted")?;
    let hung = "/proc/sys/kernel/hung_task_timeout_secs";
    if Path::new(hung).exists() {
        bind(&fuse("proc/sys/kernel/hung_task_timeout_secs"), hung)?;
    }
    Ok(kallsyms_bound)
}

/// /lib/modules/$(uname -r) and /lib/modules/<this kernel's release>
/// (where `make modules_install` installs and runs depmod): an overlay
/// adds the directories when the host has none, then the rootfs's module
/// tree is bound on both, and the Kbuild directory on its `build`. With
/// the user's modules in the tree, depmod indexes them.
fn bind_module_tree(w: &Path, fuse_dir: &Path, reindex: bool) -> Result<(), String> {
    let release = host_release();
    let targets: Vec<String> = [release.as_str(), RELEASE]
        .iter()
        .map(|r| format!("/usr/lib/modules/{r}"))
        .collect();
    if targets.iter().any(|t| !Path::new(t).is_dir()) {
        for r in [release.as_str(), RELEASE] {
            fs::create_dir_all(w.join("upper/modules").join(r)).map_err(|e| e.to_string())?;
        }
        let opts = format!(
            "lowerdir=/usr/lib,upperdir={},workdir={}",
            below(w, "upper"),
            below(w, "work")
        );
        mount("overlay", "/usr/lib", Some("overlay"), 0, Some(&opts))?;
    }
    let tree = below(fuse_dir, &format!("lib/modules/{RELEASE}"));
    bind(&tree, &targets[0])?;
    if release != RELEASE {
        bind(&tree, &targets[1])?;
    }
    for t in targets.iter().take(if release != RELEASE { 2 } else { 1 }) {
        bind(starry_sample_modules::KBUILD_DIR, &format!("{t}/build"))?;
    }
    if reindex {
        // depmod runs outside the filter: it only reads and writes the tree.
        let st = Command::new("depmod")
            .args(["-a", RELEASE])
            .status()
            .map_err(|e| format!("depmod: {e}"))?;
        if !st.success() {
            return Err(format!("depmod -a {RELEASE} failed ({st})"));
        }
    }
    Ok(())
}

/// The host's modprobe configuration is hidden: /etc/modprobe.d is the
/// rootfs's, the other directories and /etc/modprobe.conf are empty.
fn hide_modprobe_config(w: &Path, fuse_dir: &Path) -> Result<(), String> {
    for dir in MODPROBE_DIRS {
        if !Path::new(dir).is_dir() {
            continue;
        }
        let src = if *dir == "/etc/modprobe.d" {
            below(fuse_dir, "etc/modprobe.d")
        } else {
            below(w, "empty")
        };
        bind(&src, dir)?;
    }
    if Path::new("/etc/modprobe.conf").exists() {
        fs::write(w.join("modprobe.conf"), "").map_err(|e| e.to_string())?;
        bind(&below(w, "modprobe.conf"), "/etc/modprobe.conf")?;
    }
    Ok(())
}

/// Starts the script under the seccomp filter, as PID 1 of its own PID
/// namespace, serves its module syscalls and opens, and waits for it;
/// returns its exit status.
fn spawn_and_wait(script: &Script, args: &[String], hook: OpenFiles) -> Result<i32, String> {
    let prog = seccomp::filter();
    let (parent_sock, child_sock) =
        std::os::unix::net::UnixStream::pair().map_err(|e| format!("socketpair: {e}"))?;
    let child_fd = child_sock.as_raw_fd();
    let parent_fd = parent_sock.as_raw_fd();
    let mut cmd = Command::new("/bin/sh");
    match script {
        Script::File(path) => cmd.arg(path),
        Script::Text(text) => cmd.args(["-c", text, "starry-kmod-demo"]),
        Script::Interactive => cmd.arg("-i"),
    };
    cmd.args(args);
    // An interactive shell on a terminal gets the terminal's foreground.
    let terminal = match script {
        Script::Interactive => terminal::foreground(),
        _ => None,
    };
    // SAFETY: the closure only makes async-signal-safe syscalls.
    unsafe {
        cmd.pre_exec(move || {
            libc::close(parent_fd);
            guard::enter_pid_namespace()?;
            if terminal.is_some() {
                terminal::take()?;
            }
            seccomp::install_in_child(&prog, child_fd)
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start /bin/sh: {e}"))?;
    drop(child_sock);
    let listener = seccomp::recv_fd(parent_sock.as_raw_fd()).map_err(|e| e.to_string())?;
    std::thread::spawn(move || seccomp::serve(listener, std::sync::Arc::new(hook)));
    guard::start_watchdog();
    let status = child.wait().map_err(|e| e.to_string())?;
    if let Some(pgrp) = terminal {
        terminal::give_back(pgrp);
    }
    Ok(status.code().unwrap_or(128 + 9))
}
