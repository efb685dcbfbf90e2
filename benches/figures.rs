//! `cargo bench`: the performance figures of the subsystem, each measured
//! in this run beside its reference, printed with the ratio.
//!
//! - load+init+exit+unload of each sample through the whole subsystem vs
//!   the bare kmod-loader path the seed used (no checks, sysfs, symbols);
//! - module pages vs the pages Linux's layout (sections packed by
//!   permission) would need, and metadata bytes per module;
//! - /proc/kallsyms for a kernel-sized table (this host's own symbol count
//!   when readable, else 122,000) vs reading this host's /proc/kallsyms;
//! - name and address lookups at 100k and 1M symbols;
//! - 250/500/1000 loaded modules: load, /sys/module listing, /proc/modules,
//!   unload per module;
//! - trusted modules: a load with signature verification (RSA-2048 and
//!   ECDSA P-256, SHA-256) vs the same load before signing was on, and
//!   in-kernel decompression (gzip, xz, zstd): throughput, and
//!   finit_module of the compressed file vs of the plain one.

use std::ffi::CString;
use std::hint::black_box;
use std::time::{Duration, Instant};

use kmod_loader::{KernelModuleHelper, ModuleLoader, SectionMemOps, SectionPerm};
use starry_kmod::platform::{self, PAGE_SIZE, Platform, Prot};
use starry_kmod::symbols::{KernelSymbol, KernelSymbols};
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::vfs::{mount_pseudo, read_path};
use starry_kmod::{RELEASE, delete_module, elf, init_module, kapi, module};
use starry_kmod_fs::mount::Namespace;
use starry_kmod_fs::pseudo::list_dir;
use starry_kmod_fs::rootfs::RootFs;
use starry_sample_modules::{
    COUNTERS, HELLO, HELLO_RUST, PARAMS, PROCFILES, PROVIDER, SampleModule, TICKER,
};

// The tests' ELF helpers (renaming a module's image).
#[path = "../tests/common/elf.rs"]
mod test_elf;

// ---- the bare path ------------------------------------------------------------

struct BareMem {
    addr: usize,
    pages: usize,
}

impl SectionMemOps for BareMem {
    fn as_ptr(&self) -> *const u8 {
        self.addr as *const u8
    }
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.addr as *mut u8
    }
    fn change_perms(&mut self, perms: SectionPerm) -> bool {
        let prot = Prot {
            read: true,
            write: perms.contains(SectionPerm::WRITE),
            exec: perms.contains(SectionPerm::EXECUTE),
        };
        // SAFETY: this allocation's own module pages.
        unsafe { platform::get().protect(self.addr, self.pages * PAGE_SIZE, prot) }
    }
}

impl Drop for BareMem {
    fn drop(&mut self) {
        let p = platform::get();
        // SAFETY: this allocation's own pages, given back once, writable
        // again; the bare loader's module is gone.
        unsafe {
            p.protect(self.addr, self.pages * PAGE_SIZE, Prot::RW);
            p.free_module_pages(self.addr, self.pages);
        }
    }
}

/// The seed's loader: kmod-loader straight into pages, kernel API by name.
struct Bare;

impl KernelModuleHelper for Bare {
    fn vmalloc(size: usize) -> Box<dyn SectionMemOps> {
        let pages = size.div_ceil(PAGE_SIZE);
        let addr = platform::get().alloc_module_pages(pages).expect("pages");
        Box::new(BareMem { addr, pages })
    }
    fn resolve_symbol(name: &str) -> Option<usize> {
        kapi::lookup(name)
    }
    fn flsuh_cache(addr: usize, size: usize) {
        platform::get().flush(addr, size);
    }
}

fn aligned(bytes: &[u8]) -> Vec<u64> {
    let mut w = vec![0u64; bytes.len().div_ceil(8)];
    for (d, c) in w.iter_mut().zip(bytes.chunks(8)) {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        *d = u64::from_le_bytes(b);
    }
    w
}

