//! The one door to relocated module memory: every read of `struct module`,
//! `kernel_param`, `kernel_param_ops` and export entries goes through a
//! [`ModuleMemoryReader`], whose constructor is `unsafe` (the caller vouches
//! that its sections are the module's own mapped memory) and whose reads are
//! safe, bounds-checked and typed (Asterinas' `VmReader` idea).

use alloc::string::String;
use core::mem::{offset_of, size_of};

use super::LoadedSection;

/// Plain data that may be read from module memory: `#[repr(C)]`, and every
/// bit pattern is a valid value (integers only, no references).
///
/// # Safety
/// Implement only for types for which any bytes are a valid value.
pub unsafe trait ModuleData: Copy {}

// SAFETY: integers accept every bit pattern.
unsafe impl ModuleData for usize {}
// SAFETY: as above.
unsafe impl ModuleData for u32 {}
// SAFETY: as above.
unsafe impl ModuleData for u16 {}

/// Linux's `struct kernel_param`, with its pointers as addresses.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KernelParam {
    /// `const char *name`.
    pub name: usize,
    /// `struct module *mod`.
    pub module: usize,
    /// `const struct kernel_param_ops *ops`.
    pub ops: usize,
    /// `u16 perm`: the sysfs mode.
    pub perm: u16,
    /// `s8 level`.
    pub level: i8,
    /// `u8 flags`.
    pub flags: u8,
    /// The union's `void *arg` (or `str`/`arr`).
    pub arg: usize,
}
// SAFETY: integers only.
unsafe impl ModuleData for KernelParam {}

/// Linux's `struct kparam_array` (`module_param_array`), pointers as
/// addresses.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KParamArray {
    /// `unsigned int max`: the array's length.
    pub max: u32,
    /// `unsigned int elemsize`.
    pub elemsize: u32,
    /// `unsigned int *num`: where the count set goes (0: nowhere).
    pub num: usize,
    /// `const struct kernel_param_ops *ops`: the elements' ops.
    pub ops: usize,
    /// `void *elem`: the array.
    pub elem: usize,
}
// SAFETY: integers only.
unsafe impl ModuleData for KParamArray {}

/// Linux's `struct kparam_string` (`module_param_string`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KParamString {
    /// `unsigned int maxlen`: the buffer's size, NUL included.
    pub maxlen: u32,
    /// `char *string`: the buffer.
    pub string: usize,
}
// SAFETY: integers only.
unsafe impl ModuleData for KParamString {}

/// Linux's `struct kernel_param_ops`, with its functions as addresses.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KernelParamOps {
    /// `unsigned int flags` (KERNEL_PARAM_OPS_FL_NOARG).
    pub flags: u32,
    /// `int (*set)(const char *, const struct kernel_param *)`.
    pub set: usize,
    /// `int (*get)(char *, const struct kernel_param *)`.
    pub get: usize,
    /// `void (*free)(void *)`.
    pub free: usize,
}
// SAFETY: integers only.
unsafe impl ModuleData for KernelParamOps {}

impl From<&kmod_tools::kernel_param_ops> for KernelParamOps {
    /// The addresses of a kernel-side ops table (the standard `param_ops_*`).
    fn from(o: &kmod_tools::kernel_param_ops) -> Self {
        KernelParamOps {
            flags: o.flags,
            set: o.set.map_or(0, |f| f as usize),
            get: o.get.map_or(0, |f| f as usize),
            free: o.free.map_or(0, |f| f as usize),
        }
    }
}

/// Linux's `struct kernel_symbol` without PREL32: absolute pointers.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KernelSymbol {
    /// The symbol's address.
    pub value: usize,
    /// Its name, a string of `__ksymtab_strings`.
    pub name: usize,
    /// Its namespace (a string, or NULL).
    pub namespace: usize,
}
// SAFETY: integers only.
unsafe impl ModuleData for KernelSymbol {}

/// Linux's `struct kernel_symbol` with PREL32 relocations (12 bytes:
/// offsets from each field to its target), as Linux 4.19+ builds on
/// x86_64, arm64, riscv...; recognised to say so, not loaded.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KernelSymbolPrel32 {
    /// `value - &value_offset`.
    pub value_offset: i32,
    /// `name - &name_offset`.
    pub name_offset: i32,
    /// `namespace - &namespace_offset`.
    pub namespace_offset: i32,
}
// SAFETY: integers only.
unsafe impl ModuleData for KernelSymbolPrel32 {}

