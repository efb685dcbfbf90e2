//! The first three steps: the ELF header, the section header table, the
//! section names (Linux's `elf_validity_ehdr`, `elf_validity_cache_sechdrs`
//! and `elf_validity_cache_secstrings`).

use alloc::format;
use alloc::vec::Vec;

use super::consts::*;
use super::raw::{Elf64Ehdr, Elf64Shdr, Elf64Struct, Image, ident::*};
use super::{HOST_MACHINE, MAX_MODULE_BYTES, Section, bad, str_at};
use crate::errno::{Errno, Error, KResult};

/// The ELF header.
///
/// Checks:
/// - the image holds a whole ELF header and starts with the ELF magic;
/// - 64-bit, little-endian, ELF version 1;
/// - a relocatable object (ET_REL) for this kernel's machine;
/// - no program headers; section headers of 64 bytes;
/// - a section count below SHN_LORESERVE (no extended numbering), not 0;
/// - the section header table within the file, 8-byte aligned;
/// - `e_shstrndx` names a section other than 0.
pub(super) fn header(image: Image<'_>) -> KResult<Elf64Ehdr> {
    let len = image.0.len();
    if len < Elf64Ehdr::SIZE {
        return Err(bad(format!(
            "image of {len} bytes is smaller than an ELF header"
        )));
    }
    let h: Elf64Ehdr = image.read(0)?;
    if h.e_ident[..ELFMAG.len()] != *ELFMAG {
        return Err(bad("not an ELF file (bad magic)"));
    }
    if h.e_ident[EI_CLASS] != ELFCLASS64
        || h.e_ident[EI_DATA] != ELFDATA2LSB
        || h.e_ident[EI_VERSION] != EV_CURRENT
    {
        return Err(bad("not a 64-bit little-endian ELF version 1 file"));
    }
    let (e_type, machine, shnum) = (h.e_type, h.e_machine, h.e_shnum);
    if e_type != ET_REL {
        return Err(bad(format!(
            "ELF type {e_type} is not ET_REL (a module is a relocatable object)"
        )));
    }
    if machine != HOST_MACHINE {
        return Err(bad(format!(
            "ELF machine {machine} is not this kernel's ({HOST_MACHINE})"
        )));
    }
    if h.e_phnum != 0 {
        return Err(bad("a module has no program headers"));
    }
    if usize::from(h.e_shentsize) != Elf64Shdr::SIZE {
        return Err(bad(format!("e_shentsize {} is not 64", h.e_shentsize)));
    }
    if shnum == 0 || shnum >= SHN_LORESERVE {
        return Err(bad(format!("unsupported section count {shnum}")));
    }
    let sh_end = u64::from(shnum)
        .checked_mul(Elf64Shdr::SIZE as u64)
        .and_then(|n| n.checked_add(h.e_shoff))
        .ok_or_else(|| bad("section header table overflows"))?;
    if sh_end > len as u64 || !h.e_shoff.is_multiple_of(8) {
        return Err(bad("section header table outside the file or misaligned"));
    }
    if h.e_shstrndx == SHN_UNDEF || h.e_shstrndx >= shnum {
        return Err(bad(format!("e_shstrndx {} out of range", h.e_shstrndx)));
    }
    Ok(h)
}

