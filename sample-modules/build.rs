//! Builds the sample modules into real x86_64 (and riscv64) ELF relocatable
//! `.ko` files, the way Linux's kbuild does: generate the headers a kernel
//! build generates (`generated/utsrelease.h`, `generated/autoconf.h`,
//! `linux/version.h`) from the kernel's release and version magic
//! (src/version.rs), compile against `include/` only (`-nostdinc`: no host
//! header reaches a module), generate what modpost would (`__this_module`
//! and the `.modinfo` it adds: name, vermagic, intree, depends,
//! srcversion), then partially link with `ld -r -T module.lds`. The Rust
//! modules are built as self-contained staticlibs by a nested cargo and
//! partially linked the same way. Which modules: `src/samples.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

// RELEASE and VERMAGIC: the kernel's own (src/version.rs).
include!("../src/version.rs");
// SAMPLES: the list of sample modules, in load order.
include!("src/samples.rs");

const CFLAGS: &[&str] = &[
    "-O2",
    "-std=gnu11",
    "-ffreestanding",
    "-fno-common",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-fno-stack-protector",
    "-Wall",
    "-Werror",
];

/// One architecture the modules are built for.
struct Arch {
    /// Subdirectory of OUT_DIR ("" for the host's x86_64 modules).
    dir: &'static str,
    cc: String,
    /// Prefix of the binutils (ld, nm) for this architecture.
    binutils: String,
    cflags: &'static [&'static str],
    rust_target: &'static str,
    /// The architecture's flags for the Rust modules.
    rustflags: &'static [&'static str],
    /// Sections the architecture's loader expects as placeholders
    /// (Linux's arch module.lds.h), appended to the linker scripts.
    extra_sections: &'static str,
    /// The architecture's own CONFIG_ options (generated/autoconf.h).
    config: &'static [&'static str],
}

const X86_64_CFLAGS: &[&str] = &[
    "-mno-red-zone",
    "-mno-sse",
    "-mno-mmx",
    "-fcf-protection=none",
];

/// RISC-V: medany code model (modules land anywhere near the kernel),
/// no linker relaxation or small-data sections (the loader relocates each
/// section on its own), no PIE.
const RISCV64_CFLAGS: &[&str] = &[
    "-march=rv64gc",
    "-mabi=lp64d",
    "-mcmodel=medany",
    "-mno-relax",
    "-msmall-data-limit=0",
    "-fno-pie",
];

/// AArch64: no FP/SIMD registers in kernel code, no calls to libgcc's
/// out-of-line atomics, no PIE (Linux's arm64 flags); small code model
/// (ADRP: +-4 GiB, the module area is within 128 MiB of the kernel).
const AARCH64_CFLAGS: &[&str] = &[
    "-mgeneral-regs-only",
    "-mno-outline-atomics",
    "-mbranch-protection=none",
    "-mcmodel=small",
    "-fno-pie",
];

/// LoongArch: soft-float ABI (the kernel's), normal code model (calls are
/// B26, +-128 MiB), no linker relaxation (the loader relocates each
/// section on its own and does not implement R_LARCH_RELAX/ALIGN), no PIC.
const LOONGARCH64_CFLAGS: &[&str] = &["-mabi=lp64s", "-mcmodel=normal", "-mno-relax", "-fno-pic"];

/// The same for the Rust modules (the target's default is the medium code
/// model, whose calls are R_LARCH_CALL36, which the loader lacks). The
/// prebuilt `core` has them too: `core` is rebuilt with these flags
/// (`-Zbuild-std`, the pinned nightly's rust-src).
const LOONGARCH64_RUSTFLAGS: &[&str] = &["-Ccode-model=small", "-Ctarget-feature=-relax"];

