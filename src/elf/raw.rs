//! Typed views of the Elf64 structures the check reads: the file header, a
//! section header, a symbol and a RELA entry, laid out as the ELF
//! specification says (`#[repr(C)]`, sizes asserted). Each is read from
//! the image field by field, by name: a field's position is its
//! `offset_of!` in the struct, its width the field's type, its byte order
//! little-endian. No `unsafe`, no numeric offsets.

use core::mem::{offset_of, size_of};

use super::bad;
use crate::errno::KResult;

/// A little-endian field of an ELF structure.
pub(super) trait LeField: Sized {
    /// Reads the field at `at` within `b`, which holds the whole structure.
    fn read(b: &[u8], at: usize) -> Self;
}

/// `N` bytes at `at`; zeros when out of range, which the structures' size
/// asserts rule out (a field lies within its structure).
fn bytes<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    if let Some(s) = at.checked_add(N).and_then(|end| b.get(at..end)) {
        a.copy_from_slice(s);
    }
    a
}

macro_rules! le_field {
    ($($t:ty),*) => {$(
        impl LeField for $t {
            fn read(b: &[u8], at: usize) -> Self {
                <$t>::from_le_bytes(bytes(b, at))
            }
        }
    )*};
}
le_field!(u8, u16, u32, u64);

impl LeField for [u8; 16] {
    fn read(b: &[u8], at: usize) -> Self {
        bytes(b, at)
    }
}

/// A structure read from the image whole.
pub(super) trait Elf64Struct: Sized {
    /// Its size in the file.
    const SIZE: usize;
    /// Reads it from exactly `SIZE` bytes.
    fn parse(b: &[u8]) -> Self;
}

/// Declares an Elf64 structure: the struct with its named fields, its
/// size assert, and a parser that reads each field at its `offset_of!`.
macro_rules! elf64_struct {
    ($(#[$m:meta])* $name:ident ($size:literal) { $($(#[$fm:meta])* $field:ident: $t:ty,)* }) => {
        $(#[$m])*
        #[repr(C)]
        #[derive(Debug, Clone, Copy)]
        // The whole layout is declared, including fields the check ignores.
        #[allow(dead_code)]
        pub(super) struct $name {
            $($(#[$fm])* pub(super) $field: $t,)*
        }
        const _: () = assert!(size_of::<$name>() == $size);
        impl Elf64Struct for $name {
            const SIZE: usize = $size;
            fn parse(b: &[u8]) -> Self {
                $name { $($field: LeField::read(b, offset_of!($name, $field)),)* }
            }
        }
    };
}

elf64_struct! {
    /// Elf64_Ehdr: the file header.
    Elf64Ehdr (64) {
        /// Magic, class, data encoding, version, OS ABI, padding.
        e_ident: [u8; 16],
        /// ET_*.
        e_type: u16,
        /// EM_*.
        e_machine: u16,
        /// EV_CURRENT.
        e_version: u32,
        /// Entry point (none in a relocatable file).
        e_entry: u64,
        /// Program header table's file offset.
        e_phoff: u64,
        /// Section header table's file offset.
        e_shoff: u64,
        /// Processor flags.
        e_flags: u32,
        /// This header's size.
        e_ehsize: u16,
        /// One program header's size.
        e_phentsize: u16,
        /// Program header count.
        e_phnum: u16,
        /// One section header's size.
        e_shentsize: u16,
        /// Section header count.
        e_shnum: u16,
        /// Index of the section name table.
        e_shstrndx: u16,
    }
}

elf64_struct! {
    /// Elf64_Shdr: one section header.
    Elf64Shdr (64) {
        /// Name: an offset into the section name table.
        sh_name: u32,
        /// SHT_*.
        sh_type: u32,
        /// SHF_*.
        sh_flags: u64,
        /// Load address (zero in a relocatable file).
        sh_addr: u64,
        /// File offset of the contents.
        sh_offset: u64,
        /// Size in bytes.
        sh_size: u64,
        /// A related section (type-specific).
        sh_link: u32,
        /// Extra information (type-specific).
        sh_info: u32,
        /// Alignment.
        sh_addralign: u64,
        /// Size of one entry, for tables.
        sh_entsize: u64,
    }
}

elf64_struct! {
    /// Elf64_Sym: one symbol-table entry.
    Elf64Sym (24) {
        /// Name: an offset into the symbol string table.
        st_name: u32,
        /// Binding (high nibble) and type (low nibble).
        st_info: u8,
        /// Visibility.
        st_other: u8,
        /// Section index, or SHN_*.
        st_shndx: u16,
        /// Value: an offset within the section in a relocatable file.
        st_value: u64,
        /// Size.
        st_size: u64,
    }
}

elf64_struct! {
    /// Elf64_Rela: one relocation with an addend.
    Elf64Rela (24) {
        /// Where, within the target section.
        r_offset: u64,
        /// Symbol index (high 32 bits) and type (low 32 bits).
        r_info: u64,
        /// Addend.
        r_addend: u64,
    }
}

/// ELF identification bytes (indices into `e_ident`) and their values.
pub(super) mod ident {
    /// The magic number, `e_ident[..4]`.
    pub const ELFMAG: &[u8; 4] = b"\x7fELF";
    /// File class.
    pub const EI_CLASS: usize = 4;
    /// Data encoding.
    pub const EI_DATA: usize = 5;
    /// ELF version.
    pub const EI_VERSION: usize = 6;
    /// 64-bit objects.
    pub const ELFCLASS64: u8 = 2;
    /// Little-endian.
    pub const ELFDATA2LSB: u8 = 1;
    /// The current version.
    pub const EV_CURRENT: u8 = 1;
}

impl Elf64Rela {
    /// ELF64_R_TYPE.
    pub(super) fn r_type(&self) -> u32 {
        (self.r_info & 0xffff_ffff) as u32
    }
    /// ELF64_R_SYM.
    pub(super) fn r_sym(&self) -> usize {
        (self.r_info >> 32) as usize
    }
}

/// The module image, read by structure.
#[derive(Clone, Copy)]
pub(super) struct Image<'a>(pub(super) &'a [u8]);

impl<'a> Image<'a> {
    /// The structure at file offset `off`, which must lie within the image.
    pub(super) fn read<T: Elf64Struct>(&self, off: u64) -> KResult<T> {
        let off = usize::try_from(off).map_err(|_| bad("offset out of range"))?;
        let end = off
            .checked_add(T::SIZE)
            .ok_or_else(|| bad("offset overflows"))?;
        let b = self
            .0
            .get(off..end)
            .ok_or_else(|| bad("read past the end of the image"))?;
        Ok(T::parse(b))
    }

    /// Entry `i` of a table of `T` at `table_off`.
    pub(super) fn entry<T: Elf64Struct>(&self, table_off: u64, i: u64) -> KResult<T> {
        let off = i
            .checked_mul(T::SIZE as u64)
            .and_then(|o| o.checked_add(table_off))
            .ok_or_else(|| bad("offset overflows"))?;
        self.read(off)
    }

    /// The contents of a section in the file (None when outside it).
    pub(super) fn range(&self, off: usize, size: usize) -> Option<&'a [u8]> {
        self.0.get(off..off.checked_add(size)?)
    }
}
