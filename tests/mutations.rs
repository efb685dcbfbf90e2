//! Thousands of deterministic mutants of every sample module: truncations
//! at every section boundary, flipped bytes in the ELF header, section
//! headers, symbols, relocations, string tables, .modinfo and __param,
//! out-of-range indices, overlapping sections, huge sizes, missing NULs,
//! empty string tables, bad relocation types. Each one is refused with an
//! errno, or loads (module code switched off: a mutant's code is garbage)
//! with every file readable and unloads cleanly. Never a panic; nothing
//! left behind.

mod common;

use common::elf::{Shdr, shdrs, u64_at};
use common::kernel;
use common::look::look_at_everything;
use starry_kmod::params::set_run_module_code;
use starry_kmod::syscalls::{O_NONBLOCK, O_TRUNC};
use starry_kmod::{Errno, delete_module, init_module, kapi, module};
use starry_sample_modules::{ALL, PROVIDER};

/// Mutants per sample (beyond the structured ones).
const RANDOM_PER_SAMPLE: usize = 1500;

/// A small deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The regions a flip may hit: metadata, not code or data bytes (those are
/// the module's own business) — but with module code off even those are
/// safe, so text and data get flips too.
fn regions(b: &[u8]) -> Vec<(usize, usize)> {
    let mut r = vec![(0, 64)];
    for s in shdrs(b) {
        r.push((s.at, 64));
        if s.ty != 8 && s.size > 0 && s.offset + s.size <= b.len() {
            r.push((s.offset, s.size));
        }
    }
    r
}

fn mutants(orig: &[u8], seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let secs = shdrs(orig);
    // Truncations at every section boundary (and one byte off each).
    for s in &secs {
        let (off, size) = (s.offset, s.size);
        for cut in [
            off,
            off + size / 2,
            off + size,
            (off + size).saturating_sub(1),
        ] {
            if cut < orig.len() {
                out.push((format!("truncate at {cut}"), orig[..cut].to_vec()));
            }
        }
    }
    // Structured edits of every section header field.
    for (i, &Shdr { at, .. }) in secs.iter().enumerate() {
        for (field, width, values) in [
            ("sh_type", 4usize, &[0u64, 2, 4, 8, 9, 0xffff_ffff][..]),
            ("sh_flags", 8, &[0, 1, 2, 4, 7, u64::MAX]),
            ("sh_offset", 8, &[0, orig.len() as u64, u64::MAX - 7, 64]),
            ("sh_size", 8, &[0, 1, u64::MAX / 2, orig.len() as u64 * 2]),
            ("sh_link", 4, &[0, 0xffff, u32::MAX as u64]),
            ("sh_info", 4, &[0, 0xffff, u32::MAX as u64]),
            ("sh_addralign", 8, &[3, 1 << 40, u64::MAX]),
            ("sh_entsize", 8, &[0, 1, 23, u64::MAX]),
            ("sh_name", 4, &[0, u32::MAX as u64]),
        ] {
            let fo = match field {
                "sh_name" => 0,
                "sh_type" => 4,
                "sh_flags" => 8,
                "sh_offset" => 24,
                "sh_size" => 32,
                "sh_link" => 40,
                "sh_info" => 44,
                "sh_addralign" => 48,
                _ => 56,
            };
            for &v in values {
                let mut b = orig.to_vec();
                b[at + fo..at + fo + width].copy_from_slice(&v.to_le_bytes()[..width]);
                out.push((format!("section {i} {field}={v:#x}"), b));
            }
        }
        // Overlap: this section's bytes are another's.
        if let Some(next) = secs.get((i + 1) % secs.len()) {
            let mut b = orig.to_vec();
            b[at + 24..at + 32].copy_from_slice(&(next.offset as u64).to_le_bytes());
            out.push((format!("section {i} overlaps the next"), b));
        }
    }
    // String tables: last NUL removed, emptied.
    for (i, s) in secs.iter().enumerate() {
        let (at, ty, off, size) = (s.at, s.ty, s.offset, s.size);
        if ty == 3 && size > 0 {
            let mut b = orig.to_vec();
            b[off + size - 1] = b'x';
            out.push((format!("strtab {i} without final NUL"), b));
            let mut b = orig.to_vec();
            b[at + 32..at + 40].copy_from_slice(&0u64.to_le_bytes());
            out.push((format!("strtab {i} empty"), b));
        }
        // Relocations: bad types, huge symbol indices, offsets past the end.
        if ty == 4 {
            for k in 0..(size / 24).min(64) {
                let e = off + k * 24;
                for (what, info) in [
                    ("type 0xff", (u64_at(orig, e + 8) & !0xffff_ffff) | 0xff),
                    (
                        "symbol 0xffffff",
                        (0xff_ffffu64 << 32) | (u64_at(orig, e + 8) & 0xffff_ffff),
                    ),
                ] {
                    let mut b = orig.to_vec();
                    b[e + 8..e + 16].copy_from_slice(&info.to_le_bytes());
                    out.push((format!("rela {i}[{k}] {what}"), b));
                }
                let mut b = orig.to_vec();
                b[e..e + 8].copy_from_slice(&u64::MAX.to_le_bytes());
                out.push((format!("rela {i}[{k}] offset past the end"), b));
            }
        }
        // Symbols: section index out of range, value wild.
        if ty == 2 {
            for k in 1..(size / 24).min(64) {
                let e = off + k * 24;
                let mut b = orig.to_vec();
                b[e + 6..e + 8].copy_from_slice(&0x7fffu16.to_le_bytes());
                out.push((format!("symbol {k} shndx 0x7fff"), b));
                let mut b = orig.to_vec();
                b[e + 8..e + 16].copy_from_slice(&(1u64 << 40).to_le_bytes());
                out.push((format!("symbol {k} value 1<<40"), b));
            }
        }
    }
    // Random byte flips anywhere in the metadata and contents.
    let regs = regions(orig);
    let mut rng = Rng(seed | 1);
    for n in 0..RANDOM_PER_SAMPLE {
        let (start, len) = regs[rng.below(regs.len())];
        let mut b = orig.to_vec();
        for _ in 0..1 + rng.below(3) {
            let at = start + rng.below(len);
            if at < b.len() {
                b[at] ^= 1 << rng.below(8);
            }
        }
        out.push((format!("random flip {n}"), b));
    }
    out
}