fn run(cmd: &mut Command) {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    if !out.status.success() {
        panic!(
            "{shown} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn output(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    if !out.status.success() {
        panic!("{shown} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Symbols an object exports (`__ksymtab_<sym>` entries) and needs (undefined).
fn exports_and_needs(nm: &str, obj: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut exports = BTreeSet::new();
    let mut needs = BTreeSet::new();
    for line in output(Command::new(nm).arg(obj)).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["U", sym] => {
                needs.insert(sym.to_string());
            }
            [_, _, sym] => {
                if let Some(s) = sym.strip_prefix("__ksymtab_") {
                    exports.insert(s.to_string());
                }
            }
            _ => {}
        }
    }
    (exports, needs)
}

/// A source digest in the shape of Linux's srcversion (24 hex digits).
fn srcversion(src: &[u8]) -> String {
    let fnv = |seed: u64| {
        src.iter().fold(seed, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let a = fnv(0xcbf2_9ce4_8422_2325);
    let b = fnv(0x6c62_272e_07bb_0142);
    format!("{a:016X}{:08X}", b >> 32)
}

/// The architectures modules are built for, named as Linux names them
/// (`ARCH=`) with the cross-compiler prefix Debian's packages use
/// (`CROSS_COMPILE=`; `ARCH=<arch> CROSS_COMPILE=<prefix>` in the
/// environment overrides it, as for Linux's make).
fn arch_table(target_arch: &str) -> Option<Arch> {
    let (dir, linux_arch, prefix, cflags, rust_target, rustflags, extra_sections, config): (
        _,
        _,
        _,
        &'static [&'static str],
        _,
        &'static [&'static str],
        _,
        &'static [&'static str],
    ) = match target_arch {
        // The kernel's x86_64 modules: no red zone, no SSE, like the host's,
        // Rust for the bare-metal target (soft float, no red zone).
        "x86_64" => (
            "x86_64",
            "x86",
            "",
            X86_64_CFLAGS,
            "x86_64-unknown-none",
            &[],
            "",
            &["X86", "X86_64"],
        ),
        "riscv64" => (
            "riscv64",
            "riscv",
            "riscv64-linux-gnu-",
            RISCV64_CFLAGS,
            "riscv64gc-unknown-none-elf",
            &[],
            "\t.plt 0 : { BYTE(0) }\n\t.got 0 : { BYTE(0) }\n\t.got.plt 0 : { BYTE(0) }\n",
            &["RISCV"],
        ),
        "aarch64" => (
            "aarch64",
            "arm64",
            "aarch64-linux-gnu-",
            AARCH64_CFLAGS,
            "aarch64-unknown-none-softfloat",
            &[],
            "\t.plt 0 : { BYTE(0) }\n\t.got 0 : { BYTE(0) }\n",
            &["ARM64"],
        ),
        "loongarch64" => (
            "loongarch64",
            "loongarch",
            "loongarch64-linux-gnu-",
            LOONGARCH64_CFLAGS,
            "loongarch64-unknown-none-softfloat",
            LOONGARCH64_RUSTFLAGS,
            "\t.plt 0 : { BYTE(0) }\n\t.got 0 : { BYTE(0) }\n\t.plt.idx 0 : { BYTE(0) }\n",
            &["LOONGARCH"],
        ),
        _ => return None,
    };
    println!("cargo:rerun-if-env-changed=ARCH");
    println!("cargo:rerun-if-env-changed=CROSS_COMPILE");
    let prefix = match (env::var("ARCH"), env::var("CROSS_COMPILE")) {
        (Ok(a), Ok(p)) if a == linux_arch => p,
        _ => prefix.to_string(),
    };
    Some(Arch {
        dir,
        cc: format!("{prefix}gcc"),
        binutils: prefix,
        cflags,
        rust_target,
        rustflags,
        extra_sections,
        config,
    })
}

fn have(cc: &str) -> bool {
    Command::new(cc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=STARRY_MODULE_CC");
    println!("cargo:rerun-if-env-changed=STARRY_RISCV64_CC");
    println!("cargo:rustc-check-cfg=cfg(riscv64_samples)");
    println!("cargo:rustc-check-cfg=cfg(kernel_samples)");
    let host = Arch {
        dir: "",
        cc: env::var("STARRY_MODULE_CC").unwrap_or_else(|_| "gcc".into()),
        binutils: String::new(),
        cflags: X86_64_CFLAGS,
        rust_target: "x86_64-unknown-linux-gnu",
        rustflags: &[],
        extra_sections: "",
        config: &["X86", "X86_64"],
    };
    let modules = samples(&manifest);
    build(&manifest, &out, &host, &modules);
    write_list(&out.join("samples.rs"), &modules, "sample");
    // Built for a kernel (a bare-metal target): that architecture's
    // modules, for its rootfs (`kernel::ALL`).
    let target_arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none") {
        let arch = arch_table(&target_arch)
            .unwrap_or_else(|| panic!("no module build for the {target_arch} architecture"));
        if !have(&arch.cc) {
            panic!(
                "{}: the {target_arch} module compiler is missing (ARCH=/CROSS_COMPILE= name another)",
                arch.cc
            );
        }
        let dir = out.join("kernel");
        fs::create_dir_all(&dir).unwrap();
        build(&manifest, &dir, &arch, &modules);
        write_list(&dir.join("samples.rs"), &modules, "kmod");
        println!("cargo:rustc-cfg=kernel_samples");
        return;
    }
    // The riscv64 modules, for the host's tests of a foreign machine,
    // when the Debian cross compiler is there.
    let mut rv = arch_table("riscv64").unwrap();
    if let Ok(cc) = env::var("STARRY_RISCV64_CC") {
        rv.cc = cc;
    }
    if have(&rv.cc) {
        let dir = out.join("riscv64");
        fs::create_dir_all(&dir).unwrap();
        build(&manifest, &dir, &rv, &modules);
        write_list(&dir.join("samples.rs"), &modules, "rv");
        println!("cargo:rustc-cfg=riscv64_samples");
    }
}

/// One sample module of `src/samples.rs`.
struct Sample {
    name: &'static str,
    doc: &'static str,
    /// Written in C (`c/<name>.c`), else Rust (`rust/<name>/`).
    c: bool,
}

/// The modules of `SAMPLES`, each with the language its source is in;
/// every source in `c/` and `rust/` must be listed, and every entry must
/// have a source.
fn samples(manifest: &Path) -> Vec<Sample> {
    let mut found = BTreeMap::new();
    for (dir, c) in [("c", true), ("rust", false)] {
        let dir = manifest.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = if c && path.extension().is_some_and(|e| e == "c") {
                path.file_stem()
            } else if !c && path.join("Cargo.toml").is_file() {
                path.file_name()
            } else {
                continue;
            };
            let name = name.unwrap().to_string_lossy().into_owned();
            if found.insert(name.clone(), c).is_some() {
                panic!("sample module {name} has both a C and a Rust source");
            }
        }
    }
    let mut out = Vec::new();
    for &(name, doc) in SAMPLES {
        let Some(c) = found.remove(name) else {
            panic!("src/samples.rs lists {name}, which has no c/{name}.c or rust/{name}/");
        };
        out.push(Sample { name, doc, c });
    }
    if let Some(name) = found.keys().next() {
        panic!("sample module {name} is not listed in src/samples.rs");
    }
    out
}

