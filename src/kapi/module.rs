//! References on modules (Linux's include/linux/module.h):
//! try_module_get, module_put, module_refcount.

use core::ffi::{c_int, c_void};

use super::AddrFn;

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

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("try_module_get", || {
        kapi_try_module_get as *const () as usize
    }),
    ("module_put", || kapi_module_put as *const () as usize),
    ("module_refcount", || {
        kapi_module_refcount as *const () as usize
    }),
];