/// The section header table.
///
/// Checks:
/// - section 0 is the null section;
/// - every section's contents lie within the file (NOBITS and NULL have
///   none), without overflow;
/// - each allocated section: has a type, no load address, an alignment
///   that is a power of two up to a page, not both writable and executable;
/// - no REL, dynamic or extended-index sections;
/// - the allocated sections, page-rounded, fit MAX_MODULE_BYTES (ENOMEM).
pub(super) fn section_headers(image: Image<'_>, h: &Elf64Ehdr) -> KResult<Vec<Elf64Shdr>> {
    let mut shdrs = Vec::with_capacity(usize::from(h.e_shnum));
    for i in 0..u64::from(h.e_shnum) {
        shdrs.push(image.entry::<Elf64Shdr>(h.e_shoff, i)?);
    }
    let null = &shdrs[0];
    if null.sh_type != SHT_NULL || null.sh_size != 0 || null.sh_addr != 0 {
        return Err(bad("section 0 is not the null section"));
    }
    let mut total_alloc: u64 = 0;
    for (i, sh) in shdrs.iter().enumerate() {
        section_header(i, sh, image.0.len() as u64)?;
        if sh.sh_flags & SHF_ALLOC != 0 {
            total_alloc = total_alloc.saturating_add(sh.sh_size.saturating_add(4095) & !4095);
        }
    }
    if total_alloc > MAX_MODULE_BYTES {
        return Err(Error::new(
            Errno::ENOMEM,
            format!("module needs {total_alloc} bytes of memory, more than {MAX_MODULE_BYTES}"),
        ));
    }
    Ok(shdrs)
}

/// One section header, `i` of the table (see [`section_headers`]).
fn section_header(i: usize, sh: &Elf64Shdr, file_len: u64) -> KResult<()> {
    if sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL {
        let end = sh
            .sh_offset
            .checked_add(sh.sh_size)
            .ok_or_else(|| bad(format!("section {i} size overflows")))?;
        if end > file_len {
            return Err(bad(format!(
                "section {i} (offset {:#x}, size {:#x}) extends past the end of the file",
                sh.sh_offset, sh.sh_size
            )));
        }
    }
    if sh.sh_flags & SHF_ALLOC != 0 {
        // The loader copies every allocated section that is not NOBITS
        // from the file: a NULL-typed one must not be allocated (found
        // by the mutation test: a flipped type hid a wild offset).
        if i > 0 && sh.sh_type == SHT_NULL {
            return Err(bad(format!("section {i} is allocated but has no type")));
        }
        if sh.sh_addr != 0 {
            return Err(bad(format!(
                "section {i} has a load address in a relocatable file"
            )));
        }
        let align = sh.sh_addralign;
        if align > 4096 || (align > 1 && !align.is_power_of_two()) {
            return Err(bad(format!("section {i} alignment {align} unsupported")));
        }
        if sh.sh_flags & SHF_WRITE != 0 && sh.sh_flags & SHF_EXECINSTR != 0 {
            return Err(bad(format!("section {i} is writable and executable (W^X)")));
        }
    }
    match sh.sh_type {
        SHT_REL => Err(bad(format!(
            "section {i}: REL relocations are not supported"
        ))),
        SHT_DYNAMIC | SHT_DYNSYM => Err(bad(format!(
            "section {i}: dynamic sections have no place in a module"
        ))),
        SHT_SYMTAB_SHNDX => Err(bad("extended section indices are not supported")),
        _ => Ok(()),
    }
}

/// The section names.
///
/// Checks:
/// - `e_shstrndx` is a non-empty string table ending in NUL;
/// - every section's name starts within it (and so ends at a NUL).
pub(super) fn section_names(
    image: Image<'_>,
    h: &Elf64Ehdr,
    shdrs: &[Elf64Shdr],
) -> KResult<Vec<Section>> {
    let shstr = &shdrs[usize::from(h.e_shstrndx)];
    if shstr.sh_type != SHT_STRTAB || shstr.sh_size == 0 {
        return Err(bad("section name table is not a string table"));
    }
    let shstrtab = image
        .range(shstr.sh_offset as usize, shstr.sh_size as usize)
        .unwrap_or(&[]);
    if shstrtab.last() != Some(&0) {
        return Err(bad("section name table is not NUL-terminated"));
    }
    let mut sections = Vec::with_capacity(shdrs.len());
    for (i, sh) in shdrs.iter().enumerate() {
        sections.push(Section {
            name: str_at(shstrtab, sh.sh_name, || format!("section {i}"))?,
            sh_type: sh.sh_type,
            flags: sh.sh_flags,
            offset: sh.sh_offset as usize,
            size: sh.sh_size as usize,
            link: sh.sh_link,
            info: sh.sh_info,
            align: sh.sh_addralign,
        });
    }
    Ok(sections)
}
