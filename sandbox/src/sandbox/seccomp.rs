//! The module syscalls of sandboxed processes, performed by the user-mode
//! kernel: a seccomp filter turns init_module, finit_module and
//! delete_module (and the opens of files this host lacks, such as
//! /proc/modules) into user notifications that the supervisor answers.
//!
//! The child installs the filter just before exec and hands the listener
//! to the supervisor over a socket; every descendant inherits it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use starry_kmod::platform::host::{take_pending_kill, with_cred, with_task};
use starry_kmod::platform::{Comm, Task};
use starry_kmod::{Errno, delete_module, finit_module, init_module};

use super::fusefs::cred_of;
use super::hostfile::HostFile;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const SYS_OPEN: u32 = 2;
const SYS_OPENAT: u32 = 257;
const SYS_INIT_MODULE: u32 = 175;
const SYS_DELETE_MODULE: u32 = 176;
const SYS_FINIT_MODULE: u32 = 313;
const SYS_STAT: u32 = 4;
const SYS_LSTAT: u32 = 6;
const SYS_NEWFSTATAT: u32 = 262;
const SYS_STATX: u32 = 332;

/// Largest module image init_module accepts from a process (Linux bounds
/// it by memory; the loader refuses more than 64 MiB of sections anyway).
const MAX_IMAGE: usize = 256 << 20;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// The BPF program: x86_64 only; the module syscalls and open/openat go to
/// the supervisor; everything else is allowed. 32-bit and x32 entries get
/// ENOSYS so they cannot bypass it.
pub fn filter() -> Vec<libc::sock_filter> {
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const JGE_K: u16 = 0x35;
    const RET_K: u16 = 0x06;
    let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
    let trapped = [
        SYS_INIT_MODULE,
        SYS_DELETE_MODULE,
        SYS_FINIT_MODULE,
        SYS_OPEN,
        SYS_OPENAT,
        SYS_STAT,
        SYS_LSTAT,
        SYS_NEWFSTATAT,
        SYS_STATX,
    ];
    let mut p = vec![
        stmt(LD_W_ABS, 4), // arch
        jump(JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(RET_K, enosys),
        stmt(LD_W_ABS, 0), // nr
        jump(JGE_K, X32_SYSCALL_BIT, 0, 1),
        stmt(RET_K, enosys),
    ];
    for nr in trapped {
        p.push(jump(JEQ_K, nr, 0, 1));
        p.push(stmt(RET_K, libc::SECCOMP_RET_USER_NOTIF));
    }
    p.push(stmt(RET_K, libc::SECCOMP_RET_ALLOW));
    p
}

/// In the child, between fork and exec: installs `prog` and sends the
/// listener over `sock`. Only async-signal-safe calls, no allocation.
pub fn install_in_child(prog: &[libc::sock_filter], sock: RawFd) -> io::Result<()> {
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: plain syscalls on our own process with valid arguments; the
    // program outlives the call.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        let flags =
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        let fd = libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &fprog as *const libc::sock_fprog,
        );
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = fd as RawFd;
        send_fd(sock, fd)?;
        libc::close(fd);
        libc::close(sock);
    }
    Ok(())
}

/// Sends one descriptor with SCM_RIGHTS (no allocation).
fn send_fd(sock: RawFd, fd: RawFd) -> io::Result<()> {
    let mut byte = [0u8; 1];
    let mut cbuf = [0u64; 4];
    // SAFETY: msghdr and cmsg built over local buffers of the right size.
    unsafe {
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr() as *mut libc::c_void,
            iov_len: 1,
        };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = libc::CMSG_SPACE(4) as usize;
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_RIGHTS;
        (*c).cmsg_len = libc::CMSG_LEN(4) as usize;
        (libc::CMSG_DATA(c) as *mut RawFd).write_unaligned(fd);
        if libc::sendmsg(sock, &msg, 0) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Receives the descriptor the child sent.
pub fn recv_fd(sock: RawFd) -> io::Result<OwnedFd> {
    let mut byte = [0u8; 1];
    let mut cbuf = [0u64; 4];
    // SAFETY: as send_fd; the received descriptor is new and ours.
    unsafe {
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr() as *mut libc::c_void,
            iov_len: 1,
        };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = libc::CMSG_SPACE(4) as usize;
        if libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC) <= 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the sandboxed process did not send its seccomp listener",
            ));
        }
        let c = libc::CMSG_FIRSTHDR(&msg);
        if c.is_null() || (*c).cmsg_type != libc::SCM_RIGHTS {
            return Err(io::Error::other("no descriptor received"));
        }
        let fd = (libc::CMSG_DATA(c) as *const RawFd).read_unaligned();
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

