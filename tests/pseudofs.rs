//! The pseudo filesystems as a user sees them: every check here goes
//! through the VFS API only (lookup / read_dir / read_at / write_at, what
//! `ls`, `cat` and `echo` do) on a namespace with the rootfs at `/`, sysfs
//! at `/sys` and procfs at `/proc`; modules are loaded by path with
//! finit_module. Expected lines are built from Linux's documented formats.

mod common;

use std::collections::BTreeSet;
use std::sync::Mutex;

use ax_fs_vfs::{VfsNodeRef, VfsNodeType};
use common::{Sys, assert_logged, boot, kernel};
use goblin::elf::Elf;
use starry_kmod::console::{self, Record};
use starry_kmod::platform::Cred;
use starry_kmod::platform::host::with_cred;
use starry_kmod::syscalls::{MODULE_INIT_IGNORE_VERMAGIC, O_NONBLOCK};
use starry_kmod::vfs::finit_path;
use starry_kmod::{Errno, RELEASE, delete_module, kallsyms};
use starry_kmod_fs::pseudo::{list_dir, read_all, to_errno};
use starry_sample_modules::{ALL, HELLO, HELLO_RUST, INITFAIL, PARAMS, SampleModule};

fn errno_of(e: ax_fs_vfs::VfsError) -> Errno {
    Errno(to_errno(e))
}

impl Sys {
    fn node(&self, path: &str) -> VfsNodeRef {
        self.ns
            .lookup(path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}"))
    }

    fn exists(&self, path: &str) -> Result<(), Errno> {
        self.ns.lookup(path).map(|_| ()).map_err(errno_of)
    }

    /// `cat path`.
    fn cat(&self, path: &str) -> String {
        let bytes = read_all(&self.node(path), 4096).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        String::from_utf8(bytes).unwrap()
    }

    /// `echo -n data > path`.
    fn echo(&self, path: &str, data: &str) -> Result<usize, Errno> {
        self.node(path)
            .write_at(0, data.as_bytes())
            .map_err(errno_of)
    }

    /// `ls path` (names only, sorted).
    fn ls(&self, path: &str) -> BTreeSet<String> {
        list_dir(&self.node(path))
            .unwrap_or_else(|e| panic!("{path}: {e:?}"))
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    /// `stat -c %a path` and the node type.
    fn mode(&self, path: &str) -> (u32, VfsNodeType) {
        let a = self.ns.lookup_nofollow(path).unwrap().get_attr().unwrap();
        (a.perm().bits() as u32, a.file_type())
    }

    fn insmod(&self, m: &SampleModule, args: &str) -> Result<(), Errno> {
        let path = format!("/lib/modules/{RELEASE}/kernel/{}.ko", m.name);
        finit_path(&self.ns, &path, args.as_bytes(), 0).map_err(|e| e.errno)
    }
}

/// The `.modinfo` strings of an image, parsed independently of the loader.
fn modinfo(m: &SampleModule, key: &str) -> Option<String> {
    let elf = Elf::parse(m.bytes).unwrap();
    let sh = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".modinfo"))?;
    let data = &m.bytes[sh.sh_offset as usize..(sh.sh_offset + sh.sh_size) as usize];
    data.split(|&b| b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok())
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(String::from))
}

/// (name, size) of the sections Linux would list in sections/: SHF_ALLOC,
/// non-empty, not the ones the loader keeps out of memory (.modinfo,
/// __versions).
fn alloc_sections(m: &SampleModule) -> Vec<(String, u64)> {
    let elf = Elf::parse(m.bytes).unwrap();
    elf.section_headers
        .iter()
        .filter(|s| s.sh_flags & 2 != 0 && s.sh_size > 0)
        .map(|s| {
            (
                elf.shdr_strtab.get_at(s.sh_name).unwrap().to_string(),
                s.sh_size,
            )
        })
        .filter(|(n, _)| n != ".modinfo" && n != "__versions")
        .collect()
}

