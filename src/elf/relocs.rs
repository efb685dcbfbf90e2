//! The relocations: what Linux checks only while applying them
//! (`apply_relocations` and the arch code), checked here before kmod-loader
//! applies them without checking.

use alloc::format;

use super::consts::*;
use super::raw::{Elf64Rela, Elf64Shdr, Elf64Struct, Image};
use super::{Section, Symbol, bad, loader_allocates, symbol_label};
use crate::errno::KResult;

/// x86_64's R_X86_64_GOTPCREL: the loader fills a `.got` entry for each.
const GOTPCREL_X86: u32 = 9;

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

/// The relocation counts kmod-loader sizes GOT and PLT sections by.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct RelocCounts {
    /// x86_64 GOTPCREL relocations.
    pub(super) gotpcrel: usize,
    /// AArch64 CALL26/JUMP26 relocations of executable sections.
    pub(super) a64_plts: usize,
    /// AArch64 ADR_GOT_PAGE/LD64_GOT_LO12_NC relocations of executable
    /// sections.
    pub(super) a64_gots: usize,
}

/// What the relocation step reads: the checked image so far.
pub(super) struct Relocations<'a> {
    /// The image.
    pub(super) image: Image<'a>,
    /// `e_machine`.
    pub(super) machine: u16,
    /// Every section header.
    pub(super) shdrs: &'a [Elf64Shdr],
    /// Every section, named.
    pub(super) sections: &'a [Section],
    /// The symbol table's section index.
    pub(super) symtab: usize,
    /// Every symbol.
    pub(super) symbols: &'a [Symbol],
}

impl Relocations<'_> {
    /// Every RELA section; returns the counts of the relocations the
    /// loader sizes GOT and PLT sections by (x86_64 GOTPCREL; AArch64
    /// CALL26/JUMP26 and GOT relocations of executable sections).
    ///
    /// Checks, besides [`Self::section`] and [`Self::entry`] for each:
    /// - GOTPCREL relocations have a `.got` for the loader to fill.
    pub(super) fn check(&self) -> KResult<RelocCounts> {
        let mut counts = RelocCounts::default();
        for (ri, sh) in self.shdrs.iter().enumerate() {
            if sh.sh_type != SHT_RELA || !self.section(ri, sh)? {
                continue;
            }
            let exec = self.sections[sh.sh_info as usize].flags & SHF_EXECINSTR != 0;
            for k in 0..sh.sh_size / Elf64Rela::SIZE as u64 {
                let rela: Elf64Rela = self.image.entry(sh.sh_offset, k)?;
                let writes = self.entry(ri, k, &rela)?;
                if !writes {
                    continue;
                }
                match (self.machine, rela.r_type()) {
                    (EM_X86_64, GOTPCREL_X86) => counts.gotpcrel += 1,
                    (EM_AARCH64, 282 | 283) if exec => counts.a64_plts += 1,
                    (EM_AARCH64, 311 | 312) if exec => counts.a64_gots += 1,
                    _ => {}
                }
            }
        }
        if counts.gotpcrel > 0 && !self.sections.iter().any(|s| s.name == ".got") {
            return Err(bad("GOTPCREL relocations but no .got section"));
        }
        Ok(counts)
    }

    /// RELA section `ri`; whether its entries are applied (its target is
    /// allocated).
    ///
    /// Checks:
    /// - its target (`sh_info`) is a section other than 0;
    /// - entries of 24 bytes, a whole number of them, 8-byte aligned;
    /// - it uses the symbol table (`sh_link`);
    /// - an allocated target is one the loader allocates and copies: not
    ///   on its skip list, not empty, not NOBITS.
    fn section(&self, ri: usize, sh: &Elf64Shdr) -> KResult<bool> {
        let rname = &self.sections[ri].name;
        let target = sh.sh_info as usize;
        if target >= self.sections.len() || target == 0 {
            return Err(bad(format!(
                "{rname}: target section {} out of range",
                sh.sh_info
            )));
        }
        let entsize = Elf64Rela::SIZE as u64;
        if sh.sh_entsize != entsize
            || !sh.sh_size.is_multiple_of(entsize)
            || !sh.sh_offset.is_multiple_of(8)
        {
            return Err(bad(format!("{rname}: bad entry size or alignment")));
        }
        if sh.sh_link as usize != self.symtab {
            return Err(bad(format!("{rname}: does not use the symbol table")));
        }
        let tsec = &self.sections[target];
        if !tsec.is_alloc() {
            return Ok(false);
        }
        if !loader_allocates(tsec) || tsec.size == 0 || tsec.sh_type == SHT_NOBITS {
            return Err(bad(format!(
                "{rname}: relocates {}, which is not loaded",
                tsec.name
            )));
        }
        Ok(true)
    }

    /// Entry `k` of RELA section `ri`, whose target the loader allocates;
    /// whether it writes anything (not a NONE/ALIGN/RELAX).
    ///
    /// Checks:
    /// - a relocation type the loader handles, for this machine;
    /// - a symbol index within the symbol table;
    /// - the bytes it writes lie within the target section;
    /// - its symbol is undefined (resolved against the kernel), absolute,
    ///   or in a section the loader allocates (one that is empty when the
    ///   symbol is at its start).
    fn entry(&self, ri: usize, k: u64, rela: &Elf64Rela) -> KResult<bool> {
        let rname = &self.sections[ri].name;
        let tsec = &self.sections[self.shdrs[ri].sh_info as usize];
        let (r_type, r_sym, r_offset) = (rela.r_type(), rela.r_sym(), rela.r_offset);
        let width = reloc_width(self.machine, r_type).ok_or_else(|| {
            bad(format!(
                "{rname}[{k}]: unsupported relocation type {r_type}"
            ))
        })?;
        let sym = self
            .symbols
            .get(r_sym)
            .ok_or_else(|| bad(format!("{rname}[{k}]: symbol index {r_sym} out of range")))?;
        let end = r_offset.checked_add(width as u64);
        if end.is_none_or(|e| e > tsec.size as u64) {
            return Err(bad(format!(
                "{rname}[{k}]: offset {r_offset:#x} outside {} ({:#x} bytes)",
                tsec.name, tsec.size
            )));
        }
        if width == 0 {
            return Ok(false);
        }
        if sym.shndx == SHN_UNDEF || sym.shndx == SHN_ABS {
            return Ok(true);
        }
        // In range: the symbol step checked every other index.
        let ssec = &self.sections[usize::from(sym.shndx)];
        if !loader_allocates(ssec) {
            return Err(bad(format!(
                "{rname}[{k}]: refers to symbol `{}' in {}, which is not loaded",
                symbol_label(r_sym, sym, self.sections),
                ssec.name
            )));
        }
        // Linux places an empty allocated section like any other (the
        // everyday `static struct lock_class_key key;`, an empty struct in
        // .bss), so relocations against it are valid; the loader must give
        // it an address (kmod-loader 0.3.1 skips empty sections). A symbol
        // at its start, which is also its end, is fine; one past it is not.
        if ssec.size == 0 && sym.value > 0 {
            return Err(bad(format!(
                "{rname}[{k}]: refers to symbol `{}' at {:#x} in {}, which is empty",
                symbol_label(r_sym, sym, self.sections),
                sym.value,
                ssec.name
            )));
        }
        Ok(true)
    }
}
