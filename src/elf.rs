//! The hardened ELF check in front of kmod-loader.
//!
//! kmod-loader 0.3.1 indexes, slices and unwraps what the image says
//! without checking it (see HOSTLOAD.md: out-of-range section and symbol
//! indices, `.modinfo` without its NUL, section data outside the file, a zero
//! `sh_entsize`, relocation offsets never bounds-checked, so wild writes).
//! Everything the loader will trust is checked here first, and the image is
//! refused with ENOEXEC (or ENOMEM when it is merely too large) and a message
//! naming what is wrong. Only an image that passes reaches the loader.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::errno::{Errno, Error, KResult};

/// ELF constants used by the check.
pub mod consts {
    /// Relocatable object.
    pub const ET_REL: u16 = 1;
    /// x86_64.
    pub const EM_X86_64: u16 = 62;
    /// AArch64.
    pub const EM_AARCH64: u16 = 183;
    /// RISC-V.
    pub const EM_RISCV: u16 = 243;
    /// LoongArch.
    pub const EM_LOONGARCH: u16 = 258;
    /// Section types.
    pub const SHT_NULL: u32 = 0;
    /// Program data.
    pub const SHT_PROGBITS: u32 = 1;
    /// Symbol table.
    pub const SHT_SYMTAB: u32 = 2;
    /// String table.
    pub const SHT_STRTAB: u32 = 3;
    /// Relocations with addends.
    pub const SHT_RELA: u32 = 4;
    /// Dynamic linking information.
    pub const SHT_DYNAMIC: u32 = 6;
    /// Uninitialised data.
    pub const SHT_NOBITS: u32 = 8;
    /// Relocations without addends.
    pub const SHT_REL: u32 = 9;
    /// Dynamic symbols.
    pub const SHT_DYNSYM: u32 = 11;
    /// Extended section indices.
    pub const SHT_SYMTAB_SHNDX: u32 = 18;
    /// Section flags.
    pub const SHF_WRITE: u64 = 1;
    /// Occupies memory at run time.
    pub const SHF_ALLOC: u64 = 2;
    /// Executable.
    pub const SHF_EXECINSTR: u64 = 4;
    /// Special section indices.
    pub const SHN_UNDEF: u16 = 0;
    /// Start of the reserved range.
    pub const SHN_LORESERVE: u16 = 0xff00;
    /// Absolute symbol.
    pub const SHN_ABS: u16 = 0xfff1;
    /// Common symbol.
    pub const SHN_COMMON: u16 = 0xfff2;
    /// Data object symbol type.
    pub const STT_OBJECT: u8 = 1;
    /// Thread-local symbol type.
    pub const STT_TLS: u8 = 6;
    /// Weak binding.
    pub const STB_WEAK: u8 = 2;
}
use consts::*;

/// Size of `struct module` in the kbindings ABI.
pub const STRUCT_MODULE_SIZE: usize = core::mem::size_of::<kmod_tools::Module>();
/// Size of `struct kernel_param`.
pub const KERNEL_PARAM_SIZE: usize = core::mem::size_of::<kmod_tools::kernel_param>();
/// Largest module image we accept (bytes of allocated sections).
pub const MAX_MODULE_BYTES: u64 = 64 << 20;
/// Longest module name, excluding its NUL (Linux: MODULE_NAME_LEN - 1).
pub const MODULE_NAME_MAX: usize = 55;

/// The machine this kernel relocates for.
#[cfg(target_arch = "x86_64")]
pub const HOST_MACHINE: u16 = EM_X86_64;
/// The machine this kernel relocates for.
#[cfg(target_arch = "riscv64")]
pub const HOST_MACHINE: u16 = EM_RISCV;
/// The machine this kernel relocates for.
#[cfg(target_arch = "aarch64")]
pub const HOST_MACHINE: u16 = EM_AARCH64;
/// The machine this kernel relocates for.
#[cfg(target_arch = "loongarch64")]
pub const HOST_MACHINE: u16 = EM_LOONGARCH;
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "riscv64",
    target_arch = "aarch64",
    target_arch = "loongarch64"
)))]
compile_error!("starry-kmod relocates modules for x86_64, riscv64, aarch64 and loongarch64 only");

