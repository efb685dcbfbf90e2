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

/// A slab cache (`struct kmem_cache`, opaque to modules): objects of one
/// size and alignment, each constructed by the cache's `ctor` (module
/// code, through its boundary) when allocated. Objects are counted, so
/// destroying a cache with objects left is reported as Linux does, and a
/// cache its module leaves is destroyed at unload with a warning.
pub struct KmemCache {
    name: alloc::string::String,
    layout: Layout,
    ctor: usize,
    owner: alloc::sync::Weak<crate::module::Module>,
    objects: AtomicUsize,
    /// Its objects' addresses (freed with a warning if the module leaves
    /// them at unload).
    live: ax_kspin::SpinRaw<alloc::collections::BTreeSet<usize>>,
    /// kmem_cache_destroy was called (with objects left: kept until unload).
    destroyed: core::sync::atomic::AtomicBool,
}

static CACHES: ax_kspin::SpinRaw<alloc::vec::Vec<alloc::sync::Arc<KmemCache>>> =
    ax_kspin::SpinRaw::new(alloc::vec::Vec::new());

fn cache_at(addr: usize) -> Option<alloc::sync::Arc<KmemCache>> {
    CACHES
        .lock()
        .iter()
        .find(|c| alloc::sync::Arc::as_ptr(c) as usize == addr)
        .cloned()
}

/// SLAB_HWCACHE_ALIGN: objects aligned to a cache line.
const SLAB_HWCACHE_ALIGN: u32 = 0x2000;

/// `kmem_cache_create(name, size, align, flags, ctor)`: NULL on a bad
/// size or alignment.
///
/// # Safety
/// `name` is NUL-terminated.
pub unsafe extern "C" fn kmem_cache_create(
    name: *const core::ffi::c_char,
    size: u32,
    align: u32,
    flags: u32,
    ctor: usize,
) -> *mut c_void {
    // SAFETY: per the contract.
    let cname = unsafe { core::ffi::CStr::from_ptr(name) }.to_string_lossy();
    let mut align = (align as usize).max(8);
    if flags & SLAB_HWCACHE_ALIGN != 0 {
        align = align.max(64);
    }
    let Some(owner) = crate::module::owning(name as usize).or_else(|| crate::module::owning(ctor))
    else {
        crate::klog!(
            crate::console::level::ERR,
            "kmem_cache_create: {cname}: not called by a module"
        );
        return core::ptr::null_mut();
    };
    if ctor != 0 && !owner.is_code(ctor) {
        return core::ptr::null_mut();
    }
    let Ok(layout) = Layout::from_size_align((size as usize).max(1), align.next_power_of_two())
    else {
        return core::ptr::null_mut();
    };
    let c = alloc::sync::Arc::new(KmemCache {
        name: cname.into(),
        layout,
        ctor,
        owner: alloc::sync::Arc::downgrade(&owner),
        objects: AtomicUsize::new(0),
        live: ax_kspin::SpinRaw::new(alloc::collections::BTreeSet::new()),
        destroyed: core::sync::atomic::AtomicBool::new(false),
    });
    let p = alloc::sync::Arc::as_ptr(&c) as *mut c_void;
    CACHES.lock().push(c);
    p
}

/// `kmem_cache_alloc(cache, flags)`: an object (zeroed with __GFP_ZERO),
/// constructed by the cache's ctor; NULL when out of memory.
pub extern "C" fn kmem_cache_alloc(cache: *mut c_void, flags: u32) -> *mut c_void {
    let Some(c) = cache_at(cache as usize).filter(|c| !c.destroyed.load(Ordering::Relaxed)) else {
        return core::ptr::null_mut();
    };
    // SAFETY: the layout has a non-zero size.
    let p = unsafe {
        if flags & GFP_ZERO != 0 {
            alloc_zeroed(c.layout)
        } else {
            alloc(c.layout)
        }
    };
    if p.is_null() {
        return core::ptr::null_mut();
    }
    c.objects.fetch_add(1, Ordering::Relaxed);
    c.live.lock().insert(p as usize);
    KMALLOC_BYTES.fetch_add(c.layout.size(), Ordering::Relaxed);
    if c.ctor != 0
        && let Some(m) = c.owner.upgrade()
    {
        // SAFETY: ctor was checked to be the owner's code; it takes the
        // object.
        let _ = unsafe { m.call(c.ctor, [p as usize, 0, 0]) };
    }
    p as *mut c_void
}

/// `kmem_cache_zalloc(cache, flags)`.
pub extern "C" fn kmem_cache_zalloc(cache: *mut c_void, flags: u32) -> *mut c_void {
    kmem_cache_alloc(cache, flags | GFP_ZERO)
}

