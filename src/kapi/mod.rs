//! The kernel API exported to modules: the names a module's undefined
//! symbols resolve against (Linux's EXPORT_SYMBOL table of the kernel).
//!
//! Only these names resolve; the rest of the kernel image is visible in
//! kallsyms but not linkable, as on Linux.
//!
//! One file per API area, each with Linux's names and its own export list
//! (`EXPORTS`); the table here is those lists chained. A new area (procfs,
//! sysfs, locks, time, char devices...) is a new file and one line in
//! [`AREAS`]. Its C side, where it has one, is `sample-modules/include/
//! linux/<header>.h` of the same Linux name.

pub mod cred;
pub mod debugfs;
pub mod fs;
pub mod kfifo;
pub mod kstrtox;
pub mod kthread;
pub mod locking;
pub mod module;
pub mod params;
pub mod printk;
pub mod procfs;
pub mod random;
pub mod sched;
pub mod seq_file;
pub mod slab;
pub mod string;
pub mod sysfs;
pub mod time;
pub mod timer;
pub mod uaccess;
pub mod wait;
pub mod workqueue;

pub use module::{kapi_module_put, kapi_module_refcount, kapi_try_module_get};
pub use printk::starry_kmod_printk_emit;
pub use slab::{ZERO_SIZE_PTR, kfree, kmalloc, kmalloc_bytes_in_use, kzalloc};
pub use string::{
    kapi_memcmp, kapi_memcpy, kapi_memmove, kapi_memset, kapi_strcmp, kapi_strlen, kapi_strncmp,
};

/// How an export gives its address (a function's address is not a
/// constant, so each entry computes it).
pub(crate) type AddrFn = fn() -> usize;

/// Every area's exports, in table order: name -> address of everything
/// modules may link against, as Linux's EXPORT_SYMBOL list of the kernel
/// image.
const AREAS: &[&[(&str, AddrFn)]] = &[
    printk::EXPORTS,
    slab::EXPORTS,
    slab::CACHE_EXPORTS,
    string::EXPORTS,
    module::EXPORTS,
    params::STD_EXPORTS,
    params::EXPORTS,
    uaccess::EXPORTS,
    fs::EXPORTS,
    procfs::EXPORTS,
    seq_file::EXPORTS,
    sysfs::EXPORTS,
    kstrtox::EXPORTS,
    debugfs::EXPORTS,
    cred::EXPORTS,
    sched::EXPORTS,
    time::EXPORTS,
    locking::EXPORTS,
    wait::EXPORTS,
    kthread::EXPORTS,
    timer::EXPORTS,
    workqueue::EXPORTS,
    kfifo::EXPORTS,
    random::EXPORTS,
];

/// Starts what the module runtime needs before any module code runs: the
/// jiffies ticker and the system work queues (their workers, the softirq
/// thread and kthreads start on demand). Called at every load; once.
pub fn runtime_start() {
    crate::sched::set_default_wake(wait::default_wake_addr());
    time::start_ticker();
    workqueue::start();
}

/// Stops what module `m` left in the runtime: armed timers, scheduled
/// tasklets, queued work, its work queues and live kthreads, each named in
/// a kernel-log warning. With `sync` (at unload, before its pages are
/// freed) callbacks of `m` running now are waited for and its kthreads
/// stopped and waited for; without (after an Oops in one of its
/// callbacks, possibly on the runtime thread itself) nothing waits.
pub fn runtime_stop(m: &crate::module::Module, sync: bool) {
    // From now no callback of m starts and m arms or queues nothing new
    // (a callback running now that re-arms itself is refused); what is
    // armed or queued is cancelled and named; what runs now ends (its
    // kthreads are stopped); a last pass takes what raced with the flag.
    m.stop_runtime();
    timer::stop_owned(m, false);
    workqueue::stop_owned(m, false);
    kthread::stop_owned(m, sync);
    if sync {
        timer::wait_owned(m);
        workqueue::wait_owned(m);
        timer::stop_owned(m, false);
        workqueue::stop_owned(m, false);
        slab::destroy_owned(m);
    }
}

fn table() -> impl Iterator<Item = &'static (&'static str, AddrFn)> {
    AREAS.iter().flat_map(|area| area.iter())
}

/// Every export's address, computed once. An optimised build may give a
/// small function a copy in each codegen unit that takes its address, so
/// the same export named in two places of the kernel can have two
/// addresses; a module is linked against these, and callback checks
/// compare with these, so both see one.
fn addresses() -> &'static [(&'static str, usize)] {
    static ADDRS: ax_kspin::SpinRaw<Option<&'static [(&'static str, usize)]>> =
        ax_kspin::SpinRaw::new(None);
    let mut g = ADDRS.lock();
    if let Some(t) = *g {
        return t;
    }
    let t: alloc::vec::Vec<(&'static str, usize)> = table().map(|(n, f)| (*n, f())).collect();
    let t: &'static [(&'static str, usize)] = alloc::boxed::Box::leak(t.into_boxed_slice());
    *g = Some(t);
    t
}

/// The address of an exported kernel symbol.
pub fn lookup(name: &str) -> Option<usize> {
    addresses()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, a)| a)
}

/// Every exported kernel symbol, as (name, address).
pub fn exports() -> impl Iterator<Item = (&'static str, usize)> {
    addresses().iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_resolve() {
        let names: alloc::vec::Vec<_> = exports().map(|(n, _)| n).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[..i].contains(n), "{n} exported twice");
            assert!(lookup(n).is_some());
        }
    }

    #[test]
    fn std_ops_are_exported_at_their_address() {
        for s in params::STD_OPS {
            assert_eq!(lookup(s.name), Some(s.addr()));
            assert_eq!(params::std_ops(s.addr()).map(|t| t.name), Some(s.name));
        }
        assert!(params::std_ops(0).is_none());
        let charp = params::std_ops_by_name("param_ops_charp").unwrap();
        assert!(charp.is_charp() && !charp.noarg());
        assert!(params::std_ops_by_name("param_ops_bool").unwrap().noarg());
        assert!(
            params::std_ops_by_name("param_ops_invbool")
                .unwrap()
                .is_invbool()
        );
    }
}