/// The address in a sections/ file (`0x%016x\n`).
fn section_addr(text: &str) -> u64 {
    assert_eq!(text.len(), 19, "{text:?}");
    assert!(text.starts_with("0x") && text.ends_with('\n'), "{text:?}");
    u64::from_str_radix(&text[2..18], 16).unwrap()
}

/// The module lines of /proc/kallsyms for one module: (addr, type, name).
fn kallsyms_of(text: &str, module: &str) -> Vec<(u64, char, String)> {
    let tag = format!("\t[{module}]");
    text.lines()
        .filter_map(|l| l.strip_suffix(tag.as_str()))
        .map(|l| {
            let addr = u64::from_str_radix(&l[..16], 16).unwrap();
            let kind = l.as_bytes()[17] as char;
            (addr, kind, l[19..].to_string())
        })
        .collect()
}

#[test]
fn each_sample_has_linux_files_and_modes() {
    let _k = kernel();
    let sys = boot(ALL);
    for m in [HELLO, PARAMS, HELLO_RUST] {
        sys.insmod(&m, "").unwrap();
        let dir = format!("/sys/module/{}", m.name);
        assert!(sys.ls("/sys/module").contains(m.name));

        let mut want: BTreeSet<String> = [
            "uevent",
            "initstate",
            "refcnt",
            "coresize",
            "initsize",
            "taint",
            "holders",
            "sections",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for key in ["version", "srcversion"] {
            if modinfo(&m, key).is_some() {
                want.insert(key.into());
            }
        }
        if m.name != HELLO.name {
            want.insert("parameters".into());
        }
        assert_eq!(sys.ls(&dir), want, "{dir}");

        assert_eq!(
            sys.mode(&format!("{dir}/uevent")),
            (0o200, VfsNodeType::File)
        );
        for f in ["initstate", "refcnt", "coresize", "initsize", "taint"] {
            assert_eq!(sys.mode(&format!("{dir}/{f}")), (0o444, VfsNodeType::File));
        }
        for d in ["holders", "sections"] {
            assert_eq!(sys.mode(&format!("{dir}/{d}")), (0o755, VfsNodeType::Dir));
        }
        assert_eq!(sys.cat(&format!("{dir}/initstate")), "live\n");
        assert_eq!(sys.cat(&format!("{dir}/refcnt")), "0\n");
        assert_eq!(sys.cat(&format!("{dir}/initsize")), "0\n");
        assert_eq!(sys.cat(&format!("{dir}/taint")), "\n");
        let core: u64 = sys.cat(&format!("{dir}/coresize")).trim().parse().unwrap();
        assert!(core > 0 && core.is_multiple_of(4096), "coresize {core}");
        for key in ["version", "srcversion"] {
            if let Some(v) = modinfo(&m, key) {
                assert_eq!(sys.cat(&format!("{dir}/{key}")), format!("{v}\n"));
            }
        }
        assert!(sys.ls(&format!("{dir}/holders")).is_empty());
        // uevent takes kobject actions only; reading it is not allowed.
        assert_eq!(sys.echo(&format!("{dir}/uevent"), "add\n"), Ok(4));
        assert_eq!(
            sys.echo(&format!("{dir}/uevent"), "bogus"),
            Err(Errno::EINVAL)
        );
        let uevent = sys.node(&format!("{dir}/uevent"));
        assert_eq!(
            uevent.read_at(0, &mut [0; 16]).map_err(errno_of),
            Err(Errno::EACCES)
        );
        // Read-only attributes refuse writes, even from root.
        assert_eq!(
            sys.echo(&format!("{dir}/refcnt"), "5\n"),
            Err(Errno::EACCES)
        );

        // sections/: exactly the allocated sections, 0400, real addresses.
        let secs = alloc_sections(&m);
        let names: BTreeSet<String> = secs.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(sys.ls(&format!("{dir}/sections")), names, "{dir}/sections");
        let elf = Elf::parse(m.bytes).unwrap();
        let mut ranges = Vec::new();
        for (name, size) in &secs {
            let path = format!("{dir}/sections/{name}");
            assert_eq!(sys.mode(&path), (0o400, VfsNodeType::File));
            let addr = section_addr(&sys.cat(&path));
            let align = elf
                .section_headers
                .iter()
                .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(name.as_str()))
                .map_or(1, |s| s.sh_addralign.max(1));
            assert!(addr != 0 && addr.is_multiple_of(align), "{path}: {addr:#x}");
            ranges.push((addr, addr + size, name.clone()));
        }
        // Packed by permission, but never overlapping.
        ranges.sort();
        for w in ranges.windows(2) {
            assert!(w[0].1 <= w[1].0, "{} overlaps {}", w[0].2, w[1].2);
        }
    }
    for m in [HELLO_RUST, PARAMS, HELLO] {
        delete_module(m.name, O_NONBLOCK).unwrap();
    }
}

