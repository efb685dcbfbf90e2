//! kobjects and sysfs attribute files for modules (Linux's
//! include/linux/kobject.h and include/linux/sysfs.h): kobject_init,
//! kobject_add, kobject_init_and_add, kobject_create_and_add,
//! kobject_get/put/del, kobject_set_name, kobject_get_path,
//! kset_create_and_add/kset_unregister, sysfs_create_file(s),
//! sysfs_remove_file(s), sysfs_create_group(s), sysfs_remove_group(s),
//! sysfs_emit(_at), kobj_sysfs_ops and kernel_kobj & co. The records and
//! files are `crate::kobject`; the variadic functions are C
//! (csrc/kobject.c, which passes its caller's address), and so are
//! sscanf/vsscanf (csrc/scanf.c) and scnprintf/vscnprintf.

use alloc::sync::Arc;
use core::ffi::{c_char, c_int, c_void};

use super::AddrFn;
use crate::errno::Errno;
use crate::kobject::{self, KOBJ_SYSFS_OPS, STATIC_PTRS};
use crate::module::{self, Module};

unsafe extern "C" {
    fn starry_kmod_kobject_init_and_add(
        kobj: *mut c_void,
        ktype: *const c_void,
        parent: *mut c_void,
        fmt: *const c_char,
        ...
    ) -> c_int;
    fn starry_kmod_kobject_add(
        kobj: *mut c_void,
        parent: *mut c_void,
        fmt: *const c_char,
        ...
    ) -> c_int;
    fn starry_kmod_kobject_set_name_fmt(kobj: *mut c_void, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_kobject_set_name_vargs(
        kobj: *mut c_void,
        fmt: *const c_char,
        ap: *mut c_void,
    ) -> c_int;
    fn starry_kmod_kobject_create_and_add(name: *const c_char, parent: *mut c_void) -> *mut c_void;
    fn starry_kmod_kset_create_and_add(
        name: *const c_char,
        uevent_ops: *const c_void,
        parent: *mut c_void,
    ) -> *mut c_void;
    fn starry_kmod_sysfs_emit(buf: *mut c_char, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_sysfs_emit_at(buf: *mut c_char, at: c_int, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_scnprintf(buf: *mut c_char, size: usize, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_vscnprintf(
        buf: *mut c_char,
        size: usize,
        fmt: *const c_char,
        ap: *mut c_void,
    ) -> c_int;
    fn starry_kmod_sscanf(buf: *const c_char, fmt: *const c_char, ...) -> c_int;
    fn starry_kmod_vsscanf(buf: *const c_char, fmt: *const c_char, ap: *mut c_void) -> c_int;
}

fn neg(e: Errno) -> c_int {
    -e.code()
}

/// The module whose code called (from the C side's return address).
fn caller_of(ret: usize) -> Option<Arc<Module>> {
    module::owning(ret).filter(|m| m.is_code(ret))
}

/// # Safety
/// `name` is NULL or points at `len` bytes.
unsafe fn bytes<'a>(name: *const c_char, len: isize) -> Option<&'a [u8]> {
    if name.is_null() || len < 0 {
        return None;
    }
    // SAFETY: per the contract.
    Some(unsafe { core::slice::from_raw_parts(name as *const u8, len as usize) })
}

/// The named add behind kobject_add and kobject_init_and_add (a ktype:
/// initialize first). Called by csrc/kobject.c.
///
/// # Safety
/// `kobj` is a writable `struct kobject`; `ktype` NULL or a kobj_type;
/// `name` NULL or `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_kobject_add_named(
    kobj: *mut c_void,
    ktype: *const c_void,
    parent: *mut c_void,
    name: *const c_char,
    len: isize,
    caller: *const c_void,
) -> c_int {
    let Some(m) = caller_of(caller as usize) else {
        return neg(Errno::EINVAL);
    };
    let k = if ktype.is_null() {
        match kobject::by_addr(kobj as usize) {
            Some(k) => k,
            None => {
                crate::klog!(
                    crate::console::level::ERR,
                    "kobject: ({:#x}): tried to add an uninitialized object, something is seriously wrong.",
                    kobj as usize
                );
                return neg(Errno::EINVAL);
            }
        }
    } else {
        // SAFETY: per the contract.
        match unsafe { kobject::init(kobj as usize, ktype as usize, &m) } {
            Ok(k) => k,
            Err(e) => return neg(e),
        }
    };
    // SAFETY: per the contract.
    let name = unsafe { bytes(name, len) };
    match kobject::add(&k, parent as usize, name) {
        Ok(()) => 0,
        Err(e) => neg(e),
    }
}

/// kobject_set_name's end (csrc/kobject.c formats the name).
///
/// # Safety
/// `name` is NULL or `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_kobject_set_name(
    kobj: *mut c_void,
    name: *const c_char,
    len: isize,
) -> c_int {
    // SAFETY: per the contract.
    let Some(n) = (unsafe { bytes(name, len) }) else {
        return neg(Errno::ENOMEM);
    };
    match kobject::set_name(kobj as usize, n) {
        Ok(()) => 0,
        Err(e) => neg(e),
    }
}

/// kobject_create_and_add's end: NULL on any error, as Linux's.
///
/// # Safety
/// `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_kobject_create(
    name: *const c_char,
    parent: *mut c_void,
    caller: *const c_void,
) -> *mut c_void {
    let Some(m) = caller_of(caller as usize) else {
        return core::ptr::null_mut();
    };
    if name.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: per the contract.
    let n = unsafe { core::ffi::CStr::from_ptr(name) }.to_bytes();
    kobject::create_and_add(n, parent as usize, &m)
        .map_or(core::ptr::null_mut(), |a| a as *mut c_void)
}

/// kset_create_and_add's end: NULL on any error.
///
/// # Safety
/// `name` is NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn starry_kmod_kset_create(
    name: *const c_char,
    _uevent_ops: *const c_void,
    parent: *mut c_void,
    caller: *const c_void,
) -> *mut c_void {
    let Some(m) = caller_of(caller as usize) else {
        return core::ptr::null_mut();
    };
    if name.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: per the contract.
    let n = unsafe { core::ffi::CStr::from_ptr(name) }.to_bytes();
    kobject::kset_create_and_add(n, parent as usize, &m)
        .map_or(core::ptr::null_mut(), |a| a as *mut c_void)
}