/// The constants of src/lib.rs: one per module with `ALL` in load order
/// (`sample`), or only `ALL` (`rv`, the riscv64 copies).
fn write_list(path: &Path, modules: &[Sample], mac: &str) {
    let mut text = String::from("// generated by sample-modules/build.rs from src/samples.rs\n");
    let mut all = String::new();
    for m in modules {
        if mac == "sample" {
            let upper = m.name.to_uppercase();
            text.push_str(&format!(
                "#[doc = {:?}]\npub const {upper}: SampleModule = sample!({:?});\n",
                format!("`{}` {}", m.name, m.doc),
                m.name
            ));
            all.push_str(&format!("    {upper},\n"));
        } else {
            all.push_str(&format!("    {mac}!({:?}),\n", m.name));
        }
    }
    text.push_str(&format!(
        "/// Every sample module, in load order (providers first).\n\
         pub const ALL: &[SampleModule] = &[\n{all}];\n"
    ));
    fs::write(path, text).unwrap();
}

/// The CONFIG_ options the version magic names: each word after the
/// release is one (Linux's linux/vermagic.h words).
fn vermagic_config() -> Vec<&'static str> {
    let words = VERMAGIC
        .strip_prefix(RELEASE)
        .expect("VERMAGIC starts with RELEASE");
    words
        .split_whitespace()
        .map(|w| match w {
            "SMP" => "SMP",
            "preempt" => "PREEMPT",
            "preempt_rt" => "PREEMPT_RT",
            "mod_unload" => "MODULE_UNLOAD",
            "modversions" => "MODVERSIONS",
            _ => panic!("VERMAGIC word {w:?} names no known configuration option"),
        })
        .collect()
}