// The layouts the C header pins (`_Static_assert`) and kmod-loader uses.
const _: () = {
    use kmod_tools::{kernel_param, kernel_param_ops};
    assert!(size_of::<KernelParam>() == size_of::<kernel_param>());
    assert!(offset_of!(KernelParam, ops) == offset_of!(kernel_param, ops));
    assert!(offset_of!(KernelParam, perm) == offset_of!(kernel_param, perm));
    assert!(offset_of!(KernelParam, arg) == offset_of!(kernel_param, __bindgen_anon_1));
    assert!(size_of::<KernelParamOps>() == size_of::<kernel_param_ops>());
    assert!(offset_of!(KernelParamOps, set) == offset_of!(kernel_param_ops, set));
    assert!(offset_of!(KernelParamOps, get) == offset_of!(kernel_param_ops, get));
    assert!(offset_of!(KernelParamOps, free) == offset_of!(kernel_param_ops, free));
    assert!(size_of::<KernelSymbol>() == 24);
    assert!(size_of::<KernelSymbolPrel32>() == 12);
};

/// Offsets of the `struct module` fields the kernel reads.
pub mod struct_module {
    use core::mem::offset_of;
    /// `int (*init)(void)`.
    pub const INIT: usize = offset_of!(kbindings::module, init);
    /// `void (*exit)(void)`.
    pub const EXIT: usize = offset_of!(kbindings::module, exit);
}

/// Bounds-checked, typed reads of one module's loaded sections.
pub struct ModuleMemoryReader<'a> {
    sections: &'a [LoadedSection],
}

impl<'a> ModuleMemoryReader<'a> {
    /// A reader of these sections.
    ///
    /// # Safety
    /// Every section's `[addr, addr + size)` must be mapped, readable memory
    /// of the module for as long as the reader lives.
    pub unsafe fn new(sections: &'a [LoadedSection]) -> Self {
        ModuleMemoryReader { sections }
    }

    /// The sections it reads.
    pub fn sections(&self) -> &'a [LoadedSection] {
        self.sections
    }

    /// The section holding all of `[addr, addr + len)`, among those `pred`
    /// accepts.
    pub fn section_of(
        &self,
        addr: usize,
        len: usize,
        pred: impl Fn(&LoadedSection) -> bool,
    ) -> Option<&'a LoadedSection> {
        self.sections.iter().find(|s| {
            pred(s)
                && addr >= s.addr
                && addr
                    .checked_add(len)
                    .is_some_and(|end| end <= s.addr + s.size)
        })
    }

    /// Whether `[addr, addr + len)` lies in one section `pred` accepts.
    pub fn contains(&self, addr: usize, len: usize, pred: impl Fn(&LoadedSection) -> bool) -> bool {
        self.section_of(addr, len, pred).is_some()
    }

    /// The `T` at `addr`, if it lies whole in one section `pred` accepts.
    pub fn read<T: ModuleData>(
        &self,
        addr: usize,
        pred: impl Fn(&LoadedSection) -> bool,
    ) -> Option<T> {
        self.section_of(addr, size_of::<T>(), pred)?;
        // SAFETY: the bytes lie in a section the constructor's caller
        // vouched for; T accepts any bytes; the read tolerates misalignment.
        Some(unsafe { (addr as *const T).read_unaligned() })
    }

    /// The NUL-terminated string at `addr`, if it ends inside the one
    /// section `pred` accepts that holds its start (lossy UTF-8).
    pub fn cstr(&self, addr: usize, pred: impl Fn(&LoadedSection) -> bool) -> Option<String> {
        let s = self.section_of(addr, 1, pred)?;
        // SAFETY: [addr, section end) is readable module memory (above).
        let bytes =
            unsafe { core::slice::from_raw_parts(addr as *const u8, s.addr + s.size - addr) };
        let nul = bytes.iter().position(|&c| c == 0)?;
        Some(String::from_utf8_lossy(&bytes[..nul]).into_owned())
    }
}
