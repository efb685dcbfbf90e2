//! Credentials (Linux's include/linux/cred.h, capability.h and the
//! user-namespace part of uidgid.h): the calling task's `struct cred`
//! (`current_cred()`, `current_uid()`... in the header), `capable`,
//! `ns_capable`, `init_user_ns`.
//!
//! The platform knows a task's effective ids and capabilities; the
//! `struct cred` a module reads has them as every id (real, saved, fs)
//! and as the permitted set. One record per distinct credential is kept
//! for the kernel's lifetime, so a pointer a module holds stays valid.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::c_int;

use ax_kspin::SpinRaw;

use super::AddrFn;

/// `struct cred` as `include/linux/cred.h` lays it out.
#[repr(C)]
pub struct CredC {
    usage: i64,
    uid: u32,
    gid: u32,
    suid: u32,
    sgid: u32,
    euid: u32,
    egid: u32,
    fsuid: u32,
    fsgid: u32,
    securebits: u32,
    cap_inheritable: u64,
    cap_permitted: u64,
    cap_effective: u64,
    cap_bset: u64,
    cap_ambient: u64,
}

const _: () = {
    assert!(core::mem::offset_of!(CredC, uid) == 8);
    assert!(core::mem::offset_of!(CredC, euid) == 24);
    assert!(core::mem::offset_of!(CredC, fsgid) == 36);
    assert!(core::mem::offset_of!(CredC, cap_effective) == 64);
    assert!(core::mem::size_of::<CredC>() == 88);
};

// Boxed: a module keeps pointers to them while the Vec grows.
#[allow(clippy::vec_box)]
static CREDS: SpinRaw<Vec<Box<CredC>>> = SpinRaw::new(Vec::new());

/// The calling task's `struct cred` (what `current_cred()` gives).
pub extern "C" fn starry_current_cred() -> *const CredC {
    let c = crate::platform::current_cred();
    let mut all = CREDS.lock();
    if let Some(r) = all
        .iter()
        .find(|r| r.euid == c.uid && r.egid == c.gid && r.cap_effective == c.caps)
    {
        return &**r;
    }
    let r = Box::new(CredC {
        usage: 1,
        uid: c.uid,
        gid: c.gid,
        suid: c.uid,
        sgid: c.gid,
        euid: c.uid,
        egid: c.gid,
        fsuid: c.uid,
        fsgid: c.gid,
        securebits: 0,
        cap_inheritable: 0,
        cap_permitted: c.caps,
        cap_effective: c.caps,
        cap_bset: u64::MAX,
        cap_ambient: 0,
    });
    let p: *const CredC = &*r;
    all.push(r);
    p
}

/// `capable(cap)`: whether the calling task has capability `cap`.
pub extern "C" fn kapi_capable(cap: c_int) -> bool {
    cap >= 0 && crate::platform::current_cred().capable(cap as u32)
}

/// `ns_capable(ns, cap)`: one namespace here.
pub extern "C" fn kapi_ns_capable(_ns: *const u8, cap: c_int) -> bool {
    kapi_capable(cap)
}

/// `struct user_namespace` (opaque to modules): the one there is.
#[repr(C)]
pub struct UserNs([u64; 4]);

/// `init_user_ns`.
pub static INIT_USER_NS: UserNs = UserNs([0; 4]);

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("starry_current_cred", || {
        starry_current_cred as *const () as usize
    }),
    ("capable", || kapi_capable as *const () as usize),
    ("ns_capable", || kapi_ns_capable as *const () as usize),
    ("init_user_ns", || &INIT_USER_NS as *const _ as usize),
];
