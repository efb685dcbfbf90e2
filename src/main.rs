//! `starry-kmod`: boots the user-mode kernel on its embedded default: a RAM
//! rootfs holding the sample modules under /lib/modules/<release>/, from
//! which each module is loaded by path with finit_module, run, and unloaded.

use std::process::ExitCode;

use starry_kmod::console::{self, Record};
use starry_kmod::platform::{self, Platform};
use starry_kmod::{Errno, RELEASE, delete_module, finit_module, module};
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
];

fn show(from: u64) -> u64 {
    let recs: Vec<Record> = console::since(from);
    for r in &recs {
        println!("    [{}] {}", r.level, r.text);
    }
    recs.last().map_or(from, |r| r.seq + 1)
}

fn main() -> ExitCode {
    let host = platform::host::install();
    let rootfs = match RootFs::new(RELEASE) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("starry-kmod: cannot build the rootfs: {e:?}");
            return ExitCode::FAILURE;
        }
    };
    for m in starry_sample_modules::ALL {
        if let Err(e) = rootfs.add_module(m.name, m.bytes) {
            eprintln!("starry-kmod: cannot add {} to the rootfs: {e:?}", m.name);
            return ExitCode::FAILURE;
        }
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
        let node = match rootfs.lookup(&path) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("  cannot open {path}: {e:?}");
                failures += 1;
                continue;
            }
        };
        let r = finit_module(node.as_ref(), step.args.as_bytes(), 0);
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
    for step in DEMO.iter().rev().filter(|s| s.expect.is_none()) {
        println!("delete_module({}, O_NONBLOCK)", step.module);
        if let Err(e) = delete_module(step.module, starry_kmod::loader::O_NONBLOCK) {
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
