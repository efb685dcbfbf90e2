//! The kernel API exported to modules: the names a module's undefined
//! symbols resolve against (Linux's EXPORT_SYMBOL table of the kernel).
//!
//! Only these names resolve; the rest of the kernel image is visible in
//! kallsyms but not linkable, as on Linux.

use alloc::alloc::{Layout, alloc, alloc_zeroed, dealloc};
use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::params;

unsafe extern "C" {
    fn starry_kmod_printk(fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_vprintk(fmt: *const c_char, ap: *mut c_void) -> c_int;
    fn starry_kmod_snprintf(buf: *mut c_char, size: usize, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_sprintf(buf: *mut c_char, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_vsnprintf(
        buf: *mut c_char,
        size: usize,
        fmt: *const c_char,
        ap: *mut c_void,
    ) -> c_int;
}

/// Called by csrc/printk.c with one formatted printk message.
///
/// # Safety
/// `text` points at `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_printk_emit(
    level: c_int,
    cont: c_int,
    text: *const c_char,
    len: usize,
) {
    // SAFETY: the C caller passes its own buffer and the length it wrote.
    let bytes = unsafe { core::slice::from_raw_parts(text as *const u8, len) };
    let text = alloc::string::String::from_utf8_lossy(bytes);
    crate::console::log(level.clamp(0, 7) as u8, &text, cont != 0);
}

// ---- kmalloc ---------------------------------------------------------------

/// Linux's ZERO_SIZE_PTR: what kmalloc(0) returns; kfree accepts it.
pub const ZERO_SIZE_PTR: usize = 16;
const KMALLOC_ALIGN: usize = 16;
const HEADER: usize = 16;
const KMALLOC_MAX: usize = 1 << 30;
const GFP_ZERO: u32 = 0x100;

static KMALLOC_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Bytes currently allocated by modules through kmalloc (leak accounting).
pub fn kmalloc_bytes_in_use() -> usize {
    KMALLOC_BYTES.load(Ordering::Relaxed)
}

fn layout_for(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, KMALLOC_ALIGN).ok()
}

/// kmalloc(size, flags): 16-byte aligned; NULL when out of memory.
pub extern "C" fn kmalloc(size: usize, flags: u32) -> *mut c_void {
    if size == 0 {
        return ZERO_SIZE_PTR as *mut c_void;
    }
    if size > KMALLOC_MAX {
        return core::ptr::null_mut();
    }
    let Some(layout) = layout_for(size) else {
        return core::ptr::null_mut();
    };
    // SAFETY: the layout has a non-zero size.
    let base = unsafe {
        if flags & GFP_ZERO != 0 {
            alloc_zeroed(layout)
        } else {
            alloc(layout)
        }
    };
    if base.is_null() {
        return core::ptr::null_mut();
    }
    KMALLOC_BYTES.fetch_add(size, Ordering::Relaxed);
    // SAFETY: the block is HEADER + size bytes, 16-aligned: the header holds
    // the size, the caller gets what follows it.
    unsafe {
        (base as *mut usize).write(size);
        base.add(HEADER) as *mut c_void
    }
}

/// kzalloc(size, flags): kmalloc with zeroed memory.
pub extern "C" fn kzalloc(size: usize, flags: u32) -> *mut c_void {
    kmalloc(size, flags | GFP_ZERO)
}

/// kfree(ptr): NULL and ZERO_SIZE_PTR are ignored.
///
/// # Safety
/// `ptr` came from kmalloc/kzalloc and was not freed yet.
pub unsafe extern "C" fn kfree(ptr: *const c_void) {
    if ptr as usize <= ZERO_SIZE_PTR {
        return;
    }
    // SAFETY: per the contract, the header sits HEADER bytes before ptr.
    unsafe {
        let base = (ptr as *mut u8).sub(HEADER);
        let size = (base as *const usize).read();
        KMALLOC_BYTES.fetch_sub(size, Ordering::Relaxed);
        dealloc(base, layout_for(size).expect("kmalloc header"));
    }
}

// ---- string.h --------------------------------------------------------------

/// # Safety
/// C's memcpy contract.
pub unsafe extern "C" fn kapi_memcpy(
    dst: *mut c_void,
    src: *const c_void,
    n: usize,
) -> *mut c_void {
    // SAFETY: the caller's memcpy contract.
    unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, n) };
    dst
}

/// # Safety
/// C's memmove contract.
pub unsafe extern "C" fn kapi_memmove(
    dst: *mut c_void,
    src: *const c_void,
    n: usize,
) -> *mut c_void {
    // SAFETY: the caller's memmove contract.
    unsafe { core::ptr::copy(src as *const u8, dst as *mut u8, n) };
    dst
}

/// # Safety
/// C's memset contract.
pub unsafe extern "C" fn kapi_memset(s: *mut c_void, c: c_int, n: usize) -> *mut c_void {
    // SAFETY: the caller's memset contract.
    unsafe { core::ptr::write_bytes(s as *mut u8, c as u8, n) };
    s
}

/// # Safety
/// C's memcmp contract.
pub unsafe extern "C" fn kapi_memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
    // SAFETY: the caller's memcmp contract: both ranges are readable.
    let (a, b) = unsafe {
        (
            core::slice::from_raw_parts(a as *const u8, n),
            core::slice::from_raw_parts(b as *const u8, n),
        )
    };
    a.iter()
        .zip(b)
        .find(|(x, y)| x != y)
        .map_or(0, |(x, y)| c_int::from(*x) - c_int::from(*y))
}

