//! ELF constants used by the check.

/// Relocatable object.
pub const ET_REL: u16 = 1;
/// x86_64.
pub const EM_X86_64: u16 = 62;
/// AArch64.
pub const EM_AARCH64: u16 = 183;
/// RISC-V.
pub const EM_RISCV: u16 = 243;
/// LoongArch.
pub const EM_LOONGARCH: u16 = 258;
/// Section types.
pub const SHT_NULL: u32 = 0;
/// Program data.
pub const SHT_PROGBITS: u32 = 1;
/// Symbol table.
pub const SHT_SYMTAB: u32 = 2;
/// String table.
pub const SHT_STRTAB: u32 = 3;
/// Relocations with addends.
pub const SHT_RELA: u32 = 4;
/// Dynamic linking information.
pub const SHT_DYNAMIC: u32 = 6;
/// Uninitialised data.
pub const SHT_NOBITS: u32 = 8;
/// Relocations without addends.
pub const SHT_REL: u32 = 9;
/// Dynamic symbols.
pub const SHT_DYNSYM: u32 = 11;
/// Extended section indices.
pub const SHT_SYMTAB_SHNDX: u32 = 18;
/// Section flags.
pub const SHF_WRITE: u64 = 1;
/// Occupies memory at run time.
pub const SHF_ALLOC: u64 = 2;
/// Executable.
pub const SHF_EXECINSTR: u64 = 4;
/// Special section indices.
pub const SHN_UNDEF: u16 = 0;
/// Start of the reserved range.
pub const SHN_LORESERVE: u16 = 0xff00;
/// Absolute symbol.
pub const SHN_ABS: u16 = 0xfff1;
/// Common symbol.
pub const SHN_COMMON: u16 = 0xfff2;
/// Data object symbol type.
pub const STT_OBJECT: u8 = 1;
/// Section symbol type: names its section (st_name is usually empty).
pub const STT_SECTION: u8 = 3;
/// Thread-local symbol type.
pub const STT_TLS: u8 = 6;
/// Weak binding.
pub const STB_WEAK: u8 = 2;
