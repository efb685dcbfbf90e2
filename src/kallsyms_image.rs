//! The kernel image's own symbol table, as Linux's kallsyms link step
//! makes it (scripts/kallsyms): the symbols of the linked kernel ELF are
//! written into a section reserved in the image, and the kernel decodes
//! them at run time, so `/proc/kallsyms` and an Oops's call trace name the
//! kernel's functions without the ELF file.
//!
//! The host home reads its executable's symbol table directly
//! ([`from_elf`]); a kernel built with the `arceos` backend gets the
//! table by [`embed`] (or `starry-kmod kallsyms-embed KERNEL`) run on the
//! linked ELF, as Linux's build runs its kallsyms step after `vmlinux` is
//! linked. As Linux without `CONFIG_KALLSYMS_ALL`, only text symbols are
//! embedded.
//!
//! The encoding (all integers LEB128): `MAGIC`, the payload length, the
//! anchor's link-time address (`starry_kmod_kallsyms_anchor`, whose run
//! time address gives the load bias), the count, then per symbol sorted
//! by name: the address as a zigzag offset from the anchor, the type
//! letter, the length of the prefix shared with the previous name, and
//! the rest of the name (length, bytes).

use alloc::string::String;
use alloc::vec::Vec;

use crate::symbols::KernelSymbol;

/// The section the table is written into.
pub const SECTION: &str = ".starry_kallsyms";

/// How many bytes a kernel reserves for the table (see `platform::arceos`).
pub const RESERVED: usize = 2 << 20;

/// The first bytes of an embedded table.
pub const MAGIC: &[u8; 8] = b"KALLSYM1";

/// The symbol whose address gives the image's load bias.
pub const ANCHOR: &str = "starry_kmod_kallsyms_anchor";

fn put_uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A cursor over the encoded bytes; every read is bounds-checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn uleb(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.at)?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
}

/// Encodes `syms` (text symbols) with the anchor's link-time address.
pub fn encode(anchor: usize, syms: &[KernelSymbol]) -> Vec<u8> {
    let mut sorted: Vec<&KernelSymbol> = syms.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name).then(a.addr.cmp(&b.addr)));
    let mut body = Vec::new();
    put_uleb(&mut body, anchor as u64);
    put_uleb(&mut body, sorted.len() as u64);
    let mut prev: &[u8] = &[];
    for s in sorted {
        let off = (s.addr as i64).wrapping_sub(anchor as i64);
        put_uleb(&mut body, ((off << 1) ^ (off >> 63)) as u64);
        body.push(s.kind);
        let name = s.name.as_bytes();
        let shared = prev.iter().zip(name).take_while(|(a, b)| a == b).count();
        put_uleb(&mut body, shared as u64);
        put_uleb(&mut body, (name.len() - shared) as u64);
        body.extend_from_slice(&name[shared..]);
        prev = name;
    }
    let mut out = Vec::with_capacity(body.len() + 16);
    out.extend_from_slice(MAGIC);
    put_uleb(&mut out, body.len() as u64);
    out.extend_from_slice(&body);
    out
}

/// Decodes a table written by [`encode`], relocated for an image whose
/// anchor is at `anchor` now. None if `bytes` holds no table or a
/// damaged one (never a panic).
pub fn decode(bytes: &[u8], anchor: usize) -> Option<Vec<KernelSymbol>> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let mut c = Cursor { bytes: rest, at: 0 };
    let len = usize::try_from(c.uleb()?).ok()?;
    let body = c.take(len)?;
    let mut c = Cursor { bytes: body, at: 0 };
    let link_anchor = c.uleb()? as usize;
    let bias = anchor.wrapping_sub(link_anchor);
    let count = usize::try_from(c.uleb()?).ok()?;
    // Each symbol takes at least four bytes: a damaged count cannot make
    // the vector huge.
    let mut out = Vec::with_capacity(count.min(body.len() / 4));
    let mut name: Vec<u8> = Vec::new();
    for _ in 0..count {
        let z = c.uleb()?;
        let off = ((z >> 1) as i64) ^ -((z & 1) as i64);
        let kind = *c.take(1)?.first()?;
        let shared = usize::try_from(c.uleb()?).ok()?;
        let more = usize::try_from(c.uleb()?).ok()?;
        if shared > name.len() {
            return None;
        }
        name.truncate(shared);
        name.extend_from_slice(c.take(more)?);
        out.push(KernelSymbol {
            addr: ((link_anchor as i64).wrapping_add(off) as usize).wrapping_add(bias),
            kind,
            name: String::from(core::str::from_utf8(&name).ok()?),
        });
    }
    Some(out)
}

/// An ELF symbol's nm type letter, None for what kallsyms leaves out.
#[cfg(feature = "host")]
fn kind_letter(sym: &goblin::elf::Sym, shdrs: &[goblin::elf::SectionHeader]) -> Option<u8> {
    use goblin::elf::section_header::*;
    use goblin::elf::sym::*;
    if sym.st_shndx == SHN_UNDEF as usize {
        return None;
    }
    let global = sym.st_bind() != STB_LOCAL;
    let c = if sym.st_bind() == STB_WEAK {
        if sym.st_type() == STT_OBJECT {
            b'V'
        } else {
            b'W'
        }
    } else if sym.st_shndx == SHN_ABS as usize {
        b'a'
    } else {
        let sh = shdrs.get(sym.st_shndx)?;
        let flags = sh.sh_flags;
        let c = if flags & u64::from(SHF_EXECINSTR) != 0 {
            b't'
        } else if sh.sh_type == SHT_NOBITS {
            b'b'
        } else if flags & u64::from(SHF_WRITE) != 0 {
            b'd'
        } else {
            b'r'
        };
        if global { c.to_ascii_uppercase() } else { c }
    };
    Some(c)
}

