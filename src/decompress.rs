//! In-kernel module decompression (Linux's kernel/module/decompress.c):
//! `finit_module(fd, args, MODULE_INIT_COMPRESSED_FILE)` hands the kernel
//! the compressed file, and the kernel decompresses it into memory before
//! the usual checks.
//!
//! Linux is built for one algorithm (`CONFIG_MODULE_COMPRESS_*`) and names
//! it in `/sys/module/compression`. This kernel decodes all three of
//! Linux's formats, recognised by their magic: gzip (`1f 8b 08`, inflated
//! by miniz_oxide), xz (`fd 37 7a 58 5a 00`, xz4rust) and zstd (`28 b5 2f
//! fd`, ruzstd), all `no_std` + `alloc`. It names xz in
//! `/sys/module/compression` ([`SYSFS_COMPRESSION`]), the compression
//! Debian's kernels ship their modules with, so kmod 31+ hands `.ko.xz`
//! to the kernel and decompresses other formats itself.
//!
//! Unknown magic is `EINVAL` (Linux: "not a ... compressed module"), a
//! corrupt stream `EINVAL`, and output beyond the caller's cap `EFBIG`,
//! detected while decoding: a decompression bomb never allocates more than
//! the cap (plus one decoder buffer).

use alloc::vec::Vec;

use crate::bail;
use crate::errno::KResult;

/// What `/sys/module/compression` reads (Linux prints its one algorithm).
pub const SYSFS_COMPRESSION: &str = "xz\n";

/// The formats recognised by magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 1952 gzip, deflate inside.
    Gzip,
    /// The .xz container with LZMA2 (and BCJ filters).
    Xz,
    /// A Zstandard frame.
    Zstd,
}

const GZIP_MAGIC: &[u8] = b"\x1f\x8b\x08";
const XZ_MAGIC: &[u8] = b"\xfd7zXZ\0";
const ZSTD_MAGIC: &[u8] = b"\x28\xb5\x2f\xfd";

/// The format of `data`, from its first bytes.
pub fn detect(data: &[u8]) -> Option<Format> {
    if data.starts_with(GZIP_MAGIC) {
        Some(Format::Gzip)
    } else if data.starts_with(XZ_MAGIC) {
        Some(Format::Xz)
    } else if data.starts_with(ZSTD_MAGIC) {
        Some(Format::Zstd)
    } else {
        None
    }
}

/// Decompresses a whole compressed module, refusing output over `cap`.
pub fn decompress(data: &[u8], cap: usize) -> KResult<Vec<u8>> {
    match detect(data) {
        Some(Format::Gzip) => gunzip(data, cap),
        Some(Format::Xz) => unxz(data, cap),
        Some(Format::Zstd) => unzstd(data, cap),
        None => bail!(EINVAL, "module: not a gzip, xz or zstd compressed module"),
    }
}

fn too_big(cap: usize) -> crate::errno::Error {
    crate::errno::Error::new(
        crate::errno::Errno::EFBIG,
        alloc::format!("module: decompressed module exceeds {cap} bytes"),
    )
}

/// The deflate data of a gzip member: the header's optional fields
/// (FEXTRA, FNAME, FCOMMENT, FHCRC) skipped, the 8-byte trailer kept.
fn gzip_body(data: &[u8]) -> Option<&[u8]> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let flags = *data.get(3)?;
    let mut at = 10usize;
    if flags & FEXTRA != 0 {
        let xlen = u16::from_le_bytes([*data.get(at)?, *data.get(at + 1)?]);
        at = at.checked_add(2 + xlen as usize)?;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = data.get(at..)?;
            at += rest.iter().position(|&b| b == 0)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    data.get(at..)
}

