//! Random numbers for modules (Linux's include/linux/random.h):
//! get_random_bytes, get_random_u32/u64. A ChaCha20 stream keyed once from
//! the platform's clocks and addresses mixed through SplitMix64, with a
//! block counter: unpredictable enough for modules' needs (hash seeds,
//! jitter), not a replacement for the host's or hardware's entropy.

use core::ffi::c_void;
use core::sync::atomic::{AtomicU64, Ordering};

use ax_kspin::SpinRaw;

use super::AddrFn;
use crate::platform;

struct State {
    key: [u32; 8],
    counter: u64,
    keyed: bool,
}

static STATE: SpinRaw<State> = SpinRaw::new(State {
    key: [0; 8],
    counter: 0,
    keyed: false,
});

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// One ChaCha20 block of the stream.
fn block() -> [u8; 64] {
    static SALT: AtomicU64 = AtomicU64::new(0);
    let mut st = STATE.lock();
    if !st.keyed {
        let p = platform::installed();
        let mut seed = p.map_or(0, |p| p.now_ns() ^ p.real_ns().rotate_left(17))
            ^ (&SALT as *const AtomicU64 as u64)
            ^ ((seed_marker as *const () as u64) << 7);
        for i in 0..4 {
            let v = splitmix(&mut seed);
            st.key[2 * i] = v as u32;
            st.key[2 * i + 1] = (v >> 32) as u32;
        }
        st.keyed = true;
    }
    let n = st.counter;
    st.counter += 1;
    let key = st.key;
    drop(st);
    let mut s: [u32; 16] = [
        0x6170_7865,
        0x3320_646e,
        0x7962_2d32,
        0x6b20_6574,
        key[0],
        key[1],
        key[2],
        key[3],
        key[4],
        key[5],
        key[6],
        key[7],
        n as u32,
        (n >> 32) as u32,
        SALT.fetch_add(1, Ordering::Relaxed) as u32,
        0,
    ];
    let init = s;
    for _ in 0..10 {
        quarter(&mut s, 0, 4, 8, 12);
        quarter(&mut s, 1, 5, 9, 13);
        quarter(&mut s, 2, 6, 10, 14);
        quarter(&mut s, 3, 7, 11, 15);
        quarter(&mut s, 0, 5, 10, 15);
        quarter(&mut s, 1, 6, 11, 12);
        quarter(&mut s, 2, 7, 8, 13);
        quarter(&mut s, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for i in 0..16 {
        out[4 * i..4 * i + 4].copy_from_slice(&s[i].wrapping_add(init[i]).to_le_bytes());
    }
    out
}

fn seed_marker() {}

/// `get_random_bytes(buf, len)`.
///
/// # Safety
/// `buf` is valid for `len` bytes of writes.
pub unsafe extern "C" fn kapi_get_random_bytes(buf: *mut c_void, len: usize) {
    let mut done = 0;
    while done < len {
        let b = block();
        let n = (len - done).min(64);
        // SAFETY: per the contract.
        unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), (buf as *mut u8).add(done), n) };
        done += n;
    }
}

/// `get_random_u64()`.
pub extern "C" fn kapi_get_random_u64() -> u64 {
    u64::from_le_bytes(block()[..8].try_into().expect("8 bytes"))
}

/// `get_random_u32()`.
pub extern "C" fn kapi_get_random_u32() -> u32 {
    kapi_get_random_u64() as u32
}

/// This area's exports.
pub(super) const EXPORTS: &[(&str, AddrFn)] = &[
    ("get_random_bytes", || {
        kapi_get_random_bytes as *const () as usize
    }),
    ("get_random_u64", || {
        kapi_get_random_u64 as *const () as usize
    }),
    ("get_random_u32", || {
        kapi_get_random_u32 as *const () as usize
    }),
];
