//! `starry-kmod`: the user-mode kernel.
//!
//! - `starry-kmod run SCRIPT [ARG...]` runs SCRIPT with /bin/sh in a
//!   sandbox where the module syscalls, /sys/module, /proc/modules,
//!   /proc/kallsyms and /lib/modules/$(uname -r) are this kernel's, so the
//!   real kmod and busybox tools drive it unchanged;
//! - `starry-kmod` alone runs the bundled demo script that way;
//! - `starry-kmod shell` opens an interactive shell in that sandbox;
//!   `--modules DIR` (run, shell) adds DIR's modules to its module tree;
//! - `starry-kmod build-dir` prints the Kbuild directory;
//! - `starry-kmod kallsyms-embed KERNEL` writes an ArceOS kernel's symbol
//!   table into its image (`starry_kmod::kallsyms_image`);
//! - `starry-kmod selftest` boots the kernel in-process on its embedded
//!   default (RAM rootfs with the sample modules at `/`, sysfs at `/sys`,
//!   procfs at `/proc`), loads each module by path with finit_module, looks
//!   at its files, and unloads it.

mod sandbox;

use std::os::unix::fs::PermissionsExt;
use std::process::ExitCode;

use starry_kmod::console::{self, Record};
use starry_kmod::platform::{self, Platform};
use starry_kmod::vfs::{finit_path, mount_pseudo, read_path, write_path};
use starry_kmod::{Errno, RELEASE, delete_module, module};
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::pseudo::list_dir;
use starry_kmod_fs::rootfs::RootFs;

struct Step {
    module: &'static str,
    args: &'static str,
    /// The errno init is expected to fail with, for the sample that shows it.
    expect: Option<Errno>,
}

const DEMO: &[Step] = &[
    Step {
        module: "hello",
        args: "",
        expect: None,
    },
    Step {
        module: "params",
        args: "count=3 whom=\"starry kernel\" verbose",
        expect: None,
    },
    Step {
        module: "hello_rust",
        args: "greeting_count=3",
        expect: None,
    },
    Step {
        module: "initfail",
        args: "",
        expect: Some(Errno::ENODEV),
    },
    Step {
        module: "provider",
        args: "",
        expect: None,
    },
    Step {
        module: "consumer",
        args: "",
        expect: None,
    },
    Step {
        module: "consumer_rust",
        args: "",
        expect: None,
    },
    Step {
        module: "proprietary",
        args: "",
        expect: Some(Errno::ENOENT),
    },
];

fn show(from: u64) -> u64 {
    let recs: Vec<Record> = console::since(from);
    for r in &recs {
        println!("    [{}] {}", r.level, r.text);
    }
    recs.last().map_or(from, |r| r.seq + 1)
}

