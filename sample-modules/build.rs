//! Assembles the Kbuild directory (`<OUT_DIR>/kbuild`: what
//! `make -C DIR M=$PWD modules` needs to build a module written for
//! Linux's Kbuild) and builds the sample modules through it, so what a
//! module author gets is what the tests use:
//!
//! - `kbuild/Makefile` and `kbuild/scripts/Makefile.*` (this package's
//!   `kbuild/`), `include` (this package's headers), the headers a kernel
//!   build generates (`include-generated/generated/utsrelease.h`,
//!   `linux/version.h`) from the kernel's release and version magic
//!   (src/version.rs), one `arch/<arch>/` per architecture of [`ARCHES`]
//!   (its flags, its module linker scripts, `generated/autoconf.h`),
//!   `Module.symvers` with the kernel's exports (src/kapi/), and
//!   `scripts/modpost`, compiled here from `kbuild/scripts/modpost.rs`;
//! - then the samples of `src/samples.rs` (C from `c/`, Rust crates from
//!   `rust/`) are an external module tree (`OUT_DIR` for x86_64,
//!   `OUT_DIR/riscv64`) built with `make -C kbuild M=... modules`, and
//!   the x86_64 ones are installed with `make modules_install` + depmod
//!   into `OUT_DIR/root/lib/modules/<release>/`, the module tree the
//!   kernel's rootfs holds;
//! - compiled for a kernel (a bare-metal target: riscv64, x86_64, aarch64
//!   or loongarch64), the samples are also built, the same way, for that
//!   kernel's architecture into `OUT_DIR/kernel` (`kernel::ALL`,
//!   `cfg(kernel_samples)`).

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

// RELEASE and VERMAGIC: the kernel's own (src/version.rs).
include!("../src/version.rs");
// SAMPLES: the list of sample modules, in load order.
include!("src/samples.rs");

/// One architecture modules are built for (Linux's arch/<SRCARCH>/Makefile).
struct Arch {
    /// Linux's SRCARCH: the directory under `kbuild/arch/`.
    srcarch: &'static str,
    /// The ARCH= values (and `uname -m` names) that select it.
    names: &'static [&'static str],
    /// CROSS_COMPILE when building on another machine (Debian's cross gcc).
    cross_compile: &'static str,
    /// Where this architecture's samples are built for the host's tests,
    /// under OUT_DIR ("" for the host's x86_64 modules; None: built only
    /// for a kernel of this architecture), and the environment variable
    /// naming another compiler for them.
    sample_dir: Option<&'static str>,
    cc_env: &'static str,
    cflags: &'static [&'static str],
    rust_target: &'static str,
    /// The Rust target of the modules of a kernel of this architecture
    /// (bare metal), when it is not `rust_target` (x86_64's host target).
    kernel_rust_target: Option<&'static str>,
    /// The architecture's flags for the Rust modules.
    rustflags: &'static [&'static str],
    /// Rebuild `core` with `rustflags` (`-Zbuild-std=core`, the pinned
    /// nightly's rust-src): flags that change code generation must reach
    /// the prebuilt `core` too.
    build_std: bool,
    /// Link the whole Rust staticlib (x86_64), or only the members the
    /// module needs (bare-metal targets, whose compiler-rt objects carry
    /// another float ABI tag that ld refuses to merge).
    rust_whole_archive: bool,
    /// Sections the architecture's loader expects as placeholders
    /// (Linux's arch module.lds.h), appended to the linker scripts.
    extra_sections: &'static str,
    /// The architecture's own CONFIG_ options (generated/autoconf.h).
    config: &'static [&'static str],
}

