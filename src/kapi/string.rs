//! The memory and string functions (Linux's include/linux/string.h).
//!
//! Their Rust names carry a `kapi_` prefix so that, in the user-mode
//! kernel, they never interpose the host C library's; modules link them
//! under Linux's names.

use core::ffi::{c_char, c_int, c_void};

use super::AddrFn;

/// # Safety
/// C's memcpy contract.
pub unsafe extern "C" fn kapi_memcpy(
    dst: *mut c_void,
    src: *const c_void,
    n: usize,
) -> *mut c_void {
    // SAFETY: the caller's memcpy contract.
    unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, n) };
    dst
}

/// # Safety
/// C's memmove contract.
pub unsafe extern "C" fn kapi_memmove(
    dst: *mut c_void,
    src: *const c_void,
    n: usize,
) -> *mut c_void {
    // SAFETY: the caller's memmove contract.
    unsafe { core::ptr::copy(src as *const u8, dst as *mut u8, n) };
    dst
}

/// # Safety
/// C's memset contract.
pub unsafe extern "C" fn kapi_memset(s: *mut c_void, c: c_int, n: usize) -> *mut c_void {
    // SAFETY: the caller's memset contract.
    unsafe { core::ptr::write_bytes(s as *mut u8, c as u8, n) };
    s
}

/// # Safety
/// C's memcmp contract.
pub unsafe extern "C" fn kapi_memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
    // SAFETY: the caller's memcmp contract: both ranges are readable.
    let (a, b) = unsafe {
        (
            core::slice::from_raw_parts(a as *const u8, n),
            core::slice::from_raw_parts(b as *const u8, n),
        )
    };
    a.iter()
        .zip(b)
        .find(|(x, y)| x != y)
        .map_or(0, |(x, y)| c_int::from(*x) - c_int::from(*y))
}

/// # Safety
/// C's strlen contract.
pub unsafe extern "C" fn kapi_strlen(s: *const c_char) -> usize {
    // SAFETY: the caller's strlen contract: s is NUL-terminated.
    unsafe { core::ffi::CStr::from_ptr(s) }.count_bytes()
}

/// # Safety
/// C's strncmp contract.
pub unsafe extern "C" fn kapi_strncmp(a: *const c_char, b: *const c_char, n: usize) -> c_int {
    for i in 0..n {
        // SAFETY: both strings are readable up to their NUL or n bytes.
        let (x, y) = unsafe { (*a.add(i) as u8, *b.add(i) as u8) };
        if x != y || x == 0 {
            return c_int::from(x) - c_int::from(y);
        }
    }
    0
}

/// # Safety
/// C's strcmp contract.
pub unsafe extern "C" fn kapi_strcmp(a: *const c_char, b: *const c_char) -> c_int {
    // SAFETY: as strncmp, bounded by the NULs.
    unsafe { kapi_strncmp(a, b, usize::MAX) }
}

/// The bytes of a C string (without its NUL).
///
/// # Safety
/// `s` is NUL-terminated.
unsafe fn cbytes<'a>(s: *const c_char) -> &'a [u8] {
    // SAFETY: per the contract.
    unsafe { core::ffi::CStr::from_ptr(s) }.to_bytes()
}

/// `strnlen(s, count)`: at most `count` bytes are looked at.
///
/// # Safety
/// `s` is readable up to its NUL or `count` bytes.
pub unsafe extern "C" fn kapi_strnlen(s: *const c_char, count: usize) -> usize {
    let mut n = 0;
    // SAFETY: per the contract.
    while n < count && unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}

/// `strcpy(dest, src)`.
///
/// # Safety
/// C's strcpy contract.
pub unsafe extern "C" fn kapi_strcpy(dest: *mut c_char, src: *const c_char) -> *mut c_char {
    // SAFETY: per the contract; the NUL is copied too.
    unsafe {
        let n = kapi_strlen(src);
        core::ptr::copy(src, dest, n + 1);
    }
    dest
}