/// What a user would look at with cat/ls/echo while the modules are loaded;
/// returns the number of failed operations.
fn look_around(ns: &Namespace) -> usize {
    let mut failures = 0;
    let mut cat = |path: &str| match read_path(ns, path) {
        Ok(b) => print!("$ cat {path}\n{}", String::from_utf8_lossy(&b)),
        Err(e) => {
            eprintln!("$ cat {path}: FAILED: {e}");
            failures += 1;
        }
    };
    cat("/proc/modules");
    cat("/sys/module/params/parameters/count");
    cat("/sys/module/params/sections/.text");
    cat("/sys/module/provider/refcnt");
    match ns
        .lookup("/sys/module/provider/holders")
        .and_then(|d| list_dir(&d))
    {
        Ok(l) => println!(
            "$ ls /sys/module/provider/holders\n{}",
            l.iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Err(e) => {
            eprintln!("$ ls /sys/module/provider/holders: FAILED: {e:?}");
            failures += 1;
        }
    }
    match ns.lookup("/sys/module").and_then(|d| list_dir(&d)) {
        Ok(l) => println!(
            "$ ls /sys/module\n{}",
            l.iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Err(e) => {
            eprintln!("$ ls /sys/module: FAILED: {e:?}");
            failures += 1;
        }
    }
    let path = "/sys/module/params/parameters/count";
    match write_path(ns, path, b"5\n") {
        Ok(_) => println!("$ echo 5 > {path}"),
        Err(e) => {
            eprintln!("$ echo 5 > {path}: FAILED: {e}");
            failures += 1;
        }
    }
    let kallsyms = read_path(ns, "/proc/kallsyms").unwrap_or_default();
    let text = String::from_utf8_lossy(&kallsyms);
    println!("$ grep hello_rust /proc/kallsyms | head -5");
    for l in text.lines().filter(|l| l.ends_with("[hello_rust]")).take(5) {
        println!("{l}");
    }
    failures
}

/// The demo script `starry-kmod` runs with no argument.
const DEMO_SCRIPT: &str = include_str!("sandbox/demo.sh");

const USAGE: &str = "\
usage: starry-kmod [COMMAND]

The user-mode kernel (Linux-compatible module subsystem) with real
userspace module tools (kmod, busybox) in a sandbox.

commands:
  (none)                                run the bundled demo script in the sandbox
  run [--modules DIR] SCRIPT [ARG...]   run SCRIPT with /bin/sh in the sandbox
  shell [--modules DIR]                 an interactive shell in the sandbox
  selftest                              load each sample in-process, look, unload
  build-dir                             print the Kbuild directory
                                        (make -C DIR M=$PWD modules)
  kallsyms-embed KERNEL                 write a linked ArceOS kernel's own
                                        symbol table into its image
  help, --help                          this text

--modules DIR adds the .ko files under DIR to the sandbox's module tree
(/lib/modules/$(uname -r)/extra/, indexed by depmod). In the sandbox,
/lib/modules/$(uname -r)/build is the Kbuild directory.
STARRY_KMOD_QUIET=1 keeps kernel messages off stderr.
STARRY_KMOD_CMDLINE is the kernel command line: module.sig_enforce=1 refuses
unsigned modules from boot (the build's signing certificates are built in).
";

/// The tools the demo (the main job) needs, with the Debian package of each.
const DEMO_TOOLS: &[(&str, &str)] = &[
    ("depmod", "kmod"),
    ("modprobe", "kmod"),
    ("insmod", "kmod"),
    ("rmmod", "kmod"),
    ("lsmod", "kmod"),
    ("modinfo", "kmod"),
];

/// Whether `tool` is a program on PATH.
fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| {
            std::fs::metadata(d.join(tool))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// `--modules DIR` at the front of `args`: the modules found and the rest.
fn take_modules(args: &[String]) -> Result<(sandbox::ModuleFiles, &[String]), String> {
    match args {
        [flag, dir, rest @ ..] if flag == "--modules" => {
            Ok((sandbox::modules_in(std::path::Path::new(dir))?, rest))
        }
        [flag] if flag == "--modules" => Err("--modules needs a directory".into()),
        _ => Ok((Vec::new(), args)),
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("starry-kmod: {msg}\n{USAGE}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("selftest") => selftest(),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("build-dir") => {
            println!("{}", starry_sample_modules::KBUILD_DIR);
            ExitCode::SUCCESS
        }
        Some("kallsyms-embed") => match &args[1..] {
            [kernel] => kallsyms_embed(kernel),
            _ => usage_error("kallsyms-embed takes one kernel ELF"),
        },
        Some(cmd @ ("run" | "shell")) => {
            let (extra, rest) = match take_modules(&args[1..]) {
                Ok(x) => x,
                Err(e) => return usage_error(&e),
            };
            let script = if cmd == "shell" {
                if !rest.is_empty() {
                    return usage_error("shell takes no script");
                }
                sandbox::Script::Interactive
            } else if let Some(path) = rest.first() {
                sandbox::Script::File(path.into())
            } else {
                return usage_error("run needs a script");
            };
            let rest = if rest.is_empty() { rest } else { &rest[1..] };
            finish(sandbox::run(&script, rest, &extra))
        }
        None => {
            for (tool, package) in DEMO_TOOLS {
                if !on_path(tool) {
                    eprintln!(
                        "starry-kmod: `{tool}` is not installed; the demo drives the kernel \
                         with it (Debian/Ubuntu: apt-get install {package})"
                    );
                    return ExitCode::from(125);
                }
            }
            finish(sandbox::run(&sandbox::Script::Text(DEMO_SCRIPT), &[], &[]))
        }
        Some(other) => usage_error(&format!("unknown command {other:?}")),
    }
}

/// Linux's kallsyms link step for a kernel built with the arceos backend:
/// its text symbols go into its reserved `.starry_kallsyms` section.
fn kallsyms_embed(path: &str) -> ExitCode {
    let done = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|mut elf| {
            let n = starry_kmod::kallsyms_image::embed(&mut elf)?;
            std::fs::write(path, elf).map_err(|e| e.to_string())?;
            Ok(n)
        });
    match done {
        Ok(n) => {
            println!("{path}: {n} symbols embedded");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("starry-kmod: {path}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn finish(r: Result<i32, String>) -> ExitCode {
    match r {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("starry-kmod: the sandbox cannot start: {e}");
            ExitCode::from(125)
        }
    }
}

fn selftest() -> ExitCode {
    let host = platform::host::install();
    sandbox::boot_module_signing();
    let rootfs = match RootFs::new(RELEASE) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("starry-kmod: cannot build the rootfs: {e:?}");
            return ExitCode::FAILURE;
        }
    };
    for m in starry_sample_modules::INSTALLED_MODULES {
        if let Err(e) = rootfs.add_module(m.name, m.bytes) {
            eprintln!("starry-kmod: cannot add {} to the rootfs: {e:?}", m.name);
            return ExitCode::FAILURE;
        }
    }
    let ns = Namespace::new(rootfs.root());
    if let Err(e) = mount_pseudo(&ns) {
        eprintln!("starry-kmod: cannot mount sysfs/procfs: {e:?}");
        return ExitCode::FAILURE;
    }
    println!(
        "starry-kmod user-mode kernel {RELEASE}: {} kernel symbols, module arena {:#x?}",
        host.kernel_symbols().len(),
        host.arena_range()
    );
    let mut seq = console::next_seq();
    let mut failures = 0;
    for step in DEMO {
        let path = format!("{}/kernel/{}.ko", rootfs.module_dir(), step.module);
        println!("finit_module({path}, \"{}\")", step.args);
        let r = finit_path(&ns, &path, step.args.as_bytes(), 0);
        seq = show(seq);
        match (r, step.expect) {
            (Ok(()), None) => {
                let info = module::find(step.module).map(|m| m.info());
                if let Some(i) = info {
                    println!(
                        "  loaded: {} {} pages, state {}, {} sections",
                        i.name,
                        i.core_size / 4096,
                        i.state.initstate(),
                        i.sections.len()
                    );
                }
            }
            (Err(e), Some(want)) if e.errno == want => println!("  refused as expected: {e}"),
            (Err(e), _) => {
                eprintln!("  FAILED: {e}");
                failures += 1;
            }
            (Ok(()), Some(want)) => {
                eprintln!("  FAILED: expected {want}, but it loaded");
                failures += 1;
            }
        }
    }
    failures += look_around(&ns);
    seq = show(seq);
    for step in DEMO.iter().rev().filter(|s| s.expect.is_none()) {
        println!("delete_module({}, O_NONBLOCK)", step.module);
        if let Err(e) = delete_module(step.module, starry_kmod::syscalls::O_NONBLOCK) {
            eprintln!("  FAILED: {e}");
            failures += 1;
        }
        seq = show(seq);
    }
    println!(
        "done: {} modules loaded, {} module pages in use, {} failure(s)",
        module::list().len(),
        host.module_pages_in_use(),
        failures
    );
    if failures == 0 && module::list().is_empty() && host.module_pages_in_use() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