/// Reads `len` bytes of another process's memory.
fn read_mem(pid: u32, addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        let local = libc::iovec {
            iov_base: buf[done..].as_mut_ptr() as *mut libc::c_void,
            iov_len: len - done,
        };
        let remote = libc::iovec {
            iov_base: (addr as usize + done) as *mut libc::c_void,
            iov_len: len - done,
        };
        // SAFETY: the local iovec covers our own buffer; the remote one is
        // only read by the kernel on our behalf.
        let n = unsafe { libc::process_vm_readv(pid as i32, &local, 1, &remote, 1, 0) };
        if n <= 0 {
            return Err(Errno::EFAULT);
        }
        done += n as usize;
    }
    Ok(buf)
}

/// Reads a NUL-terminated string of at most `max` bytes from another
/// process, page by page (a string may end just before unmapped memory).
fn read_cstr(pid: u32, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
    if addr == 0 {
        return Err(Errno::EFAULT);
    }
    let mut out = Vec::new();
    let mut at = addr;
    while out.len() < max {
        let page_left = 4096 - (at as usize % 4096);
        let chunk = read_mem(pid, at, page_left.min(max - out.len()))?;
        if let Some(nul) = chunk.iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..nul]);
            return Ok(out);
        }
        out.extend_from_slice(&chunk);
        at += chunk.len() as u64;
    }
    Err(Errno::ENAMETOOLONG)
}

/// A descriptor of another process, duplicated into ours.
fn their_fd(pid: u32, fd: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: pidfd_open/pidfd_getfd return new descriptors or -1.
    unsafe {
        let pidfd = libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0);
        if pidfd < 0 {
            return Err(Errno::ESRCH);
        }
        let pidfd = OwnedFd::from_raw_fd(pidfd as RawFd);
        let got = libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0);
        if got < 0 {
            return Err(Errno::EBADF);
        }
        Ok(OwnedFd::from_raw_fd(got as RawFd))
    }
}

/// What to answer a notification with.
pub enum Answer {
    /// Return this value from the syscall.
    Value(i64),
    /// Fail with this errno.
    Error(Errno),
    /// Let the syscall run in the host kernel.
    Continue,
    /// Install this descriptor in the caller and return its number.
    Fd(OwnedFd, u32),
    /// Kill the caller with this signal (its call oopsed the kernel).
    Kill(i32),
}

/// Paths this host kernel lacks and the sandbox supplies by descriptor.
pub trait OpenHook {
    /// A descriptor for `path` opened with `flags`' access mode for
    /// process `pid`, or None to let the open go to the host.
    fn open(&self, path: &[u8], flags: i32, pid: u32) -> Option<io::Result<OwnedFd>>;

    /// Where the file at absolute `path` is served, when the sandbox
    /// supplies it (a stat of it is answered from there), else None.
    fn served_at(&self, _path: &[u8]) -> Option<std::path::PathBuf> {
        None
    }

    /// Whether opening `path` may sleep in a module (its open op): such an
    /// open is carried out on a thread of its own, for its caller.
    fn may_sleep(&self, path: &[u8]) -> bool {
        let _ = path;
        false
    }
}

fn result(r: starry_kmod::KResult<()>) -> Answer {
    match r {
        Ok(()) => Answer::Value(0),
        Err(e) => Answer::Error(e.errno),
    }
}

/// Runs a module syscall as process `pid` (its credentials and its task,
/// for the Oops and the hung-task report); if the kernel asked for the
/// caller to die (an Oops), that is the answer.
fn as_caller(pid: u32, f: impl FnOnce() -> Answer) -> Answer {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim_end().to_string())
        .unwrap_or_default();
    let task = Task {
        pid,
        comm: Comm::new(&comm),
    };
    let answer = with_task(task, || with_cred(status_cred(pid), f));
    match take_pending_kill() {
        Some(sig) => Answer::Kill(sig),
        None => answer,
    }
}

/// Whether a trapped syscall is a module syscall (served on a thread of
/// its own: a module's init may take long, or never return).
fn is_module_syscall(nr: u32) -> bool {
    matches!(nr, SYS_INIT_MODULE | SYS_FINIT_MODULE | SYS_DELETE_MODULE)
}