/// `strncpy(dest, src, count)`: NUL-padded, not NUL-terminated when
/// `src` is `count` bytes or longer.
///
/// # Safety
/// C's strncpy contract.
pub unsafe extern "C" fn kapi_strncpy(
    dest: *mut c_char,
    src: *const c_char,
    count: usize,
) -> *mut c_char {
    // SAFETY: per the contract.
    unsafe {
        let n = kapi_strnlen(src, count);
        core::ptr::copy(src, dest, n);
        core::ptr::write_bytes(dest.add(n), 0, count - n);
    }
    dest
}

/// `strscpy(dest, src, count)`: always NUL-terminated (count > 0); the
/// length copied, or -E2BIG when `src` did not fit.
///
/// # Safety
/// `dest` has `count` bytes; `src` is readable up to its NUL or `count`.
pub unsafe extern "C" fn kapi_strscpy(
    dest: *mut c_char,
    src: *const c_char,
    count: usize,
) -> isize {
    if count == 0 || count > isize::MAX as usize {
        return -(crate::errno::Errno::E2BIG.code() as isize);
    }
    // SAFETY: per the contract.
    unsafe {
        let n = kapi_strnlen(src, count);
        if n == count {
            core::ptr::copy(src, dest, count - 1);
            *dest.add(count - 1) = 0;
            return -(crate::errno::Errno::E2BIG.code() as isize);
        }
        core::ptr::copy(src, dest, n);
        *dest.add(n) = 0;
        n as isize
    }
}

/// `strscpy_pad(dest, src, count)`: strscpy, the rest zeroed.
///
/// # Safety
/// As [`kapi_strscpy`].
pub unsafe extern "C" fn kapi_strscpy_pad(
    dest: *mut c_char,
    src: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: per the contract.
    unsafe {
        let r = kapi_strscpy(dest, src, count);
        let used = if r < 0 { count } else { r as usize + 1 };
        if used < count {
            core::ptr::write_bytes(dest.add(used), 0, count - used);
        }
        r
    }
}

/// `strlcpy(dest, src, size)`: the length of `src`.
///
/// # Safety
/// `dest` has `size` bytes; `src` is a C string.
pub unsafe extern "C" fn kapi_strlcpy(dest: *mut c_char, src: *const c_char, size: usize) -> usize {
    // SAFETY: per the contract.
    unsafe {
        let len = kapi_strlen(src);
        if size > 0 {
            let n = len.min(size - 1);
            core::ptr::copy(src, dest, n);
            *dest.add(n) = 0;
        }
        len
    }
}

/// `strcat(dest, src)`.
///
/// # Safety
/// C's strcat contract.
pub unsafe extern "C" fn kapi_strcat(dest: *mut c_char, src: *const c_char) -> *mut c_char {
    // SAFETY: per the contract.
    unsafe { kapi_strcpy(dest.add(kapi_strlen(dest)), src) };
    dest
}

/// `strncat(dest, src, count)`: at most `count` bytes of `src`, then NUL.
///
/// # Safety
/// C's strncat contract.
pub unsafe extern "C" fn kapi_strncat(
    dest: *mut c_char,
    src: *const c_char,
    count: usize,
) -> *mut c_char {
    // SAFETY: per the contract.
    unsafe {
        let end = dest.add(kapi_strlen(dest));
        let n = kapi_strnlen(src, count);
        core::ptr::copy(src, end, n);
        *end.add(n) = 0;
    }
    dest
}

/// `strlcat(dest, src, count)`: the length it tried to make.
///
/// # Safety
/// `dest` is a C string in `count` bytes; `src` a C string.
pub unsafe extern "C" fn kapi_strlcat(
    dest: *mut c_char,
    src: *const c_char,
    count: usize,
) -> usize {
    // SAFETY: per the contract.
    unsafe {
        let dsize = kapi_strlen(dest);
        let len = kapi_strlen(src);
        let res = dsize + len;
        if dsize >= count {
            return res;
        }
        let n = len.min(count - dsize - 1);
        core::ptr::copy(src, dest.add(dsize), n);
        *dest.add(dsize + n) = 0;
        res
    }
}