/// `kobject_init(kobj, ktype)` (the ktype in the caller's memory).
///
/// # Safety
/// `kobj` is a writable `struct kobject`; `ktype` NULL or a kobj_type.
pub unsafe extern "C" fn kapi_kobject_init(kobj: *mut c_void, ktype: *const c_void) {
    let Some(m) = module::owning(ktype as usize) else {
        crate::klog!(
            crate::console::level::ERR,
            "kobject ({:#x}): kobject_init: its ktype is not a module's",
            kobj as usize
        );
        return;
    };
    // SAFETY: per the contract.
    let _ = unsafe { kobject::init(kobj as usize, ktype as usize, &m) };
}

/// `kobject_del(kobj)`.
pub extern "C" fn kapi_kobject_del(kobj: *mut c_void) {
    if let Some(k) = kobject::by_addr(kobj as usize) {
        kobject::del(&k);
    }
}

/// `kobject_get(kobj)`: the kobject, one reference more.
pub extern "C" fn kapi_kobject_get(kobj: *mut c_void) -> *mut c_void {
    if let Some(k) = kobject::by_addr(kobj as usize) {
        kobject::get(&k);
    }
    kobj
}

/// `kobject_put(kobj)`: NULL is ignored.
pub extern "C" fn kapi_kobject_put(kobj: *mut c_void) {
    if let Some(k) = kobject::by_addr(kobj as usize) {
        kobject::put(&k);
    }
}