/// The headers a kernel build generates, under `<out>/include`:
/// generated/utsrelease.h (UTS_RELEASE), generated/autoconf.h (the CONFIG_
/// options: the version magic's, the architecture's, what any module
/// kernel has) and linux/version.h (LINUX_VERSION_CODE, KERNEL_VERSION).
fn generate_headers(out: &Path, arch: &Arch) -> PathBuf {
    let inc = out.join("include");
    fs::create_dir_all(inc.join("generated")).unwrap();
    fs::create_dir_all(inc.join("linux")).unwrap();
    let banner = "/* generated by sample-modules/build.rs from src/version.rs */\n";
    fs::write(
        inc.join("generated/utsrelease.h"),
        format!("{banner}#define UTS_RELEASE \"{RELEASE}\"\n"),
    )
    .unwrap();

    let mut config: Vec<&str> = vec!["MODULES", "64BIT", "PRINTK"];
    config.extend(vermagic_config());
    config.extend(arch.config);
    let mut autoconf = String::from(banner);
    for c in config {
        autoconf.push_str(&format!("#define CONFIG_{c} 1\n"));
    }
    fs::write(inc.join("generated/autoconf.h"), autoconf).unwrap();

    // "6.6.0-starry": VERSION.PATCHLEVEL.SUBLEVEL, then the local version.
    let numeric = RELEASE
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .unwrap();
    let mut v = numeric.split('.').map(|n| n.parse::<u32>().unwrap_or(0));
    let (a, b, c) = (
        v.next().unwrap_or(0),
        v.next().unwrap_or(0),
        v.next().unwrap_or(0),
    );
    fs::write(
        inc.join("linux/version.h"),
        format!(
            "{banner}#define LINUX_VERSION_CODE {}\n\
             #define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))\n\
             #define LINUX_VERSION_MAJOR {a}\n\
             #define LINUX_VERSION_PATCHLEVEL {b}\n\
             #define LINUX_VERSION_SUBLEVEL {c}\n",
            (a << 16) + (b << 8) + c.min(255)
        ),
    )
    .unwrap();
    inc
}

/// The compiler's own header directory (stdarg.h, stddef.h...), the one
/// system directory a module may see (`-nostdinc -isystem`).
fn compiler_include(cc: &str) -> PathBuf {
    PathBuf::from(output(Command::new(cc).arg("-print-file-name=include")).trim())
}

/// A C compile as Kbuild does it for a module object: only the kernel's
/// headers and the compiler's own, kconfig.h and compiler_types.h first,
/// MODULE, KBUILD_MODNAME and KBUILD_BASENAME defined.
fn cc_module(arch: &Arch, includes: &[&Path], name: &str, src: &Path, obj: &Path) -> Command {
    let base = src.file_stem().unwrap().to_string_lossy().into_owned();
    let mut cmd = Command::new(&arch.cc);
    cmd.args(CFLAGS)
        .args(arch.cflags)
        .arg("-nostdinc")
        .arg("-isystem")
        .arg(compiler_include(&arch.cc));
    for dir in includes {
        cmd.arg("-I").arg(dir);
    }
    cmd.args([
        "-include",
        "linux/kconfig.h",
        "-include",
        "linux/compiler_types.h",
    ])
    .args(["-D__KERNEL__", "-DMODULE"])
    .arg(format!("-DKBUILD_BASENAME=\"{base}\""))
    .arg(format!("-DKBUILD_MODNAME=\"{name}\""))
    .arg("-c")
    .arg(src)
    .arg("-o")
    .arg(obj);
    cmd
}

