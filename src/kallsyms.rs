//! kallsyms: the kernel's and the loaded modules' symbols, as
//! `/proc/kallsyms` shows them and as `kallsyms_lookup_name` finds them
//! (Linux's kernel/kallsyms.c and kernel/module/kallsyms.c).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use ax_kspin::SpinRaw;

use crate::elf::{CheckedElf, consts::*};
use crate::module::{self, LoadedSection, ModSymbol, State};
use crate::platform;
use crate::symbols::{demangle, kallsyms_line};

/// Linux's is_mapping_symbol: assembler-local labels and ARM/RISC-V
/// mapping symbols never reach kallsyms.
fn is_mapping_symbol(name: &str) -> bool {
    name.starts_with(".L") || name.starts_with("L0") || name.starts_with('$')
}

/// nm's letter for a module symbol, as Linux's elf_type.
fn elf_type(elf: &CheckedElf, bind: u8, kind: u8, shndx: u16) -> u8 {
    if bind == STB_WEAK {
        return if kind == STT_OBJECT { b'v' } else { b'w' };
    }
    let Some(sec) = elf.sections.get(shndx as usize) else {
        return b'?';
    };
    if sec.flags & SHF_EXECINSTR != 0 {
        b't'
    } else if sec.flags & SHF_ALLOC != 0 && sec.sh_type != SHT_NOBITS {
        if sec.flags & SHF_WRITE == 0 {
            b'r'
        } else {
            b'd'
        }
    } else if sec.sh_type == SHT_NOBITS {
        b'b'
    } else if sec.name.starts_with(".debug") {
        b'n'
    } else {
        b'?'
    }
}

/// The symbols of a freshly placed module that kallsyms lists (Linux's
/// is_core_symbol with CONFIG_KALLSYMS_ALL, plus init-section symbols that
/// are shown while the module is coming). `exported` are the names the
/// module EXPORT_SYMBOLs (upper-case letters).
pub(crate) fn module_symbols(
    elf: &CheckedElf,
    sections: &[LoadedSection],
    exported: &[String],
) -> Vec<ModSymbol> {
    let mut out = Vec::new();
    for sym in elf.symbols.iter().skip(1) {
        if sym.shndx == SHN_UNDEF
            || sym.shndx as usize >= elf.sections.len()
            || sym.name.is_empty()
            || is_mapping_symbol(&sym.name)
        {
            continue;
        }
        let Some(sec) = sections.iter().find(|s| s.index == sym.shndx as usize) else {
            continue;
        };
        let mut kind = elf_type(elf, sym.bind(), sym.kind(), sym.shndx);
        if exported.contains(&sym.name) {
            kind = kind.to_ascii_uppercase();
        }
        out.push(ModSymbol {
            addr: sec.addr.wrapping_add(sym.value as usize),
            kind,
            // Demangled on first use (Module::with_symbols), not at load.
            demangled: None,
            name: sym.name.clone(),
            init: sec.name.starts_with(".init"),
        });
    }
    out
}

/// The module part of `/proc/kallsyms`, rendered once per registry change.
struct Rendered {
    generation: u64,
    show_addr: bool,
    text: Arc<Vec<u8>>,
}

static MODULE_TEXT: SpinRaw<Option<Rendered>> = SpinRaw::new(None);

/// Renders every module's kallsyms lines, newest module first.
fn render_modules(show_addr: bool) -> Vec<u8> {
    let mut text = String::new();
    for m in module::list() {
        let live = m.state() == State::Live;
        m.with_symbols(|syms| {
            for s in syms.iter().filter(|s| !(live && s.init)) {
                let addr = if show_addr { s.addr } else { 0 };
                kallsyms_line(&mut text, addr, s.kind, s.display(), Some(m.name()));
            }
        });
    }
    text.into_bytes()
}

/// The module part for the current registry state (cached).
fn module_text(show_addr: bool) -> Arc<Vec<u8>> {
    let generation = module::generation();
    if let Some(r) = MODULE_TEXT.lock().as_ref()
        && r.generation == generation
        && r.show_addr == show_addr
    {
        return r.text.clone();
    }
    let text = Arc::new(render_modules(show_addr));
    *MODULE_TEXT.lock() = Some(Rendered {
        generation,
        show_addr,
        text: text.clone(),
    });
    text
}

/// Reads `/proc/kallsyms` at `offset`: the kernel's symbols, then the
/// modules'. Any chunking of reads yields the same bytes. Addresses are
/// zeros unless `show_addr` (kptr_restrict = 1: CAP_SYSLOG only).
pub fn read(offset: u64, buf: &mut [u8], show_addr: bool) -> usize {
    let kernel = platform::get().kernel_symbols();
    let klen = kernel.kallsyms_len();
    let mut done = 0;
    if offset < klen {
        done = kernel.kallsyms_read(offset, buf, show_addr);
    }
    if done < buf.len() {
        let text = module_text(show_addr);
        let off = (offset + done as u64).saturating_sub(klen) as usize;
        if off < text.len() {
            let n = (buf.len() - done).min(text.len() - off);
            buf[done..done + n].copy_from_slice(&text[off..off + n]);
            done += n;
        }
    }
    done
}

/// kallsyms_lookup_name: the address of a kernel or module symbol by its
/// mangled or demangled name; `module:name` looks in one module only.
pub fn lookup_name(name: &str) -> Option<usize> {
    if let Some((modname, sym)) = name.split_once(':')
        && !modname.is_empty()
        && !sym.starts_with(':')
    {
        return module::find(modname).and_then(|m| m.symbol_addr(sym));
    }
    if let Some(s) = platform::get().kernel_symbols().lookup_name(name) {
        return Some(s.addr);
    }
    module::list().iter().find_map(|m| m.symbol_addr(name))
}

/// The symbol an address falls in: (name shown, offset, module or None).
pub fn lookup_addr(addr: usize) -> Option<(String, usize, Option<String>)> {
    for m in module::list() {
        if let Some((name, off)) = m.symbol_at(addr) {
            return Some((name, off, Some(m.name().into())));
        }
    }
    let table = platform::get().kernel_symbols();
    let s = table.lookup_addr(addr)?;
    let shown = demangle(&s.name).unwrap_or_else(|| s.name.clone());
    Some((shown, addr - s.addr, None))
}
