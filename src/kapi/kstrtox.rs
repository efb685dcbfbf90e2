//! String to integer conversion (Linux's include/linux/kstrtox.h,
//! lib/kstrtox.c): kstrto{ull,ll,ul,l,uint,int,u16,s16,u8,s8,bool}, their
//! `_from_user` forms, and simple_strto{ul,l,ull,ll}.
//!
//! Linux's rules: base 0 means 16 after `0x`/`0X` (followed by a hex
//! digit), 8 after a leading `0`, else 10; base 16 accepts a `0x`
//! prefix; a leading `+` is accepted (and `-` for the signed forms); one
//! trailing newline is accepted; anything else after the digits, or no
//! digits, is -EINVAL; a value that does not fit is -ERANGE.

use core::ffi::{c_char, c_int, c_long, c_longlong, c_uint, c_ulong, c_ulonglong};

use super::AddrFn;
use crate::errno::Errno;

/// The base a string in `base` (0: detect) is parsed in, and where its
/// digits start.
fn fixup_radix(s: &[u8], base: u32) -> (u32, usize) {
    let hex_prefix =
        s.len() > 2 && s[0] == b'0' && (s[1] | 0x20) == b'x' && s[2].is_ascii_hexdigit();
    match base {
        0 if hex_prefix => (16, 2),
        0 if s.first() == Some(&b'0') => (8, 0),
        0 => (10, 0),
        16 if hex_prefix => (16, 2),
        b => (b, 0),
    }
}

/// Parses digits in `base` from the start of `s`: the value (or ERANGE
/// on overflow) and how many bytes were digits.
fn parse_digits(s: &[u8], base: u32) -> (Result<u64, Errno>, usize) {
    let mut v: u64 = 0;
    let mut overflow = false;
    let mut n = 0;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 10,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => break,
        };
        if d >= base {
            break;
        }
        match v
            .checked_mul(base as u64)
            .and_then(|x| x.checked_add(d as u64))
        {
            Some(x) => v = x,
            None => overflow = true,
        }
        n += 1;
    }
    (if overflow { Err(Errno::ERANGE) } else { Ok(v) }, n)
}

/// Linux's _kstrtoull: digits, at most one trailing newline, nothing else.
fn strtoull(s: &[u8], base: u32) -> Result<u64, Errno> {
    if base == 1 || base > 36 {
        return Err(Errno::EINVAL);
    }
    let (base, skip) = fixup_radix(s, base);
    let s = &s[skip..];
    let (v, n) = parse_digits(s, base);
    if n == 0 {
        return Err(Errno::EINVAL);
    }
    let v = v?;
    match &s[n..] {
        [] | [b'\n'] => Ok(v),
        _ => Err(Errno::EINVAL),
    }
}

/// kstrtoull on the bytes of a C string (before its NUL).
pub fn kstrtoull_bytes(s: &[u8], base: u32) -> Result<u64, Errno> {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    strtoull(s, base)
}

/// kstrtoll on bytes.
pub fn kstrtoll_bytes(s: &[u8], base: u32) -> Result<i64, Errno> {
    if let Some(rest) = s.strip_prefix(b"-") {
        let v = strtoull(rest, base)?;
        if v > i64::MIN.unsigned_abs() {
            return Err(Errno::ERANGE);
        }
        Ok((v as i64).wrapping_neg())
    } else {
        let v = kstrtoull_bytes(s, base)?;
        i64::try_from(v).map_err(|_| Errno::ERANGE)
    }
}

/// kstrtobool on bytes: y/Y/t/T/1/on are true, n/N/f/F/0/off false
/// (the parser bool parameters already use).
pub fn kstrtobool_bytes(s: &[u8]) -> Result<bool, Errno> {
    super::params::kstrtobool(s)
}

/// # Safety
/// `s` is a C string.
unsafe fn bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!s.is_null()).then(|| unsafe { core::ffi::CStr::from_ptr(s) }.to_bytes())
}