fn bare_cycle(words: &[u64], len: usize) {
    // SAFETY: the u64 buffer holds `len` initialised bytes.
    let data = unsafe { std::slice::from_raw_parts(words.as_ptr() as *const u8, len) };
    let mut owner = ModuleLoader::<Bare>::new(data)
        .and_then(|l| l.load_module(CString::default()))
        .expect("bare load");
    black_box(owner.call_init().expect("init"));
    owner.call_exit();
}

fn full_cycle(m: &SampleModule) {
    init_module(m.bytes, b"").expect("load");
    delete_module(m.name, O_NONBLOCK).expect("unload");
}

fn per_iter(n: u32, mut f: impl FnMut()) -> Duration {
    for _ in 0..n / 10 + 1 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed() / n
}

fn load_unload() {
    println!("\n== load + init + exit + unload: full subsystem vs bare kmod-loader");
    println!(
        "{:<12} {:>10} {:>10} {:>7} {:>16}",
        "module", "full µs", "bare µs", "ratio", "of it: check µs"
    );
    for m in [HELLO, PARAMS, HELLO_RUST, PROVIDER] {
        let words = aligned(m.bytes);
        let n = 400;
        // Interleave to share the machine's noise evenly.
        let mut full = Duration::ZERO;
        let mut bare = Duration::ZERO;
        for _ in 0..4 {
            full += per_iter(n / 4, || full_cycle(&m));
            bare += per_iter(n / 4, || bare_cycle(&words, m.bytes.len()));
        }
        // Where the extra time goes: the ELF check alone.
        let check = per_iter(n, || {
            black_box(elf::check(black_box(m.bytes)).expect("check"));
        });
        println!(
            "{:<12} {:>10.1} {:>10.1} {:>6.2}x {:>16.1}",
            m.name,
            full.as_secs_f64() * 1e6 / 4.0,
            bare.as_secs_f64() * 1e6 / 4.0,
            full.as_secs_f64() / bare.as_secs_f64(),
            check.as_secs_f64() * 1e6
        );
    }
}

// ---- memory ---------------------------------------------------------------------

/// Pages Linux's layout needs: allocated sections grouped by permission
/// (text, rodata, data; init text, init data), each group page-rounded.
fn linux_pages(bytes: &[u8]) -> usize {
    let elf = goblin::elf::Elf::parse(bytes).unwrap();
    let mut groups = [0usize; 5];
    for s in &elf.section_headers {
        if s.sh_flags & 2 == 0 || s.sh_size == 0 {
            continue;
        }
        let name = elf.shdr_strtab.get_at(s.sh_name).unwrap_or("");
        if name == ".modinfo" || name == "__versions" {
            continue;
        }
        let init = name.starts_with(".init");
        let g = if s.sh_flags & 4 != 0 {
            if init { 3 } else { 0 }
        } else if s.sh_flags & 1 == 0 {
            1
        } else if init {
            4
        } else {
            2
        };
        let align = s.sh_addralign.max(1) as usize;
        groups[g] = groups[g].div_ceil(align) * align + s.sh_size as usize;
    }
    groups.iter().map(|b| b.div_ceil(PAGE_SIZE)).sum()
}

fn memory() {
    println!("\n== memory per loaded module: pages vs Linux's layout");
    println!(
        "{:<12} {:>7} {:>7} {:>7} {:>10}",
        "module", "ours", "linux", "ratio", "heap bytes"
    );
    for m in [HELLO, PARAMS, HELLO_RUST, PROVIDER] {
        let heap0 = heap_in_use();
        init_module(m.bytes, b"").unwrap();
        let md = module::find(m.name).unwrap();
        let ours = md.pages();
        let meta = heap_in_use().saturating_sub(heap0);
        drop(md);
        delete_module(m.name, O_NONBLOCK).unwrap();
        let linux = linux_pages(m.bytes);
        println!(
            "{:<12} {:>7} {:>7} {:>6.2}x {:>10}",
            m.name,
            ours,
            linux,
            ours as f64 / linux as f64,
            meta
        );
    }
}

/// Heap bytes in use (glibc's view), for metadata per module.
fn heap_in_use() -> usize {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    unsafe { libc::mallinfo2().uordblks }
}

