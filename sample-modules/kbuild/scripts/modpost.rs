//! starry-kmod's modpost: the step of a module build that comes after the
//! objects are compiled (Linux: scripts/mod/modpost.c; this is the
//! project's own, smaller program with Linux's names and diagnostics).
//!
//! For each module object (`<m>.o`, as listed in `modules.order`) it reads
//! the ELF symbol table and `.modinfo`, resolves every undefined symbol
//! against the kernel's exports (`-k Module.symvers`), those of other
//! modules of the same build and of `-e` files (KBUILD_EXTRA_SYMBOLS),
//! then writes `<m>.mod.c` (`__this_module` and the `.modinfo` tags:
//! `name`, `intree`, `vermagic`, `depends`, `srcversion`) and the build's
//! own `Module.symvers`. Diagnostics are Linux's: `missing
//! MODULE_LICENSE() in X.o`, `"sym" [X.ko] undefined!`, `GPL-incompatible
//! module X.ko uses GPL-only symbol 'sym'`, `"sym" [X.ko] exported twice`;
//! errors unless `-w` (KBUILD_MODPOST_WARN=1).
//!
//! Built by sample-modules/build.rs with rustc into the Kbuild
//! directory's `scripts/modpost`; also an example target of the
//! sample-modules package, so fmt, clippy and `cargo test` see it.
//!
//! Usage: `modpost [-w] [-t] -k KERNEL.symvers [-e EXTRA.symvers]...
//! [-b BASE] -o OUT.symvers MODULE.o...`

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Licences the kernel treats as GPL-compatible (Linux's license_is_gpl_compatible).
const GPL_COMPATIBLE: &[&str] = &[
    "GPL",
    "GPL v2",
    "GPL and additional rights",
    "Dual BSD/GPL",
    "Dual MIT/GPL",
    "Dual MPL/GPL",
];

/// Undefined symbols a module object may have that no one exports: the
/// build resolves them itself (`__this_module` comes from `<m>.mod.c`)
/// or the linker/loader does.
const RESOLVED_BY_BUILD: &[&str] = &["__this_module", "_GLOBAL_OFFSET_TABLE_"];

/// One exported symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    /// The module exporting it (`vmlinux` for the kernel), as Module.symvers names it.
    pub owner: String,
    pub gpl_only: bool,
    pub namespace: String,
}

/// What modpost needs from one module object.
#[derive(Default, Debug)]
pub struct Object {
    pub undefined: BTreeSet<String>,
    pub exports: Vec<(String, bool)>,
    pub modinfo: Vec<(String, String)>,
    /// The object already carries `struct module` (a Rust module's own).
    pub has_this_module: bool,
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(o..o + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], o: usize) -> Option<usize> {
    usize::try_from(u64::from_le_bytes(b.get(o..o + 8)?.try_into().ok()?)).ok()
}
fn cstr_at(b: &[u8], o: usize) -> Option<&str> {
    let tail = b.get(o..)?;
    let end = tail.iter().position(|&c| c == 0)?;
    std::str::from_utf8(&tail[..end]).ok()
}

struct Section<'a> {
    name: &'a str,
    kind: u32,
    data: &'a [u8],
    link: usize,
}

/// Reads a little-endian ELF64 relocatable object (x86_64, riscv64...).
pub fn read_object(b: &[u8]) -> Result<Object, String> {
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
        return Err("not a little-endian ELF64 object".into());
    }
    let bad = || "malformed ELF section table".to_string();
    let shoff = u64_at(b, 0x28).ok_or_else(bad)?;
    let shentsize = usize::from(u16_at(b, 0x3a).ok_or_else(bad)?);
    let shnum = usize::from(u16_at(b, 0x3c).ok_or_else(bad)?);
    let shstrndx = usize::from(u16_at(b, 0x3e).ok_or_else(bad)?);
    let mut raw = Vec::new();
    for i in 0..shnum {
        let h = shoff
            .checked_add(i.checked_mul(shentsize).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        let name = u32_at(b, h).ok_or_else(bad)? as usize;
        let kind = u32_at(b, h + 4).ok_or_else(bad)?;
        let off = u64_at(b, h + 0x18).ok_or_else(bad)?;
        let size = u64_at(b, h + 0x20).ok_or_else(bad)?;
        let link = u32_at(b, h + 0x28).ok_or_else(bad)? as usize;
        let data = if kind == 8 {
            &b[0..0] // SHT_NOBITS
        } else {
            b.get(off..off.checked_add(size).ok_or_else(bad)?)
                .ok_or_else(bad)?
        };
        raw.push((name, kind, data, link));
    }
    let shstr = raw.get(shstrndx).ok_or_else(bad)?.2;
    let sections: Vec<Section> = raw
        .iter()
        .map(|&(n, kind, data, link)| Section {
            name: cstr_at(shstr, n).unwrap_or(""),
            kind,
            data,
            link,
        })
        .collect();
    let mut obj = Object::default();
    for s in &sections {
        if s.name == ".gnu.linkonce.this_module" {
            obj.has_this_module = true;
        }
        if s.name == ".modinfo" {
            for entry in s.data.split(|&c| c == 0).filter(|e| !e.is_empty()) {
                let text = String::from_utf8_lossy(entry);
                if let Some((k, v)) = text.split_once('=') {
                    obj.modinfo.push((k.to_string(), v.to_string()));
                }
            }
        }
    }
    for s in sections.iter().filter(|s| s.kind == 2) {
        let strtab = sections.get(s.link).ok_or_else(bad)?.data;
        for sym in s.data.as_chunks::<24>().0.iter().skip(1) {
            let name = cstr_at(strtab, u32_at(sym, 0).unwrap_or(0) as usize).unwrap_or("");
            let bind = sym[4] >> 4;
            let shndx = usize::from(u16_at(sym, 6).unwrap_or(0));
            if name.is_empty() {
                continue;
            }
            if shndx == 0 {
                // SHN_UNDEF: global or weak references only.
                if bind == 1 {
                    obj.undefined.insert(name.to_string());
                }
            } else if let Some(sym_name) = name.strip_prefix("__ksymtab_") {
                let section = sections.get(shndx).map_or("", |s| s.name);
                if section.starts_with("___ksymtab_gpl+") {
                    obj.exports.push((sym_name.to_string(), true));
                } else if section.starts_with("___ksymtab+") {
                    obj.exports.push((sym_name.to_string(), false));
                }
            }
        }
    }
    Ok(obj)
}