/// The architectures: one entry each.
const ARCHES: &[Arch] = &[
    Arch {
        srcarch: "x86",
        names: &["x86_64", "x86"],
        cross_compile: "x86_64-linux-gnu-",
        sample_dir: Some(""),
        cc_env: "STARRY_MODULE_CC",
        cflags: &[
            "-mno-red-zone",
            "-mno-sse",
            "-mno-mmx",
            "-fcf-protection=none",
        ],
        rust_target: "x86_64-unknown-linux-gnu",
        // The kernel's x86_64 modules: Rust for the bare-metal target
        // (soft float, no red zone), only the archive members they need.
        kernel_rust_target: Some("x86_64-unknown-none"),
        rustflags: &[],
        build_std: false,
        rust_whole_archive: true,
        extra_sections: "",
        config: &["X86", "X86_64"],
    },
    // RISC-V: medany code model (modules land anywhere near the kernel),
    // no linker relaxation or small-data sections (the loader relocates
    // each section on its own), no PIE.
    Arch {
        srcarch: "riscv",
        names: &["riscv", "riscv64"],
        cross_compile: "riscv64-linux-gnu-",
        sample_dir: Some("riscv64"),
        cc_env: "STARRY_RISCV64_CC",
        cflags: &[
            "-march=rv64gc",
            "-mabi=lp64d",
            "-mcmodel=medany",
            "-mno-relax",
            "-msmall-data-limit=0",
            "-fno-pie",
        ],
        rust_target: "riscv64gc-unknown-none-elf",
        kernel_rust_target: None,
        rustflags: &[],
        build_std: false,
        rust_whole_archive: false,
        extra_sections: "\t.plt 0 : { BYTE(0) }\n\t.got 0 : { BYTE(0) }\n\t.got.plt 0 : { BYTE(0) }\n",
        config: &["RISCV"],
    },
    // AArch64: no FP/SIMD registers in kernel code, no calls to libgcc's
    // out-of-line atomics, no PIE (Linux's arm64 flags); small code model
    // (ADRP: +-4 GiB, the module area is within 128 MiB of the kernel).
    Arch {
        srcarch: "arm64",
        names: &["arm64", "aarch64"],
        cross_compile: "aarch64-linux-gnu-",
        sample_dir: None,
        cc_env: "STARRY_AARCH64_CC",
        cflags: &[
            "-mgeneral-regs-only",
            "-mno-outline-atomics",
            "-mbranch-protection=none",
            "-mcmodel=small",
            "-fno-pie",
        ],
        rust_target: "aarch64-unknown-none-softfloat",
        kernel_rust_target: None,
        rustflags: &[],
        build_std: false,
        rust_whole_archive: false,
        extra_sections: "\t.plt 0 : { BYTE(0) }\n\t.got 0 : { BYTE(0) }\n",
        config: &["ARM64"],
    },
    // LoongArch: soft-float ABI (the kernel's), normal code model (calls
    // are B26, +-128 MiB), no linker relaxation (the loader relocates each
    // section on its own and does not implement R_LARCH_RELAX/ALIGN), no
    // PIC. The Rust modules likewise (the target's default is the medium
    // code model, whose calls are R_LARCH_CALL36, which the loader lacks),
    // with `core` rebuilt with those flags. Debian has no LoongArch C
    // compiler: .ci/bin's loongarch64-linux-gnu-* stand in (zig).
    Arch {
        srcarch: "loongarch",
        names: &["loongarch", "loongarch64"],
        cross_compile: "loongarch64-linux-gnu-",
        sample_dir: None,
        cc_env: "STARRY_LOONGARCH64_CC",
        cflags: &["-mabi=lp64s", "-mcmodel=normal", "-mno-relax", "-fno-pic"],
        rust_target: "loongarch64-unknown-none-softfloat",
        kernel_rust_target: None,
        rustflags: &["-Ccode-model=small", "-Ctarget-feature=-relax"],
        build_std: true,
        rust_whole_archive: false,
        extra_sections: "\t.plt 0 : { BYTE(0) }\n\t.got 0 : { BYTE(0) }\n\t.plt.idx 0 : { BYTE(0) }\n",
        config: &["LOONGARCH"],
    },
];