// ---- kallsyms --------------------------------------------------------------------

fn synthetic_table(n: usize) -> KernelSymbols {
    let base = platform::get().kernel_symbols();
    let names: Vec<&KernelSymbol> = base.iter().collect();
    let syms = (0..n)
        .map(|i| {
            let s = names[i % names.len()];
            // Distinct names that still demangle: legacy Rust names get
            // their own hash, v0 names an LLVM suffix (as ThinLTO adds).
            let name = if s.name.starts_with("_ZN") && s.name.len() > 23 && s.name.ends_with('E') {
                format!("{}17h{i:016x}E", &s.name[..s.name.len() - 20])
            } else if s.name.starts_with("_R") {
                format!("{}.llvm.{i}", s.name)
            } else {
                format!("{}_{i}", s.name)
            };
            KernelSymbol {
                addr: 0xffff_ffff_8100_0000 + i * 16,
                kind: s.kind,
                name,
            }
        })
        .collect();
    KernelSymbols::new(syms)
}

fn read_chunks(t: &KernelSymbols, chunk: usize) -> usize {
    let mut buf = vec![0u8; chunk];
    let mut off = 0u64;
    loop {
        let n = t.kallsyms_read(off, &mut buf, true);
        if n == 0 {
            return off as usize;
        }
        off += n as u64;
    }
}

fn kallsyms() {
    println!("\n== /proc/kallsyms: full read, ours vs this host's");
    let host = std::fs::read_to_string("/proc/kallsyms").ok();
    let host_n = host.as_ref().map_or(0, |h| h.lines().count());
    let n = if host_n > 1000 { host_n } else { 122_000 };
    let t = Instant::now();
    let table = synthetic_table(n);
    let build = t.elapsed();
    let rust = table
        .iter()
        .filter(|s| s.name.starts_with("_ZN") || s.name.starts_with("_R"))
        .count();
    let ours = (0..5)
        .map(|_| {
            let t = Instant::now();
            black_box(read_chunks(&table, 128 << 10));
            t.elapsed()
        })
        .min()
        .unwrap();
    println!(
        "table: {n} symbols ({rust} Rust, demangled), built in {:.1} ms (once)",
        build.as_secs_f64() * 1e3
    );
    print!(
        "ours: {} bytes in {:.2} ms (128 KiB reads, as cat)",
        table.kallsyms_len(),
        ours.as_secs_f64() * 1e3
    );
    if host.is_some() {
        let linux = (0..5)
            .map(|_| {
                let t = Instant::now();
                black_box(std::fs::read("/proc/kallsyms").unwrap());
                t.elapsed()
            })
            .min()
            .unwrap();
        println!(
            "; Linux: {host_n} symbols in {:.2} ms; ratio {:.2}x",
            linux.as_secs_f64() * 1e3,
            ours.as_secs_f64() / linux.as_secs_f64()
        );
    } else {
        println!("; this host's /proc/kallsyms is not readable");
    }
    for n in [100_000, 1_000_000] {
        let table = synthetic_table(n);
        let names: Vec<String> = table.iter().step_by(97).map(|s| s.name.clone()).collect();
        let addrs: Vec<usize> = table.iter().step_by(89).map(|s| s.addr + 3).collect();
        let t = Instant::now();
        for _ in 0..10 {
            for name in &names {
                black_box(table.lookup_name(name));
            }
        }
        let by_name = t.elapsed() / (10 * names.len() as u32);
        let t = Instant::now();
        for _ in 0..10 {
            for &a in &addrs {
                black_box(table.lookup_addr(a));
            }
        }
        let by_addr = t.elapsed() / (10 * addrs.len() as u32);
        println!(
            "lookup at {n:>9} symbols: by name {:>5} ns, by address {:>5} ns",
            by_name.as_nanos(),
            by_addr.as_nanos()
        );
    }
}

// ---- a module's seq_file ---------------------------------------------------------