/// Parses Module.symvers: `crc<TAB>symbol<TAB>module<TAB>export type<TAB>namespace`.
pub fn read_symvers(text: &str) -> Vec<Export> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() < 4 {
                return None;
            }
            Some(Export {
                name: f[1].to_string(),
                owner: f[2].to_string(),
                gpl_only: f[3].ends_with("_GPL"),
                namespace: f.get(4).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// Writes Module.symvers lines (no symbol CRCs: CONFIG_MODVERSIONS is off).
pub fn write_symvers(exports: &[Export]) -> String {
    exports
        .iter()
        .map(|e| {
            format!(
                "0x00000000\t{}\t{}\t{}\t{}\n",
                e.name,
                e.owner,
                if e.gpl_only {
                    "EXPORT_SYMBOL_GPL"
                } else {
                    "EXPORT_SYMBOL"
                },
                e.namespace
            )
        })
        .collect()
}

/// A source digest in the shape of Linux's srcversion (24 hex digits).
pub fn srcversion(src: &[u8]) -> String {
    let fnv = |seed: u64| {
        src.iter().fold(seed, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let a = fnv(0xcbf2_9ce4_8422_2325);
    let b = fnv(0x6c62_272e_07bb_0142);
    format!("{a:016X}{:08X}", b >> 32)
}

/// The module's name: its object's file stem (`-` becomes `_`, as Kbuild's KBUILD_MODNAME).
pub fn module_name(obj: &Path) -> String {
    obj.file_stem()
        .map(|s| s.to_string_lossy().replace('-', "_"))
        .unwrap_or_default()
}

/// The generated `<m>.mod.c`: what the module needs from the build beside
/// its own objects. Tags the object already has are not repeated.
pub fn mod_c(
    name: &str,
    obj: &Object,
    depends: &[String],
    intree: bool,
    srcv: Option<&str>,
) -> String {
    let has = |k: &str| obj.modinfo.iter().any(|(key, _)| key == k);
    let mut c = String::from(
        "/* generated by starry-kmod's modpost */\n#include <linux/module.h>\n\
         #define INCLUDE_VERMAGIC\n#include <linux/vermagic.h>\n",
    );
    if !obj.has_this_module {
        c.push_str(
            "extern int init_module(void) __attribute__((weak));\n\
             extern void cleanup_module(void) __attribute__((weak));\n\
             struct module __this_module __used __section(\".gnu.linkonce.this_module\") = {\n\
             \t.name = KBUILD_MODNAME,\n\t.init = init_module,\n\t.exit = cleanup_module,\n};\n",
        );
    }
    if !has("name") {
        c.push_str(&format!("MODULE_INFO(name, {name:?});\n"));
    }
    if intree && !has("intree") {
        c.push_str("MODULE_INFO(intree, \"Y\");\n");
    }
    if !has("vermagic") {
        c.push_str("MODULE_INFO(vermagic, VERMAGIC_STRING);\n");
    }
    if !has("depends") {
        c.push_str(&format!(
            "MODULE_INFO(depends, \"{}\");\n",
            depends.join(",")
        ));
    }
    if let Some(v) = srcv.filter(|_| !has("srcversion")) {
        c.push_str(&format!("MODULE_INFO(srcversion, \"{v}\");\n"));
    }
    c
}

struct Options {
    warn_only: bool,
    intree: bool,
    kernel: Option<PathBuf>,
    extra: Vec<PathBuf>,
    base: Option<PathBuf>,
    out: Option<PathBuf>,
    objects: Vec<PathBuf>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        warn_only: false,
        intree: false,
        kernel: None,
        extra: Vec::new(),
        base: None,
        out: None,
        objects: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "-w" => o.warn_only = true,
            "-t" => o.intree = true,
            "-k" => o.kernel = Some(value()?),
            "-e" => o.extra.push(value()?),
            "-b" => o.base = Some(value()?),
            "-o" => o.out = Some(value()?),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ => o.objects.push(PathBuf::from(a)),
        }
    }
    Ok(o)
}

/// The diagnostics and outputs of one run.
pub struct Report {
    pub messages: Vec<String>,
    pub errors: usize,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("modpost: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(r) => {
            for m in &r.messages {
                eprintln!("{m}");
            }
            if r.errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("ERROR: modpost: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(o: &Options) -> Result<Report, String> {
    let read = |p: &Path| fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut known: BTreeMap<String, Export> = BTreeMap::new();
    let mut report = Report {
        messages: Vec::new(),
        errors: 0,
    };
    let level = if o.warn_only { "WARNING" } else { "ERROR" };
    let diag = |r: &mut Report, msg: String| {
        r.messages.push(format!("{level}: modpost: {msg}"));
        if !o.warn_only {
            r.errors += 1;
        }
    };
    if let Some(k) = &o.kernel {
        for e in read_symvers(&read(k)?) {
            known.insert(e.name.clone(), e);
        }
    }
    for x in &o.extra {
        for e in read_symvers(&read(x)?) {
            known.insert(e.name.clone(), e);
        }
    }
    // The path a module is shown by: relative to the build's base (M).
    let shown = |p: &Path| -> String {
        let rel = o
            .base
            .as_ref()
            .and_then(|b| p.strip_prefix(b).ok())
            .unwrap_or(p);
        rel.with_extension("").to_string_lossy().into_owned()
    };
    let mut objs = Vec::new();
    let mut own = Vec::new();
    for path in &o.objects {
        let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let obj = read_object(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let owner = shown(path);
        for (sym, gpl) in &obj.exports {
            let e = Export {
                name: sym.clone(),
                owner: owner.clone(),
                gpl_only: *gpl,
                namespace: String::new(),
            };
            if let Some(prev) = own.iter().find(|p: &&Export| p.name == *sym) {
                diag(
                    &mut report,
                    format!(
                        "\"{sym}\" [{owner}.ko] exported twice. Previous export was in {}.ko",
                        prev.owner
                    ),
                );
            }
            own.push(e.clone());
            known.insert(sym.clone(), e);
        }
        objs.push((path.clone(), obj));
    }
    let kernel_owner = |e: &Export| e.owner == "vmlinux";
    for (path, obj) in &objs {
        let name = module_name(path);
        let owner = shown(path);
        let license = obj
            .modinfo
            .iter()
            .find(|(k, _)| k == "license")
            .map(|(_, v)| v.as_str());
        if license.is_none() {
            diag(
                &mut report,
                format!("missing MODULE_LICENSE() in {owner}.o"),
            );
        }
        let gpl = license.is_some_and(|l| GPL_COMPATIBLE.contains(&l));
        let defined_here: BTreeSet<&str> = obj.exports.iter().map(|(s, _)| s.as_str()).collect();
        let mut depends = BTreeSet::new();
        for sym in &obj.undefined {
            if RESOLVED_BY_BUILD.contains(&sym.as_str()) || defined_here.contains(sym.as_str()) {
                continue;
            }
            match known.get(sym) {
                None => diag(&mut report, format!("\"{sym}\" [{owner}.ko] undefined!")),
                Some(e) => {
                    if e.gpl_only && !gpl {
                        diag(
                            &mut report,
                            format!(
                                "GPL-incompatible module {owner}.ko uses GPL-only symbol '{sym}'"
                            ),
                        );
                    }
                    if !kernel_owner(e) && e.owner != owner {
                        depends.insert(
                            Path::new(&e.owner)
                                .file_name()
                                .map(|n| n.to_string_lossy().replace('-', "_"))
                                .unwrap_or_default(),
                        );
                    }
                }
            }
        }
        let depends: Vec<String> = depends.into_iter().collect();
        let has_version = obj.modinfo.iter().any(|(k, _)| k == "version");
        let srcv = if has_version {
            let mut all = Vec::new();
            for src in sources_of(path) {
                all.extend(fs::read(&src).map_err(|e| format!("{}: {e}", src.display()))?);
            }
            Some(srcversion(&all))
        } else {
            None
        };
        let text = mod_c(&name, obj, &depends, o.intree, srcv.as_deref());
        let out = path.with_extension("mod.c");
        fs::write(&out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    if let Some(out) = &o.out {
        own.sort_by(|a, b| a.name.cmp(&b.name));
        fs::write(out, write_symvers(&own)).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    Ok(report)
}

/// The source files of a module object: `<m>.mod` lists them (one per
/// line, written by the build), else `<m>.c` beside the object.
fn sources_of(obj: &Path) -> Vec<PathBuf> {
    match fs::read_to_string(obj.with_extension("mod")) {
        Ok(t) => t.split_whitespace().map(PathBuf::from).collect(),
        Err(_) => vec![obj.with_extension("c")],
    }
}
