//! Real userspace against the user-mode kernel: the scripts in
//! tests/scripts/ run Debian's kmod tools and busybox's module applets,
//! unchanged, in the sandbox (`starry-kmod run SCRIPT`), and their output
//! must be what kmod/busybox print against Linux for the same modules.
//!
//! Expected files are literal except for `{RELEASE}` (the host's `uname
//! -r`, the directory the tools use), `{N:8}` (a number right-aligned in 8
//! columns: module sizes depend on the memory layout) and `{X}` (hex
//! digits: srcversion digests).
//!
//! When the sandbox genuinely cannot start here (no root/user namespace,
//! no /dev/fuse) or the tools are missing, the test says so and passes,
//! unless STARRY_KMOD_REQUIRE_SANDBOX=1 (set by CI), where it fails.

mod common;

use std::path::Path;
use std::process::Command;

use common::skip::{Needs, installed};

/// Exit status of `starry-kmod` when the sandbox cannot start.
const CANNOT_START: i32 = 125;

fn skip(why: &str) {
    Needs::Sandbox.skip(why)
}

/// Matches one line against an expected line with placeholders.
fn line_matches(expected: &str, actual: &str, release: &str) -> bool {
    let expected = expected.replace("{RELEASE}", release);
    let mut rest = actual;
    let mut pat = expected.as_str();
    while !pat.is_empty() {
        if let Some(p) = pat.strip_prefix("{N:8}") {
            if rest.len() < 8 {
                return false;
            }
            let (field, r) = rest.split_at(8);
            let digits = field.trim_start_matches(' ');
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            rest = r;
            pat = p;
        } else if let Some(p) = pat.strip_prefix("{X}") {
            let n = rest.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
            if n == 0 {
                return false;
            }
            rest = &rest[n..];
            pat = p;
        } else {
            let lit_end = pat.find('{').filter(|&i| i > 0).unwrap_or(pat.len());
            let lit = &pat[..lit_end];
            match rest.strip_prefix(lit) {
                Some(r) => rest = r,
                None => return false,
            }
            pat = &pat[lit_end..];
        }
    }
    rest.is_empty()
}

