//! Builds the sample modules into real x86_64 ELF relocatable `.ko` files,
//! the way Linux's kbuild does: compile, generate what modpost would
//! (`__this_module` and the `.modinfo` it adds: name, vermagic, intree,
//! depends, srcversion), then partially link with `ld -r -T module.lds`.
//! The Rust module is built as a self-contained staticlib by a nested cargo
//! and partially linked the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERMAGIC: &str = "6.6.0-starry SMP mod_unload";
const C_MODULES: &[&str] = &[
    "hello",
    "params",
    "initfail",
    "provider",
    "consumer",
    "gpl_consumer",
    "proprietary",
    "closed",
];
const RUST_MODULES: &[&str] = &["hello_rust", "consumer_rust"];

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
    binutils: &'static str,
    cflags: &'static [&'static str],
    rust_target: &'static str,
    /// Sections the architecture's loader expects as placeholders
    /// (Linux's arch module.lds.h), appended to the linker scripts.
    extra_sections: &'static str,
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

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=STARRY_MODULE_CC");
    println!("cargo:rerun-if-env-changed=STARRY_RISCV64_CC");
    println!("cargo:rustc-check-cfg=cfg(riscv64_samples)");
    let host = Arch {
        dir: "",
        cc: env::var("STARRY_MODULE_CC").unwrap_or_else(|_| "gcc".into()),
        binutils: "",
        cflags: X86_64_CFLAGS,
        rust_target: "x86_64-unknown-linux-gnu",
        extra_sections: "",
    };
    build(&manifest, &out, &host);
    // The riscv64 modules (for the ArceOS kernel under QEMU), when the
    // Debian cross compiler is there.
    let rv_cc = env::var("STARRY_RISCV64_CC").unwrap_or_else(|_| "riscv64-linux-gnu-gcc".into());
    let have_rv = Command::new(&rv_cc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if have_rv {
        let rv = Arch {
            dir: "riscv64",
            cc: rv_cc,
            binutils: "riscv64-linux-gnu-",
            cflags: RISCV64_CFLAGS,
            rust_target: "riscv64gc-unknown-none-elf",
            extra_sections: "\t.plt 0 : { BYTE(0) }\n\t.got 0 : { BYTE(0) }\n\t.got.plt 0 : { BYTE(0) }\n",
        };
        let dir = out.join("riscv64");
        fs::create_dir_all(&dir).unwrap();
        build(&manifest, &dir, &rv);
        println!("cargo:rustc-cfg=riscv64_samples");
    }
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

fn build(manifest: &Path, out: &Path, arch: &Arch) {
    let include = manifest.join("include");
    let lds = script(&manifest.join("module.lds"), arch, out);
    println!("cargo:rerun-if-changed={}", include.display());
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("module.lds").display()
    );
    let cc = &arch.cc;
    let ld = format!("{}ld", arch.binutils);
    let nm = format!("{}nm", arch.binutils);
    // 1. compile every C module's object.
    let mut objs = BTreeMap::new();
    for name in C_MODULES {
        let src = manifest.join("c").join(format!("{name}.c"));
        println!("cargo:rerun-if-changed={}", src.display());
        let obj = out.join(format!("{name}.o"));
        run(Command::new(cc)
            .args(CFLAGS)
            .args(arch.cflags)
            .arg(format!("-DKBUILD_MODNAME=\"{name}\""))
            .arg("-I")
            .arg(&include)
            .arg("-c")
            .arg(&src)
            .arg("-o")
            .arg(&obj));
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
             extern int init_module(void) __attribute__((weak));\n\
             extern void cleanup_module(void) __attribute__((weak));\n\
             struct module __this_module __used __section(\".gnu.linkonce.this_module\") = {\n\
             \t.name = KBUILD_MODNAME,\n\t.init = init_module,\n\t.exit = cleanup_module,\n};\n\
             MODULE_INFO(name, KBUILD_MODNAME);\nMODULE_INFO(intree, \"Y\");\n",
        );
        modc.push_str(&format!("MODULE_INFO(vermagic, \"{VERMAGIC}\");\n"));
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
        run(Command::new(cc)
            .args(CFLAGS)
            .args(arch.cflags)
            .arg(format!("-DKBUILD_MODNAME=\"{name}\""))
            .arg("-I")
            .arg(&include)
            .arg("-c")
            .arg(&modc_path)
            .arg("-o")
            .arg(&modo));
        run(Command::new(&ld)
            .arg("-r")
            .arg("-T")
            .arg(&lds)
            .arg(obj)
            .arg(&modo)
            .arg("-o")
            .arg(out.join(format!("{name}.ko"))));
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
    for name in RUST_MODULES {
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
        run(cmd
            .current_dir(&dir)
            .env("RUSTC", &rustc)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", "-Cforce-unwind-tables=no")
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
    }
}
