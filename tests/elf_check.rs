//! The ELF check on small module images built here, section by section, so
//! each test states exactly the shape it is about: relocations against a
//! symbol in an empty allocated section (accepted, as Linux does), against
//! a section the loader does not allocate (refused), and the form of the
//! messages (the whole log line, naming the module once it is known).

use starry_kmod::Errno;
use starry_kmod::elf::{self, HOST_MACHINE, STRUCT_MODULE_SIZE, consts::*};

/// sh_flags: sh_info holds a section index.
const SHF_INFO_LINK: u64 = 0x40;
/// STB_LOCAL/STB_GLOBAL in the high nibble of st_info.
const STB_GLOBAL: u8 = 1;

/// The host's 64-bit absolute relocation (R_X86_64_64, R_RISCV_64).
fn r_64() -> u64 {
    match HOST_MACHINE {
        EM_X86_64 => 1,
        _ => 2,
    }
}

/// One section to lay out.
struct Sec {
    name: &'static str,
    ty: u32,
    flags: u64,
    data: Vec<u8>,
    /// sh_size of a NOBITS section (the others: data's length).
    nobits_size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

fn sec(name: &'static str, ty: u32, flags: u64, data: Vec<u8>) -> Sec {
    Sec {
        name,
        ty,
        flags,
        data,
        nobits_size: 0,
        link: 0,
        info: 0,
        align: 8,
        entsize: 0,
    }
}

/// A relocatable ELF file of these sections (index 0 is added), with a
/// section name table last.
fn build(mut secs: Vec<Sec>) -> Vec<u8> {
    let mut shstrtab = vec![0u8];
    let mut names = vec![0u32];
    for s in &secs {
        names.push(shstrtab.len() as u32);
        shstrtab.extend_from_slice(s.name.as_bytes());
        shstrtab.push(0);
    }
    names.push(shstrtab.len() as u32);
    shstrtab.extend_from_slice(b".shstrtab\0");
    let mut s = sec(".shstrtab", SHT_STRTAB, 0, shstrtab);
    s.align = 1;
    secs.push(s);

    let mut out = vec![0u8; 64];
    let mut offsets = vec![0u64];
    for s in &secs {
        out.resize(out.len().next_multiple_of(8), 0);
        offsets.push(out.len() as u64);
        if s.ty != SHT_NOBITS {
            out.extend_from_slice(&s.data);
        }
    }
    out.resize(out.len().next_multiple_of(8), 0);
    let shoff = out.len() as u64;
    out.extend_from_slice(&[0u8; 64]); // the null section
    for (i, s) in secs.iter().enumerate() {
        let size = if s.ty == SHT_NOBITS {
            s.nobits_size
        } else {
            s.data.len() as u64
        };
        let mut h = Vec::with_capacity(64);
        h.extend_from_slice(&names[i + 1].to_le_bytes());
        h.extend_from_slice(&s.ty.to_le_bytes());
        h.extend_from_slice(&s.flags.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes()); // sh_addr
        h.extend_from_slice(&offsets[i + 1].to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&s.link.to_le_bytes());
        h.extend_from_slice(&s.info.to_le_bytes());
        h.extend_from_slice(&s.align.to_le_bytes());
        h.extend_from_slice(&s.entsize.to_le_bytes());
        out.extend_from_slice(&h);
    }
    let shnum = secs.len() as u16 + 1;
    let mut e = Vec::with_capacity(64);
    e.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    e.extend_from_slice(&ET_REL.to_le_bytes());
    e.extend_from_slice(&HOST_MACHINE.to_le_bytes());
    e.extend_from_slice(&1u32.to_le_bytes()); // e_version
    e.extend_from_slice(&0u64.to_le_bytes()); // e_entry
    e.extend_from_slice(&0u64.to_le_bytes()); // e_phoff
    e.extend_from_slice(&shoff.to_le_bytes());
    e.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for v in [64u16, 0, 0, 64, shnum, shnum - 1] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        e.extend_from_slice(&v.to_le_bytes());
    }
    out[..64].copy_from_slice(&e);
    out
}

fn sym(name: u32, info: u8, shndx: u16, value: u64) -> Vec<u8> {
    let mut s = Vec::with_capacity(24);
    s.extend_from_slice(&name.to_le_bytes());
    s.push(info);
    s.push(0);
    s.extend_from_slice(&shndx.to_le_bytes());
    s.extend_from_slice(&value.to_le_bytes());
    s.extend_from_slice(&0u64.to_le_bytes());
    s
}

// Section indices in `module`.
const DATA: u16 = 1;
const BSS: u16 = 3;
const NOTES: u16 = 6;
const SYMTAB: u32 = 7;

// Symbol indices in `module`.
const BSS_SECTION_SYM: u64 = 1;
const KEY: u64 = 2;
const NOTES_SECTION_SYM: u64 = 3;
const NOTE_SYM: u64 = 4;