/// Stores `r` in `*res` (0) or returns its -errno.
///
/// # Safety
/// `res` is writable.
unsafe fn put<T>(r: Result<T, Errno>, res: *mut T) -> c_int {
    match r {
        Ok(v) => {
            // SAFETY: per the contract.
            unsafe { res.write_unaligned(v) };
            0
        }
        Err(e) => -e.code(),
    }
}

macro_rules! kstrto {
    ($name:ident, $t:ty, unsigned) => {
        #[doc = concat!("`", stringify!($name), "(s, base, res)`: 0, -EINVAL or -ERANGE.")]
        ///
        /// # Safety
        /// `s` is a C string, `res` writable.
        pub unsafe extern "C" fn $name(s: *const c_char, base: c_uint, res: *mut $t) -> c_int {
            // SAFETY: per the contract.
            let r = unsafe { bytes(s) }.ok_or(Errno::EINVAL).and_then(|s| {
                kstrtoull_bytes(s, base).and_then(|v| <$t>::try_from(v).map_err(|_| Errno::ERANGE))
            });
            // SAFETY: per the contract.
            unsafe { put(r, res) }
        }
    };
    ($name:ident, $t:ty, signed) => {
        #[doc = concat!("`", stringify!($name), "(s, base, res)`: 0, -EINVAL or -ERANGE.")]
        ///
        /// # Safety
        /// `s` is a C string, `res` writable.
        pub unsafe extern "C" fn $name(s: *const c_char, base: c_uint, res: *mut $t) -> c_int {
            // SAFETY: per the contract.
            let r = unsafe { bytes(s) }.ok_or(Errno::EINVAL).and_then(|s| {
                kstrtoll_bytes(s, base).and_then(|v| <$t>::try_from(v).map_err(|_| Errno::ERANGE))
            });
            // SAFETY: per the contract.
            unsafe { put(r, res) }
        }
    };
}

kstrto!(kstrtoull, c_ulonglong, unsigned);
kstrto!(kstrtoll, c_longlong, signed);
kstrto!(kstrtoul, c_ulong, unsigned);
kstrto!(kstrtol, c_long, signed);
kstrto!(kstrtouint, c_uint, unsigned);
kstrto!(kstrtoint, c_int, signed);
kstrto!(kstrtou16, u16, unsigned);
kstrto!(kstrtos16, i16, signed);
kstrto!(kstrtou8, u8, unsigned);
kstrto!(kstrtos8, i8, signed);

/// `kstrtobool(s, res)`.
///
/// # Safety
/// `s` is a C string, `res` writable.
pub unsafe extern "C" fn kstrtobool(s: *const c_char, res: *mut bool) -> c_int {
    // SAFETY: per the contract.
    let r = unsafe { bytes(s) }
        .ok_or(Errno::EINVAL)
        .and_then(kstrtobool_bytes);
    // SAFETY: per the contract.
    unsafe { put(r, res) }
}

/// Copies at most 63 bytes of user memory (a number's text), as Linux's
/// `_from_user` forms do with their 64-byte buffer.
fn from_user(s: *const u8, count: usize) -> Result<([u8; 64], usize), Errno> {
    let mut buf = [0u8; 64];
    let n = count.min(buf.len() - 1);
    // SAFETY: copy_from_user checks `s` against the user windows; the
    // destination is this buffer of at least n bytes.
    let left = unsafe { super::uaccess::kapi_copy_from_user(buf.as_mut_ptr().cast(), s.cast(), n) };
    if left != 0 {
        return Err(Errno::EFAULT);
    }
    Ok((buf, n))
}

macro_rules! kstrto_from_user {
    ($name:ident, $t:ty, $parse:expr) => {
        #[doc = concat!("`", stringify!($name), "(s, count, base, res)`: the text in user memory.")]
        ///
        /// # Safety
        /// `res` is writable.
        pub unsafe extern "C" fn $name(
            s: *const u8,
            count: usize,
            base: c_uint,
            res: *mut $t,
        ) -> c_int {
            let r = from_user(s, count).and_then(|(b, n)| {
                let text = &b[..n];
                let text = &text[..text.iter().position(|&c| c == 0).unwrap_or(n)];
                $parse(text, base).and_then(|v| <$t>::try_from(v).map_err(|_| Errno::ERANGE))
            });
            // SAFETY: per the contract.
            unsafe { put(r, res) }
        }
    };
}