#[test]
fn thousands_of_mutants_of_every_sample() {
    let k = kernel();
    let pages = k.pages();
    let heap = kapi::kmalloc_bytes_in_use();
    set_run_module_code(false);
    // Dependents need the provider; it stays loaded, unmutated.
    init_module(PROVIDER.bytes, b"").unwrap();
    let provider_pages = k.pages();
    let allowed = [
        Errno::ENOEXEC,
        Errno::ENOMEM,
        Errno::ENOENT,
        Errno::EINVAL,
        Errno::EEXIST,
        Errno::EBUSY,
        Errno::ERANGE,
        Errno::ENOSPC,
    ];
    let (mut total, mut refused, mut loaded) = (0, 0, 0);
    for (si, sample) in ALL.iter().enumerate() {
        for (what, image) in mutants(sample.bytes, 0x9e37_79b9 * (si as u64 + 1)) {
            total += 1;
            if std::env::var_os("MUTANT_TRACE").is_some() {
                eprintln!("{} / {what}", sample.name);
            }
            match init_module(&image, b"") {
                Ok(()) => {
                    loaded += 1;
                    look_at_everything();
                    let others: Vec<_> = module::list()
                        .into_iter()
                        .filter(|m| m.name() != "provider")
                        .collect();
                    for m in others {
                        delete_module(m.name(), O_NONBLOCK | O_TRUNC)
                            .unwrap_or_else(|e| panic!("{} / {what}: unload: {e}", sample.name));
                    }
                }
                Err(e) => {
                    assert!(
                        allowed.contains(&e.errno),
                        "{} / {what}: unexpected {e}",
                        sample.name
                    );
                    refused += 1;
                }
            }
            assert_eq!(
                module::list().len(),
                1,
                "{} / {what}: a module was left behind",
                sample.name
            );
            assert_eq!(
                k.pages(),
                provider_pages,
                "{} / {what}: pages leaked",
                sample.name
            );
        }
    }
    // A mutant of the provider under another name may have exported the
    // same symbols: the provider must still be intact.
    delete_module("provider", O_NONBLOCK).unwrap();
    set_run_module_code(true);
    assert_eq!(k.pages(), pages);
    assert_eq!(kapi::kmalloc_bytes_in_use(), heap);
    eprintln!("{total} mutants: {refused} refused, {loaded} loaded and unloaded");
    assert!(total >= 1000 * ALL.len(), "only {total} mutants");
    assert!(
        refused > total / 4 && loaded > 0,
        "{refused} refused, {loaded} loaded"
    );
}
