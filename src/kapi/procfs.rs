//! /proc entries for modules (Linux's include/linux/proc_fs.h):
//! proc_create, proc_create_data, proc_mkdir*, proc_remove,
//! remove_proc_entry, remove_proc_subtree, proc_set_size, proc_set_user.
//! The entries themselves are `crate::pde`.

use alloc::sync::Arc;
use core::ffi::{c_char, c_void};

use super::AddrFn;
use crate::pde::{self, NewEntry, Pde};

/// # Safety
/// `name` is NULL or NUL-terminated.
unsafe fn name_of<'a>(name: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!name.is_null()).then(|| unsafe { core::ffi::CStr::from_ptr(name) }.to_bytes())
}

/// The parent a module passed: NULL is /proc; an unknown pointer is none.
fn parent_of(parent: *const c_void) -> Result<Option<Arc<Pde>>, ()> {
    if parent.is_null() {
        return Ok(None);
    }
    pde::by_handle(parent as usize).map(Some).ok_or(())
}

fn handle(r: Result<Arc<Pde>, crate::errno::Errno>) -> *mut c_void {
    r.map_or(core::ptr::null_mut(), |p| Arc::as_ptr(&p) as *mut c_void)
}

/// # Safety
/// `name` is a C string.
unsafe fn create(
    name: *const c_char,
    mode: u16,
    parent: *const c_void,
    ops: usize,
    data: usize,
    dir: bool,
) -> *mut c_void {
    // SAFETY: per the contract.
    let Some(n) = (unsafe { name_of(name) }) else {
        return core::ptr::null_mut();
    };
    let Ok(parent) = parent_of(parent) else {
        return core::ptr::null_mut();
    };
    handle(pde::create(NewEntry {
        name: n,
        mode,
        parent,
        ops: pde::Ops::Proc(ops),
        fs: pde::Fs::Proc,
        data,
        dir,
        hint: name as usize,
    }))
}

/// `proc_create_data(name, mode, parent, proc_ops, data)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_proc_create_data(
    name: *const c_char,
    mode: u16,
    parent: *const c_void,
    ops: *const c_void,
    data: *mut c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { create(name, mode, parent, ops as usize, data as usize, false) }
}

/// `proc_create(name, mode, parent, proc_ops)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_proc_create(
    name: *const c_char,
    mode: u16,
    parent: *const c_void,
    ops: *const c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { create(name, mode, parent, ops as usize, 0, false) }
}

/// `proc_mkdir_data(name, mode, parent, data)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_proc_mkdir_data(
    name: *const c_char,
    mode: u16,
    parent: *const c_void,
    data: *mut c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { create(name, mode, parent, 0, data as usize, true) }
}

/// `proc_mkdir_mode(name, mode, parent)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_proc_mkdir_mode(
    name: *const c_char,
    mode: u16,
    parent: *const c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { create(name, mode, parent, 0, 0, true) }
}

/// `proc_mkdir(name, parent)`.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_proc_mkdir(
    name: *const c_char,
    parent: *const c_void,
) -> *mut c_void {
    // SAFETY: per the contract.
    unsafe { create(name, 0, parent, 0, 0, true) }
}

/// `proc_remove(pde)`: the entry and what is under it; NULL is ignored.
pub extern "C" fn kapi_proc_remove(p: *mut c_void) {
    if let Some(p) = pde::by_handle(p as usize) {
        pde::remove(&p);
    }
}

/// `remove_proc_entry(name, parent)` (Linux warns when it has children;
/// here they go with it, as remove_proc_subtree).
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_remove_proc_entry(name: *const c_char, parent: *mut c_void) {
    // SAFETY: per the contract.
    let Some(n) = (unsafe { name_of(name) }) else {
        return;
    };
    let Ok(parent) = parent_of(parent) else {
        return;
    };
    let name = core::str::from_utf8(n).unwrap_or("");
    match pde::by_name(name, parent.as_ref()) {
        Some(p) => pde::remove(&p),
        None => crate::klog!(
            crate::console::level::WARNING,
            "name '{name}': remove_proc_entry: no such entry"
        ),
    }
}

/// `remove_proc_subtree(name, parent)`: 0, or -ENOENT.
///
/// # Safety
/// `name` is a C string.
pub unsafe extern "C" fn kapi_remove_proc_subtree(name: *const c_char, parent: *mut c_void) -> i32 {
    // SAFETY: per the contract.
    let n = unsafe { name_of(name) }.and_then(|n| core::str::from_utf8(n).ok());
    let found = n
        .zip(parent_of(parent).ok())
        .and_then(|(n, p)| pde::by_name(n, p.as_ref()));
    match found {
        Some(p) => {
            pde::remove(&p);
            0
        }
        None => -crate::errno::Errno::ENOENT.code(),
    }
}

/// `proc_set_size(pde, size)`.
pub extern "C" fn kapi_proc_set_size(p: *mut c_void, size: i64) {
    if let Some(p) = pde::by_handle(p as usize) {
        p.set_size(size);
    }
}

/// `proc_set_user(pde, uid, gid)` (kuid_t/kgid_t are one u32 each).
pub extern "C" fn kapi_proc_set_user(p: *mut c_void, uid: u32, gid: u32) {
    if let Some(p) = pde::by_handle(p as usize) {
        p.set_user(uid, gid);
    }
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("proc_create", || kapi_proc_create as *const () as usize),
    ("proc_create_data", || {
        kapi_proc_create_data as *const () as usize
    }),
    ("proc_mkdir", || kapi_proc_mkdir as *const () as usize),
    ("proc_mkdir_mode", || {
        kapi_proc_mkdir_mode as *const () as usize
    }),
    ("proc_mkdir_data", || {
        kapi_proc_mkdir_data as *const () as usize
    }),
    ("proc_remove", || kapi_proc_remove as *const () as usize),
    ("remove_proc_entry", || {
        kapi_remove_proc_entry as *const () as usize
    }),
    ("remove_proc_subtree", || {
        kapi_remove_proc_subtree as *const () as usize
    }),
    ("proc_set_size", || kapi_proc_set_size as *const () as usize),
    ("proc_set_user", || kapi_proc_set_user as *const () as usize),
];