#[test]
fn section_files_read_like_linux() {
    let _k = kernel();
    let sys = boot(ALL);
    sys.insmod(&HELLO, "").unwrap();
    let node = sys.node("/sys/module/hello/sections/.exit.text");
    let mut buf = [0u8; 64];
    let n = node.read_at(0, &mut buf).unwrap();
    assert_eq!(n, 19);
    assert_eq!(node.read_at(19, &mut buf).unwrap(), 0, "EOF after the text");
    assert_eq!(
        node.read_at(5, &mut buf).map_err(errno_of),
        Err(Errno::EINVAL),
        "a read starting inside the text"
    );
    // kptr_restrict=1: without CAP_SYSLOG the address is zeros (root
    // without the capability; an ordinary user cannot open a 0400 file).
    let no_syslog = Cred {
        caps: !(1u64 << Cred::CAP_SYSLOG),
        ..Cred::ROOT
    };
    let hidden = with_cred(no_syslog, || {
        sys.cat("/sys/module/hello/sections/.exit.text")
    });
    assert_eq!(hidden, "0x0000000000000000\n");
    let user = Cred::user(1000, 1000);
    let denied = with_cred(user, || node.read_at(0, &mut buf).map_err(errno_of));
    assert_eq!(denied, Err(Errno::EACCES));
    delete_module("hello", O_NONBLOCK).unwrap();
}

#[test]
fn kallsyms_agrees_with_section_addresses() {
    let _k = kernel();
    let sys = boot(ALL);
    for m in [HELLO, PARAMS, HELLO_RUST] {
        sys.insmod(&m, "").unwrap();
    }
    let text = sys.cat("/proc/kallsyms");
    for m in [HELLO, PARAMS, HELLO_RUST] {
        let dir = format!("/sys/module/{}/sections", m.name);
        // [start, end) of every section, from sections/ and the ELF sizes.
        let ranges: Vec<(String, u64, u64)> = alloc_sections(&m)
            .into_iter()
            .map(|(n, size)| {
                let a = section_addr(&sys.cat(&format!("{dir}/{n}")));
                (n, a, a + size)
            })
            .collect();
        let syms = kallsyms_of(&text, m.name);
        assert!(!syms.is_empty(), "no kallsyms lines for {}", m.name);
        for (addr, kind, name) in &syms {
            let sec = ranges
                .iter()
                .find(|(_, s, e)| addr >= s && addr < e)
                .unwrap_or_else(|| panic!("{name} at {addr:#x} is in no section of {}", m.name));
            if *kind == 't' {
                assert!(sec.0.contains("text"), "{name} is t but in {}", sec.0);
            }
        }
        // The exit function lies in the module's text as sections/ gives it.
        let exit = if m.name == HELLO_RUST.name {
            "hello_rust::cleanup_module".to_string()
        } else {
            format!("{}_exit", m.name)
        };
        let (addr, kind, _) = syms
            .iter()
            .find(|(_, _, n)| *n == exit)
            .unwrap_or_else(|| panic!("{exit} not in kallsyms"));
        assert_eq!(*kind, 't');
        let text_sec = if m.name == HELLO_RUST.name {
            ".text"
        } else {
            ".exit.text"
        };
        let (_, s, e) = ranges.iter().find(|(n, _, _)| n == text_sec).unwrap();
        assert!(addr >= s && addr < e, "{exit} {addr:#x} outside {text_sec}");
        // The same address through kallsyms_lookup_name.
        assert_eq!(kallsyms::lookup_name(&exit), Some(*addr as usize));
    }
    for m in [HELLO_RUST, PARAMS, HELLO] {
        delete_module(m.name, O_NONBLOCK).unwrap();
    }
}