fn run(cmd: &mut Command) -> String {
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
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn need(tool: &str, package: &str) {
    if !have(tool) {
        panic!(
            "`{tool}` is not installed; the module build needs it \
             (Debian/Ubuntu: apt-get install {package})"
        );
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=build.rs");
    for a in ARCHES {
        println!("cargo:rerun-if-env-changed={}", a.cc_env);
    }
    println!("cargo:rustc-check-cfg=cfg(riscv64_samples)");
    println!("cargo:rustc-check-cfg=cfg(kernel_samples)");
    need("make", "make");
    need("depmod", "kmod");
    // (openssl has no --version: `openssl version`.)
    if !Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        panic!(
            "`openssl` is not installed; the module build signs modules with it (Debian/Ubuntu: apt-get install openssl)"
        );
    }
    let kbuild = assemble_kbuild(&manifest, &out);
    signing_keys(&kbuild, &out);
    println!("cargo:rustc-env=STARRY_KBUILD_DIR={}", kbuild.display());
    let modules = samples(&manifest);
    // Compiled for a kernel (a bare-metal target): its architecture's
    // modules, for its rootfs (`kernel::ALL`); the host's modules below
    // are still built (the crate's constants), the other ones not.
    let for_kernel = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none");
    if for_kernel {
        let target_arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
        let arch = ARCHES
            .iter()
            .find(|a| a.names.contains(&target_arch.as_str()))
            .unwrap_or_else(|| panic!("no module build for the {target_arch} architecture"));
        let cc = compiler(arch);
        if !have(&cc) {
            panic!(
                "{cc}: the {target_arch} module compiler is missing ({} names another)",
                arch.cc_env
            );
        }
        let dir = out.join("kernel");
        fs::create_dir_all(&dir).unwrap();
        build_samples(&manifest, &kbuild, &dir, arch, &cc, &modules, true);
        write_list(&dir.join("samples.rs"), &modules, "kmod");
        println!("cargo:rustc-cfg=kernel_samples");
    }
    // The host's modules, then each other architecture whose compiler is
    // there (riscv64: the host's tests of a foreign machine).
    for arch in ARCHES {
        let Some(sample_dir) = arch.sample_dir else {
            continue;
        };
        let host = sample_dir.is_empty();
        let cc = compiler(arch);
        if !host && (for_kernel || !have(&cc)) {
            continue;
        }
        let dir = out.join(sample_dir);
        fs::create_dir_all(&dir).unwrap();
        build_samples(&manifest, &kbuild, &dir, arch, &cc, &modules, false);
        if host {
            write_list(&dir.join("samples.rs"), &modules, "sample");
            install(&kbuild, &dir, &out.join("root"), arch, &modules);
        } else {
            write_list(&dir.join("samples.rs"), &modules, "rv");
            println!("cargo:rustc-cfg=riscv64_samples");
        }
    }
}

/// The C compiler of an architecture's modules: its `cc_env`, else gcc
/// (the host's) or `<CROSS_COMPILE>gcc`.
fn compiler(arch: &Arch) -> String {
    let host = arch.sample_dir == Some("");
    env::var(arch.cc_env)
        .unwrap_or_else(|_| format!("{}gcc", if host { "" } else { arch.cross_compile }))
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
/// (`sample`), or only `ALL` (`rv`, the riscv64 copies; `kmod`, the
/// kernel's architecture's).
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

const BANNER: &str = "/* generated by sample-modules/build.rs from src/version.rs */\n";

/// The architecture-neutral headers a kernel build generates, under
/// `<kbuild>/include-generated`: generated/utsrelease.h (UTS_RELEASE) and
/// linux/version.h (LINUX_VERSION_CODE, KERNEL_VERSION).
fn generate_headers(kbuild: &Path) {
    let inc = kbuild.join("include-generated");
    fs::create_dir_all(inc.join("generated")).unwrap();
    fs::create_dir_all(inc.join("linux")).unwrap();
    fs::write(
        inc.join("generated/utsrelease.h"),
        format!("{BANNER}#define UTS_RELEASE \"{RELEASE}\"\n"),
    )
    .unwrap();
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
            "{BANNER}#define LINUX_VERSION_CODE {}\n\
             #define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))\n\
             #define LINUX_VERSION_MAJOR {a}\n\
             #define LINUX_VERSION_PATCHLEVEL {b}\n\
             #define LINUX_VERSION_SUBLEVEL {c}\n",
            (a << 16) + (b << 8) + c.min(255)
        ),
    )
    .unwrap();
}