/// Reads a whole file through a fresh VFS node (one open, as cat) in
/// 128 KiB reads; returns (bytes, lines).
fn read_node(ns: &Namespace, path: &str) -> (usize, usize) {
    let node = ns.lookup(path).expect("lookup");
    let mut buf = vec![0u8; 128 << 10];
    let (mut at, mut lines) = (0u64, 0usize);
    loop {
        let n = node.read_at(at, &mut buf).expect("read");
        if n == 0 {
            return (at as usize, lines);
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
        at += n as u64;
    }
}

/// This thread's CPU time (user and system): under other builders'
/// load the wall clock measures them too, this does not.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills our timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The fastest of `n` runs of `f`, by the wall clock and by this thread's
/// CPU time, with `f`'s last result.
fn fastest<R>(n: usize, mut f: impl FnMut() -> R) -> (Duration, Duration, R) {
    let mut best = (Duration::MAX, Duration::MAX);
    let mut last = None;
    for _ in 0..n {
        let (w, c) = (Instant::now(), thread_cpu());
        last = Some(black_box(f()));
        best = (best.0.min(w.elapsed()), best.1.min(thread_cpu() - c));
    }
    (best.0, best.1, last.unwrap())
}

fn seq_file() {
    println!(
        "\n== a module's seq_file (100,000 records) through the VFS, per line, vs this host's /proc/kallsyms"
    );
    let rootfs = RootFs::new(RELEASE).expect("rootfs");
    let ns = Namespace::new(rootfs.root());
    mount_pseudo(&ns).expect("mount");
    init_module(PROCFILES.bytes, b"records=100000").expect("load procfiles");
    let path = "/proc/procfiles/records";
    let (wall, cpu, (bytes, lines)) = fastest(9, || read_node(&ns, path));
    assert_eq!(lines, 100_000, "the seq_file's line count");
    let per_line = |d: Duration, n: usize| d.as_nanos() as f64 / n as f64;
    print!(
        "ours: {bytes} bytes, {lines} lines in {:.2} ms ({:.0} ns/line; CPU {:.0} ns/line)",
        wall.as_secs_f64() * 1e3,
        per_line(wall, lines),
        per_line(cpu, lines)
    );
    match std::fs::read("/proc/kallsyms") {
        Ok(text) => {
            let host_lines = text.iter().filter(|&&b| b == b'\n').count().max(1);
            let (hw, hc, _) = fastest(9, || std::fs::read("/proc/kallsyms").unwrap());
            println!(
                "; Linux's /proc/kallsyms: {host_lines} lines, {:.0} ns/line (CPU {:.0}); ratio {:.2}x (CPU {:.2}x)",
                per_line(hw, host_lines),
                per_line(hc, host_lines),
                per_line(wall, lines) / per_line(hw, host_lines),
                per_line(cpu, lines) / per_line(hc, host_lines),
            );
        }
        Err(_) => println!("; this host's /proc/kallsyms is not readable"),
    }
    delete_module("procfiles", O_NONBLOCK).expect("unload procfiles");
}

// ---- the module runtime -------------------------------------------------------------

/// The numbers of a log line, in order.
fn numbers(line: &str) -> Vec<f64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

fn runtime() {
    println!(
        "\n== the module runtime: locks from module code vs the host's, kthreads, work, timers"
    );
    let seq = starry_kmod::console::next_seq();
    let n = 1_000_000u32;
    init_module(
        COUNTERS.bytes,
        format!("threads=1 iters=1 bench={n}").as_bytes(),
    )
    .expect("load counters");
    let line = starry_kmod::console::since(seq)
        .into_iter()
        .map(|r| r.text)
        .find(|t| t.contains("bench: "))
        .expect("the bench line");
    delete_module("counters", O_NONBLOCK).expect("unload counters");
    let v = numbers(&line);
    let (mutex, spin, kthreads, works) = (v[1] / v[0], v[3] / v[2], v[5] / v[4], v[7] / v[6]);
    // The host's pthread mutex pair, uncontended, from Rust.
    let m = Box::new(std::sync::Mutex::new(()));
    let host = per_iter(n, || {
        drop(black_box(&m).lock().unwrap());
    })
    .as_nanos() as f64;
    println!(
        "mutex_lock+mutex_unlock from module code: {mutex:.1} ns; spin_lock+spin_unlock: {spin:.1} ns; \
         the host's mutex pair: {host:.1} ns; ratios {:.2}x / {:.2}x",
        mutex / host,
        spin / host
    );
    println!(
        "kthread_run+kthread_stop: {:.1} us; work queued to run and wait_for_completion back: {:.1} us",
        kthreads / 1e3,
        works / 1e3
    );
    // Timer lateness: a 4 ms (one jiffy) periodic timer for 2 s; its ticks
    // against the ticks the period allows.
    init_module(TICKER.bytes, b"period_ms=4").expect("load ticker");
    let t = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let rootfs = RootFs::new(RELEASE).expect("rootfs");
    let ns = Namespace::new(rootfs.root());
    mount_pseudo(&ns).expect("mount");
    let ticks: f64 = String::from_utf8(
        read_path(&ns, "/sys/module/ticker/parameters/timer_ticks").expect("ticks"),
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap();
    let elapsed = t.elapsed().as_secs_f64();
    delete_module("ticker", O_NONBLOCK).expect("unload ticker");
    let period_ms = elapsed * 1e3 / ticks;
    println!(
        "a one-jiffy (4 ms) periodic timer: {ticks} ticks in {elapsed:.2} s, {period_ms:.2} ms per tick \
         (mean lateness {:.2} ms per period)",
        period_ms - 4.0
    );
}

// ---- scale -----------------------------------------------------------------------

/// `hello` renamed to `h0000`... (same length, so only the name changes).
fn hello_copy(i: usize) -> Vec<u8> {
    test_elf::replace_all(HELLO.bytes, b"hello\0", format!("h{i:04}\0").as_bytes())
}

fn scale() {
    println!("\n== scale: per-module cost with N modules loaded");
    println!(
        "{:>6} {:>10} {:>14} {:>16} {:>12}",
        "N", "load µs", "ls /sys/module", "/proc/modules", "unload µs"
    );
    let rootfs = RootFs::new(RELEASE).unwrap();
    let ns = Namespace::new(rootfs.root());
    mount_pseudo(&ns).unwrap();
    for n in [250usize, 500, 1000] {
        let images: Vec<Vec<u8>> = (0..n).map(hello_copy).collect();
        let t = Instant::now();
        for img in &images {
            init_module(img, b"").unwrap();
        }
        let load = t.elapsed() / n as u32;
        let t = Instant::now();
        let listed = list_dir(&ns.lookup("/sys/module").unwrap()).unwrap().len();
        let ls = t.elapsed();
        // The modules, beside the kernel's own entries (compression...).
        assert_eq!(listed, n + starry_kmod::sysfs_kernel::list().len());
        let t = Instant::now();
        let text = read_path(&ns, "/proc/modules").unwrap();
        let pm = t.elapsed();
        assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), n);
        let t = Instant::now();
        for i in (0..n).rev() {
            delete_module(&format!("h{i:04}"), O_NONBLOCK).unwrap();
        }
        let unload = t.elapsed() / n as u32;
        println!(
            "{n:>6} {:>10.1} {:>11.2} ms {:>13.2} ms {:>12.1}",
            load.as_secs_f64() * 1e6,
            ls.as_secs_f64() * 1e3,
            pm.as_secs_f64() * 1e3,
            unload.as_secs_f64() * 1e6
        );
    }
}