#[test]
fn rust_symbols_are_demangled_and_found_both_ways() {
    let _k = kernel();
    let sys = boot(ALL);
    sys.insmod(&HELLO_RUST, "").unwrap();
    let text = sys.cat("/proc/kallsyms");
    let syms = kallsyms_of(&text, "hello_rust");
    let names: BTreeSet<&str> = syms.iter().map(|(_, _, n)| n.as_str()).collect();
    for want in [
        "hello_rust::init_module",
        "hello_rust::cleanup_module",
        "<hello_rust::Greeter>::compose",
        "hello_rust::GREETING_COUNT",
    ] {
        assert!(names.contains(want), "{want} missing from {names:?}");
    }
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("_R") || n.starts_with("_ZN")),
        "mangled names shown: {names:?}"
    );
    assert!(
        !names.iter().any(|n| n.starts_with(".L")),
        "local labels shown"
    );
    // The mangled name from the .ko's own symbol table finds the same address.
    let elf = Elf::parse(HELLO_RUST.bytes).unwrap();
    let mangled = elf
        .syms
        .iter()
        .filter_map(|s| elf.strtab.get_at(s.st_name))
        .find(|n| n.starts_with("_R") && n.ends_with("7Greeter7compose"))
        .expect("compose in the symtab");
    let by_mangled = kallsyms::lookup_name(mangled).unwrap();
    let by_demangled = kallsyms::lookup_name("<hello_rust::Greeter>::compose").unwrap();
    assert_eq!(by_mangled, by_demangled);
    let shown = syms
        .iter()
        .find(|(_, _, n)| n == "<hello_rust::Greeter>::compose")
        .unwrap();
    assert_eq!(shown.0 as usize, by_mangled);
    assert_eq!(
        kallsyms::lookup_name("hello_rust:hello_rust::GREETING_COUNT"),
        kallsyms::lookup_name("hello_rust::GREETING_COUNT"),
        "module:name form"
    );
    // Rust symbols of the kernel itself are demangled too.
    let kernel_rust = text
        .lines()
        .take_while(|l| !l.ends_with(']'))
        .filter(|l| l.contains("starry_kmod::"))
        .count();
    assert!(kernel_rust > 0, "no demangled kernel symbols");
    delete_module("hello_rust", O_NONBLOCK).unwrap();
}