/// # Safety
/// C's strlen contract.
pub unsafe extern "C" fn kapi_strlen(s: *const c_char) -> usize {
    // SAFETY: the caller's strlen contract: s is NUL-terminated.
    unsafe { core::ffi::CStr::from_ptr(s) }.count_bytes()
}

/// # Safety
/// C's strncmp contract.
pub unsafe extern "C" fn kapi_strncmp(a: *const c_char, b: *const c_char, n: usize) -> c_int {
    for i in 0..n {
        // SAFETY: both strings are readable up to their NUL or n bytes.
        let (x, y) = unsafe { (*a.add(i) as u8, *b.add(i) as u8) };
        if x != y || x == 0 {
            return c_int::from(x) - c_int::from(y);
        }
    }
    0
}

/// # Safety
/// C's strcmp contract.
pub unsafe extern "C" fn kapi_strcmp(a: *const c_char, b: *const c_char) -> c_int {
    // SAFETY: as strncmp, bounded by the NULs.
    unsafe { kapi_strncmp(a, b, usize::MAX) }
}

// ---- module references ---------------------------------------------------------

/// try_module_get(mod): takes a reference on a module (THIS_MODULE or
/// another's struct module); NULL (built-in code) always succeeds.
pub extern "C" fn kapi_try_module_get(m: *const c_void) -> bool {
    if m.is_null() {
        return true;
    }
    match crate::module::by_struct(m as usize) {
        Some(md) => md.try_module_get(),
        None => {
            crate::klog!(
                crate::console::level::ERR,
                "try_module_get: {m:p} is not a module"
            );
            false
        }
    }
}

/// module_put(mod): drops a reference taken by try_module_get.
pub extern "C" fn kapi_module_put(m: *const c_void) {
    if let Some(md) = crate::module::by_struct(m as usize) {
        md.module_put();
    }
}

/// module_refcount(mod): the module's reference count.
pub extern "C" fn kapi_module_refcount(m: *const c_void) -> c_int {
    crate::module::by_struct(m as usize).map_or(0, |md| md.refcnt())
}

// ---- the export table --------------------------------------------------------

type AddrFn = fn() -> usize;

/// Name -> address of everything modules may link against, as Linux's
/// EXPORT_SYMBOL list of the kernel image.
static EXPORTS: &[(&str, AddrFn)] = &[
    ("printk", || starry_kmod_printk as *const () as usize),
    ("_printk", || starry_kmod_printk as *const () as usize),
    ("vprintk", || starry_kmod_vprintk as *const () as usize),
    ("snprintf", || starry_kmod_snprintf as *const () as usize),
    ("sprintf", || starry_kmod_sprintf as *const () as usize),
    ("vsnprintf", || starry_kmod_vsnprintf as *const () as usize),
    ("kmalloc", || kmalloc as *const () as usize),
    ("__kmalloc", || kmalloc as *const () as usize),
    ("kzalloc", || kzalloc as *const () as usize),
    ("kfree", || kfree as *const () as usize),
    ("memcpy", || kapi_memcpy as *const () as usize),
    ("memmove", || kapi_memmove as *const () as usize),
    ("memset", || kapi_memset as *const () as usize),
    ("memcmp", || kapi_memcmp as *const () as usize),
    ("bcmp", || kapi_memcmp as *const () as usize),
    ("strlen", || kapi_strlen as *const () as usize),
    ("strcmp", || kapi_strcmp as *const () as usize),
    ("strncmp", || kapi_strncmp as *const () as usize),
    ("try_module_get", || {
        kapi_try_module_get as *const () as usize
    }),
    ("module_put", || kapi_module_put as *const () as usize),
    ("module_refcount", || {
        kapi_module_refcount as *const () as usize
    }),
    ("param_ops_byte", || {
        &params::PARAM_OPS_BYTE as *const _ as usize
    }),
    ("param_ops_short", || {
        &params::PARAM_OPS_SHORT as *const _ as usize
    }),
    ("param_ops_ushort", || {
        &params::PARAM_OPS_USHORT as *const _ as usize
    }),
    ("param_ops_int", || {
        &params::PARAM_OPS_INT as *const _ as usize
    }),
    ("param_ops_uint", || {
        &params::PARAM_OPS_UINT as *const _ as usize
    }),
    ("param_ops_long", || {
        &params::PARAM_OPS_LONG as *const _ as usize
    }),
    ("param_ops_ulong", || {
        &params::PARAM_OPS_ULONG as *const _ as usize
    }),
    ("param_ops_ullong", || {
        &params::PARAM_OPS_ULLONG as *const _ as usize
    }),
    ("param_ops_hexint", || {
        &params::PARAM_OPS_HEXINT as *const _ as usize
    }),
    ("param_ops_charp", || {
        &params::PARAM_OPS_CHARP as *const _ as usize
    }),
    ("param_ops_bool", || {
        &params::PARAM_OPS_BOOL as *const _ as usize
    }),
    ("param_ops_invbool", || {
        &params::PARAM_OPS_INVBOOL as *const _ as usize
    }),
];

/// The address of an exported kernel symbol.
pub fn lookup(name: &str) -> Option<usize> {
    EXPORTS.iter().find(|(n, _)| *n == name).map(|(_, f)| f())
}

/// Every exported kernel symbol, as (name, address).
pub fn exports() -> impl Iterator<Item = (&'static str, usize)> {
    EXPORTS.iter().map(|(n, f)| (*n, f()))
}
