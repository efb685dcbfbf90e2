//! The symbol table and its strings (Linux's `elf_validity_cache_index_sym`,
//! `elf_validity_cache_index_str` and `elf_validity_cache_strtab`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::consts::*;
use super::raw::{Elf64Shdr, Elf64Struct, Elf64Sym, Image};
use super::{Section, Symbol, bad, str_at, symbol_label};
use crate::errno::KResult;

/// The symbol table's header and its string table.
pub(super) struct SymbolTable<'a> {
    /// Its section index.
    pub(super) index: usize,
    /// Its section header.
    pub(super) hdr: Elf64Shdr,
    /// The string table its names are in.
    pub(super) strtab: &'a [u8],
}

/// The symbol table and its string table.
///
/// Checks:
/// - exactly one SHT_SYMTAB (none: a stripped module);
/// - its entries are 24 bytes, a whole number of them, at least one,
///   8-byte aligned in the file;
/// - its `sh_link` names a string table (not section 0);
/// - that string table is non-empty and ends in NUL.
pub(super) fn symbol_table<'a>(image: Image<'a>, shdrs: &[Elf64Shdr]) -> KResult<SymbolTable<'a>> {
    let mut symtabs = shdrs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.sh_type == SHT_SYMTAB);
    let (index, hdr) = match (symtabs.next(), symtabs.count()) {
        (Some((i, h)), 0) => (i, *h),
        (first, more) => {
            let n = usize::from(first.is_some()) + more;
            return Err(bad(format!("module has {n} symbol tables (stripped?)")));
        }
    };
    let entsize = Elf64Sym::SIZE as u64;
    if hdr.sh_entsize != entsize
        || !hdr.sh_size.is_multiple_of(entsize)
        || hdr.sh_size == 0
        || !hdr.sh_offset.is_multiple_of(8)
    {
        return Err(bad("symbol table has a bad entry size, size or alignment"));
    }
    let link = hdr.sh_link as usize;
    let strtab_hdr = match shdrs.get(link) {
        Some(s) if link != 0 && s.sh_type == SHT_STRTAB => s,
        _ => return Err(bad("symbol table's string table link is invalid")),
    };
    let strtab = image
        .range(strtab_hdr.sh_offset as usize, strtab_hdr.sh_size as usize)
        .unwrap_or(&[]);
    if strtab.last() != Some(&0) {
        return Err(bad("symbol string table is empty or not NUL-terminated"));
    }
    Ok(SymbolTable { index, hdr, strtab })
}

/// Every symbol of the table.
///
/// Checks:
/// - entry 0 is the null symbol (relocations may name it);
/// - every name starts within the string table;
/// - no common symbols (-fno-common), no thread-local ones;
/// - every section index is in range or SHN_ABS (no other reserved one);
/// - every undefined symbol has a name.
pub(super) fn symbols(
    image: Image<'_>,
    table: &SymbolTable<'_>,
    sections: &[Section],
) -> KResult<Vec<Symbol>> {
    let count = table.hdr.sh_size / Elf64Sym::SIZE as u64;
    let mut symbols = Vec::with_capacity(count as usize);
    for i in 0..count {
        let raw: Elf64Sym = image.entry(table.hdr.sh_offset, i)?;
        let sym = Symbol {
            name: str_at(table.strtab, raw.st_name, || format!("symbol {i}"))?,
            info: raw.st_info,
            shndx: raw.st_shndx,
            value: raw.st_value,
            size: raw.st_size,
        };
        if i == 0 {
            if sym.shndx != SHN_UNDEF || sym.value != 0 || sym.info != 0 {
                // ELF reserves entry 0 (STN_UNDEF), all zeros; relocations
                // may name it (found by fuzzing: a section index planted
                // there).
                return Err(bad(String::from("symbol 0 is not the null symbol")));
            }
        } else {
            symbol(i as usize, &sym, sections)?;
        }
        symbols.push(sym);
    }
    Ok(symbols)
}

/// Symbol `i` > 0 (see [`symbols`]).
fn symbol(i: usize, sym: &Symbol, sections: &[Section]) -> KResult<()> {
    let shndx = sym.shndx;
    let label = || symbol_label(i, sym, sections);
    if shndx == SHN_COMMON {
        return Err(bad(format!(
            "common symbol {}: please compile with -fno-common",
            label()
        )));
    }
    if shndx != SHN_ABS && shndx >= SHN_LORESERVE {
        return Err(bad(format!(
            "symbol {} has reserved section index {shndx:#x}",
            label()
        )));
    }
    if shndx != SHN_ABS && usize::from(shndx) >= sections.len() {
        return Err(bad(format!(
            "symbol {} has section index {shndx} out of range",
            label()
        )));
    }
    if sym.kind() == STT_TLS {
        return Err(bad(format!("thread-local symbol {} in a module", label())));
    }
    if shndx == SHN_UNDEF && sym.name.is_empty() {
        return Err(bad(format!("undefined symbol {i} has no name")));
    }
    Ok(())
}
