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
    run_script("procfiles", &["insmod", "rmmod", "md5sum", "dd", "busybox"]);
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

/// make, gcc and binutils of the host in the sandbox: a Linux-style tree
/// builds with a plain `make`, its modules load, install and modprobe.
#[test]
fn a_module_tree_builds_with_make_in_the_sandbox() {
    for t in ["make", "gcc", "riscv64-linux-gnu-gcc"] {
        if !installed(t) {
            return skip(&format!("{t} is not installed"));
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/kbuild/modules");
    let dir = std::env::temp_dir().join(format!("starry-sandbox-kbuild-{}", std::process::id()));
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