/// `strchr(s, c)`: the first `c` (the NUL itself for c == 0), or NULL.
///
/// # Safety
/// `s` is a C string.
pub unsafe extern "C" fn kapi_strchr(s: *const c_char, c: c_int) -> *mut c_char {
    // SAFETY: per the contract.
    let b = unsafe { cbytes(s) };
    let c = c as u8;
    match b.iter().position(|&x| x == c) {
        Some(i) => s.wrapping_add(i) as *mut c_char,
        None if c == 0 => s.wrapping_add(b.len()) as *mut c_char,
        None => core::ptr::null_mut(),
    }
}

/// `strchrnul(s, c)`: the first `c` or the NUL.
///
/// # Safety
/// `s` is a C string.
pub unsafe extern "C" fn kapi_strchrnul(s: *const c_char, c: c_int) -> *mut c_char {
    // SAFETY: per the contract.
    let b = unsafe { cbytes(s) };
    let i = b.iter().position(|&x| x == c as u8).unwrap_or(b.len());
    s.wrapping_add(i) as *mut c_char
}

/// `strnchr(s, count, c)`: the first `c` in the first `count` bytes.
///
/// # Safety
/// `s` is readable up to its NUL or `count` bytes.
pub unsafe extern "C" fn kapi_strnchr(s: *const c_char, count: usize, c: c_int) -> *mut c_char {
    // SAFETY: per the contract.
    let n = unsafe { kapi_strnlen(s, count) };
    // SAFETY: n bytes were just read.
    let b = unsafe { core::slice::from_raw_parts(s as *const u8, n) };
    match b.iter().position(|&x| x == c as u8) {
        Some(i) => s.wrapping_add(i) as *mut c_char,
        None if c as u8 == 0 && n < count => s.wrapping_add(n) as *mut c_char,
        None => core::ptr::null_mut(),
    }
}

/// `strrchr(s, c)`: the last `c`, or NULL.
///
/// # Safety
/// `s` is a C string.
pub unsafe extern "C" fn kapi_strrchr(s: *const c_char, c: c_int) -> *mut c_char {
    // SAFETY: per the contract.
    let b = unsafe { cbytes(s) };
    let c = c as u8;
    match b.iter().rposition(|&x| x == c) {
        Some(i) => s.wrapping_add(i) as *mut c_char,
        None if c == 0 => s.wrapping_add(b.len()) as *mut c_char,
        None => core::ptr::null_mut(),
    }
}

/// `strstr(s1, s2)`: the first occurrence, or NULL (`s1` for an empty
/// `s2`).
///
/// # Safety
/// Both are C strings.
pub unsafe extern "C" fn kapi_strstr(s1: *const c_char, s2: *const c_char) -> *mut c_char {
    // SAFETY: per the contract.
    let (h, n) = unsafe { (cbytes(s1), cbytes(s2)) };
    if n.is_empty() {
        return s1 as *mut c_char;
    }
    h.windows(n.len())
        .position(|w| w == n)
        .map_or(core::ptr::null_mut(), |i| s1.wrapping_add(i) as *mut c_char)
}

/// `strnstr(s1, s2, len)`: within the first `len` bytes of `s1`.
///
/// # Safety
/// Both are C strings.
pub unsafe extern "C" fn kapi_strnstr(
    s1: *const c_char,
    s2: *const c_char,
    len: usize,
) -> *mut c_char {
    // SAFETY: per the contract.
    let (h, n) = unsafe { (&cbytes(s1)[..kapi_strnlen(s1, len)], cbytes(s2)) };
    if n.is_empty() {
        return s1 as *mut c_char;
    }
    h.windows(n.len())
        .position(|w| w == n)
        .map_or(core::ptr::null_mut(), |i| s1.wrapping_add(i) as *mut c_char)
}