/// `kobject_get_path(kobj, gfp)`: its path below /sys, kmalloc'ed.
pub extern "C" fn kapi_kobject_get_path(kobj: *const c_void, gfp: u32) -> *mut c_char {
    let Some(k) = kobject::by_addr(kobj as usize) else {
        return core::ptr::null_mut();
    };
    let path = k.path();
    let path = path.strip_prefix("/sys").unwrap_or(&path);
    let p = super::kmalloc(path.len() + 1, gfp) as *mut u8;
    if !p.is_null() {
        // SAFETY: a fresh allocation of len + 1 bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(path.as_ptr(), p, path.len());
            *p.add(path.len()) = 0;
        }
    }
    p as *mut c_char
}

/// `kset_unregister(kset)`: its kobject deleted and put.
pub extern "C" fn kapi_kset_unregister(kset: *mut c_void) {
    if kset.is_null() {
        return;
    }
    let kobj = kset as usize + core::mem::offset_of!(kobject::KsetC, kobj);
    if let Some(k) = kobject::by_addr(kobj) {
        kobject::del(&k);
        kobject::put(&k);
    }
}

/// `sysfs_create_file_ns(kobj, attr, ns)`: 0 or -errno.
pub extern "C" fn kapi_sysfs_create_file_ns(
    kobj: *mut c_void,
    attr: *const c_void,
    _ns: *const c_void,
) -> c_int {
    let Some(m) = module::owning(attr as usize) else {
        return neg(Errno::EINVAL);
    };
    match kobject::create_file(kobj as usize, attr as usize, &m) {
        Ok(()) => 0,
        Err(e) => neg(e),
    }
}

/// Walks a NULL-terminated array of pointers in a module's memory.
fn each(array: usize, mut f: impl FnMut(usize) -> bool) {
    let Some(m) = module::owning(array) else {
        return;
    };
    let mut slot = array;
    while m.contains(slot) {
        // SAFETY: the array lies in the module's memory (checked).
        let p = unsafe { (slot as *const usize).read_unaligned() };
        if p == 0 || !f(p) {
            return;
        }
        slot += 8;
    }
}

/// `sysfs_create_files(kobj, attrs)`: all or none.
pub extern "C" fn kapi_sysfs_create_files(kobj: *mut c_void, attrs: *const c_void) -> c_int {
    let mut r = 0;
    let mut done = alloc::vec::Vec::new();
    each(attrs as usize, |a| {
        r = kapi_sysfs_create_file_ns(kobj, a as *const c_void, core::ptr::null());
        done.push(a);
        r == 0
    });
    if r != 0 {
        for a in done {
            kobject::remove_file(kobj as usize, a);
        }
    }
    r
}

/// `sysfs_remove_file_ns(kobj, attr, ns)`.
pub extern "C" fn kapi_sysfs_remove_file_ns(
    kobj: *mut c_void,
    attr: *const c_void,
    _ns: *const c_void,
) {
    kobject::remove_file(kobj as usize, attr as usize);
}

/// `sysfs_remove_files(kobj, attrs)`.
pub extern "C" fn kapi_sysfs_remove_files(kobj: *mut c_void, attrs: *const c_void) {
    each(attrs as usize, |a| {
        kobject::remove_file(kobj as usize, a);
        true
    });
}

/// `sysfs_create_group(kobj, grp)`: 0 or -errno.
pub extern "C" fn kapi_sysfs_create_group(kobj: *mut c_void, grp: *const c_void) -> c_int {
    let (Some(k), Some(m)) = (
        kobject::by_addr(kobj as usize),
        module::owning(grp as usize),
    ) else {
        return neg(Errno::EINVAL);
    };
    match kobject::create_group(&k, grp as usize, &m) {
        Ok(()) => 0,
        Err(e) => neg(e),
    }
}

/// `sysfs_create_groups(kobj, groups)`: all or none.
pub extern "C" fn kapi_sysfs_create_groups(kobj: *mut c_void, groups: *const c_void) -> c_int {
    let mut r = 0;
    let mut done = alloc::vec::Vec::new();
    each(groups as usize, |g| {
        r = kapi_sysfs_create_group(kobj, g as *const c_void);
        if r == 0 {
            done.push(g);
        }
        r == 0
    });
    if r != 0 {
        for g in done {
            kobject::remove_group(kobj as usize, g);
        }
    }
    r
}