/// Carries out one trapped syscall on behalf of process `pid`.
pub fn handle(data: &libc::seccomp_data, pid: u32, hook: &dyn OpenHook) -> Answer {
    let a = data.args;
    match data.nr as u32 {
        SYS_INIT_MODULE => {
            let len = a[1] as usize;
            if len > MAX_IMAGE {
                return Answer::Error(Errno::ENOMEM);
            }
            let image = match read_mem(pid, a[0], len) {
                Ok(b) => b,
                Err(e) => return Answer::Error(e),
            };
            let args = match read_cstr(pid, a[2], 1 << 20) {
                Ok(b) => b,
                Err(e) => return Answer::Error(e),
            };
            as_caller(pid, || result(init_module(&image, &args)))
        }
        SYS_FINIT_MODULE => {
            let fd = match their_fd(pid, a[0] as i32) {
                Ok(f) => f,
                Err(e) => return Answer::Error(e),
            };
            let args = match read_cstr(pid, a[1], 1 << 20) {
                Ok(b) => b,
                Err(e) => return Answer::Error(e),
            };
            let file = match HostFile::new(fd) {
                Ok(f) => f,
                Err(e) => return Answer::Error(e),
            };
            as_caller(pid, || result(finit_module(&file, &args, a[2] as u32)))
        }
        SYS_DELETE_MODULE => {
            let name = match read_cstr(pid, a[0], 64) {
                Ok(b) => b,
                Err(Errno::ENAMETOOLONG) => return Answer::Error(Errno::ENOENT),
                Err(e) => return Answer::Error(e),
            };
            let name = String::from_utf8_lossy(&name).into_owned();
            as_caller(pid, || result(delete_module(&name, a[1] as u32)))
        }
        SYS_OPEN | SYS_OPENAT => {
            let (path_arg, flags) = if data.nr as u32 == SYS_OPEN {
                (a[0], a[1])
            } else {
                (a[1], a[2])
            };
            let Ok(path) = read_cstr(pid, path_arg, 4096) else {
                return Answer::Continue;
            };
            match hook.open(&path, flags as i32, pid) {
                None => Answer::Continue,
                Some(Ok(fd)) => {
                    let cloexec = flags as i32 & libc::O_CLOEXEC != 0;
                    Answer::Fd(fd, if cloexec { libc::O_CLOEXEC as u32 } else { 0 })
                }
                Some(Err(e)) => Answer::Error(Errno(e.raw_os_error().unwrap_or(libc::EIO))),
            }
        }
        SYS_STAT | SYS_LSTAT | SYS_NEWFSTATAT | SYS_STATX => stat(data, pid, hook),
        _ => Answer::Continue,
    }
}

/// Writes `bytes` into another process's memory at `addr`.
fn write_mem(pid: u32, addr: u64, bytes: &[u8]) -> Result<(), Errno> {
    let local = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as usize as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: the local iovec covers our own buffer (only read); the
    // remote one is written by the kernel on our behalf, checked there.
    let n = unsafe { libc::process_vm_writev(pid as i32, &local, 1, &remote, 1, 0) };
    if n as usize == bytes.len() {
        Ok(())
    } else {
        Err(Errno::EFAULT)
    }
}

/// stat, lstat, newfstatat and statx of an absolute path the sandbox
/// serves (a module's /proc entry): answered with the served file's
/// status, written into the caller's buffer; any other path goes to the
/// host.
fn stat(data: &libc::seccomp_data, pid: u32, hook: &dyn OpenHook) -> Answer {
    let a = data.args;
    let nr = data.nr as u32;
    let (path_arg, buf, flags, mask) = match nr {
        SYS_STAT => (a[0], a[1], 0, 0),
        SYS_LSTAT => (a[0], a[1], libc::AT_SYMLINK_NOFOLLOW, 0),
        SYS_NEWFSTATAT => (a[1], a[2], a[3] as i32, 0),
        _ => (a[1], a[4], a[2] as i32, a[3] as u32),
    };
    let Ok(path) = read_cstr(pid, path_arg, 4096) else {
        return Answer::Continue;
    };
    let Some(served) = hook.served_at(&path) else {
        return Answer::Continue;
    };
    let Ok(cpath) = std::ffi::CString::new(served.as_os_str().as_encoded_bytes()) else {
        return Answer::Continue;
    };
    let flags = flags & (libc::AT_SYMLINK_NOFOLLOW | libc::AT_NO_AUTOMOUNT | libc::AT_EMPTY_PATH);
    let r = if nr == SYS_STATX {
        // SAFETY: statx fills a plain struct of ours.
        let mut st: libc::statx = unsafe { std::mem::zeroed() };
        // SAFETY: a valid path and our own buffer.
        let rc = unsafe { libc::statx(libc::AT_FDCWD, cpath.as_ptr(), flags, mask, &mut st) };
        // SAFETY: the struct's bytes, as the syscall writes them.
        (rc == 0).then(|| unsafe { as_bytes(&st) }.to_vec())
    } else {
        // SAFETY: fstatat fills a plain struct of ours.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: a valid path and our own buffer.
        let rc = unsafe { libc::fstatat(libc::AT_FDCWD, cpath.as_ptr(), &mut st, flags) };
        // SAFETY: as above.
        (rc == 0).then(|| unsafe { as_bytes(&st) }.to_vec())
    };
    match r {
        Some(bytes) => match write_mem(pid, buf, &bytes) {
            Ok(()) => Answer::Value(0),
            Err(e) => Answer::Error(e),
        },
        None => Answer::Error(Errno(
            io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )),
    }
}