/// The module `zbss`: `.data` holds one pointer, relocated against symbol
/// `target`; `.bss` is allocated and empty, holding `key` at `key_value`
/// (`static struct lock_class_key key;`); `.notes` is not allocated.
fn module(target: u64, key_value: u64) -> Vec<u8> {
    let mut rela = Vec::new();
    rela.extend_from_slice(&0u64.to_le_bytes());
    rela.extend_from_slice(&((target << 32) | r_64()).to_le_bytes());
    rela.extend_from_slice(&0u64.to_le_bytes());
    let strtab = b"\0key\0note_sym\0".to_vec();
    let mut symtab = Vec::new();
    symtab.extend(sym(0, 0, 0, 0));
    symtab.extend(sym(0, STT_SECTION, BSS, 0));
    symtab.extend(sym(1, STT_OBJECT, BSS, key_value));
    symtab.extend(sym(0, STT_SECTION, NOTES, 0));
    symtab.extend(sym(5, (STB_GLOBAL << 4) | STT_OBJECT, NOTES, 0));

    let mut rela_sec = sec(".rela.data", SHT_RELA, SHF_INFO_LINK, rela);
    (rela_sec.link, rela_sec.info, rela_sec.entsize) = (SYMTAB, u32::from(DATA), 24);
    let mut bss = sec(".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, Vec::new());
    bss.align = 1;
    let mut symtab_sec = sec(".symtab", SHT_SYMTAB, 0, symtab);
    (symtab_sec.link, symtab_sec.info, symtab_sec.entsize) = (SYMTAB + 1, 4, 24);
    let mut strtab_sec = sec(".strtab", SHT_STRTAB, 0, strtab);
    strtab_sec.align = 1;
    build(vec![
        sec(".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, vec![0; 8]),
        rela_sec,
        bss,
        sec(
            ".modinfo",
            SHT_PROGBITS,
            SHF_ALLOC,
            b"license=GPL\0name=zbss\0".to_vec(),
        ),
        sec(
            ".gnu.linkonce.this_module",
            SHT_PROGBITS,
            SHF_ALLOC | SHF_WRITE,
            vec![0; STRUCT_MODULE_SIZE],
        ),
        sec(".notes", SHT_PROGBITS, 0, vec![0; 8]),
        symtab_sec,
        strtab_sec,
    ])
}

fn refusal(image: &[u8]) -> String {
    let e = elf::check(image).expect_err("the check accepts the image");
    assert_eq!(e.errno, Errno::ENOEXEC, "{}", e.msg);
    e.msg.into_owned()
}

/// Regression: `module: .rela.init.text[0]: refers to symbol `' in .bss,
/// which is not loaded` for a module with `static struct lock_class_key
/// key;` (an empty struct, so an empty .bss), which Linux loads.
#[test]
fn relocations_against_an_empty_allocated_section_are_accepted() {
    for target in [BSS_SECTION_SYM, KEY] {
        let elf = elf::check(&module(target, 0))
            .unwrap_or_else(|e| panic!("symbol {target}: refused: {}", e.msg));
        assert_eq!(elf.name, "zbss");
        assert_eq!(elf.sections[usize::from(BSS)].size, 0);
    }
}

#[test]
fn a_symbol_past_the_end_of_an_empty_section_is_refused() {
    assert_eq!(
        refusal(&module(KEY, 8)),
        "zbss: .rela.data[0]: refers to symbol `key' at 0x8 in .bss, which is empty"
    );
}

#[test]
fn relocations_against_a_section_not_loaded_are_refused() {
    // A section symbol is named by its section.
    assert_eq!(
        refusal(&module(NOTES_SECTION_SYM, 0)),
        "zbss: .rela.data[0]: refers to symbol `.notes' in .notes, which is not loaded"
    );
    assert_eq!(
        refusal(&module(NOTE_SYM, 0)),
        "zbss: .rela.data[0]: refers to symbol `note_sym' in .notes, which is not loaded"
    );
}

#[test]
fn messages_name_the_module_once_modinfo_is_read() {
    // Before: the header.
    let mut image = module(KEY, 0);
    image[1] = b'X';
    assert_eq!(refusal(&image), "module: not an ELF file (bad magic)");
    // After: the symbol table's link to its strings, zeroed (the section
    // headers end the file: .symtab, .strtab, .shstrtab).
    let mut image = module(KEY, 0);
    let at = image.len() - 3 * 64 + 40; // .symtab's sh_link
    image[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(
        refusal(&image),
        "zbss: symbol table's string table link is invalid"
    );
}

#[test]
fn the_sample_modules_pass() {
    for m in starry_sample_modules::ALL {
        let elf = elf::check(m.bytes).unwrap_or_else(|e| panic!("{}: {}", m.name, e.msg));
        assert_eq!(elf.name, m.name);
    }
}