/// `sysfs_remove_group(kobj, grp)`.
pub extern "C" fn kapi_sysfs_remove_group(kobj: *mut c_void, grp: *const c_void) {
    kobject::remove_group(kobj as usize, grp as usize);
}

/// `sysfs_remove_groups(kobj, groups)`.
pub extern "C" fn kapi_sysfs_remove_groups(kobj: *mut c_void, groups: *const c_void) {
    each(groups as usize, |g| {
        kobject::remove_group(kobj as usize, g);
        true
    });
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("kobject_init", || kapi_kobject_init as *const () as usize),
    ("kobject_add", || {
        starry_kmod_kobject_add as *const () as usize
    }),
    ("kobject_init_and_add", || {
        starry_kmod_kobject_init_and_add as *const () as usize
    }),
    ("kobject_create_and_add", || {
        starry_kmod_kobject_create_and_add as *const () as usize
    }),
    ("kobject_set_name", || {
        starry_kmod_kobject_set_name_fmt as *const () as usize
    }),
    ("kobject_set_name_vargs", || {
        starry_kmod_kobject_set_name_vargs as *const () as usize
    }),
    ("kobject_del", || kapi_kobject_del as *const () as usize),
    ("kobject_get", || kapi_kobject_get as *const () as usize),
    ("kobject_get_unless_zero", || {
        kapi_kobject_get as *const () as usize
    }),
    ("kobject_put", || kapi_kobject_put as *const () as usize),
    ("kobject_get_path", || {
        kapi_kobject_get_path as *const () as usize
    }),
    ("kset_create_and_add", || {
        starry_kmod_kset_create_and_add as *const () as usize
    }),
    ("kset_unregister", || {
        kapi_kset_unregister as *const () as usize
    }),
    ("kobj_sysfs_ops", || &KOBJ_SYSFS_OPS as *const _ as usize),
    ("kernel_kobj", || &STATIC_PTRS[0] as *const _ as usize),
    ("fs_kobj", || &STATIC_PTRS[1] as *const _ as usize),
    ("firmware_kobj", || &STATIC_PTRS[2] as *const _ as usize),
    ("mm_kobj", || &STATIC_PTRS[3] as *const _ as usize),
    ("power_kobj", || &STATIC_PTRS[4] as *const _ as usize),
    ("hypervisor_kobj", || &STATIC_PTRS[5] as *const _ as usize),
    ("sysfs_create_file_ns", || {
        kapi_sysfs_create_file_ns as *const () as usize
    }),
    ("sysfs_create_files", || {
        kapi_sysfs_create_files as *const () as usize
    }),
    ("sysfs_remove_file_ns", || {
        kapi_sysfs_remove_file_ns as *const () as usize
    }),
    ("sysfs_remove_files", || {
        kapi_sysfs_remove_files as *const () as usize
    }),
    ("sysfs_create_group", || {
        kapi_sysfs_create_group as *const () as usize
    }),
    ("sysfs_create_groups", || {
        kapi_sysfs_create_groups as *const () as usize
    }),
    ("sysfs_remove_group", || {
        kapi_sysfs_remove_group as *const () as usize
    }),
    ("sysfs_remove_groups", || {
        kapi_sysfs_remove_groups as *const () as usize
    }),
    ("sysfs_emit", || {
        starry_kmod_sysfs_emit as *const () as usize
    }),
    ("sysfs_emit_at", || {
        starry_kmod_sysfs_emit_at as *const () as usize
    }),
    ("scnprintf", || starry_kmod_scnprintf as *const () as usize),
    ("vscnprintf", || {
        starry_kmod_vscnprintf as *const () as usize
    }),
    ("sscanf", || starry_kmod_sscanf as *const () as usize),
    ("vsscanf", || starry_kmod_vsscanf as *const () as usize),
];