kstrto_from_user!(kstrtoull_from_user, c_ulonglong, kstrtoull_bytes);
kstrto_from_user!(kstrtoll_from_user, c_longlong, kstrtoll_bytes);
kstrto_from_user!(kstrtoul_from_user, c_ulong, kstrtoull_bytes);
kstrto_from_user!(kstrtol_from_user, c_long, kstrtoll_bytes);
kstrto_from_user!(kstrtouint_from_user, c_uint, kstrtoull_bytes);
kstrto_from_user!(kstrtoint_from_user, c_int, kstrtoll_bytes);

/// `kstrtobool_from_user(s, count, res)`.
///
/// # Safety
/// `res` is writable.
pub unsafe extern "C" fn kstrtobool_from_user(s: *const u8, count: usize, res: *mut bool) -> c_int {
    let r = from_user(s, count).and_then(|(b, n)| kstrtobool_bytes(&b[..n]));
    // SAFETY: per the contract.
    unsafe { put(r, res) }
}

/// simple_strtoull: as much of a number as there is (no errors); `*endp`
/// past it.
///
/// # Safety
/// `s` is a C string; `endp` NULL or writable.
unsafe fn simple(s: *const c_char, endp: *mut *const c_char, base: u32, signed: bool) -> u64 {
    // SAFETY: per the contract.
    let Some(b) = (unsafe { bytes(s) }) else {
        return 0;
    };
    let neg = signed && b.first() == Some(&b'-');
    let start = neg as usize;
    let (base, skip) = fixup_radix(&b[start..], base);
    let (v, n) = parse_digits(&b[start + skip..], base);
    let used = if n == 0 { 0 } else { start + skip + n };
    if !endp.is_null() {
        // SAFETY: per the contract; `used` is within the string.
        unsafe { *endp = s.add(used) };
    }
    let v = v.unwrap_or(u64::MAX);
    if neg { v.wrapping_neg() } else { v }
}

/// `simple_strtoull(cp, endp, base)`.
///
/// # Safety
/// As [`simple`].
pub unsafe extern "C" fn simple_strtoull(
    s: *const c_char,
    endp: *mut *const c_char,
    base: c_uint,
) -> u64 {
    // SAFETY: per the contract.
    unsafe { simple(s, endp, base, false) }
}

