//! Linux errno values and the error type every fallible call returns: an
//! errno for the caller (the syscall return value) plus a message for the
//! kernel log, as Linux's `pr_err` before `return -EINVAL`.

use alloc::borrow::Cow;
use core::fmt;

/// A Linux errno value (positive), e.g. `Errno::ENOEXEC`. Any number is
/// representable, since a module's init may return any error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

#[allow(missing_docs)]
impl Errno {
    pub const EPERM: Errno = Errno(1);
    pub const ENOENT: Errno = Errno(2);
    pub const ESRCH: Errno = Errno(3);
    pub const EINTR: Errno = Errno(4);
    pub const EIO: Errno = Errno(5);
    pub const E2BIG: Errno = Errno(7);
    pub const ENOEXEC: Errno = Errno(8);
    pub const EBADF: Errno = Errno(9);
    pub const EAGAIN: Errno = Errno(11);
    pub const ENOMEM: Errno = Errno(12);
    pub const EACCES: Errno = Errno(13);
    pub const EFAULT: Errno = Errno(14);
    pub const EBUSY: Errno = Errno(16);
    pub const EEXIST: Errno = Errno(17);
    pub const ENODEV: Errno = Errno(19);
    pub const ENOTDIR: Errno = Errno(20);
    pub const EISDIR: Errno = Errno(21);
    pub const EINVAL: Errno = Errno(22);
    pub const ETXTBSY: Errno = Errno(26);
    pub const EFBIG: Errno = Errno(27);
    pub const ENOSPC: Errno = Errno(28);
    pub const ESPIPE: Errno = Errno(29);
    pub const EROFS: Errno = Errno(30);
    pub const ERANGE: Errno = Errno(34);
    pub const ENOSYS: Errno = Errno(38);
    pub const ENAMETOOLONG: Errno = Errno(36);
    pub const ENODATA: Errno = Errno(61);
    pub const ENOPKG: Errno = Errno(65);
    pub const EBADMSG: Errno = Errno(74);
    pub const EOVERFLOW: Errno = Errno(75);
    pub const ENOKEY: Errno = Errno(126);
    pub const EKEYREJECTED: Errno = Errno(129);
    pub const EOPNOTSUPP: Errno = Errno(95);
    /// Linux's EWOULDBLOCK is EAGAIN.
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;

    /// The positive errno number.
    pub const fn code(self) -> i32 {
        self.0
    }

    /// The errno for a positive or negative number.
    pub const fn from_code(code: i32) -> Errno {
        Errno(code.wrapping_abs())
    }

    /// The symbolic name, as `errno -l` prints it ("E?" when unknown here).
    pub const fn name(self) -> &'static str {
        match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            4 => "EINTR",
            5 => "EIO",
            7 => "E2BIG",
            8 => "ENOEXEC",
            9 => "EBADF",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            16 => "EBUSY",
            17 => "EEXIST",
            19 => "ENODEV",
            20 => "ENOTDIR",
            21 => "EISDIR",
            22 => "EINVAL",
            26 => "ETXTBSY",
            27 => "EFBIG",
            28 => "ENOSPC",
            29 => "ESPIPE",
            30 => "EROFS",
            34 => "ERANGE",
            38 => "ENOSYS",
            36 => "ENAMETOOLONG",
            61 => "ENODATA",
            65 => "ENOPKG",
            74 => "EBADMSG",
            75 => "EOVERFLOW",
            126 => "ENOKEY",
            129 => "EKEYREJECTED",
            95 => "EOPNOTSUPP",
            _ => "E?",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// An errno with the message explaining it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What the syscall returns (negated).
    pub errno: Errno,
    /// What the kernel log says about it: a static text where nothing needs
    /// formatting (out-of-memory paths must not allocate to report).
    pub msg: Cow<'static, str>,
}

impl Error {
    /// A new error.
    pub fn new(errno: Errno, msg: impl Into<Cow<'static, str>>) -> Self {
        Error {
            errno,
            msg: msg.into(),
        }
    }

    /// The negative return value of the syscall.
    pub fn ret(&self) -> i32 {
        -self.errno.code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.errno, self.msg)
    }
}

impl From<ax_errno::LinuxError> for Errno {
    fn from(e: ax_errno::LinuxError) -> Self {
        Errno::from_code(e as i32)
    }
}

/// Result with [`Error`].
pub type KResult<T> = Result<T, Error>;

/// `return Err(Error::new(errno, format!(...)))` in one line.
#[macro_export]
macro_rules! bail {
    ($errno:ident, $($arg:tt)*) => {
        return Err($crate::errno::Error::new(
            $crate::errno::Errno::$errno,
            alloc::format!($($arg)*),
        ))
    };
}
