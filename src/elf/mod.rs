//! The hardened ELF check in front of kmod-loader.
//!
//! kmod-loader 0.3.1 indexes, slices and unwraps what the image says
//! without checking it (see HOSTLOAD.md: out-of-range section and symbol
//! indices, `.modinfo` without its NUL, section data outside the file, a zero
//! `sh_entsize`, relocation offsets never bounds-checked, so wild writes).
//! Everything the loader will trust is checked here first, and the image is
//! refused with ENOEXEC (or ENOMEM when it is merely too large) and a message
//! naming what is wrong. Only an image that passes reaches the loader.

use alloc::string::String;
use alloc::vec::Vec;

use crate::errno::{Errno, Error, KResult};

pub mod consts;
mod headers;
mod index;
mod modinfo;
mod raw;
mod relocs;
mod symbols;

use consts::*;
use raw::Image;

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
    /// How many GOTPCREL relocations it has (x86_64: kmod-loader sizes
    /// `.got` by them).
    pub gotpcrel: usize,
    /// AArch64: how many CALL26/JUMP26 relocations of executable sections
    /// it has (kmod-loader sizes `.plt` when there are any).
    pub a64_plts: usize,
    /// AArch64: how many ADR_GOT_PAGE/LD64_GOT_LO12_NC relocations of
    /// executable sections it has (kmod-loader sizes `.got` when there are
    /// any).
    pub a64_gots: usize,
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

/// Whether kmod-loader allocates this section: SHF_ALLOC and not on its
/// skip list, whatever its size (kmod-loader 0.3.1 also skips empty
/// sections; the memory layout predicts that, `memory::plan`).
pub fn loader_allocates(s: &Section) -> bool {
    s.is_alloc() && !LOADER_SKIPS.iter().any(|p| s.name.starts_with(p))
}

/// Checks a module image. `data` must be the whole file.
///
/// The steps follow Linux's `elf_validity_cache_copy` (kernel/module/main.c):
/// the ELF header, the section headers, the section names, the indices of
/// the sections found by name, `.modinfo` (the module's name), the
/// sections holding `struct module` and the parameters, the symbol table
/// and its strings, and then what Linux checks only while relocating: every
/// relocation. Each step checks what its doc comment lists and hands the
/// next one what it established. What the loader will allocate is memory
/// layout, not validity: `memory::plan` predicts it from the checked image.
///
/// An error's message is the whole log line: `module: ...` until the
/// module's name is known from `.modinfo`, `<name>: ...` after.
pub fn check(data: &[u8]) -> KResult<CheckedElf> {
    let image = Image(data);
    let id = identify(image).map_err(|e| from("module", e))?;
    let (this_module, symbols, counts) = check_named(image, &id).map_err(|e| from(&id.name, e))?;
    Ok(CheckedElf {
        sections: id.sections,
        symbols,
        modinfo: id.modinfo,
        name: id.name,
        this_module,
        param: id.index.param,
        gotpcrel: counts.gotpcrel,
        a64_plts: counts.a64_plts,
        a64_gots: counts.a64_gots,
    })
}

/// What the steps up to `.modinfo` establish.
struct Identified {
    ehdr: raw::Elf64Ehdr,
    shdrs: Vec<raw::Elf64Shdr>,
    sections: Vec<Section>,
    index: index::Indices,
    modinfo: Vec<(String, String)>,
    name: String,
}

/// The steps up to and including `.modinfo`, which names the module.
fn identify(image: Image<'_>) -> KResult<Identified> {
    let ehdr = headers::header(image)?;
    let shdrs = headers::section_headers(image, &ehdr)?;
    let sections = headers::section_names(image, &ehdr, &shdrs)?;
    let index = index::section_indices(&sections)?;
    let (modinfo, name) = modinfo::modinfo(image, &sections, index.modinfo)?;
    Ok(Identified {
        ehdr,
        shdrs,
        sections,
        index,
        modinfo,
        name,
    })
}

/// The steps after `.modinfo`: `struct module` and `__param`, the symbols,
/// the relocations (returning the counts the loader sizes GOT/PLT by).
fn check_named(
    image: Image<'_>,
    id: &Identified,
) -> KResult<(usize, Vec<Symbol>, relocs::RelocCounts)> {
    let this_module = index::module_sections(&id.sections, &id.index)?;
    let symtab = symbols::symbol_table(image, &id.shdrs)?;
    let symbols = symbols::symbols(image, &symtab, &id.sections)?;
    let counts = relocs::Relocations {
        image,
        machine: id.ehdr.e_machine,
        shdrs: &id.shdrs,
        sections: &id.sections,
        symtab: symtab.index,
        symbols: &symbols,
    }
    .check()?;
    Ok((this_module, symbols, counts))
}

/// The error as a whole log line: `who: message`, errno kept.
fn from(who: &str, e: Error) -> Error {
    Error::new(e.errno, alloc::format!("{who}: {}", e.msg))
}

/// How messages name symbol `i`: by its name; a section symbol (STT_SECTION,
/// which has none) by its section's; otherwise by its index.
fn symbol_label(i: usize, sym: &Symbol, sections: &[Section]) -> String {
    if !sym.name.is_empty() {
        return sym.name.clone();
    }
    match sections.get(usize::from(sym.shndx)) {
        Some(s) if sym.kind() == STT_SECTION && sym.shndx != SHN_UNDEF => s.name.clone(),
        _ => alloc::format!("{i}"),
    }
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