/// `simple_strtoll(cp, endp, base)`.
///
/// # Safety
/// As [`simple`].
pub unsafe extern "C" fn simple_strtoll(
    s: *const c_char,
    endp: *mut *const c_char,
    base: c_uint,
) -> i64 {
    // SAFETY: per the contract.
    unsafe { simple(s, endp, base, true) as i64 }
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("kstrtoull", || kstrtoull as *const () as usize),
    ("kstrtoll", || kstrtoll as *const () as usize),
    ("kstrtoul", || kstrtoul as *const () as usize),
    ("_kstrtoul", || kstrtoul as *const () as usize),
    ("kstrtol", || kstrtol as *const () as usize),
    ("_kstrtol", || kstrtol as *const () as usize),
    ("kstrtouint", || kstrtouint as *const () as usize),
    ("kstrtoint", || kstrtoint as *const () as usize),
    ("kstrtou16", || kstrtou16 as *const () as usize),
    ("kstrtos16", || kstrtos16 as *const () as usize),
    ("kstrtou8", || kstrtou8 as *const () as usize),
    ("kstrtos8", || kstrtos8 as *const () as usize),
    ("kstrtobool", || kstrtobool as *const () as usize),
    ("kstrtoull_from_user", || {
        kstrtoull_from_user as *const () as usize
    }),
    ("kstrtoll_from_user", || {
        kstrtoll_from_user as *const () as usize
    }),
    ("kstrtoul_from_user", || {
        kstrtoul_from_user as *const () as usize
    }),
    ("kstrtol_from_user", || {
        kstrtol_from_user as *const () as usize
    }),
    ("kstrtouint_from_user", || {
        kstrtouint_from_user as *const () as usize
    }),
    ("kstrtoint_from_user", || {
        kstrtoint_from_user as *const () as usize
    }),
    ("kstrtobool_from_user", || {
        kstrtobool_from_user as *const () as usize
    }),
    ("simple_strtoull", || simple_strtoull as *const () as usize),
    ("simple_strtoul", || simple_strtoull as *const () as usize),
    ("simple_strtoll", || simple_strtoll as *const () as usize),
    ("simple_strtol", || simple_strtoll as *const () as usize),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_rules() {
        assert_eq!(kstrtoull_bytes(b"42", 10), Ok(42));
        assert_eq!(kstrtoull_bytes(b"42\n", 10), Ok(42));
        assert_eq!(kstrtoull_bytes(b"42\n\n", 10), Err(Errno::EINVAL));
        assert_eq!(kstrtoull_bytes(b"42 ", 10), Err(Errno::EINVAL));
        assert_eq!(kstrtoull_bytes(b"+7", 10), Ok(7));
        assert_eq!(kstrtoull_bytes(b"", 10), Err(Errno::EINVAL));
        assert_eq!(kstrtoull_bytes(b"0x1f", 0), Ok(31));
        assert_eq!(kstrtoull_bytes(b"0x1f", 16), Ok(31));
        assert_eq!(kstrtoull_bytes(b"1f", 16), Ok(31));
        assert_eq!(kstrtoull_bytes(b"017", 0), Ok(15));
        assert_eq!(kstrtoull_bytes(b"08", 0), Err(Errno::EINVAL));
        assert_eq!(kstrtoull_bytes(b"0", 0), Ok(0));
        assert_eq!(kstrtoull_bytes(b"0x", 0), Err(Errno::EINVAL));
        assert_eq!(
            kstrtoull_bytes(b"18446744073709551616", 10),
            Err(Errno::ERANGE)
        );
        assert_eq!(kstrtoull_bytes(b"-1", 10), Err(Errno::EINVAL));
        assert_eq!(kstrtoll_bytes(b"-9223372036854775808", 10), Ok(i64::MIN));
        assert_eq!(
            kstrtoll_bytes(b"9223372036854775808", 10),
            Err(Errno::ERANGE)
        );
        assert_eq!(kstrtoll_bytes(b"-0x10", 0), Ok(-16));
        assert_eq!(kstrtobool_bytes(b"on"), Ok(true));
        assert_eq!(kstrtobool_bytes(b"off"), Ok(false));
        assert_eq!(kstrtobool_bytes(b"Yes"), Ok(true));
        assert_eq!(kstrtobool_bytes(b"o"), Err(Errno::EINVAL));
    }

    #[test]
    fn sized_forms_range_check() {
        let mut v: u8 = 0;
        let r = unsafe { kstrtou8(c"256".as_ptr(), 10, &mut v) };
        assert_eq!(r, -Errno::ERANGE.code());
        let r = unsafe { kstrtou8(c"255\n".as_ptr(), 10, &mut v) };
        assert_eq!((r, v), (0, 255));
        let mut i: c_int = 0;
        let r = unsafe { kstrtoint(c"-2147483649".as_ptr(), 10, &mut i) };
        assert_eq!(r, -Errno::ERANGE.code());
        let r = unsafe { kstrtoint(c"-0x7f".as_ptr(), 0, &mut i) };
        assert_eq!((r, i), (0, -127));
        let mut end: *const c_char = core::ptr::null();
        let s = c"123abc";
        let n = unsafe { simple_strtoull(s.as_ptr(), &mut end, 10) };
        assert_eq!((n, end as usize - s.as_ptr() as usize), (123, 3));
    }
}