fn uname_r() -> String {
    let out = Command::new("uname").arg("-r").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Runs a script; returns the kernel's messages (stderr), or None when
/// skipped.
fn run_script(name: &str, tools: &[&str]) -> Option<String> {
    run_script_with(name, tools, &[])
}

/// As [`run_script`], with arguments for the script.
fn run_script_with(name: &str, tools: &[&str], args: &[&Path]) -> Option<String> {
    run_script_opts(name, tools, &[], args)
}

/// As [`run_script_with`], with options of `run` before the script.
fn run_script_opts(
    name: &str,
    tools: &[&str],
    opts: &[&std::ffi::OsStr],
    args: &[&Path],
) -> Option<String> {
    for t in tools {
        if !installed(t) {
            skip(&format!(
                "{t} is not installed (apt-get install kmod busybox)"
            ));
            return None;
        }
    }
    // This test belongs to the sandbox package (sandbox/), its scripts to the
    // repository's tests/.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scripts");
    let script = dir.join(format!("{name}.sh"));
    let expected = std::fs::read_to_string(dir.join(format!("{name}.expected"))).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_starry-kmod"))
        .arg("run")
        .args(opts)
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(CANNOT_START) {
        skip(&format!("the sandbox cannot start here: {}", stderr.trim()));
        return None;
    }
    assert!(
        out.status.success(),
        "{name}.sh exited with {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let release = uname_r();
    let want: Vec<&str> = expected.lines().collect();
    let got: Vec<&str> = stdout.lines().collect();
    for (i, w) in want.iter().enumerate() {
        let g = got.get(i).copied().unwrap_or("<missing>");
        assert!(
            line_matches(w, g, &release),
            "{name}.sh line {}:\n  expected: {w}\n  got:      {g}\nwhole output:\n{stdout}\nstderr:\n{stderr}",
            i + 1
        );
    }
    assert_eq!(
        got.len(),
        want.len(),
        "{name}.sh printed extra lines:\n{stdout}"
    );
    Some(stderr.into_owned())
}

#[test]
fn the_module_runtime_in_the_sandbox() {
    let Some(log) = run_script("runtime", &["insmod", "rmmod", "lsmod", "dd"]) else {
        return;
    };
    // `current` in a module's read is the reading process.
    assert!(
        log.contains("waitq: cat (pid "),
        "the interrupted reader is not cat:\n{log}"
    );
    for what in [
        "counters: kthreads stopped, results right",
        "careless: killing tasklet tasklet_fn it left scheduled",
        "careless: stopping kthread careless:",
    ] {
        assert!(log.contains(what), "{what} not logged:\n{log}");
    }
    // Nothing of careless runs after its unload line.
    let after = log
        .split("careless: destroying kmem_cache")
        .nth(1)
        .unwrap_or("");
    assert!(!after.contains("still runs"), "freed code ran:\n{log}");
}

#[test]
fn kmod_tools_drive_the_kernel() {
    run_script(
        "kmod",
        &["modprobe", "depmod", "insmod", "rmmod", "lsmod", "modinfo"],
    );
}

#[test]
fn busybox_applets_drive_the_kernel() {
    let Some(kernel_log) = run_script("busybox", &["busybox"]) else {
        return;
    };
    assert!(
        kernel_log
            .lines()
            .any(|l| l.starts_with("<6>params: exit: count=9 ")),
        "the module did not see the sysfs write:\n{kernel_log}"
    );
}

#[test]
fn module_proc_files_work_with_cat_echo_dd() {
    run_script(
        "procfiles",
        &["insmod", "rmmod", "md5sum", "dd", "busybox", "setpriv"],
    );
}

#[test]
fn module_kobjects_work_with_ls_cat_echo() {
    let Some(log) = run_script("sysfs", &["insmod", "rmmod", "setpriv", "busybox"]) else {
        return;
    };
    for line in [
        "<6>sysfsobj: item1 released",
        "<6>sysfsobj: all removed",
        "<4>sysfsobj: removing /sys/kernel/sysfsobj it did not remove",
    ] {
        assert!(
            log.lines().any(|l| l.starts_with(line)),
            "{line} missing:\n{log}"
        );
    }
}

#[test]
fn module_proc_entries_stat_and_owner() {
    run_script(
        "procstat",
        &["insmod", "rmmod", "setpriv", "stat", "busybox"],
    );
}

#[test]
fn module_debugfs_files_work_with_cat_echo() {
    let Some(log) = run_script("debugfs", &["insmod", "rmmod", "setpriv", "busybox", "od"]) else {
        return;
    };
    assert!(log.contains("debugfsobj: count was 32 at exit"), "{log}");
}

#[test]
fn array_and_string_parameters_through_sysfs() {
    let Some(log) = run_script("params", &["insmod", "rmmod", "modprobe", "modinfo"]) else {
        return;
    };
    for line in [
        "<3>values: can only take 4 arguments",
        "<3>label: string doesn't fit in 7 chars.",
        "<6>paramarray: init: values=3,2,3,4 nvalues=1 names=-,-,- switch=1,0",
    ] {
        assert!(
            log.lines().any(|l| l.starts_with(line)),
            "{line} missing:\n{log}"
        );
    }
}

#[test]
fn unprivileged_callers_are_refused() {
    run_script("privilege", &["insmod", "rmmod", "setpriv"]);
}

#[test]
fn a_module_fault_kills_only_its_caller() {
    let Some(kernel_log) = run_script("oops", &["insmod", "rmmod", "lsmod"]) else {
        return;
    };
    // The shell reports its insmod killed; the kernel printed an Oops.
    for needle in [
        "Killed",
        "<1>BUG: kernel NULL pointer dereference, address: 0000000000000000",
        "<4>Oops: 0002 [#1] SMP",
        " Comm: insmod ",
        "<4>RIP: 0010:oops_init+0x",
        "<4>Modules linked in: oops(+) hello",
        "<4>---[ end trace 0000000000000000 ]---",
    ] {
        assert!(
            kernel_log.contains(needle),
            "no {needle:?} in the kernel log:\n{kernel_log}"
        );
    }
}

#[test]
fn a_hung_init_stalls_only_its_caller() {
    let Some(kernel_log) = run_script("hang", &["insmod", "rmmod", "lsmod"]) else {
        return;
    };
    let line = kernel_log
        .lines()
        .find(|l| l.starts_with("<3>INFO: task insmod:"))
        .unwrap_or_else(|| panic!("no hung-task report:\n{kernel_log}"));
    assert!(
        line.ends_with(" blocked for more than 1 seconds."),
        "{line}"
    );
    assert!(kernel_log.contains(
        "<3>\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message."
    ));
}

/// The pids of `pid`'s children.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Whether a process with exactly this command line exists.
fn running(cmdline: &[u8]) -> bool {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .any(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == cmdline))
}

#[test]
fn the_sandbox_never_outlives_its_kernel() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // A distinctive sleep, to find it among the host's processes.
    let sleeper = b"sleep\x0037.25\x00";
    let mut run = Command::new(env!("CARGO_BIN_EXE_starry-kmod"))
        .args(["run", "/dev/stdin"])
        .env("STARRY_KMOD_QUIET", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Should an assertion fail, the sandbox must not stay behind.
    struct KillKernel(u32);
    impl Drop for KillKernel {
        fn drop(&mut self) {
            for k in children(self.0) {
                // SAFETY: kill(2) of our grandchild.
                unsafe { libc::kill(k as i32, libc::SIGKILL) };
            }
        }
    }
    let _cleanup = KillKernel(run.id());
    {
        use std::io::Write;
        let mut stdin = run.stdin.take().unwrap();
        stdin
            .write_all(b"sleep 37.25 &\necho started\nwait\necho not reached\n")
            .unwrap();
    }
    let mut out = BufReader::new(run.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    if first.is_empty() {
        let status = run.wait().unwrap();
        if status.code() == Some(CANNOT_START) {
            return skip("the sandbox cannot start here");
        }
        panic!("the script printed nothing ({status})");
    }
    assert_eq!(first, "started\n");
    // The background sleep may not have exec'd yet.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !running(sleeper) {
        assert!(
            std::time::Instant::now() < deadline,
            "the sandbox's sleep is not running"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // `starry-kmod run` is a watcher; its child is the kernel. Kill it.
    let kernel = children(run.id());
    assert_eq!(kernel.len(), 1, "kernel process: {kernel:?}");
    // SAFETY: kill(2) of our grandchild.
    unsafe { libc::kill(kernel[0] as i32, libc::SIGKILL) };
    let status = run.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut run.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(128 + 9), "stderr: {err}");
    assert!(
        err.contains("the user-mode kernel died (killed by SIGKILL)"),
        "{err}"
    );
    assert!(!rest.contains("not reached"), "the script went on: {rest}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while running(sleeper) {
        assert!(
            std::time::Instant::now() < deadline,
            "the sandbox's sleep outlived the kernel"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn the_demo_runs_end_to_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_starry-kmod"))
        .env("STARRY_KMOD_QUIET", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(CANNOT_START) {
        return skip(&format!("the sandbox cannot start here: {}", stderr.trim()));
    }
    if !Path::new("/usr/sbin/modprobe").exists() && !Path::new("/sbin/modprobe").exists() {
        return skip("kmod is not installed");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    for needle in [
        "rmmod: ERROR: Module provider is in use by: consumer",
        "== modules left: 0",
    ] {
        assert!(
            stdout.contains(needle),
            "demo output lacks {needle:?}:\n{stdout}"
        );
    }
}

#[test]
fn modprobe_works_as_the_first_command() {
    run_script("firstmodprobe", &["modprobe", "lsmod"]);
}

/// A fresh copy of tests/kbuild/modules (a Linux-style module tree) in a
/// temporary directory named for `what`, to build in.
fn copy_module_tree(what: &str) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/kbuild/modules");
    let dir = std::env::temp_dir().join(format!("starry-sandbox-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        Command::new("cp")
            .arg("-r")
            .arg(&src)
            .arg(&dir)
            .status()
            .unwrap()
            .success()
    );
    dir
}

/// make, gcc and binutils of the host in the sandbox: a Linux-style tree
/// builds with a plain `make`, its modules load, install and modprobe.
#[test]
fn a_module_tree_builds_with_make_in_the_sandbox() {
    for t in ["make", "gcc", "riscv64-linux-gnu-gcc"] {
        if !installed(t) {
            return skip(&format!("{t} is not installed"));
        }
    }
    let dir = copy_module_tree("kbuild");
    let Some(log) = run_script_with(
        "kbuild",
        &["modprobe", "depmod", "insmod", "rmmod", "lsmod", "modinfo"],
        &[&dir],
    ) else {
        return;
    };
    assert!(log.contains("hello from kbuild, user"), "{log}");
    assert!(log.contains("counter: start=3"), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A C program compiled here calls finit_module directly with
/// MODULE_INIT_COMPRESSED_FILE on gzip, xz and zstd files
/// (`tests/scripts/compressed.sh`), then kmod 30's insmod takes the same
/// files (it decompresses xz and zstd itself).
#[test]
fn compressed_modules_load_through_finit_module() {
    for t in ["gcc", "gzip", "xz", "zstd"] {
        if !installed(t) {
            return skip(&format!(
                "{t} is not installed (apt-get install gcc xz-utils zstd)"
            ));
        }
    }
    let dir = std::env::temp_dir().join(format!("starry-sandbox-finit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scripts/finit.c");
    let cc = Command::new("gcc")
        .arg("-O1")
        .arg("-o")
        .arg(dir.join("finit"))
        .arg(&src)
        .status()
        .unwrap();
    assert!(cc.success(), "gcc finit.c");
    let Some(log) = run_script_with("compressed", &["insmod", "rmmod", "modinfo"], &[&dir]) else {
        return;
    };
    assert!(
        log.contains("decompressed module exceeds 67108864 bytes"),
        "{log}"
    );
    assert!(
        log.contains("not a gzip, xz or zstd compressed module"),
        "{log}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Signed modules through real kmod tools (`tests/scripts/signed.sh`):
/// modinfo shows the signer of the modules modules_install signed and of
/// ones the Kbuild directory's sign-file signs (RSA, ECDSA, by key id);
/// unsigned, stranger-signed, tampered and forced loads with
/// module.sig_enforce off (taint E, tampered refused) and on (all
/// refused with EKEYREJECTED; signed and compressed+signed still load).
#[test]
fn signed_modules_through_kmod_with_and_without_enforcement() {
    for t in ["gcc", "openssl", "xz", "dd"] {
        if !installed(t) {
            return skip(&format!(
                "{t} is not installed (apt-get install gcc openssl xz-utils)"
            ));
        }
    }
    let dir = std::env::temp_dir().join(format!("starry-sandbox-signed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scripts/finit.c");
    let cc = Command::new("gcc")
        .arg("-O1")
        .arg("-o")
        .arg(dir.join("finit"))
        .arg(&src)
        .status()
        .unwrap();
    assert!(cc.success(), "gcc finit.c");
    // hello as `make modules` built it: unsigned.
    std::fs::write(dir.join("hello.ko"), starry_sample_modules::HELLO.bytes).unwrap();
    let Some(log) = run_script_with(
        "signed",
        &["insmod", "rmmod", "modinfo", "modprobe"],
        &[&dir],
    ) else {
        return;
    };
    for line in [
        "hello: module verification failed: signature and/or required key missing - tainting kernel",
        "Loading of unsigned module is rejected",
        "Loading of module with unavailable key is rejected",
        "module signature rejected: PKCS#7: signature does not verify",
    ] {
        assert!(log.contains(line), "no {line:?} in\n{log}");
    }
    assert_eq!(
        log.matches("module verification failed").count(),
        1,
        "said once\n{log}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `module.sig_enforce=1` on the kernel command line
/// (`STARRY_KMOD_CMDLINE`): enforced from boot.
#[test]
fn sig_enforce_from_the_kernel_command_line() {
    if !installed("insmod") {
        return skip("kmod is not installed");
    }
    let dir = std::env::temp_dir().join(format!("starry-sandbox-sigboot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.ko"), starry_sample_modules::HELLO.bytes).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scripts/sigboot.sh");
    let out = Command::new(env!("CARGO_BIN_EXE_starry-kmod"))
        .env("STARRY_KMOD_CMDLINE", "quiet module.sig_enforce=1")
        .arg("run")
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(CANNOT_START) {
        return skip(&format!("the sandbox cannot start here: {}", stderr.trim()));
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout, "sig_enforce: Y\ninsmod unsigned: exit 1\nmodprobe hello: exit 0\n",
        "{stderr}"
    );
    assert!(
        stderr.contains("Loading of unsigned module is rejected"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `run --modules DIR SCRIPT`: a tree built on the host with the Kbuild
/// directory (`make KDIR=...`), whose modules the script modprobes by name.
#[test]
fn run_modules_adds_a_built_tree() {
    for t in ["make", "gcc"] {
        if !installed(t) {
            return skip(&format!("{t} is not installed"));
        }
    }
    let dir = copy_module_tree("modules");
    let out = Command::new("make")
        .arg("-C")
        .arg(&dir)
        .arg(format!("KDIR={}", starry_sample_modules::KBUILD_DIR))
        .env_remove("MAKEFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let Some(log) = run_script_opts(
        "modules",
        &["modprobe", "lsmod", "modinfo"],
        &["--modules".as_ref(), dir.as_os_str()],
        &[],
    ) else {
        return;
    };
    assert!(log.contains("hello from kbuild, user"), "{log}");
    assert!(log.contains("counter: start=5"), "{log}");
    assert!(log.contains("counter: exit at 5"), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A terminal for a child: the master side is read by a thread into a
/// buffer; the slave becomes the child's stdin, stdout, stderr and
/// controlling terminal.
struct Pty {
    master: std::fs::File,
    seen: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Pty {
    /// Starts `cmd` on a new terminal.
    fn spawn(mut cmd: Command) -> (Pty, std::process::Child) {
        use std::os::fd::FromRawFd;
        use std::os::unix::process::CommandExt;
        let (mut master, mut slave) = (-1, -1);
        // SAFETY: openpty fills two descriptors; no name, termios or size.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors are fresh and ours.
        let (master, slave) = unsafe {
            (
                std::fs::File::from_raw_fd(master),
                std::fs::File::from_raw_fd(slave),
            )
        };
        cmd.stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave);
        // SAFETY: setsid and ioctl are async-signal-safe; the child's own
        // session gets the terminal (stdin) as its controlling terminal.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        drop(cmd); // its copies of the slave
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (mut reader, sink) = (master.try_clone().unwrap(), seen.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once the last slave descriptor is closed.
            while let Ok(n @ 1..) = std::io::Read::read(&mut reader, &mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        (Pty { master, seen }, child)
    }

    /// Types `text` on the terminal.
    fn type_in(&mut self, text: &[u8]) {
        std::io::Write::write_all(&mut self.master, text).unwrap();
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned()
    }

    /// Waits (10 s at most) until the terminal shows `needle`; whether it did.
    fn shows(&self, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if self.text().contains(needle) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }
}

/// `starry-kmod shell` as a user has it: an interactive shell on a
/// terminal, with job control (^C stops the foreground command, not the
/// shell or the kernel), the module tools and files, and the shell's exit
/// status. Each command prints a marker split by quotes, so the terminal's
/// echo of the typed line never matches it.
#[test]
fn the_shell_works_on_a_terminal() {
    if !installed("insmod") || !installed("lsmod") {
        return skip("kmod is not installed (apt-get install kmod)");
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_starry-kmod"));
    cmd.arg("shell").env("STARRY_KMOD_QUIET", "1");
    let (mut tty, mut child) = Pty::spawn(cmd);
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    tty.type_in(b"echo \"rea\"\"dy\"\n");
    if !tty.shows("ready") {
        if let Ok(Some(st)) = child.try_wait()
            && st.code() == Some(CANNOT_START)
        {
            return skip(&format!("the sandbox cannot start here: {}", tty.text()));
        }
        panic!("the shell did not answer:\n{}", tty.text());
    }
    let child = Kill(&mut child);
    let step = |tty: &mut Pty, line: &str, want: &str| {
        tty.type_in(format!("{line}\n").as_bytes());
        assert!(tty.shows(want), "{line}: no {want:?} in:\n{}", tty.text());
    };
    step(&mut tty, "lsmod", "Module                  Size  Used by");
    step(
        &mut tty,
        "insmod /lib/modules/$(uname -r)/kernel/hello.ko && echo \"ins\"\"mod=$?\"",
        "insmod=0",
    );
    step(
        &mut tty,
        "echo \"state=$(cat /sys/module/hello/initstate)\"",
        "state=live",
    );
    step(&mut tty, "lsmod | grep -c \"^hel\"\"lo \"", "\r\n1\r\n");
    // Job control: a background job, then ^C for a foreground one.
    step(&mut tty, "sleep 41.5 & jobs", "Running");
    tty.type_in(b"sleep 42.5\n");
    let sleeping = b"sleep\x0042.5\x00";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !running(sleeping) {
        assert!(std::time::Instant::now() < deadline, "{}", tty.text());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    tty.type_in(b"\x03");
    step(&mut tty, "echo \"after=$?\"", "after=130");
    step(&mut tty, "kill %1; wait; echo \"wa\"\"ited\"", "waited");
    step(
        &mut tty,
        "rmmod hello; echo \"left=$(grep -c . /proc/modules)\"",
        "left=0",
    );
    tty.type_in(b"exit 7\n");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.0.try_wait().unwrap() {
            break st;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the shell did not exit:\n{}",
            tty.text()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let text = tty.text();
    assert_eq!(status.code(), Some(7), "{text}");
    assert!(!text.contains("Cannot set tty process group"), "{text}");
    assert!(!text.contains("job control turned off"), "{text}");
}

#[test]
fn placeholders_match_only_what_they_stand_for() {
    assert!(line_matches(
        "a            {N:8}  0",
        "a               12288  0",
        "r"
    ));
    assert!(!line_matches(
        "a            {N:8}  0",
        "a              122880  0 ",
        "r"
    ));
    assert!(!line_matches(
        "a            {N:8}  0",
        "a                 abc  0",
        "r"
    ));
    assert!(line_matches("x {X}", "x 0AF3", "r"));
    assert!(!line_matches("x {X}", "x ", "r"));
    assert!(line_matches(
        "/lib/modules/{RELEASE}/k",
        "/lib/modules/6.1/k",
        "6.1"
    ));
    assert!(!line_matches("exit 0", "exit 01", "r"));
}