fn gunzip(data: &[u8], cap: usize) -> KResult<Vec<u8>> {
    use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit};
    let Some(body) = gzip_body(data) else {
        bail!(EINVAL, "module: truncated gzip header");
    };
    let out = decompress_to_vec_with_limit(body, cap).map_err(|e| match e.status {
        TINFLStatus::HasMoreOutput => too_big(cap),
        s => crate::errno::Error::new(
            crate::errno::Errno::EINVAL,
            alloc::format!("module: gzip decompression failed: {s:?}"),
        ),
    })?;
    // The trailer: CRC-32 of the data, then its size modulo 2^32. Linux
    // leaves both unchecked; checking them keeps a corrupt .ko.gz from
    // reaching the loader as a subtly different ELF.
    let Some(trailer) = data.len().checked_sub(8).map(|at| &data[at..]) else {
        bail!(EINVAL, "module: truncated gzip trailer");
    };
    let crc_ok = trailer[..4] == crc32(&out).to_le_bytes()[..];
    if !crc_ok || trailer[4..] != (out.len() as u32).to_le_bytes()[..] {
        bail!(
            EINVAL,
            "module: gzip CRC or size trailer does not match the data"
        );
    }
    Ok(out)
}

/// The CRC-32 table (reflected polynomial 0xedb88320), built at compile time.
const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// gzip's CRC-32 (ISO 3309) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = CRC32_TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// Appends decoded chunks to `out` until the decoder is done, refusing to
/// grow past `cap`. `step` fills the buffer and says (produced, finished).
fn drain(
    cap: usize,
    mut step: impl FnMut(&mut [u8]) -> KResult<(usize, bool)>,
) -> KResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = alloc::vec![0u8; 64 << 10];
    loop {
        let (n, done) = step(&mut buf)?;
        if out.len() + n > cap {
            return Err(too_big(cap));
        }
        out.extend_from_slice(&buf[..n]);
        if done {
            return Ok(out);
        }
    }
}

fn unxz(data: &[u8], cap: usize) -> KResult<Vec<u8>> {
    use xz4rust::XzDecoder;
    let mut dec = XzDecoder::in_heap_with_alloc_dict_size(4096, cap.max(4096));
    let mut input = data;
    drain(cap, |buf| {
        let r = dec.decode(input, buf).map_err(|e| {
            crate::errno::Error::new(
                crate::errno::Errno::EINVAL,
                alloc::format!("module: xz decompression failed: {e:?}"),
            )
        })?;
        input = &input[r.input_consumed()..];
        if !r.is_end_of_stream() && !r.made_progress() {
            bail!(EINVAL, "module: xz stream is truncated");
        }
        Ok((r.output_produced(), r.is_end_of_stream()))
    })
}

/// The largest zstd window accepted (zstd's ZSTD_WINDOWLOG_LIMIT_DEFAULT).
const ZSTD_WINDOW_MAX: u64 = 1 << 27;

fn unzstd(data: &[u8], cap: usize) -> KResult<Vec<u8>> {
    use ruzstd::decoding::StreamingDecoder;
    use ruzstd::io::Read;
    let einval = |what: &dyn core::fmt::Debug| {
        crate::errno::Error::new(
            crate::errno::Errno::EINVAL,
            alloc::format!("module: zstd decompression failed: {what:?}"),
        )
    };
    // A frame's window is reserved up front: allowed up to zstd's own
    // default decoder limit (2^27, `--long=27`), whatever the output cap.
    let mut dec = StreamingDecoder::new_with_max_window_size(data, ZSTD_WINDOW_MAX)
        .map_err(|e| einval(&e))?;
    let out = drain(cap, |buf| {
        let n = dec.read(buf).map_err(|e| einval(&e))?;
        Ok((n, n == 0))
    })?;
    // The frame's content checksum (xxhash64's low 32 bits), when it has one.
    let frame = &dec.decoder;
    if !frame.is_finished() {
        bail!(EINVAL, "module: zstd stream is truncated");
    }
    if frame.get_checksum_from_data() != frame.get_calculated_checksum() {
        bail!(EINVAL, "module: zstd content checksum does not match");
    }
    Ok(out)
}
