//! Corrupted copies of the real sample modules: every one is refused with
//! an errno (never a panic or a crash), and nothing is left behind.

mod common;

use common::elf::{put_u16, put_u32, put_u64, shdrs, u64_at};
use common::kernel;
use starry_kmod::{Errno, init_module, module};
use starry_sample_modules::ALL;

/// Deterministic mutants, each aimed at something the ELF check must catch.
fn mutants(orig: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut m = |what: String, f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = orig.to_vec();
        f(&mut b);
        out.push((what, b));
    };
    let secs = shdrs(orig);
    // Truncations at every section boundary and inside the headers.
    let mut cuts: Vec<usize> = vec![0, 1, 16, 63, 64];
    for s in &secs {
        cuts.extend([
            s.offset,
            s.offset + s.size / 2,
            s.offset + s.size.saturating_sub(1),
        ]);
    }
    cuts.push(u64_at(orig, 40) as usize + 32);
    for c in cuts.into_iter().filter(|&c| c < orig.len()) {
        m(format!("truncated at {c}"), &move |b| b.truncate(c));
    }
    // ELF header fields.
    m("bad magic".into(), &|b| b[1] = b'X');
    m("32-bit class".into(), &|b| b[4] = 1);
    m("big endian".into(), &|b| b[5] = 2);
    m("ET_EXEC".into(), &|b| put_u16(b, 16, 2));
    m("aarch64 machine".into(), &|b| put_u16(b, 18, 183));
    m("program headers".into(), &|b| put_u16(b, 56, 3));
    m("shoff past end".into(), &|b| put_u64(b, 40, u64::MAX - 8));
    m("shentsize".into(), &|b| put_u16(b, 58, 40));
    m("shnum huge".into(), &|b| put_u16(b, 60, 0xfeff));
    m("shnum 0".into(), &|b| put_u16(b, 60, 0));
    m("shstrndx out of range".into(), &|b| put_u16(b, 62, 0x7fff));
    m("shstrndx 0".into(), &|b| put_u16(b, 62, 0));
    // Section header fields, with values outside what the file allows.
    for (i, s) in secs.iter().enumerate().skip(1) {
        let at = s.at;
        m(format!("sec {i} name offset"), &move |b| {
            put_u32(b, at, 0xffff_fff0)
        });
        m(format!("sec {i} offset past end"), &move |b| {
            put_u64(b, at + 24, 1 << 40)
        });
        m(format!("sec {i} offset overflow"), &move |b| {
            put_u64(b, at + 24, u64::MAX - 4)
        });
        m(format!("sec {i} size huge"), &move |b| {
            put_u64(b, at + 32, 1 << 44)
        });
        m(format!("sec {i} size overflow"), &move |b| {
            put_u64(b, at + 32, u64::MAX)
        });
        m(format!("sec {i} link out of range"), &move |b| {
            put_u32(b, at + 40, 0xffff)
        });
        m(format!("sec {i} info out of range"), &move |b| {
            put_u32(b, at + 44, 0xffff)
        });
        m(format!("sec {i} entsize 0"), &move |b| {
            put_u64(b, at + 56, 0)
        });
        m(format!("sec {i} as REL"), &move |b| put_u32(b, at + 4, 9));
        m(format!("sec {i} align"), &move |b| {
            put_u64(b, at + 48, 1 << 20)
        });
        m(format!("sec {i} W+X"), &move |b| put_u64(b, at + 8, 7));
        m(format!("sec {i} load address"), &move |b| {
            put_u64(b, at + 8, 2);
            put_u64(b, at + 16, 0x1000)
        });
    }
    // Symbols and relocations: out-of-range indices and offsets.
    let symtab = secs.iter().find(|s| s.ty == 2).unwrap();
    for k in (1..symtab.size / 24).step_by(3) {
        let at = symtab.offset + k * 24;
        m(format!("sym {k} shndx"), &move |b| {
            put_u16(b, at + 6, 0x7ff0)
        });
        m(format!("sym {k} common"), &move |b| {
            put_u16(b, at + 6, 0xfff2)
        });
        m(format!("sym {k} name"), &move |b| {
            put_u32(b, at, 0xffff_ff00)
        });
    }
    for rela in secs.iter().filter(|s| s.ty == 4) {
        for k in (0..rela.size / 24).step_by(2) {
            let at = rela.offset + k * 24;
            m(format!("rela@{at:#x} offset"), &move |b| {
                put_u64(b, at, 1 << 36)
            });
            m(format!("rela@{at:#x} offset overflow"), &move |b| {
                put_u64(b, at, u64::MAX - 2)
            });
            m(format!("rela@{at:#x} sym"), &move |b| {
                let info = u64_at(b, at + 8);
                put_u64(b, at + 8, (info & 0xffff_ffff) | (0x7fff_0000 << 32))
            });
            m(format!("rela@{at:#x} type"), &move |b| {
                let info = u64_at(b, at + 8);
                put_u64(b, at + 8, (info & !0xffff_ffff) | 42)
            });
        }
    }
    // .modinfo without its NUL, without name=, with a bad entry.
    if let Some(p) = orig.windows(5).position(|w| w == b"name=") {
        m("modinfo name= removed".into(), &move |b| {
            b[p..p + 5].copy_from_slice(b"nome=")
        });
        m("modinfo name empty".into(), &move |b| b[p + 5] = 0);
        m("modinfo name with slash".into(), &move |b| b[p + 5] = b'/');
    }
    for s in &secs {
        let name_ok = s.ty == 1
            && orig[s.offset..s.offset + s.size]
                .windows(9)
                .any(|w| w == b"vermagic=");
        if name_ok {
            let last = s.offset + s.size - 1;
            m("modinfo without final NUL".into(), &move |b| b[last] = b'x');
            let first = s.offset;
            m("modinfo empty entry".into(), &move |b| b[first] = 0);
        }
    }
    out
}

#[test]
fn corrupted_modules_are_refused_with_an_errno() {
    let mut k = kernel();
    let pages = k.pages();
    let mut refused = 0;
    for sample in ALL {
        for (what, image) in mutants(sample.bytes) {
            match init_module(&image, b"") {
                // initfail's own init refuses (ENODEV) when a mutation is harmless.
                Err(e) if sample.name == "initfail" && e.errno == Errno::ENODEV => {}
                Err(e) => {
                    assert!(
                        [Errno::ENOEXEC, Errno::ENOMEM, Errno::ENOENT, Errno::EINVAL]
                            .contains(&e.errno),
                        "{} / {what}: unexpected {}",
                        sample.name,
                        e
                    );
                    assert!(!e.msg.is_empty());
                    refused += 1;
                }
                Ok(()) => {
                    // A mutation the module survives must load and unload cleanly.
                    starry_kmod::delete_module(sample.name, 0)
                        .unwrap_or_else(|e| panic!("{} / {what}: {e}", sample.name));
                }
            }
            assert!(
                module::list().is_empty(),
                "{} / {what} left a module behind",
                sample.name
            );
            assert_eq!(k.pages(), pages, "{} / {what} leaked pages", sample.name);
        }
    }
    assert!(refused > 500, "only {refused} mutants refused");
    k.log();
}
