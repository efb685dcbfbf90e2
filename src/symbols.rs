//! Symbol tables: the kernel's kallsyms (every symbol of the kernel image,
//! sorted by address, with O(log n) lookup by address and by mangled or
//! demangled name) and the `/proc/kallsyms` line format.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// One kernel symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelSymbol {
    /// Its address.
    pub addr: usize,
    /// nm-style type letter (`T`, `t`, `D`, `d`, `R`, `r`, `B`, `b`, `W`...).
    pub kind: u8,
    /// The (possibly mangled) name, as in the ELF symbol table.
    pub name: String,
}

/// The demangled form of a Rust symbol (legacy `_ZN...E` or v0 `_R...`),
/// without the hash suffix; None for any other name.
pub fn demangle(name: &str) -> Option<String> {
    if !(name.starts_with("_ZN") || name.starts_with("_R") || name.starts_with("__ZN")) {
        return None;
    }
    let d = rustc_demangle::try_demangle(name).ok()?;
    let mut out = String::new();
    write!(out, "{d:#}").ok()?;
    (out != name).then_some(out)
}

/// Appends one `/proc/kallsyms` line: `%016x %c %s\n`, or
/// `%016x %c %s\t[%s]\n` for a module's symbol.
pub fn kallsyms_line(out: &mut String, addr: usize, kind: u8, name: &str, module: Option<&str>) {
    let _ = write!(out, "{addr:016x} {} {name}", kind as char);
    if let Some(m) = module {
        let _ = write!(out, "\t[{m}]");
    }
    out.push('\n');
}

/// The length of a kernel symbol's kallsyms line (16 hex digits, type,
/// name, three separators).
fn line_len(display: &str) -> u64 {
    16 + 1 + 1 + 1 + display.len() as u64 + 1
}

/// A sorted symbol table.
#[derive(Debug, Default)]
pub struct KernelSymbols {
    by_addr: Vec<KernelSymbol>,
    /// Demangled names, parallel to `by_addr` (None: shown as is).
    display: Vec<Option<Box<str>>>,
    /// Indices into `by_addr`, sorted by name (then by address).
    by_name: Vec<u32>,
    /// Indices of demangled symbols, sorted by demangled name.
    by_display: Vec<u32>,
    /// End offset of each symbol's line in the kallsyms text.
    line_end: Vec<u64>,
}

impl KernelSymbols {
    /// Builds the table (any order in, sorted by address out), demangling
    /// every Rust name once.
    pub fn new(mut syms: Vec<KernelSymbol>) -> Self {
        syms.sort_by(|a, b| a.addr.cmp(&b.addr).then_with(|| a.name.cmp(&b.name)));
        let display: Vec<Option<Box<str>>> = syms
            .iter()
            .map(|s| demangle(&s.name).map(String::into_boxed_str))
            .collect();
        let mut by_name: Vec<u32> = (0..syms.len() as u32).collect();
        by_name.sort_by(|&a, &b| syms[a as usize].name.cmp(&syms[b as usize].name));
        let mut by_display: Vec<u32> = (0..syms.len() as u32)
            .filter(|&i| display[i as usize].is_some())
            .collect();
        by_display.sort_by(|&a, &b| display[a as usize].cmp(&display[b as usize]));
        let mut end = 0;
        let line_end = syms
            .iter()
            .zip(&display)
            .map(|(s, d)| {
                end += line_len(d.as_deref().unwrap_or(&s.name));
                end
            })
            .collect();
        KernelSymbols {
            by_addr: syms,
            display,
            by_name,
            by_display,
            line_end,
        }
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.by_addr.len()
    }

    /// True when there are no symbols.
    pub fn is_empty(&self) -> bool {
        self.by_addr.is_empty()
    }

    /// Every symbol, sorted by address.
    pub fn iter(&self) -> impl Iterator<Item = &KernelSymbol> {
        self.by_addr.iter()
    }

    /// The name kallsyms shows for the symbol at index `i` (demangled).
    fn display_at(&self, i: usize) -> &str {
        self.display[i].as_deref().unwrap_or(&self.by_addr[i].name)
    }

    /// Every symbol with the name kallsyms shows for it (demangled).
    pub fn iter_display(&self) -> impl Iterator<Item = (&KernelSymbol, &str)> {
        (0..self.by_addr.len()).map(|i| (&self.by_addr[i], self.display_at(i)))
    }

    /// Picks a global symbol among those `idx` gives with the same name.
    fn pick(&self, mut idx: impl Iterator<Item = u32>) -> Option<&KernelSymbol> {
        let mut best: Option<&KernelSymbol> = None;
        for i in idx.by_ref() {
            let s = &self.by_addr[i as usize];
            if s.kind.is_ascii_uppercase() {
                return Some(s);
            }
            best = best.or(Some(s));
        }
        best
    }

    /// The symbol of that name, mangled or demangled (a global one when
    /// several share it).
    pub fn lookup_name(&self, name: &str) -> Option<&KernelSymbol> {
        let start = self
            .by_name
            .partition_point(|&i| self.by_addr[i as usize].name.as_str() < name);
        let exact = self.by_name[start..]
            .iter()
            .copied()
            .take_while(|&i| self.by_addr[i as usize].name == name);
        if let Some(s) = self.pick(exact) {
            return Some(s);
        }
        let start = self
            .by_display
            .partition_point(|&i| self.display_at(i as usize) < name);
        let demangled = self.by_display[start..]
            .iter()
            .copied()
            .take_while(|&i| self.display_at(i as usize) == name);
        self.pick(demangled)
    }

    /// The symbol containing `addr`: the last one at or below it.
    pub fn lookup_addr(&self, addr: usize) -> Option<&KernelSymbol> {
        let n = self.by_addr.partition_point(|s| s.addr <= addr);
        n.checked_sub(1).map(|i| &self.by_addr[i])
    }

    /// The address of the first symbol above `addr`, if any.
    pub fn next_addr(&self, addr: usize) -> Option<usize> {
        let n = self.by_addr.partition_point(|s| s.addr <= addr);
        self.by_addr.get(n).map(|s| s.addr)
    }

    /// Bytes of this table's part of `/proc/kallsyms`.
    pub fn kallsyms_len(&self) -> u64 {
        self.line_end.last().copied().unwrap_or(0)
    }

    /// Reads this table's part of `/proc/kallsyms` at `offset`: only the
    /// lines the read covers are formatted. Addresses are zeros unless
    /// `show_addr`.
    pub fn kallsyms_read(&self, offset: u64, buf: &mut [u8], show_addr: bool) -> usize {
        let mut i = self.line_end.partition_point(|&e| e <= offset);
        let mut pos = offset;
        let mut done = 0;
        let mut line = String::new();
        while done < buf.len() && i < self.by_addr.len() {
            let s = &self.by_addr[i];
            let start = if i == 0 { 0 } else { self.line_end[i - 1] };
            line.clear();
            let addr = if show_addr { s.addr } else { 0 };
            kallsyms_line(&mut line, addr, s.kind, self.display_at(i), None);
            let bytes = &line.as_bytes()[(pos - start) as usize..];
            let n = bytes.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&bytes[..n]);
            done += n;
            pos += n as u64;
            i += 1;
        }
        done
    }
}