/// Sections kmod-loader never allocates even when SHF_ALLOC.
const LOADER_SKIPS: &[&str] = &[".note", ".modinfo", "__version"];

/// Whether kmod-loader skips a section of that name even when SHF_ALLOC.
pub fn loader_skips(name: &str) -> bool {
    LOADER_SKIPS.iter().any(|p| name.starts_with(p))
}
/// Sections the loader finds by name: at most one of each.
const UNIQUE: &[&str] = &[
    ".gnu.linkonce.this_module",
    ".modinfo",
    "__param",
    "__ksymtab",
    "__ksymtab_gpl",
    "__ksymtab_strings",
    ".got",
    ".plt",
    ".got.plt",
    ".plt.idx",
];

/// One section header, checked.
#[derive(Debug, Clone)]
pub struct Section {
    /// Its name.
    pub name: String,
    /// sh_type.
    pub sh_type: u32,
    /// sh_flags.
    pub flags: u64,
    /// sh_offset (within the file unless NOBITS).
    pub offset: usize,
    /// sh_size.
    pub size: usize,
    /// sh_link.
    pub link: u32,
    /// sh_info.
    pub info: u32,
    /// sh_addralign.
    pub align: u64,
}

impl Section {
    /// SHF_ALLOC.
    pub fn is_alloc(&self) -> bool {
        self.flags & SHF_ALLOC != 0
    }
}

/// One symbol-table entry, checked.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// Its name.
    pub name: String,
    /// st_info.
    pub info: u8,
    /// st_shndx.
    pub shndx: u16,
    /// st_value.
    pub value: u64,
    /// st_size.
    pub size: u64,
}

impl Symbol {
    /// STB_*.
    pub fn bind(&self) -> u8 {
        self.info >> 4
    }
    /// STT_*.
    pub fn kind(&self) -> u8 {
        self.info & 0xf
    }
}

/// A section the loader will allocate, in the loader's allocation order,
/// with the size it will ask for (`None`: decided by the loader's arch code).
#[derive(Debug, Clone)]
pub struct PlannedAlloc {
    /// Section index.
    pub index: usize,
    /// The section's size after the loader's arch adjustments.
    pub size: Option<usize>,
    /// Whether the loader's arch code rewrites this section (GOT/PLT): its
    /// flags become ALLOC (GOT) or ALLOC|EXEC (PLT).
    pub frobbed: bool,
}

/// An image that passed every check, with what later stages need.
#[derive(Debug)]
pub struct CheckedElf {
    /// Every section header.
    pub sections: Vec<Section>,
    /// Every symbol (index 0 is the null symbol).
    pub symbols: Vec<Symbol>,
    /// `.modinfo` as (key, value) pairs, in file order.
    pub modinfo: Vec<(String, String)>,
    /// The module's name (`name=` of `.modinfo`).
    pub name: String,
    /// Index of `.gnu.linkonce.this_module`.
    pub this_module: usize,
    /// Index of `__param`, if any.
    pub param: Option<usize>,
    /// What the loader will allocate, in order.
    pub plan: Vec<PlannedAlloc>,
}