// ---- the real tools in the sandbox ----------------------------------------------

fn sandbox() {
    println!("\n== real tools in the sandbox (mean of 20 runs, µs)");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../benches/sandbox-timing.sh");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_starry-kmod"))
        .args(["run", script])
        .env("STARRY_KMOD_QUIET", "1")
        // cargo points LD_LIBRARY_PATH at its target dirs; every exec's
        // library search would then add failed opens (each a seccomp round
        // trip) that no real system has.
        .env_remove("LD_LIBRARY_PATH")
        .output();
    match out {
        Ok(o) if o.status.success() => {
            for line in String::from_utf8_lossy(&o.stdout).lines() {
                if let Some((name, us)) = line.rsplit_once(' ') {
                    println!("{name:<62} {us:>8}");
                }
            }
        }
        Ok(o) => println!(
            "skipped: the sandbox did not run ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => println!("skipped: {e}"),
    }
    // The same programs outside the sandbox: what seccomp and FUSE add.
    let host = r#"t() { name=$1; shift; s=$(date +%s%N); for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "$@" >/dev/null 2>&1; done; e=$(date +%s%N); echo "$name $(( (e - s) / 20000 ))"; }
t "outside the sandbox: /bin/true" /bin/true
t "outside the sandbox: cat a host file" cat /etc/hostname
t "outside the sandbox: cat this host's /proc/kallsyms" cat /proc/kallsyms"#;
    if let Ok(o) = std::process::Command::new("/bin/sh")
        .args(["-c", host])
        .env_remove("LD_LIBRARY_PATH")
        .output()
    {
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            if let Some((name, us)) = line.rsplit_once(' ') {
                println!("{name:<62} {us:>8}");
            }
        }
    }
    // The same operations in-process, for where the time goes.
    let rootfs = RootFs::new(RELEASE).unwrap();
    let ns = Namespace::new(rootfs.root());
    mount_pseudo(&ns).unwrap();
    init_module(PROVIDER.bytes, b"").unwrap();
    let t = per_iter(200, || {
        black_box(read_path(&ns, "/proc/modules").unwrap());
    });
    println!(
        "{:<62} {:>8.1}",
        "in-process: generate /proc/modules",
        t.as_secs_f64() * 1e6
    );
    let t = per_iter(20, || {
        black_box(read_path(&ns, "/proc/kallsyms").unwrap());
    });
    println!(
        "{:<62} {:>8.1}",
        "in-process: read /proc/kallsyms",
        t.as_secs_f64() * 1e6
    );
    delete_module("provider", O_NONBLOCK).unwrap();
}