/// `strncasecmp(s1, s2, len)`: ASCII case-insensitive.
///
/// # Safety
/// Both are readable up to their NUL or `len` bytes.
pub unsafe extern "C" fn kapi_strncasecmp(a: *const c_char, b: *const c_char, len: usize) -> c_int {
    for i in 0..len {
        // SAFETY: per the contract.
        let (x, y) = unsafe {
            (
                (*a.add(i) as u8).to_ascii_lowercase(),
                (*b.add(i) as u8).to_ascii_lowercase(),
            )
        };
        if x != y || x == 0 {
            return c_int::from(x) - c_int::from(y);
        }
    }
    0
}

/// `strcasecmp(s1, s2)`.
///
/// # Safety
/// Both are C strings.
pub unsafe extern "C" fn kapi_strcasecmp(a: *const c_char, b: *const c_char) -> c_int {
    // SAFETY: bounded by the NULs.
    unsafe { kapi_strncasecmp(a, b, usize::MAX) }
}

/// `strspn(s, accept)`.
///
/// # Safety
/// Both are C strings.
pub unsafe extern "C" fn kapi_strspn(s: *const c_char, accept: *const c_char) -> usize {
    // SAFETY: per the contract.
    let (s, a) = unsafe { (cbytes(s), cbytes(accept)) };
    s.iter().take_while(|c| a.contains(c)).count()
}

/// `strcspn(s, reject)`.
///
/// # Safety
/// Both are C strings.
pub unsafe extern "C" fn kapi_strcspn(s: *const c_char, reject: *const c_char) -> usize {
    // SAFETY: per the contract.
    let (s, r) = unsafe { (cbytes(s), cbytes(reject)) };
    s.iter().take_while(|c| !r.contains(c)).count()
}

/// `strpbrk(cs, ct)`: the first byte of `cs` in `ct`, or NULL.
///
/// # Safety
/// Both are C strings.
pub unsafe extern "C" fn kapi_strpbrk(cs: *const c_char, ct: *const c_char) -> *mut c_char {
    // SAFETY: per the contract.
    let (s, set) = unsafe { (cbytes(cs), cbytes(ct)) };
    s.iter()
        .position(|c| set.contains(c))
        .map_or(core::ptr::null_mut(), |i| cs.wrapping_add(i) as *mut c_char)
}

