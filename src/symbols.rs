//! Symbol tables: the kernel's kallsyms (every symbol of the kernel image,
//! sorted by address, with O(log n) lookup by address and by name).

use alloc::string::String;
use alloc::vec::Vec;

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

/// A sorted symbol table.
#[derive(Debug, Default)]
pub struct KernelSymbols {
    by_addr: Vec<KernelSymbol>,
    /// Indices into `by_addr`, sorted by name (then by address).
    by_name: Vec<u32>,
}

impl KernelSymbols {
    /// Builds the table (any order in, sorted by address out).
    pub fn new(mut syms: Vec<KernelSymbol>) -> Self {
        syms.sort_by(|a, b| a.addr.cmp(&b.addr).then_with(|| a.name.cmp(&b.name)));
        let mut by_name: Vec<u32> = (0..syms.len() as u32).collect();
        by_name.sort_by(|&a, &b| syms[a as usize].name.cmp(&syms[b as usize].name));
        KernelSymbols {
            by_addr: syms,
            by_name,
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

    /// The symbol of that exact name (a global one when several share it).
    pub fn lookup_name(&self, name: &str) -> Option<&KernelSymbol> {
        let start = self
            .by_name
            .partition_point(|&i| self.by_addr[i as usize].name.as_str() < name);
        let mut best: Option<&KernelSymbol> = None;
        for &i in &self.by_name[start..] {
            let s = &self.by_addr[i as usize];
            if s.name != name {
                break;
            }
            if s.kind.is_ascii_uppercase() {
                return Some(s);
            }
            best = best.or(Some(s));
        }
        best
    }

    /// The symbol containing `addr`: the last one at or below it.
    pub fn lookup_addr(&self, addr: usize) -> Option<&KernelSymbol> {
        let n = self.by_addr.partition_point(|s| s.addr <= addr);
        n.checked_sub(1).map(|i| &self.by_addr[i])
    }
}
