//! kmalloc/kzalloc/kfree (Linux's include/linux/slab.h): 16-byte aligned
//! blocks from the kernel heap, with a header holding the size, and a count
//! of the bytes modules hold (leak accounting).

use alloc::alloc::{Layout, alloc, alloc_zeroed, dealloc};
use core::ffi::c_void;
use core::sync::atomic::{AtomicUsize, Ordering};

use super::AddrFn;

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

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("kmalloc", || kmalloc as *const () as usize),
    ("__kmalloc", || kmalloc as *const () as usize),
    ("kzalloc", || kzalloc as *const () as usize),
    ("kfree", || kfree as *const () as usize),
];