/// A linker script with the architecture's placeholder sections added.
fn script(base: &Path, arch: &Arch, dest: &Path) {
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
    fs::write(dest, format!("{}{}{}", &text[..end], extra, &text[end..])).unwrap();
}

/// One architecture's part of the Kbuild directory: `arch/<srcarch>/`
/// with its Makefile (flags), linker scripts and generated/autoconf.h
/// (the CONFIG_ options this kernel claims: the version magic's, the
/// architecture's, what any module kernel has).
fn arch_dir(manifest: &Path, kbuild: &Path, arch: &Arch) {
    let dir = kbuild.join("arch").join(arch.srcarch);
    fs::create_dir_all(dir.join("include/generated")).unwrap();
    let mut config: Vec<&str> = vec!["MODULES", "64BIT", "PRINTK"];
    config.extend(vermagic_config());
    config.extend(arch.config);
    let mut autoconf = String::from(BANNER);
    for c in config {
        autoconf.push_str(&format!("#define CONFIG_{c} 1\n"));
    }
    fs::write(dir.join("include/generated/autoconf.h"), autoconf).unwrap();
    let (link, link_end) = rust_link(arch.rust_whole_archive);
    fs::write(
        dir.join("Makefile"),
        format!(
            "# generated by sample-modules/build.rs (its ARCHES table)\n\
             KBUILD_ARCH_CFLAGS := {}\n\
             KBUILD_RUST_TARGET := {}\n\
             KBUILD_RUST_LINK := {link}\n\
             KBUILD_RUST_LINK_END := {link_end}\n\
             KBUILD_RUSTFLAGS := {}\n\
             KBUILD_CARGO_FLAGS := {}\n\
             export KBUILD_RUST_TARGET KBUILD_RUST_LINK KBUILD_RUST_LINK_END\n\
             export KBUILD_RUSTFLAGS KBUILD_CARGO_FLAGS\n",
            arch.cflags.join(" "),
            arch.rust_target,
            arch.rustflags.join(" "),
            if arch.build_std {
                "-Zbuild-std=core"
            } else {
                ""
            },
        ),
    )
    .unwrap();
    script(&manifest.join("module.lds"), arch, &dir.join("module.lds"));
    script(
        &manifest.join("rust").join("module_rust.lds"),
        arch,
        &dir.join("module_rust.lds"),
    );
}

/// How a Rust module's staticlib is linked: whole (x86_64's host target),
/// or only the members the module needs (bare-metal targets, whose
/// compiler-rt objects carry another float ABI tag that ld refuses to
/// merge; the module's own object is pulled in by its always-defined
/// global).
fn rust_link(whole: bool) -> (&'static str, &'static str) {
    if whole {
        ("--whole-archive", "--no-whole-archive")
    } else {
        ("-u rust_eh_personality", "")
    }
}