/// The symbols of an ELF image (its `.symtab`), with their link-time
/// addresses, and the anchor's link-time address if it has one.
#[cfg(feature = "host")]
pub fn from_elf(bytes: &[u8]) -> Result<(Vec<KernelSymbol>, Option<usize>), String> {
    let elf = goblin::elf::Elf::parse(bytes).map_err(|e| alloc::format!("not an ELF: {e}"))?;
    let mut anchor = None;
    let mut out = Vec::with_capacity(elf.syms.len());
    for sym in elf.syms.iter() {
        use goblin::elf::sym::*;
        if matches!(sym.st_type(), STT_SECTION | STT_FILE) || sym.st_value == 0 {
            continue;
        }
        let Some(name) = elf.strtab.get_at(sym.st_name).filter(|n| !n.is_empty()) else {
            continue;
        };
        let Some(kind) = kind_letter(&sym, &elf.section_headers) else {
            continue;
        };
        if name == ANCHOR {
            anchor = Some(sym.st_value as usize);
        }
        out.push(KernelSymbol {
            addr: sym.st_value as usize,
            kind,
            name: name.into(),
        });
    }
    Ok((out, anchor))
}

/// Writes the text symbols of the linked kernel `elf` into its reserved
/// [`SECTION`], in place; returns how many were written. Fails if the
/// image has no such section or no anchor (not built with the `arceos`
/// backend), or if the table does not fit.
#[cfg(feature = "host")]
pub fn embed(elf: &mut [u8]) -> Result<usize, String> {
    let (syms, anchor) = from_elf(elf)?;
    let anchor = anchor.ok_or_else(|| alloc::format!("the image has no {ANCHOR} symbol"))?;
    let parsed = goblin::elf::Elf::parse(elf).map_err(|e| alloc::format!("not an ELF: {e}"))?;
    let sh = parsed
        .section_headers
        .iter()
        .find(|sh| parsed.shdr_strtab.get_at(sh.sh_name) == Some(SECTION))
        .ok_or_else(|| alloc::format!("the image has no {SECTION} section"))?;
    let (off, size) = (sh.sh_offset as usize, sh.sh_size as usize);
    // Text symbols, less what is no function: assembler-local labels
    // (`.L...`), mapping symbols (`$x`), and linker-script markers outside
    // the code (`_etext`, `_srodata`...), which would claim the data after
    // it.
    let in_code = |addr: usize| {
        let addr = addr as u64;
        parsed
            .section_headers
            .iter()
            .any(|sh| sh.is_executable() && sh.sh_addr <= addr && addr - sh.sh_addr < sh.sh_size)
    };
    let text: Vec<KernelSymbol> = syms
        .into_iter()
        .filter(|s| matches!(s.kind, b't' | b'T' | b'w' | b'W'))
        .filter(|s| !s.name.starts_with(".L") && !s.name.starts_with('$'))
        .filter(|s| in_code(s.addr))
        .collect();
    let table = encode(anchor, &text);
    if table.len() > size {
        return Err(alloc::format!(
            "the symbol table takes {} bytes; {SECTION} holds {size}",
            table.len()
        ));
    }
    let dst = elf
        .get_mut(off..off + size)
        .ok_or_else(|| alloc::format!("{SECTION} lies outside the file"))?;
    dst[..table.len()].copy_from_slice(&table);
    dst[table.len()..].fill(0);
    Ok(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(addr: usize, kind: u8, name: &str) -> KernelSymbol {
        KernelSymbol {
            addr,
            kind,
            name: name.into(),
        }
    }

    #[test]
    fn round_trip_with_a_load_bias() {
        let syms = [
            sym(0x8020_1000, b'T', "_ZN4core3fmt5write17h0123456789abcdefE"),
            sym(
                0x8020_0000,
                b't',
                "_ZN4core3fmt9Formatter3pad17hfedcba9876543210E",
            ),
            sym(0x8010_0000, b'T', "below_the_anchor"),
        ];
        let blob = encode(0x8020_0000, &syms);
        let back = decode(&blob, 0x9020_0000).unwrap();
        assert_eq!(back.len(), 3);
        for s in &syms {
            let b = back.iter().find(|b| b.name == s.name).unwrap();
            assert_eq!((b.addr, b.kind), (s.addr + 0x1000_0000, s.kind));
        }
    }

    #[test]
    fn damaged_tables_are_refused() {
        let blob = encode(
            0x1000,
            &[sym(0x1010, b'T', "a_name"), sym(0x1020, b'T', "a_nother")],
        );
        assert!(decode(&[0; 64], 0).is_none());
        for cut in 0..blob.len() {
            assert!(decode(&blob[..cut], 0x1000).is_none(), "cut at {cut}");
        }
        let mut bad = blob.clone();
        let last = bad.len() - 1;
        bad[last] = 0xff; // not UTF-8
        assert!(decode(&bad, 0x1000).is_none());
    }
}