// ---- trusted modules: signatures and decompression ------------------------------

/// `tool ARGS FILE` on a copy of `bytes`: the signed or compressed file.
fn with_tool(bytes: &[u8], f: impl FnOnce(&std::path::Path) -> std::path::PathBuf) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("starry-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("m.ko");
    std::fs::write(&src, bytes).unwrap();
    let out = std::fs::read(f(&src)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

fn signed(bytes: &[u8], (key, x509): (&str, &str)) -> Vec<u8> {
    with_tool(bytes, |src| {
        let dest = src.with_extension("signed");
        let st = std::process::Command::new(starry_sample_modules::signing::SIGN_FILE)
            .args(["sha256", key, x509])
            .arg(src)
            .arg(&dest)
            .status()
            .expect("sign-file (needs openssl)");
        assert!(st.success());
        dest
    })
}

fn compressed(bytes: &[u8], tool: &str, args: &[&str], ext: &str) -> Vec<u8> {
    with_tool(bytes, |src| {
        let st = std::process::Command::new(tool)
            .args(args)
            .arg(src)
            .status()
            .expect("gzip/xz/zstd");
        assert!(st.success());
        src.with_extension(format!("ko.{ext}"))
    })
}

fn signing() {
    use starry_kmod::signature::{self, split, verify};
    use starry_kmod::syscalls::MODULE_INIT_COMPRESSED_FILE;
    use starry_sample_modules::signing::{CERTS, ECDSA, RSA};

    println!("\n== trusted modules: load + unload of hello with signature verification");
    let rsa = signed(HELLO.bytes, RSA);
    let ecdsa = signed(HELLO.bytes, ECDSA);
    let n = 200;
    // The reference: the same load in a kernel without module signing.
    let plain = per_iter(n, || full_cycle(&HELLO));
    signature::init_module_signing(CERTS);
    let cycle = |img: &[u8]| {
        init_module(img, b"").expect("load");
        delete_module("hello", O_NONBLOCK).expect("unload");
    };
    let mut rows = Vec::new();
    for (name, img) in [("RSA-2048/SHA-256", &rsa), ("ECDSA P-256/SHA-256", &ecdsa)] {
        let s = split(img).unwrap().unwrap();
        let v = per_iter(n, || {
            black_box(verify(black_box(s.module), s.pkcs7).expect("verify"));
        });
        let full = per_iter(n, || cycle(img));
        rows.push((name, full, v));
    }
    println!(
        "{:<22} {:>10} {:>12} {:>7} {:>12}",
        "signature", "load µs", "unsigned µs", "ratio", "verify µs"
    );
    for (name, full, v) in rows {
        println!(
            "{:<22} {:>10.1} {:>12.1} {:>6.2}x {:>12.1}",
            name,
            full.as_secs_f64() * 1e6,
            plain.as_secs_f64() * 1e6,
            full.as_secs_f64() / plain.as_secs_f64(),
            v.as_secs_f64() * 1e6
        );
    }

    println!(
        "\n== in-kernel decompression of hello_rust ({} bytes)",
        HELLO_RUST.bytes.len()
    );
    let root = RootFs::new(RELEASE).unwrap();
    let plain_node = root.add_file("/plain.ko", HELLO_RUST.bytes).unwrap();
    let finit = |node: &ax_fs_vfs::VfsNodeRef, flags: u32| {
        starry_kmod::finit_module(node.as_ref(), b"", flags).expect("finit");
        delete_module(HELLO_RUST.name, O_NONBLOCK).expect("unload");
    };
    let base = per_iter(n, || finit(&plain_node, 0));
    println!(
        "{:<6} {:>10} {:>12} {:>10} {:>12} {:>7}",
        "algo", "bytes", "decomp µs", "MB/s", "finit µs", "ratio"
    );
    println!(
        "{:<6} {:>10} {:>12} {:>10} {:>12.1} {:>6.2}x",
        "none",
        HELLO_RUST.bytes.len(),
        "-",
        "-",
        base.as_secs_f64() * 1e6,
        1.0
    );
    for (algo, tool, args) in [
        ("gzip", "gzip", &["-9", "-k"][..]),
        ("xz", "xz", &["-k"][..]),
        ("zst", "zstd", &["-q", "-19", "-k"][..]),
    ] {
        let z = compressed(
            HELLO_RUST.bytes,
            tool,
            args,
            if algo == "gzip" { "gz" } else { algo },
        );
        let d = per_iter(n, || {
            black_box(
                starry_kmod::decompress::decompress(black_box(&z), 64 << 20).expect("decompress"),
            );
        });
        let node = root.add_file(&format!("/m.ko.{algo}"), &z).unwrap();
        let f = per_iter(n, || finit(&node, MODULE_INIT_COMPRESSED_FILE));
        println!(
            "{:<6} {:>10} {:>12.1} {:>10.1} {:>12.1} {:>6.2}x",
            algo,
            z.len(),
            d.as_secs_f64() * 1e6,
            HELLO_RUST.bytes.len() as f64 / d.as_secs_f64() / 1e6,
            f.as_secs_f64() * 1e6,
            f.as_secs_f64() / base.as_secs_f64()
        );
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs it quickly.
    let host = platform::host::install();
    println!(
        "starry-kmod figures ({} kernel symbols in this binary)",
        host.kernel_symbols().len()
    );
    // STARRY_BENCH=name[,name] runs only those sections.
    let only = std::env::var("STARRY_BENCH").ok();
    let sections: [(&str, fn()); 8] = [
        ("load_unload", load_unload),
        ("memory", memory),
        ("kallsyms", kallsyms),
        ("seq_file", seq_file),
        ("runtime", runtime),
        ("scale", scale),
        ("signing", signing),
        ("sandbox", sandbox),
    ];
    for (name, f) in sections {
        if only
            .as_deref()
            .is_none_or(|o| o.split(',').any(|n| n == name))
        {
            f();
        }
    }
    assert_eq!(host.module_pages_in_use(), 0, "pages leaked");
}