/// `kmem_cache_free(cache, obj)`.
///
/// # Safety
/// `obj` came from this cache and was not freed yet.
pub unsafe extern "C" fn kmem_cache_free(cache: *mut c_void, obj: *mut c_void) {
    if obj.is_null() {
        return;
    }
    let Some(c) = cache_at(cache as usize) else {
        crate::klog!(
            crate::console::level::ERR,
            "kmem_cache_free: {cache:p} is not a cache"
        );
        return;
    };
    if !c.live.lock().remove(&(obj as usize)) {
        crate::klog!(
            crate::console::level::ERR,
            "kmem_cache_free({}, {obj:p}): not an object of this cache",
            c.name
        );
        return;
    }
    c.objects.fetch_sub(1, Ordering::Relaxed);
    KMALLOC_BYTES.fetch_sub(c.layout.size(), Ordering::Relaxed);
    // SAFETY: one of its objects (checked), allocated with this layout.
    unsafe { dealloc(obj as *mut u8, c.layout) };
}

/// `kmem_cache_destroy(cache)`: objects still allocated are reported (as
/// Linux's "Slab cache still has objects") and left allocated.
pub extern "C" fn kmem_cache_destroy(cache: *mut c_void) {
    if cache.is_null() {
        return;
    }
    let Some(c) = cache_at(cache as usize) else {
        return;
    };
    let left = c.objects.load(Ordering::Relaxed);
    if left != 0 {
        // Linux leaks them; here they stay with the cache until unload.
        crate::klog!(
            crate::console::level::ERR,
            "kmem_cache_destroy {}: Slab cache still has objects ({left})",
            c.name
        );
        c.destroyed.store(true, Ordering::Relaxed);
        return;
    }
    CACHES.lock().retain(|x| !alloc::sync::Arc::ptr_eq(x, &c));
}

/// `kmem_cache_size(cache)`.
pub extern "C" fn kmem_cache_size(cache: *mut c_void) -> u32 {
    cache_at(cache as usize).map_or(0, |c| c.layout.size() as u32)
}

/// Destroys the caches module `m` left (at unload), with a warning.
pub(crate) fn destroy_owned(m: &crate::module::Module) {
    let mine: alloc::vec::Vec<alloc::sync::Arc<KmemCache>> = CACHES
        .lock()
        .iter()
        .filter(|c| c.owner.upgrade().is_none_or(|o| core::ptr::eq(&*o, m)))
        .cloned()
        .collect();
    for c in mine {
        if !c.destroyed.load(Ordering::Relaxed) {
            crate::klog!(
                crate::console::level::WARNING,
                "{}: destroying kmem_cache {} it left ({} objects)",
                m.name(),
                c.name,
                c.objects.load(Ordering::Relaxed)
            );
        }
        let objs: alloc::vec::Vec<usize> =
            core::mem::take(&mut *c.live.lock()).into_iter().collect();
        for o in objs {
            KMALLOC_BYTES.fetch_sub(c.layout.size(), Ordering::Relaxed);
            // SAFETY: an object of the cache, allocated with its layout;
            // its module is gone, nobody uses it any more.
            unsafe { dealloc(o as *mut u8, c.layout) };
        }
        CACHES.lock().retain(|x| !alloc::sync::Arc::ptr_eq(x, &c));
    }
}

/// `vmalloc(size)`: as kmalloc here (the heap is contiguous).
pub extern "C" fn vmalloc(size: usize) -> *mut c_void {
    kmalloc(size, 0)
}

/// `vzalloc(size)`.
pub extern "C" fn vzalloc(size: usize) -> *mut c_void {
    kmalloc(size, GFP_ZERO)
}

/// `kvmalloc_node(size, flags, node)`.
pub extern "C" fn kvmalloc_node(size: usize, flags: u32, _node: i32) -> *mut c_void {
    kmalloc(size, flags)
}

/// This area's kmem_cache and vmalloc exports.
pub(super) const CACHE_EXPORTS: &[(&str, AddrFn)] = &[
    ("kmem_cache_create", || {
        kmem_cache_create as *const () as usize
    }),
    ("kmem_cache_alloc", || {
        kmem_cache_alloc as *const () as usize
    }),
    ("kmem_cache_zalloc", || {
        kmem_cache_zalloc as *const () as usize
    }),
    ("kmem_cache_free", || kmem_cache_free as *const () as usize),
    ("kmem_cache_destroy", || {
        kmem_cache_destroy as *const () as usize
    }),
    ("kmem_cache_size", || kmem_cache_size as *const () as usize),
    ("vmalloc", || vmalloc as *const () as usize),
    ("vzalloc", || vzalloc as *const () as usize),
    ("vfree", || kfree as *const () as usize),
    ("kvmalloc_node", || kvmalloc_node as *const () as usize),
    ("kvfree", || kfree as *const () as usize),
];