impl CheckedElf {
    /// The first `.modinfo` value for a key.
    pub fn modinfo_get(&self, key: &str) -> Option<&str> {
        self.modinfo
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every `.modinfo` value for a key.
    pub fn modinfo_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.modinfo
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The index of the section of that name.
    pub fn section_index(&self, name: &str) -> Option<usize> {
        self.sections.iter().position(|s| s.name == name)
    }
}

fn bad(msg: impl Into<alloc::borrow::Cow<'static, str>>) -> Error {
    Error::new(Errno::ENOEXEC, msg)
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn get<const N: usize>(&self, off: u64) -> KResult<[u8; N]> {
        let off = usize::try_from(off).map_err(|_| bad("offset out of range"))?;
        let end = off.checked_add(N).ok_or_else(|| bad("offset overflows"))?;
        let s = self
            .0
            .get(off..end)
            .ok_or_else(|| bad("read past the end of the image"))?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn u8(&self, off: u64) -> KResult<u8> {
        Ok(self.get::<1>(off)?[0])
    }
    fn u16(&self, off: u64) -> KResult<u16> {
        Ok(u16::from_le_bytes(self.get(off)?))
    }
    fn u32(&self, off: u64) -> KResult<u32> {
        Ok(u32::from_le_bytes(self.get(off)?))
    }
    fn u64(&self, off: u64) -> KResult<u64> {
        Ok(u64::from_le_bytes(self.get(off)?))
    }
    fn range(&self, off: usize, size: usize) -> Option<&[u8]> {
        self.0.get(off..off.checked_add(size)?)
    }
}

/// A NUL-terminated string at `off` within a string table.
fn str_at(table: &[u8], off: u32, what: impl Fn() -> String) -> KResult<String> {
    let rest = table.get(off as usize..).ok_or_else(|| {
        bad(alloc::format!(
            "{} name offset {off} outside its string table",
            what()
        ))
    })?;
    let end = rest
        .iter()
        .position(|&c| c == 0)
        .ok_or_else(|| bad(alloc::format!("{} name not NUL-terminated", what())))?;
    let bytes = &rest[..end];
    // Names are ASCII in practice: the fast path avoids the lossy decoder.
    Ok(match core::str::from_utf8(bytes) {
        Ok(s) => String::from(s),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// The bytes a relocation type writes (None: a type we do not accept).
fn reloc_width(machine: u16, r_type: u32) -> Option<usize> {
    match machine {
        EM_X86_64 => match r_type {
            0 => Some(0),                   // NONE
            1 | 24 => Some(8),              // 64, PC64
            2 | 4 | 9 | 10 | 11 => Some(4), // PC32, PLT32, GOTPCREL, 32, 32S
            _ => None,
        },
        EM_RISCV => match r_type {
            0 | 43 | 51 => Some(0),                 // NONE, ALIGN, RELAX
            1 | 35 | 39 | 56 | 57 | 59 => Some(4),  // 32, ADD32, SUB32, SET32, 32_PCREL, PLT32
            2 | 36 | 40 => Some(8),                 // 64, ADD64, SUB64
            16 | 17 | 20 | 23..=28 => Some(4),      // BRANCH, JAL, GOT_HI20, PCREL/HI/LO
            18 | 19 => Some(8),                     // CALL, CALL_PLT: auipc + jalr
            33 | 37 | 52 | 53 | 54 => Some(1),      // ADD8, SUB8, SUB6, SET6, SET8
            34 | 38 | 55 | 44 | 45 | 46 => Some(2), // ADD16, SUB16, SET16, RVC_*
            _ => None,
        },
        EM_AARCH64 => match r_type {
            0 | 256 => Some(0),               // NONE
            257 | 260 => Some(8),             // ABS64, PREL64
            258 | 261 => Some(4),             // ABS32, PREL32
            259 | 262 => Some(2),             // ABS16, PREL16
            263..=280 | 282..=293 => Some(4), // MOVW_*, LD_PREL_LO19, ADR*, LDST*, branches
            299 | 311 | 312 => Some(4),       // LDST128_ABS_LO12_NC, ADR_GOT_PAGE, LD64_GOT_LO12_NC
            _ => None,
        },
        // What kmod-loader implements without its unimplemented!() arms;
        // the old stack-machine (SOP_*) types, which binutils >= 2.40 and
        // LLVM never emit, and RELAX/ALIGN (build with -mno-relax) are refused.
        EM_LOONGARCH => match r_type {
            0 | 20 | 21 => Some(0),       // NONE, MARK_LA, MARK_PCREL
            1 | 50 | 55 | 99 => Some(4),  // 32, ADD32, SUB32, 32_PCREL
            2 | 51 | 56 | 109 => Some(8), // 64, ADD64, SUB64, 64_PCREL
            66 | 71..=76 => Some(4),      // B26, PCALA_*, PCALA64_*, GOT_PC_HI20/LO12
            _ => None,
        },
        _ => None,
    }
}

const GOTPCREL_X86: u32 = 9;

/// Checks a module image. `data` must be the whole file.
pub fn check(data: &[u8]) -> KResult<CheckedElf> {
    let b = Bytes(data);
    if data.len() < 64 {
        return Err(bad(alloc::format!(
            "image of {} bytes is smaller than an ELF header",
            data.len()
        )));
    }
    if data[..4] != *b"\x7fELF" {
        return Err(bad("not an ELF file (bad magic)"));
    }
    if data[4] != 2 || data[5] != 1 || data[6] != 1 {
        return Err(bad("not a 64-bit little-endian ELF version 1 file"));
    }
    let e_type = b.u16(16)?;
    let machine = b.u16(18)?;
    let e_shoff = b.u64(40)?;
    let e_phnum = b.u16(56)?;
    let e_shentsize = b.u16(58)?;
    let e_shnum = b.u16(60)?;
    let e_shstrndx = b.u16(62)?;
    if e_type != ET_REL {
        return Err(bad(alloc::format!(
            "ELF type {e_type} is not ET_REL (a module is a relocatable object)"
        )));
    }
    if machine != HOST_MACHINE {
        return Err(bad(alloc::format!(
            "ELF machine {machine} is not this kernel's ({HOST_MACHINE})"
        )));
    }
    if e_phnum != 0 {
        return Err(bad("a module has no program headers"));
    }
    if usize::from(e_shentsize) != 64 {
        return Err(bad(alloc::format!("e_shentsize {e_shentsize} is not 64")));
    }
    if e_shnum == 0 || e_shnum >= SHN_LORESERVE {
        return Err(bad(alloc::format!("unsupported section count {e_shnum}")));
    }
    let sh_end = (e_shnum as u64)
        .checked_mul(64)
        .and_then(|n| n.checked_add(e_shoff))
        .ok_or_else(|| bad("section header table overflows"))?;
    if sh_end > data.len() as u64 || e_shoff % 8 != 0 {
        return Err(bad("section header table outside the file or misaligned"));
    }
    if e_shstrndx == SHN_UNDEF || e_shstrndx >= e_shnum {
        return Err(bad(alloc::format!("e_shstrndx {e_shstrndx} out of range")));
    }

    // Raw headers first, then names once the name table is known good.
    struct Raw {
        name: u32,
        sh_type: u32,
        flags: u64,
        addr: u64,
        offset: u64,
        size: u64,
        link: u32,
        info: u32,
        align: u64,
        entsize: u64,
    }
    let mut raw = Vec::with_capacity(e_shnum as usize);
    for i in 0..e_shnum as u64 {
        let h = e_shoff + i * 64;
        raw.push(Raw {
            name: b.u32(h)?,
            sh_type: b.u32(h + 4)?,
            flags: b.u64(h + 8)?,
            addr: b.u64(h + 16)?,
            offset: b.u64(h + 24)?,
            size: b.u64(h + 32)?,
            link: b.u32(h + 40)?,
            info: b.u32(h + 44)?,
            align: b.u64(h + 48)?,
            entsize: b.u64(h + 56)?,
        });
    }
    if raw[0].sh_type != SHT_NULL || raw[0].size != 0 || raw[0].addr != 0 {
        return Err(bad("section 0 is not the null section"));
    }
    let mut total_alloc: u64 = 0;
    for (i, r) in raw.iter().enumerate() {
        if r.sh_type != SHT_NOBITS && r.sh_type != SHT_NULL {
            let end = r
                .offset
                .checked_add(r.size)
                .ok_or_else(|| bad(alloc::format!("section {i} size overflows")))?;
            if end > data.len() as u64 {
                return Err(bad(alloc::format!(
                    "section {i} (offset {:#x}, size {:#x}) extends past the end of the file",
                    r.offset,
                    r.size
                )));
            }
        }
        if r.flags & SHF_ALLOC != 0 {
            // The loader copies every allocated section that is not NOBITS
            // from the file: a NULL-typed one must not be allocated (found
            // by the mutation test: a flipped type hid a wild offset).
            if i > 0 && r.sh_type == SHT_NULL {
                return Err(bad(alloc::format!(
                    "section {i} is allocated but has no type"
                )));
            }
            if r.addr != 0 {
                return Err(bad(alloc::format!(
                    "section {i} has a load address in a relocatable file"
                )));
            }
            if r.align > 4096 || (r.align > 1 && !r.align.is_power_of_two()) {
                return Err(bad(alloc::format!(
                    "section {i} alignment {} unsupported",
                    r.align
                )));
            }
            if r.flags & SHF_WRITE != 0 && r.flags & SHF_EXECINSTR != 0 {
                return Err(bad(alloc::format!(
                    "section {i} is writable and executable (W^X)"
                )));
            }
            total_alloc = total_alloc.saturating_add(r.size.saturating_add(4095) & !4095);
        }
        match r.sh_type {
            SHT_REL => {
                return Err(bad(alloc::format!(
                    "section {i}: REL relocations are not supported"
                )));
            }
            SHT_DYNAMIC | SHT_DYNSYM => {
                return Err(bad(alloc::format!(
                    "section {i}: dynamic sections have no place in a module"
                )));
            }
            SHT_SYMTAB_SHNDX => return Err(bad("extended section indices are not supported")),
            _ => {}
        }
    }
    if total_alloc > MAX_MODULE_BYTES {
        return Err(Error::new(
            Errno::ENOMEM,
            alloc::format!(
                "module needs {total_alloc} bytes of memory, more than {MAX_MODULE_BYTES}"
            ),
        ));
    }

    let shstr = &raw[e_shstrndx as usize];
    if shstr.sh_type != SHT_STRTAB || shstr.size == 0 {
        return Err(bad("section name table is not a string table"));
    }
    let shstrtab = b
        .range(shstr.offset as usize, shstr.size as usize)
        .unwrap_or(&[]);
    if shstrtab.last() != Some(&0) {
        return Err(bad("section name table is not NUL-terminated"));
    }
    let mut sections = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let name = str_at(shstrtab, r.name, || alloc::format!("section {i}"))?;
        sections.push(Section {
            name,
            sh_type: r.sh_type,
            flags: r.flags,
            offset: r.offset as usize,
            size: r.size as usize,
            link: r.link,
            info: r.info,
            align: r.align,
        });
    }
    for u in UNIQUE {
        if sections.iter().filter(|s| s.name == *u).count() > 1 {
            return Err(bad(alloc::format!("more than one {u} section")));
        }
    }

    // The symbol table.
    let symtabs: Vec<usize> = (0..raw.len())
        .filter(|&i| raw[i].sh_type == SHT_SYMTAB)
        .collect();
    if symtabs.len() != 1 {
        return Err(bad(alloc::format!(
            "module has {} symbol tables (stripped?)",
            symtabs.len()
        )));
    }
    let st = symtabs[0];
    let sr = &raw[st];
    if sr.entsize != 24 || sr.size % 24 != 0 || sr.size == 0 || sr.offset % 8 != 0 {
        return Err(bad("symbol table has a bad entry size, size or alignment"));
    }
    if sr.link == 0 || sr.link as usize >= raw.len() || raw[sr.link as usize].sh_type != SHT_STRTAB
    {
        return Err(bad("symbol table's string table link is invalid"));
    }
    let strtab_hdr = &raw[sr.link as usize];
    let strtab = b
        .range(strtab_hdr.offset as usize, strtab_hdr.size as usize)
        .unwrap_or(&[]);
    if strtab.last() != Some(&0) {
        return Err(bad("symbol string table is empty or not NUL-terminated"));
    }
    let nsyms = (sr.size / 24) as usize;
    let mut symbols = Vec::with_capacity(nsyms);
    for i in 0..nsyms as u64 {
        let o = sr.offset + i * 24;
        let st_name = b.u32(o)?;
        let info = b.u8(o + 4)?;
        let shndx = b.u16(o + 6)?;
        let sym = Symbol {
            name: str_at(strtab, st_name, || alloc::format!("symbol {i}"))?,
            info,
            shndx,
            value: b.u64(o + 8)?,
            size: b.u64(o + 16)?,
        };
        if i == 0 && (shndx != SHN_UNDEF || sym.value != 0 || info != 0) {
            // ELF reserves entry 0 (STN_UNDEF), all zeros; relocations may
            // name it (found by fuzzing: a section index planted there).
            return Err(bad(String::from("symbol 0 is not the null symbol")));
        }
        if i > 0 {
            if shndx == SHN_COMMON {
                return Err(bad(alloc::format!(
                    "common symbol {}: please compile with -fno-common",
                    sym.name
                )));
            }
            if shndx != SHN_ABS && shndx >= SHN_LORESERVE {
                return Err(bad(alloc::format!(
                    "symbol {} has reserved section index {shndx:#x}",
                    sym.name
                )));
            }
            if shndx != SHN_ABS && shndx as usize >= raw.len() {
                return Err(bad(alloc::format!(
                    "symbol {} has section index {shndx} out of range",
                    sym.name
                )));
            }
            if sym.kind() == STT_TLS {
                return Err(bad(alloc::format!(
                    "thread-local symbol {} in a module",
                    sym.name
                )));
            }
            if shndx == SHN_UNDEF && sym.name.is_empty() {
                return Err(bad(alloc::format!("undefined symbol {i} has no name")));
            }
        }
        symbols.push(sym);
    }

    // .modinfo: NUL-terminated key=value strings; name= required.
    let info_idx = sections
        .iter()
        .position(|s| s.name == ".modinfo")
        .ok_or_else(|| bad("module has no .modinfo section"))?;
    let mi = &sections[info_idx];
    if mi.sh_type == SHT_NOBITS || mi.size == 0 {
        return Err(bad(".modinfo is empty"));
    }
    let mi_bytes = b.range(mi.offset, mi.size).unwrap_or(&[]);
    if mi_bytes.last() != Some(&0) {
        return Err(bad(".modinfo is not NUL-terminated"));
    }
    let mut modinfo = Vec::new();
    for entry in mi_bytes[..mi_bytes.len() - 1].split(|&c| c == 0) {
        let s =
            core::str::from_utf8(entry).map_err(|_| bad(".modinfo entry is not valid UTF-8"))?;
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| bad(alloc::format!(".modinfo entry `{s}' is not key=value")))?;
        modinfo.push((k.to_string(), v.to_string()));
    }
    let name = modinfo
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| bad(".modinfo has no name="))?;
    check_module_name(&name)?;

    // .gnu.linkonce.this_module
    let this_module = sections
        .iter()
        .position(|s| s.name == ".gnu.linkonce.this_module")
        .ok_or_else(|| {
            bad(alloc::format!(
                "{name}: no .gnu.linkonce.this_module section"
            ))
        })?;
    {
        let s = &sections[this_module];
        if s.sh_type != SHT_PROGBITS || !s.is_alloc() || s.size != STRUCT_MODULE_SIZE {
            return Err(bad(alloc::format!(
                "{name}: .gnu.linkonce.this_module must be allocated data of {STRUCT_MODULE_SIZE} bytes (struct module)"
            )));
        }
    }
    let param = sections.iter().position(|s| s.name == "__param");
    if let Some(p) = param {
        let s = &sections[p];
        if s.sh_type != SHT_PROGBITS || !s.is_alloc() || s.size % KERNEL_PARAM_SIZE != 0 {
            return Err(bad(alloc::format!(
                "{name}: __param must be allocated data, a whole number of {KERNEL_PARAM_SIZE}-byte kernel_params"
            )));
        }
    }

    // Relocations: every entry within its target, every symbol index valid,
    // every type one the loader handles, every target and symbol section one
    // that the loader allocates.
    let will_alloc = |i: usize| -> bool {
        sections
            .get(i)
            .is_some_and(|s| s.is_alloc() && !LOADER_SKIPS.iter().any(|p| s.name.starts_with(p)))
    };
    let mut gotpcrel = 0usize;
    // AArch64: kmod-loader sizes .plt for the CALL26/JUMP26 and .got for
    // the GOT relocations of executable sections, and only when there are any.
    let (mut a64_plts, mut a64_gots) = (0usize, 0usize);
    for (ri, r) in raw.iter().enumerate() {
        if r.sh_type != SHT_RELA {
            continue;
        }
        let rname = &sections[ri].name;
        if r.info as usize >= raw.len() || r.info == 0 {
            return Err(bad(alloc::format!(
                "{rname}: target section {} out of range",
                r.info
            )));
        }
        if r.entsize != 24 || r.size % 24 != 0 || r.offset % 8 != 0 {
            return Err(bad(alloc::format!("{rname}: bad entry size or alignment")));
        }
        if r.link as usize != st {
            return Err(bad(alloc::format!(
                "{rname}: does not use the symbol table"
            )));
        }
        let target = r.info as usize;
        if !sections[target].is_alloc() {
            continue;
        }
        let tsec = &sections[target];
        if !will_alloc(target) || tsec.size == 0 || tsec.sh_type == SHT_NOBITS {
            return Err(bad(alloc::format!(
                "{rname}: relocates {}, which is not loaded",
                tsec.name
            )));
        }
        for k in 0..r.size / 24 {
            let o = r.offset + k * 24;
            let r_offset = b.u64(o)?;
            let r_info = b.u64(o + 8)?;
            let r_type = (r_info & 0xffff_ffff) as u32;
            let r_sym = (r_info >> 32) as usize;
            let width = reloc_width(machine, r_type).ok_or_else(|| {
                bad(alloc::format!(
                    "{rname}[{k}]: unsupported relocation type {r_type}"
                ))
            })?;
            if r_sym >= symbols.len() {
                return Err(bad(alloc::format!(
                    "{rname}[{k}]: symbol index {r_sym} out of range"
                )));
            }
            let end = r_offset.checked_add(width as u64);
            if end.is_none_or(|e| e > tsec.size as u64) {
                return Err(bad(alloc::format!(
                    "{rname}[{k}]: offset {r_offset:#x} outside {} ({:#x} bytes)",
                    tsec.name,
                    tsec.size
                )));
            }
            if width == 0 {
                continue;
            }
            if machine == EM_X86_64 && r_type == GOTPCREL_X86 {
                gotpcrel += 1;
            }
            if machine == EM_AARCH64 && tsec.flags & SHF_EXECINSTR != 0 {
                match r_type {
                    282 | 283 => a64_plts += 1,
                    311 | 312 => a64_gots += 1,
                    _ => {}
                }
            }
            let sym = &symbols[r_sym];
            let sidx = sym.shndx as usize;
            if sym.shndx != SHN_UNDEF
                && sym.shndx != SHN_ABS
                && (!will_alloc(sidx) || sections[sidx].size == 0)
            {
                return Err(bad(alloc::format!(
                    "{rname}[{k}]: refers to symbol `{}' in {}, which is not loaded",
                    sym.name,
                    sections[sidx].name
                )));
            }
        }
    }

    // The loader's allocation plan, after its arch adjustments.
    let got = sections.iter().position(|s| s.name == ".got");
    if gotpcrel > 0 && got.is_none() {
        return Err(bad(alloc::format!(
            "{name}: GOTPCREL relocations but no .got section"
        )));
    }
    let mut plan = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let frobbed = match machine {
            EM_X86_64 if Some(i) == got && gotpcrel > 0 => Some(Some(gotpcrel * 8)),
            EM_RISCV if matches!(s.name.as_str(), ".got" | ".plt" | ".got.plt") => Some(None),
            EM_LOONGARCH if matches!(s.name.as_str(), ".got" | ".plt" | ".plt.idx") => Some(None),
            EM_AARCH64 if s.name == ".plt" && a64_plts > 0 => Some(None),
            EM_AARCH64 if s.name == ".got" && a64_gots > 0 => Some(None),
            _ => None,
        };
        match frobbed {
            Some(size) => plan.push(PlannedAlloc {
                index: i,
                size,
                frobbed: true,
            }),
            None if will_alloc(i) && s.size > 0 => plan.push(PlannedAlloc {
                index: i,
                size: Some(s.size),
                frobbed: false,
            }),
            None => {}
        }
    }

    Ok(CheckedElf {
        sections,
        symbols,
        modinfo,
        name,
        this_module,
        param,
        plan,
    })
}

/// Linux's rules for a module name: 1..=55 bytes, no `/`, not `.` or `..`.
pub fn check_module_name(name: &str) -> KResult<()> {
    if name.is_empty()
        || name.len() > MODULE_NAME_MAX
        || name.contains('/')
        || name == "."
        || name == ".."
        || name.bytes().any(|c| c.is_ascii_control() || c == b' ')
    {
        return Err(bad(alloc::format!("invalid module name `{name}'")));
    }
    Ok(())
}
