// The sample modules: the one list everything derives from. build.rs
// builds each (the C ones from c/<name>.c, the Rust ones from
// rust/<name>/), refuses a source missing here or an entry without a
// source, and generates the constants of src/lib.rs from it.
//
// Plain constants, no imports: build.rs `include!`s this file.

/// Every sample module as (name, what it is), in load order: providers
/// before the modules that use them (also the kernel's `modules.order`).
pub const SAMPLES: &[(&str, &str)] = &[
    ("hello", "(C): greets at init and exit."),
    (
        "params",
        "(C): int, bool, charp, ulong and a perm-0 short parameter.",
    ),
    ("hello_rust", "(Rust, kmod-tools macros)."),
    (
        "initfail",
        "(C): init returns its `err` parameter (default -ENODEV).",
    ),
    (
        "provider",
        "(C): EXPORT_SYMBOL(provider_add), EXPORT_SYMBOL_GPL(provider_secret).",
    ),
    ("consumer", "(C, GPL): uses provider_add."),
    ("gpl_consumer", "(C, GPL v2): uses the GPL-only provider_secret."),
    (
        "proprietary",
        "(C, Proprietary): tries provider_secret; must be refused.",
    ),
    (
        "closed",
        "(C, Proprietary): uses provider_add; its `pin` parameter takes or drops \
         a reference on itself (try_module_get/module_put).",
    ),
    ("consumer_rust", "(Rust): uses the C provider's provider_add."),
    (
        "lockkey",
        "(C): an empty static struct lock_class_key in an empty .bss, address taken.",
    ),
    (
        "oops",
        "(C): faults on purpose where its `where` parameter says (init, exit, BUG()) \
         and in its `poke` parameter's set op.",
    ),
    (
        "hang",
        "(C): with hold=1, init spins until its `release` parameter is written.",
    ),
    (
        "paramarray",
        "(C): module_param_array (int with a count, charp, bool), module_param_string, \
         and custom ops on param_set_int/param_get_int.",
    ),
    (
        "procfiles",
        "(C): /proc/procfiles/ with a read/write buffer, a 100,000-record seq_file \
         and a single_open file.",
    ),
    (
        "forgetful",
        "(C): creates /proc/forgetful/note and never removes it (with fail=1 its \
         init fails after creating it).",
    ),
    (
        "sysfsobj",
        "(C): /sys/kernel/sysfsobj with rw attributes, a named group (is_visible), \
         kobjects of its own ktype and a kset (with forget=1 it removes nothing).",
    ),
    (
        "debugfsobj",
        "(C): /sys/kernel/debug/debugfsobj with bool, u8, u32, x32, u64 and blob values \
         and a file of its own file_operations (with forget=1 it removes nothing).",
    ),
    (
        "strtools",
        "(C): kstrto*, sscanf, the string.h helpers and current_uid()/capable() \
         behind /sys/kernel/strtools/{parse,whoami}.",
    ),
    (
        "counters",
        "(C): kthreads hammer counters under a mutex, a spinlock, an rwlock and \
         atomics, started together by a completion; exact totals in /proc/counters.",
    ),
    (
        "ticker",
        "(C): a periodic timer, work on its own workqueue, self-requeueing delayed \
         work, system work and a sleeping kthread, counted in read-only parameters.",
    ),
    (
        "waitq",
        "(C): /proc/waitq, a mailbox whose read sleeps interruptibly until a write.",
    ),
    ("slabs", "(C): kmem_cache objects with a constructor."),
    (
        "fifo",
        "(C): a byte kfifo and a record kfifo behind /proc/fifo/{bytes,records}.",
    ),
    (
        "careless",
        "(C): leaves a timer, delayed work, work, a tasklet, a kthread and a \
         kmem_cache running at unload, for the kernel to stop.",
    ),
];