/// A linker script with the architecture's placeholder sections added.
fn script(base: &Path, arch: &Arch, out: &Path) -> PathBuf {
    if arch.extra_sections.is_empty() {
        return base.to_path_buf();
    }
    let text = fs::read_to_string(base).unwrap();
    let end = text.rfind('}').expect("a SECTIONS block");
    let mut extra = String::new();
    for line in arch.extra_sections.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        // Rust's script already has a .got placeholder.
        if !text.contains(&format!("\t{name} 0")) {
            extra.push_str(line);
            extra.push('\n');
        }
    }
    let path = out.join(base.file_name().unwrap());
    fs::write(&path, format!("{}{}{}", &text[..end], extra, &text[end..])).unwrap();
    path
}

fn build(manifest: &Path, out: &Path, arch: &Arch, modules: &[Sample]) {
    let include = manifest.join("include");
    let generated = generate_headers(out, arch);
    let includes = [generated.as_path(), include.as_path()];
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("../src/version.rs").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("src/samples.rs").display()
    );
    let lds = script(&manifest.join("module.lds"), arch, out);
    println!("cargo:rerun-if-changed={}", include.display());
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("module.lds").display()
    );
    let ld = format!("{}ld", arch.binutils);
    let nm = format!("{}nm", arch.binutils);
    // 1. compile every C module's object.
    let mut objs = BTreeMap::new();
    for m in modules.iter().filter(|m| m.c) {
        let name = m.name;
        let src = manifest.join("c").join(format!("{name}.c"));
        println!("cargo:rerun-if-changed={}", src.display());
        let obj = out.join(format!("{name}.o"));
        run(&mut cc_module(arch, &includes, name, &src, &obj));
        objs.insert(name.to_string(), (src, obj));
    }

    // 2. what modpost computes: who exports what, hence `depends=`.
    let mut exports: BTreeMap<String, String> = BTreeMap::new();
    let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, (_, obj)) in &objs {
        let (e, n) = exports_and_needs(&nm, obj);
        for sym in e {
            exports.insert(sym, name.clone());
        }
        needs.insert(name.clone(), n);
    }

    // 3. the generated <name>.mod.c, then the partial link.
    for (name, (src, obj)) in &objs {
        let deps: BTreeSet<&str> = needs[name]
            .iter()
            .filter_map(|s| exports.get(s))
            .filter(|m| *m != name)
            .map(String::as_str)
            .collect();
        let source = fs::read(src).unwrap();
        let has_version = String::from_utf8_lossy(&source).contains("MODULE_VERSION(");
        let mut modc = String::from(
            "/* generated by sample-modules/build.rs, as Linux's modpost would */\n\
             #include <linux/module.h>\n\
             #define INCLUDE_VERMAGIC\n\
             #include <linux/vermagic.h>\n\
             extern int init_module(void) __attribute__((weak));\n\
             extern void cleanup_module(void) __attribute__((weak));\n\
             struct module __this_module __used __section(\".gnu.linkonce.this_module\") = {\n\
             \t.name = KBUILD_MODNAME,\n\t.init = init_module,\n\t.exit = cleanup_module,\n};\n\
             MODULE_INFO(name, KBUILD_MODNAME);\nMODULE_INFO(intree, \"Y\");\n\
             MODULE_INFO(vermagic, VERMAGIC_STRING);\n",
        );
        modc.push_str(&format!(
            "MODULE_INFO(depends, \"{}\");\n",
            deps.into_iter().collect::<Vec<_>>().join(",")
        ));
        if has_version {
            modc.push_str(&format!(
                "MODULE_INFO(srcversion, \"{}\");\n",
                srcversion(&source)
            ));
        }
        let modc_path = out.join(format!("{name}.mod.c"));
        fs::write(&modc_path, modc).unwrap();
        let modo = out.join(format!("{name}.mod.o"));
        run(&mut cc_module(arch, &includes, name, &modc_path, &modo));
        run(Command::new(&ld)
            .arg("-r")
            .arg("-T")
            .arg(&lds)
            .arg(obj)
            .arg(&modo)
            .arg("-o")
            .arg(out.join(format!("{name}.ko"))));
        check_vermagic(&out.join(format!("{name}.ko")));
    }

    // 4. Rust modules: a nested cargo builds each as a self-contained
    //    staticlib (its own copy of the parts of core it uses).
    let rust_lds = script(&manifest.join("rust").join("module_rust.lds"), arch, out);
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("rust").join("module_rust.lds").display()
    );
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let target = arch.rust_target;
    let mut rustflags = vec!["-Cforce-unwind-tables=no"];
    rustflags.extend(arch.rustflags);
    for m in modules.iter().filter(|m| !m.c) {
        let name = m.name;
        let dir = manifest.join("rust").join(name);
        println!("cargo:rerun-if-changed={}", dir.join("src").display());
        println!(
            "cargo:rerun-if-changed={}",
            dir.join("Cargo.toml").display()
        );
        let target_dir = out.join("rust-target");
        let mut cmd = Command::new(&cargo);
        for (k, _) in env::vars() {
            if k.starts_with("CARGO_")
                || k.starts_with("RUSTC_")
                || k == "RUSTFLAGS"
                || k == "RUSTDOCFLAGS"
            {
                cmd.env_remove(k);
            }
        }
        if !arch.rustflags.is_empty() {
            // Flags that change code generation must reach `core` too.
            cmd.arg("-Zbuild-std=core");
        }
        run(cmd
            .current_dir(&dir)
            .env("RUSTC", &rustc)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f"))
            .env("STARRY_VERMAGIC", VERMAGIC)
            .args([
                "build",
                "--release",
                "--locked",
                "--quiet",
                "--target",
                target,
            ]));
        let lib = target_dir
            .join(target)
            .join("release")
            .join(format!("lib{name}.a"));
        // The panic handler is a global the archive always defines: a root
        // for --gc-sections; KEEP() in the script keeps the module sections.
        let root = output(Command::new(&nm).args(["--defined-only", "-g"]).arg(&lib))
            .lines()
            .filter_map(|l| l.split_whitespace().nth(2))
            .find(|s| s.ends_with("rust_begin_unwind"))
            .map(str::to_string)
            .expect("the Rust module defines no panic handler");
        let mut link = Command::new(&ld);
        link.args(["-r", "-S", "--gc-sections", "-u", &root, "-T"])
            .arg(&rust_lds);
        if arch.dir.is_empty() {
            link.arg("--whole-archive")
                .arg(&lib)
                .arg("--no-whole-archive");
        } else {
            // Only the members the module needs: the bare-metal archive's
            // compiler-rt objects carry another float ABI tag, which ld
            // refuses to merge (the kernel never runs them). The module's
            // own object is pulled in by its always-defined global.
            link.args(["-u", "rust_eh_personality"]).arg(&lib);
        }
        run(link.arg("-o").arg(out.join(format!("{name}.ko"))));
        check_vermagic(&out.join(format!("{name}.ko")));
    }
}

/// A built module must carry the kernel's version magic, whole: what the
/// headers composed (VERMAGIC_STRING) and what the kernel compares with.
fn check_vermagic(ko: &Path) {
    let bytes = fs::read(ko).unwrap();
    let entry = format!("vermagic={VERMAGIC}\0");
    if !bytes.windows(entry.len()).any(|w| w == entry.as_bytes()) {
        panic!("{}: no `vermagic={VERMAGIC}` in .modinfo", ko.display());
    }
}