/// The bytes of a plain C struct.
///
/// # Safety
/// `T` has no padding the caller may not read (libc's stat structs, fully
/// written by the kernel, zeroed first).
unsafe fn as_bytes<T>(v: &T) -> &[u8] {
    // SAFETY: per the contract.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
}

/// The caller's credentials: uid/gid and effective capabilities.
pub fn status_cred(pid: u32) -> starry_kmod::platform::Cred {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    };
    cred_of(pid, field("Uid:"), field("Gid:"))
}

/// Answers notification `id` on listener `fd`.
fn respond(fd: RawFd, id: u64, pid: u32, answer: Answer) {
    let mut resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: 0,
        flags: 0,
    };
    match answer {
        Answer::Value(v) => resp.val = v,
        Answer::Error(e) => resp.error = -e.code(),
        Answer::Continue => resp.flags = libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
        Answer::Kill(sig) => {
            // As Linux's make_task_dead after an Oops: the caller dies
            // (its shell reports the signal); the kernel carries on.
            // SAFETY: kill(2) on the calling process's pid.
            unsafe { libc::kill(pid as libc::pid_t, sig) };
            resp.error = -libc::EINTR;
        }
        Answer::Fd(file, newfd_flags) => {
            let addfd = libc::seccomp_notif_addfd {
                id,
                flags: libc::SECCOMP_ADDFD_FLAG_SEND as u32,
                srcfd: file.as_raw_fd() as u32,
                newfd: 0,
                newfd_flags,
            };
            // SAFETY: ADDFD with SEND installs the descriptor and answers
            // the notification in one step.
            unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) };
            return;
        }
    }
    // SAFETY: SEND reads one seccomp_notif_resp; a failure means the caller
    // is gone, which needs no answer.
    unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_SEND, &resp) };
}

/// Serves notifications until every sandboxed process is gone. Module
/// syscalls and opens of a module's files (whose open op may sleep) run
/// on threads of their own, so a module's init that takes long (or never
/// returns) or an open that sleeps stalls only its caller; other opens
/// are answered here at once.
pub fn serve(listener: OwnedFd, hook: std::sync::Arc<dyn OpenHook + Send + Sync>) {
    let listener = std::sync::Arc::new(listener);
    let fd = listener.as_raw_fd();
    loop {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, -1) };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        if pfd.revents & libc::POLLIN == 0 {
            // POLLHUP: no process uses the filter any more.
            return;
        }
        // SAFETY: seccomp_notif is plain data the ioctl fills in.
        let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: RECV writes one seccomp_notif.
        if unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut req) } < 0 {
            continue;
        }
        if is_module_syscall(req.data.nr as u32) {
            let keep = listener.clone();
            std::thread::spawn(move || {
                let answer = handle(&req.data, req.pid, &NoOpens);
                respond(keep.as_raw_fd(), req.id, req.pid, answer);
            });
            continue;
        }
        if sleepy_open(&req.data, req.pid, &*hook) {
            let keep = listener.clone();
            let hook = hook.clone();
            std::thread::spawn(move || {
                let answer =
                    super::interrupt::on_behalf_of(req.pid, || handle(&req.data, req.pid, &*hook));
                respond(keep.as_raw_fd(), req.id, req.pid, answer);
            });
            continue;
        }
        let answer = handle(&req.data, req.pid, &*hook);
        respond(fd, req.id, req.pid, answer);
    }
}

/// Whether this notification is an open of a file whose open may sleep.
fn sleepy_open(data: &libc::seccomp_data, pid: u32, hook: &dyn OpenHook) -> bool {
    let path_arg = match data.nr as u32 {
        SYS_OPEN => data.args[0],
        SYS_OPENAT => data.args[1],
        _ => return false,
    };
    read_cstr(pid, path_arg, 4096).is_ok_and(|p| hook.may_sleep(&p))
}

/// The open hook of module-syscall threads (they never see an open).
struct NoOpens;

impl OpenHook for NoOpens {
    fn open(&self, _path: &[u8], _flags: i32, _pid: u32) -> Option<io::Result<OwnedFd>> {
        None
    }
}