#[test]
fn kallsyms_lines_have_linux_format_and_any_chunking_reads_the_same() {
    let _k = kernel();
    let sys = boot(ALL);
    sys.insmod(&PARAMS, "").unwrap();
    sys.insmod(&HELLO_RUST, "").unwrap();
    let node = sys.node("/proc/kallsyms");
    let whole = read_all(&node, 1 << 20).unwrap();
    let text = String::from_utf8(whole.clone()).unwrap();
    let mut seen_module = false;
    for line in text.lines() {
        // %016x %c %s[\t[%s]]
        let b = line.as_bytes();
        assert!(b.len() > 19, "{line:?}");
        assert!(
            b[..16]
                .iter()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(b[16], b' ');
        assert!(b[17].is_ascii_alphabetic() || b[17] == b'?', "{line:?}");
        assert_eq!(b[18], b' ');
        match line.split_once('\t') {
            Some((_, tag)) => {
                seen_module = true;
                assert!(tag.starts_with('[') && tag.ends_with(']'), "{line:?}");
            }
            None => assert!(!seen_module, "kernel symbol after module symbols: {line:?}"),
        }
    }
    assert!(seen_module);
    for chunk in [1usize, 7, 19, 100, 4096, 65536] {
        assert_eq!(read_all(&node, chunk).unwrap(), whole, "chunk {chunk}");
    }
    // Reads at arbitrary offsets give the same bytes.
    for off in [0usize, 1, 17, 18, 19, 20, whole.len() / 3, whole.len() - 1] {
        let mut buf = vec![0u8; 33];
        let n = node.read_at(off as u64, &mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            &whole[off..(off + 33).min(whole.len())],
            "offset {off}"
        );
    }
    assert_eq!(node.read_at(whole.len() as u64, &mut [0; 8]).unwrap(), 0);
    // Unprivileged readers see every address as zeros, same lines otherwise.
    let user = with_cred(Cred::user(1000, 1000), || read_all(&node, 4096).unwrap());
    let user = String::from_utf8(user).unwrap();
    assert_eq!(user.lines().count(), text.lines().count());
    for (u, r) in user.lines().zip(text.lines()) {
        assert_eq!(&u[..16], "0000000000000000");
        assert_eq!(&u[16..], &r[16..]);
    }
    delete_module("hello_rust", O_NONBLOCK).unwrap();
    delete_module("params", O_NONBLOCK).unwrap();
}

#[test]
fn proc_modules_is_linux_format() {
    let _k = kernel();
    let sys = boot(ALL);
    sys.insmod(&HELLO, "").unwrap();
    sys.insmod(&PARAMS, "").unwrap();
    let line = |name: &str| {
        let size: u64 = sys
            .cat(&format!("/sys/module/{name}/coresize"))
            .trim()
            .parse()
            .unwrap();
        // The module's core text: .text, or .exit.text when all its code
        // is init/exit code (hello).
        let secs = sys.ls(&format!("/sys/module/{name}/sections"));
        let text = [".text", ".exit.text"]
            .into_iter()
            .find(|s| secs.contains(*s))
            .unwrap();
        let addr = section_addr(&sys.cat(&format!("/sys/module/{name}/sections/{text}")));
        // seq_printf("%s %u %i %s %s 0x%px\n"): name size refcnt deps state addr
        format!("{name} {size} 0 - Live 0x{addr:016x}\n")
    };
    let want = format!("{}{}", line("params"), line("hello"));
    assert_eq!(sys.cat("/proc/modules"), want, "newest first");
    // Unprivileged: zero addresses.
    let user = with_cred(Cred::user(1000, 1000), || sys.cat("/proc/modules"));
    let hide = |s: &str| {
        s.lines()
            .map(|l| format!("{}0x0000000000000000\n", &l[..l.len() - 18]))
            .collect::<String>()
    };
    assert_eq!(user, hide(&want));
    // A module forced in (vermagic ignored) carries taint F: ` (F)`.
    delete_module("hello", O_NONBLOCK).unwrap();
    let path = format!("/lib/modules/{RELEASE}/kernel/hello.ko");
    finit_path(&sys.ns, &path, b"", MODULE_INIT_IGNORE_VERMAGIC).unwrap();
    assert_eq!(sys.cat("/sys/module/hello/taint"), "F\n");
    let hello = sys
        .cat("/proc/modules")
        .lines()
        .find(|l| l.starts_with("hello "))
        .unwrap()
        .to_string();
    assert_eq!(hello, format!("{} (F)", line("hello").trim_end()));
    delete_module("hello", O_NONBLOCK).unwrap();
    delete_module("params", O_NONBLOCK).unwrap();
    assert_eq!(sys.cat("/proc/modules"), "");
}

#[test]
fn parameters_through_sysfs_reach_the_module() {
    let mut k = kernel();
    let sys = boot(ALL);
    sys.insmod(&PARAMS, "count=2 whom=tux").unwrap();
    let p = "/sys/module/params/parameters";
    assert_eq!(
        sys.ls(p),
        ["count", "verbose", "whom", "max_bytes"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert_eq!(
        sys.exists(&format!("{p}/level")),
        Err(Errno::ENOENT),
        "perm 0: no file"
    );
    assert_eq!(sys.mode(&format!("{p}/count")).0, 0o644);
    assert_eq!(sys.mode(&format!("{p}/verbose")).0, 0o444);
    assert_eq!(sys.mode(&format!("{p}/max_bytes")).0, 0o600);
    assert_eq!(sys.cat(&format!("{p}/count")), "2\n");
    assert_eq!(sys.cat(&format!("{p}/whom")), "tux\n");
    assert_eq!(sys.cat(&format!("{p}/verbose")), "N\n");

    // echo 7 > count: the module's own set op; read back through get.
    assert_eq!(sys.echo(&format!("{p}/count"), "7\n"), Ok(2));
    assert_eq!(sys.cat(&format!("{p}/count")), "7\n");
    assert_eq!(sys.echo(&format!("{p}/whom"), "ferris"), Ok(6));
    // Invalid values: the setter's errno, old value kept.
    assert_eq!(sys.echo(&format!("{p}/count"), "seven"), Err(Errno::EINVAL));
    assert_eq!(
        sys.echo(&format!("{p}/count"), "0x1ffffffff"),
        Err(Errno::ERANGE)
    );
    assert_eq!(sys.cat(&format!("{p}/count")), "7\n");
    // Read-only parameter: refused, unchanged.
    assert_eq!(sys.echo(&format!("{p}/verbose"), "Y"), Err(Errno::EACCES));
    assert_eq!(sys.cat(&format!("{p}/verbose")), "N\n");
    // Mode bits hold for other users: 0600 is root's only, 0644 readable.
    let user = Cred::user(1000, 1000);
    let node = sys.node(&format!("{p}/max_bytes"));
    assert_eq!(
        with_cred(user, || node.read_at(0, &mut [0; 16]).map_err(errno_of)),
        Err(Errno::EACCES)
    );
    assert_eq!(with_cred(user, || sys.cat(&format!("{p}/count"))), "7\n");
    assert_eq!(
        with_cred(user, || sys.echo(&format!("{p}/count"), "1")),
        Err(Errno::EACCES)
    );
    k.log();
    delete_module("params", O_NONBLOCK).unwrap();
    // The module saw the values written through sysfs.
    assert_logged(&k.log(), "params: exit: count=7 verbose=N whom=ferris");

    // The Rust module's parameter, through param_ops_int.
    sys.insmod(&HELLO_RUST, "").unwrap();
    let f = "/sys/module/hello_rust/parameters/greeting_count";
    assert_eq!(sys.cat(f), "2\n");
    sys.echo(f, "3\n").unwrap();
    k.log();
    delete_module("hello_rust", O_NONBLOCK).unwrap();
    assert_logged(&k.log(), "hello_rust: goodbye (greeting_count=3)");
}

static SEEN_WHILE_COMING: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Console listener: when initfail's init prints, look at its sysfs node
/// the way a udev rule would.
fn look_during_init(r: &Record) {
    if r.text.contains("initfail: init returns") {
        let sys = boot(ALL);
        let state = match sys.ns.lookup("/sys/module/initfail/initstate") {
            Ok(n) => String::from_utf8(read_all(&n, 64).unwrap()).unwrap(),
            Err(e) => format!("{e:?}"),
        };
        let modules =
            String::from_utf8(read_all(&sys.node("/proc/modules"), 4096).unwrap()).unwrap();
        let mut seen = SEEN_WHILE_COMING.lock().unwrap();
        seen.push(state);
        seen.push(modules);
    }
}

#[test]
fn node_exists_while_coming_and_vanishes_when_init_fails() {
    let _k = kernel();
    let sys = boot(ALL);
    SEEN_WHILE_COMING.lock().unwrap().clear();
    console::set_listener(Some(look_during_init));
    let r = sys.insmod(&INITFAIL, "");
    console::set_listener(None);
    assert_eq!(r, Err(Errno::ENODEV));
    let seen = SEEN_WHILE_COMING.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "the listener ran during init");
    assert_eq!(seen[0], "coming\n");
    let line = seen[1]
        .lines()
        .find(|l| l.starts_with("initfail "))
        .unwrap();
    // name size refcnt deps state address; untainted, so no flags column.
    let f: Vec<&str> = line.split(' ').collect();
    assert_eq!(f.len(), 6, "{line}");
    assert_eq!(&f[2..5], ["0", "-", "Loading"], "{line}");
    assert!(f[5].starts_with("0x") && f[5].len() == 18, "{line}");
    assert_eq!(sys.exists("/sys/module/initfail"), Err(Errno::ENOENT));
    assert!(!sys.cat("/proc/modules").contains("initfail"));
    assert!(!sys.cat("/proc/kallsyms").contains("[initfail]"));
}

#[test]
fn nothing_is_left_after_unload() {
    let _k = kernel();
    let sys = boot(ALL);
    sys.insmod(&PARAMS, "").unwrap();
    // Files opened (looked up) before the unload...
    let count = sys.node("/sys/module/params/parameters/count");
    let refcnt = sys.node("/sys/module/params/refcnt");
    let text = sys.node("/sys/module/params/sections/.text");
    let dir = sys.node("/sys/module/params");
    assert_eq!(read_all(&count, 64).unwrap(), b"1\n");
    delete_module("params", O_NONBLOCK).unwrap();
    // ...give ENOENT afterwards, never stale memory.
    for n in [&count, &refcnt, &text] {
        assert_eq!(
            n.read_at(0, &mut [0; 64]).map_err(errno_of),
            Err(Errno::ENOENT)
        );
    }
    assert_eq!(
        count.write_at(0, b"3").map_err(errno_of),
        Err(Errno::ENOENT)
    );
    assert_eq!(list_dir(&dir).map_err(errno_of).unwrap_err(), Errno::ENOENT);
    assert_eq!(sys.exists("/sys/module/params"), Err(Errno::ENOENT));
    assert!(!sys.ls("/sys/module").contains("params"));
    assert!(!sys.cat("/proc/modules").contains("params"));
    assert!(!sys.cat("/proc/kallsyms").contains("[params]"));
    assert_eq!(kallsyms::lookup_name("params_exit"), None);
    // A new load of the same name is a new module; the old nodes stay dead.
    sys.insmod(&PARAMS, "count=4").unwrap();
    assert_eq!(
        count.read_at(0, &mut [0; 64]).map_err(errno_of),
        Err(Errno::ENOENT)
    );
    assert_eq!(sys.cat("/sys/module/params/parameters/count"), "4\n");
    delete_module("params", O_NONBLOCK).unwrap();
}

#[test]
fn finit_module_reads_from_the_rootfs_by_path() {
    let mut k = kernel();
    let sys = boot(ALL);
    let dir = format!("/lib/modules/{RELEASE}/kernel");
    let listed = sys.ls(&dir);
    for m in ALL {
        assert!(listed.contains(&format!("{}.ko", m.name)));
    }
    sys.insmod(&HELLO, "").unwrap();
    assert_logged(&k.log(), "hello: Hello, world!");
    // Loading it again: EEXIST; unknown flags: EINVAL; a directory: EINVAL.
    assert_eq!(sys.insmod(&HELLO, ""), Err(Errno::EEXIST));
    let path = format!("{dir}/hello.ko");
    assert_eq!(
        finit_path(&sys.ns, &path, b"", 8).map_err(|e| e.errno),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        finit_path(&sys.ns, &dir, b"", 0).map_err(|e| e.errno),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        finit_path(&sys.ns, "/lib/modules/none.ko", b"", 0).map_err(|e| e.errno),
        Err(Errno::ENOENT)
    );
    delete_module("hello", O_NONBLOCK).unwrap();
}
