//! hello_rust: a kernel module written in Rust with kmod-tools' macros.
//!
//! It reads a parameter (`greeting_count`, an int through the kernel's
//! `param_ops_int`), formats with `core::fmt`, allocates with `kmalloc`, and
//! prints through the kernel's `_printk`.
#![no_std]

use core::ffi::{c_char, c_int, c_void};
use core::fmt::Write;

use kmod_tools::{exit_fn, init_fn, kbindings, module};

unsafe extern "C" {
    fn _printk(fmt: *const c_char, ...) -> c_int;
    fn kmalloc(size: usize, flags: u32) -> *mut c_void;
    fn kfree(ptr: *const c_void);
    static param_ops_int: kbindings::kernel_param_ops;
}

const GFP_KERNEL: u32 = 0xcc0;

static mut GREETING_COUNT: c_int = 2;

#[repr(transparent)]
struct Param(kbindings::kernel_param);
// SAFETY: the parameter descriptor is immutable after load; the kernel
// serialises access to the value it points at.
unsafe impl Sync for Param {}

#[used]
#[unsafe(link_section = "__param")]
static __PARAM_GREETING_COUNT: Param = Param(kbindings::kernel_param {
    name: c"greeting_count".as_ptr(),
    mod_: core::ptr::null_mut(),
    ops: &raw const param_ops_int,
    perm: 0o644,
    level: -1,
    flags: 0,
    __bindgen_anon_1: kbindings::kernel_param__bindgen_ty_1 {
        arg: &raw mut GREETING_COUNT as *mut c_void,
    },
});

/// A fixed buffer that core::fmt writes into, always NUL-terminated.
struct Line {
    buf: [u8; 128],
    len: usize,
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            if self.len + 1 >= self.buf.len() {
                return Err(core::fmt::Error);
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        self.buf[self.len] = 0;
        Ok(())
    }
}

struct Greeter {
    names: [&'static str; 3],
}

impl Greeter {
    #[inline(never)]
    fn compose(&self, count: i32, out: &mut Line) -> core::fmt::Result {
        write!(out, "Hello from Rust, {} greeting(s):", count)?;
        for name in self.names.iter().take(count.clamp(0, 3) as usize) {
            write!(out, " {name}")?;
        }
        Ok(())
    }
}

static GREETER: Greeter = Greeter {
    names: ["ferris", "tux", "starry"],
};

#[init_fn]
fn hello_rust_init() -> i32 {
    // SAFETY: parameters are only written by the kernel before init and
    // through sysfs under its lock; a plain read of an int is fine here.
    let count = unsafe { GREETING_COUNT };
    let mut line = Line { buf: [0; 128], len: 0 };
    if GREETER.compose(count, &mut line).is_err() {
        return -7; // E2BIG
    }
    // SAFETY: kernel API calls with valid NUL-terminated strings.
    unsafe {
        _printk(c"\x016hello_rust: %s\n".as_ptr(), line.buf.as_ptr());
        let p = kmalloc(64, GFP_KERNEL);
        if p.is_null() {
            return -12; // ENOMEM
        }
        _printk(c"\x016hello_rust: kmalloc gave memory\n".as_ptr());
        kfree(p);
    }
    0
}

#[exit_fn]
fn hello_rust_exit() {
    // SAFETY: as in init.
    unsafe {
        _printk(c"\x016hello_rust: goodbye (greeting_count=%d)\n".as_ptr(), GREETING_COUNT);
    }
}

module! {
    name: "hello_rust",
    version: "0.1.0",
    license: "GPL",
    description: "Hello world sample module written in Rust",
}

/// Adds a `key=value` string to `.modinfo`, NUL-terminated, like C's
/// MODULE_INFO (module! covers name, version, license and description only).
macro_rules! modinfo {
    ($id:ident, $s:expr) => {
        #[used]
        #[unsafe(link_section = ".modinfo")]
        static $id: [u8; concat!($s, "\0").len()] = {
            let src = concat!($s, "\0").as_bytes();
            let mut out = [0u8; concat!($s, "\0").len()];
            let mut i = 0;
            while i < src.len() {
                out[i] = src[i];
                i += 1;
            }
            out
        };
    };
}

modinfo!(MODINFO_PARM, "parm=greeting_count:How many greetings to print");
modinfo!(MODINFO_PARMTYPE, "parmtype=greeting_count:int");
modinfo!(MODINFO_AUTHOR, "author=starry-kmod developers");

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The prebuilt `core` names the unwinding personality routine even with
/// panic=abort; every undefined symbol of a module must resolve, so the
/// module carries this never-called definition itself.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