/// The kernel's exports, as Module.symvers lines: the names of the
/// `EXPORTS` tables of src/kapi/ (and of its `std_ops_table!`), all
/// `EXPORT_SYMBOL` of `vmlinux`. tests/kbuild.rs checks the file against
/// `kapi::exports()`.
fn kernel_symvers(manifest: &Path) -> String {
    let kapi = manifest.join("../src/kapi");
    println!("cargo:rerun-if-changed={}", kapi.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&kapi)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut names = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let mut inside = false;
        for line in text.lines() {
            let t = line.trim();
            if (t.starts_with("pub(super) const ") && t.contains("EXPORTS: "))
                || t.starts_with("std_ops_table! {")
            {
                inside = !t.contains("$(");
                continue;
            }
            if !inside {
                continue;
            }
            if t == "];" || t == "}" {
                inside = false;
            } else if let Some(name) = t
                .strip_prefix("(\"")
                .or_else(|| t.strip_prefix('"'))
                .and_then(|rest| rest.split('"').next())
            {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
        .iter()
        .map(|n| format!("0x00000000\t{n}\tvmlinux\tEXPORT_SYMBOL\t\n"))
        .collect()
}

/// Copies a file, replacing what is there.
fn copy(from: &Path, to: &Path) {
    println!("cargo:rerun-if-changed={}", from.display());
    let _ = fs::remove_file(to);
    fs::copy(from, to).unwrap_or_else(|e| panic!("{} -> {}: {e}", from.display(), to.display()));
}

/// (Re)makes a symbolic link.
fn link(target: &Path, at: &Path) {
    let _ = fs::remove_file(at);
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// Assembles `<out>/kbuild`; returns its path.
fn assemble_kbuild(manifest: &Path, out: &Path) -> PathBuf {
    let src = manifest.join("kbuild");
    let kbuild = out.join("kbuild");
    fs::create_dir_all(kbuild.join("scripts")).unwrap();
    copy(&src.join("Makefile"), &kbuild.join("Makefile"));
    // The architecture-neutral module script (a Rust module's first link).
    copy(
        &manifest.join("module.lds"),
        &kbuild.join("scripts/module.lds"),
    );
    for f in [
        "Kbuild.include",
        "Makefile.build",
        "Makefile.modpost",
        "Makefile.modfinal",
        "sign-file",
    ] {
        copy(
            &src.join("scripts").join(f),
            &kbuild.join("scripts").join(f),
        );
    }
    let include = manifest.join("include");
    println!("cargo:rerun-if-changed={}", include.display());
    link(&include, &kbuild.join("include"));
    generate_headers(&kbuild);
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("../src/version.rs").display()
    );
    let mut mk = format!(
        "# generated by sample-modules/build.rs from src/version.rs and its ARCHES table\n\
         KERNELRELEASE := {RELEASE}\nVERMAGIC := {VERMAGIC}\n"
    );
    for a in ARCHES {
        for n in a.names {
            mk.push_str(&format!("srcarch-{n} := {}\n", a.srcarch));
        }
        mk.push_str(&format!("known-arches += {}\n", a.names.join(" ")));
        arch_dir(manifest, &kbuild, a);
    }
    fs::write(kbuild.join("scripts/kernel.mk"), mk).unwrap();
    fs::write(kbuild.join("Module.symvers"), kernel_symvers(manifest)).unwrap();
    fs::write(kbuild.join("kernel.release"), format!("{RELEASE}\n")).unwrap();
    // modpost: the project's own, a plain std program.
    let modpost_src = src.join("scripts/modpost.rs");
    println!("cargo:rerun-if-changed={}", modpost_src.display());
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    run(Command::new(rustc)
        .args(["--edition", "2024", "-O", "--crate-name", "modpost"])
        .arg(&modpost_src)
        .arg("-o")
        .arg(kbuild.join("scripts/modpost")));
    kbuild
}

/// `make` in the Kbuild directory, with cargo's own variables removed
/// (the nested cargo of Rust modules must not inherit this build's) and
/// cargo's jobserver shared.
fn make(kbuild: &Path) -> Command {
    let mut cmd = Command::new("make");
    for (k, _) in env::vars() {
        if (k.starts_with("CARGO_") && k != "CARGO_MAKEFLAGS")
            || k.starts_with("RUSTC_")
            || k == "RUSTFLAGS"
            || k == "RUSTDOCFLAGS"
            || k == "MAKEFLAGS"
            || k == "MFLAGS"
        {
            cmd.env_remove(k);
        }
    }
    if let Ok(flags) = env::var("CARGO_MAKEFLAGS") {
        cmd.env("MAKEFLAGS", flags);
    }
    cmd.env_remove("CARGO_MAKEFLAGS");
    cmd.env(
        "RUSTC",
        env::var("RUSTC").unwrap_or_else(|_| "rustc".into()),
    );
    cmd.arg("-C").arg(kbuild);
    cmd
}

/// The ARCH=, CROSS_COMPILE= and CC= of one architecture's build.
fn arch_args(cmd: &mut Command, arch: &Arch, cc: &str) {
    cmd.arg(format!("ARCH={}", arch.names[0]));
    if arch.sample_dir != Some("") {
        cmd.arg(format!("CROSS_COMPILE={}", arch.cross_compile));
    }
    cmd.arg(format!("CC={cc}"));
}

/// Builds the samples as the external module tree `dir`: a Kbuild file
/// listing them, links to their sources, `make modules`; `for_kernel`:
/// with the Rust target of a kernel of that architecture.
fn build_samples(
    manifest: &Path,
    kbuild: &Path,
    dir: &Path,
    arch: &Arch,
    cc: &str,
    modules: &[Sample],
    for_kernel: bool,
) {
    let mut kb = String::from(
        "# generated by sample-modules/build.rs from src/samples.rs\nccflags-y := -Werror\n",
    );
    for m in modules {
        let name = m.name;
        kb.push_str(&format!("obj-m += {name}.o\n"));
        if m.c {
            link(
                &manifest.join("c").join(format!("{name}.c")),
                &dir.join(format!("{name}.c")),
            );
        } else {
            let crate_dir = manifest.join("rust").join(name);
            println!("cargo:rerun-if-changed={}", crate_dir.join("src").display());
            println!(
                "cargo:rerun-if-changed={}",
                crate_dir.join("Cargo.toml").display()
            );
            link(&crate_dir, &dir.join(format!("{name}-crate")));
            kb.push_str(&format!("{name}-cargo := {name}-crate\n"));
        }
    }
    fs::write(dir.join("Kbuild"), kb).unwrap();
    let mut cmd = make(kbuild);
    arch_args(&mut cmd, arch, cc);
    if let Some(target) = arch.kernel_rust_target.filter(|_| for_kernel) {
        let (link, link_end) = rust_link(false);
        cmd.arg(format!("KBUILD_RUST_TARGET={target}"))
            .arg(format!("KBUILD_RUST_LINK={link}"))
            .arg(format!("KBUILD_RUST_LINK_END={link_end}"));
    }
    // The samples are the kernel's own modules (intree=Y). One of them
    // (proprietary) uses a GPL-only export on purpose, to show the
    // loader refusing it: modpost warns instead of failing, and any
    // other warning fails the build.
    cmd.arg(format!("M={}", dir.display())).args([
        "STARRY_INTREE=1",
        "KBUILD_MODPOST_WARN=1",
        "modules",
    ]);
    let stderr = run(&mut cmd);
    for line in stderr.lines().filter(|l| l.contains("modpost:")) {
        if !line.contains(
            "GPL-incompatible module proprietary.ko uses GPL-only symbol 'provider_secret'",
        ) {
            panic!("modpost on the samples: {line}");
        }
    }
    for m in modules {
        check_vermagic(&dir.join(format!("{}.ko", m.name)));
    }
}

/// Installs the host's samples into `<root>/lib/modules/<release>/kernel`
/// with `make modules_install` (which runs depmod there), after the
/// files a kernel's own install writes first: modules.order,
/// modules.builtin, modules.builtin.modinfo (no built-in modules).
fn install(kbuild: &Path, dir: &Path, root: &Path, arch: &Arch, modules: &[Sample]) {
    let _ = fs::remove_dir_all(root);
    let modlib = root.join("lib/modules").join(RELEASE);
    fs::create_dir_all(&modlib).unwrap();
    let order: String = modules
        .iter()
        .map(|m| format!("kernel/{}.ko\n", m.name))
        .collect();
    for (f, text) in [
        ("modules.order", order.as_str()),
        ("modules.builtin", ""),
        ("modules.builtin.modinfo", ""),
    ] {
        fs::write(modlib.join(f), text).unwrap();
    }
    let mut cmd = make(kbuild);
    arch_args(&mut cmd, arch, "gcc");
    run(cmd
        .arg(format!("M={}", dir.display()))
        .arg(format!("INSTALL_MOD_PATH={}", root.display()))
        .args(["INSTALL_MOD_DIR=kernel", "modules_install"]));
    for f in [
        "modules.dep.bin",
        "modules.alias.bin",
        "modules.symbols.bin",
    ] {
        assert!(modlib.join(f).is_file(), "depmod wrote no {f}");
    }
    // The tree's other files (the modules themselves are ALL), for the rootfs.
    let mut files: Vec<String> = fs::read_dir(&modlib)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("modules."))
        .collect();
    files.sort();
    let mut text = String::from(
        "// generated by sample-modules/build.rs: make modules_install + depmod\n\
         /// The files of the installed module tree beside the modules (the\n\
         /// indexes depmod wrote, modules.order, modules.builtin*), as\n\
         /// (name in `/lib/modules/<release>/`, bytes).\n\
         pub const INSTALLED: &[(&str, &[u8])] = &[\n",
    );
    for f in files {
        text.push_str(&format!(
            "    ({f:?}, include_bytes!(concat!(env!(\"OUT_DIR\"), \"/root/lib/modules/{RELEASE}/{f}\"))),\n"
        ));
    }
    text.push_str("];\n");
    // The installed modules themselves: signed by modules_install.
    text.push_str(
        "/// The sample modules as `make modules_install` installed them\n\
         /// (`kernel/<name>.ko`): signed with the build's key.\n\
         pub const INSTALLED_MODULES: &[SampleModule] = &[\n",
    );
    for m in modules {
        let ko = modlib.join("kernel").join(format!("{}.ko", m.name));
        let bytes = fs::read(&ko).unwrap();
        assert!(
            bytes.ends_with(b"~Module signature appended~\n"),
            "modules_install did not sign {}",
            ko.display()
        );
        text.push_str(&format!(
            "    SampleModule {{ name: {:?}, path: {:?}, bytes: include_bytes!({:?}) }},\n",
            m.name,
            ko.display().to_string(),
            ko.display().to_string()
        ));
    }
    text.push_str("];\n");
    fs::write(dir.join("installed.rs"), text).unwrap();
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

/// The module signing keys, generated once per build directory with
/// openssl (Linux's certs/Makefile: a key made at build time, never
/// committed): `<kbuild>/certs/signing_key.pem` (an RSA-2048 private key
/// and its certificate; what modules_install signs with) and
/// `signing_key.x509` (the certificate, DER, built into the kernel),
/// `<kbuild>/certs/signing_key_ecdsa.{pem,x509}` (P-256, also built in),
/// and `<out>/untrusted/signing_key.{pem,x509}` (RSA, in no kernel: the
/// tests' wrong signer).
fn signing_keys(kbuild: &Path, out: &Path) {
    let certs = kbuild.join("certs");
    let untrusted = out.join("untrusted");
    for (dir, stem, newkey, cn) in [
        (
            &certs,
            "signing_key",
            "rsa:2048",
            "Build time autogenerated kernel key",
        ),
        (
            &certs,
            "signing_key_ecdsa",
            "ec",
            "Build time autogenerated kernel ECDSA key",
        ),
        (&untrusted, "signing_key", "rsa:2048", "Untrusted test key"),
    ] {
        let pem = dir.join(format!("{stem}.pem"));
        let x509 = dir.join(format!("{stem}.x509"));
        if pem.is_file() && x509.is_file() {
            continue;
        }
        fs::create_dir_all(dir).unwrap();
        let key = dir.join(format!("{stem}.key.tmp"));
        let crt = dir.join(format!("{stem}.crt.tmp"));
        let mut req = Command::new("openssl");
        req.args(["req", "-new", "-x509", "-nodes", "-utf8", "-sha256"])
            .args(["-days", "36500", "-batch", "-newkey", newkey]);
        if newkey == "ec" {
            req.args(["-pkeyopt", "ec_paramgen_curve:prime256v1"]);
        }
        run(req
            .arg("-subj")
            .arg(format!("/O=starry-kmod/CN={cn}"))
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .args(["-addext", "keyUsage=digitalSignature"])
            .args(["-addext", "subjectKeyIdentifier=hash"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&crt));
        run(Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&crt)
            .arg("-out")
            .arg(&x509));
        let mut both = fs::read(&key).unwrap();
        both.extend(fs::read(&crt).unwrap());
        fs::write(&pem, both).unwrap();
        fs::set_permissions(&pem, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        fs::remove_file(&key).unwrap();
        fs::remove_file(&crt).unwrap();
    }
}