/// `strsep(&s, ct)`: the token at `*s`, NUL-terminated at the first byte
/// of `ct`, with `*s` moved past it (NULL after the last token).
///
/// # Safety
/// `*s` is NULL or a writable C string; `ct` a C string.
pub unsafe extern "C" fn kapi_strsep(s: *mut *mut c_char, ct: *const c_char) -> *mut c_char {
    // SAFETY: per the contract.
    unsafe {
        let start = *s;
        if start.is_null() {
            return start;
        }
        let end = kapi_strpbrk(start, ct);
        if !end.is_null() {
            *end = 0;
            *s = end.add(1);
        } else {
            *s = core::ptr::null_mut();
        }
        start
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `skip_spaces(str)`: past the leading whitespace.
///
/// # Safety
/// `s` is a C string.
pub unsafe extern "C" fn kapi_skip_spaces(s: *const c_char) -> *mut c_char {
    // SAFETY: per the contract.
    let b = unsafe { cbytes(s) };
    s.wrapping_add(b.iter().take_while(|&&c| is_space(c)).count()) as *mut c_char
}

/// `strim(s)`: trailing whitespace cut (NUL written), leading skipped.
///
/// # Safety
/// `s` is a writable C string.
pub unsafe extern "C" fn kapi_strim(s: *mut c_char) -> *mut c_char {
    // SAFETY: per the contract.
    unsafe {
        let b = cbytes(s);
        let end = b.iter().rposition(|&c| !is_space(c)).map_or(0, |i| i + 1);
        if end < b.len() {
            *s.add(end) = 0;
        }
        kapi_skip_spaces(s)
    }
}

/// `memchr(s, c, n)`.
///
/// # Safety
/// `s` has `n` readable bytes.
pub unsafe extern "C" fn kapi_memchr(s: *const c_void, c: c_int, n: usize) -> *mut c_void {
    // SAFETY: per the contract.
    let b = unsafe { core::slice::from_raw_parts(s as *const u8, n) };
    b.iter()
        .position(|&x| x == c as u8)
        .map_or(core::ptr::null_mut(), |i| s.wrapping_add(i) as *mut c_void)
}

/// `kmemdup(src, len, gfp)`: a kmalloc'ed copy, or NULL.
///
/// # Safety
/// `src` has `len` readable bytes.
pub unsafe extern "C" fn kapi_kmemdup(src: *const c_void, len: usize, gfp: u32) -> *mut c_void {
    let p = super::kmalloc(len, gfp);
    if !p.is_null() {
        // SAFETY: a fresh allocation of len bytes.
        unsafe { core::ptr::copy_nonoverlapping(src as *const u8, p as *mut u8, len) };
    }
    p
}

/// `kmemdup_nul(s, len, gfp)`: `len` bytes and a NUL.
///
/// # Safety
/// `s` has `len` readable bytes.
pub unsafe extern "C" fn kapi_kmemdup_nul(s: *const c_char, len: usize, gfp: u32) -> *mut c_char {
    if s.is_null() {
        return core::ptr::null_mut();
    }
    let p = super::kmalloc(len + 1, gfp) as *mut c_char;
    if !p.is_null() {
        // SAFETY: a fresh allocation of len + 1 bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(s, p, len);
            *p.add(len) = 0;
        }
    }
    p
}

/// `kstrdup(s, gfp)`: NULL for NULL.
///
/// # Safety
/// `s` is NULL or a C string.
pub unsafe extern "C" fn kapi_kstrdup(s: *const c_char, gfp: u32) -> *mut c_char {
    if s.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: per the contract.
    unsafe { kapi_kmemdup_nul(s, kapi_strlen(s), gfp) }
}

/// `kstrndup(s, max, gfp)`.
///
/// # Safety
/// `s` is NULL or readable up to its NUL or `max` bytes.
pub unsafe extern "C" fn kapi_kstrndup(s: *const c_char, max: usize, gfp: u32) -> *mut c_char {
    if s.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: per the contract.
    unsafe { kapi_kmemdup_nul(s, kapi_strnlen(s, max), gfp) }
}

/// `sysfs_streq(s1, s2)`: equal, a trailing newline on either ignored.
///
/// # Safety
/// Both are C strings.
pub unsafe extern "C" fn kapi_sysfs_streq(s1: *const c_char, s2: *const c_char) -> bool {
    // SAFETY: per the contract.
    let (a, b) = unsafe { (cbytes(s1), cbytes(s2)) };
    a.strip_suffix(b"\n").unwrap_or(a) == b.strip_suffix(b"\n").unwrap_or(b)
}

/// `match_string(array, n, string)`: the index of `string` among the
/// first `n` entries (stopping at a NULL), or -EINVAL.
///
/// # Safety
/// `array` has `n` readable pointers (NULL or C strings).
pub unsafe extern "C" fn kapi_match_string(
    array: *const *const c_char,
    n: usize,
    string: *const c_char,
) -> c_int {
    for i in 0..n {
        // SAFETY: per the contract.
        let item = unsafe { *array.add(i) };
        if item.is_null() {
            break;
        }
        // SAFETY: both are C strings.
        if unsafe { kapi_strcmp(item, string) } == 0 {
            return i as c_int;
        }
    }
    -crate::errno::Errno::EINVAL.code()
}

/// `__sysfs_match_string(array, n, s)`: as match_string with sysfs_streq.
///
/// # Safety
/// As [`kapi_match_string`].
pub unsafe extern "C" fn kapi_sysfs_match_string(
    array: *const *const c_char,
    n: usize,
    s: *const c_char,
) -> c_int {
    for i in 0..n {
        // SAFETY: per the contract.
        let item = unsafe { *array.add(i) };
        if item.is_null() {
            break;
        }
        // SAFETY: both are C strings.
        if unsafe { kapi_sysfs_streq(item, s) } {
            return i as c_int;
        }
    }
    -crate::errno::Errno::EINVAL.code()
}

/// `strreplace(str, old, new)`: every `old` byte replaced; the NUL.
///
/// # Safety
/// `s` is a writable C string.
pub unsafe extern "C" fn kapi_strreplace(s: *mut c_char, old: c_int, new: c_int) -> *mut c_char {
    let mut p = s;
    // SAFETY: per the contract, up to the NUL.
    unsafe {
        while *p != 0 {
            if *p as u8 == old as u8 {
                *p = new as c_char;
            }
            p = p.add(1);
        }
    }
    p
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("memcpy", || kapi_memcpy as *const () as usize),
    ("memmove", || kapi_memmove as *const () as usize),
    ("memset", || kapi_memset as *const () as usize),
    ("memcmp", || kapi_memcmp as *const () as usize),
    ("bcmp", || kapi_memcmp as *const () as usize),
    ("strlen", || kapi_strlen as *const () as usize),
    ("strcmp", || kapi_strcmp as *const () as usize),
    ("strncmp", || kapi_strncmp as *const () as usize),
    ("strnlen", || kapi_strnlen as *const () as usize),
    ("strcpy", || kapi_strcpy as *const () as usize),
    ("strncpy", || kapi_strncpy as *const () as usize),
    ("strscpy", || kapi_strscpy as *const () as usize),
    ("sized_strscpy", || kapi_strscpy as *const () as usize),
    ("strscpy_pad", || kapi_strscpy_pad as *const () as usize),
    ("strlcpy", || kapi_strlcpy as *const () as usize),
    ("strcat", || kapi_strcat as *const () as usize),
    ("strncat", || kapi_strncat as *const () as usize),
    ("strlcat", || kapi_strlcat as *const () as usize),
    ("strchr", || kapi_strchr as *const () as usize),
    ("strchrnul", || kapi_strchrnul as *const () as usize),
    ("strnchr", || kapi_strnchr as *const () as usize),
    ("strrchr", || kapi_strrchr as *const () as usize),
    ("strstr", || kapi_strstr as *const () as usize),
    ("strnstr", || kapi_strnstr as *const () as usize),
    ("strcasecmp", || kapi_strcasecmp as *const () as usize),
    ("strncasecmp", || kapi_strncasecmp as *const () as usize),
    ("strspn", || kapi_strspn as *const () as usize),
    ("strcspn", || kapi_strcspn as *const () as usize),
    ("strpbrk", || kapi_strpbrk as *const () as usize),
    ("strsep", || kapi_strsep as *const () as usize),
    ("skip_spaces", || kapi_skip_spaces as *const () as usize),
    ("strim", || kapi_strim as *const () as usize),
    ("memchr", || kapi_memchr as *const () as usize),
    ("kmemdup", || kapi_kmemdup as *const () as usize),
    ("kmemdup_nul", || kapi_kmemdup_nul as *const () as usize),
    ("kstrdup", || kapi_kstrdup as *const () as usize),
    ("kstrdup_const", || kapi_kstrdup as *const () as usize),
    ("kfree_const", || super::kfree as *const () as usize),
    ("kstrndup", || kapi_kstrndup as *const () as usize),
    ("sysfs_streq", || kapi_sysfs_streq as *const () as usize),
    ("match_string", || kapi_match_string as *const () as usize),
    ("__sysfs_match_string", || {
        kapi_sysfs_match_string as *const () as usize
    }),
    ("strreplace", || kapi_strreplace as *const () as usize),
];
