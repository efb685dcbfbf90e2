//! An ELF64 little-endian reader for tests, independent of the loader's:
//! raw field access by offset, the section headers, and byte-level edits
//! for building mutants. Also included by the benches and fuzz targets
//! (`#[path]`), so it uses nothing but `core`/`std`.
#![allow(dead_code)]

pub fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes(b[o..o + 2].try_into().unwrap())
}
pub fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
pub fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}
pub fn put_u64(b: &mut [u8], o: usize, v: u64) {
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}
pub fn put_u32(b: &mut [u8], o: usize, v: u32) {
    b[o..o + 4].copy_from_slice(&v.to_le_bytes());
}
pub fn put_u16(b: &mut [u8], o: usize, v: u16) {
    b[o..o + 2].copy_from_slice(&v.to_le_bytes());
}

/// One section header: where it is in the file (`at`) and the fields the
/// mutants aim at.
pub struct Shdr {
    pub at: usize,
    pub ty: u32,
    pub offset: usize,
    pub size: usize,
}

/// Every section header of an image (e_shoff, e_shnum from the ELF header;
/// 64-byte entries).
pub fn shdrs(b: &[u8]) -> Vec<Shdr> {
    let shoff = u64_at(b, 40) as usize;
    (0..u16_at(b, 60) as usize)
        .map(|i| {
            let at = shoff + i * 64;
            Shdr {
                at,
                ty: u32_at(b, at + 4),
                offset: u64_at(b, at + 24) as usize,
                size: u64_at(b, at + 32) as usize,
            }
        })
        .collect()
}

/// A copy of `image` with every occurrence of `from` overwritten by `to`
/// (same length), e.g. a module's `name\0` for another name.
pub fn replace_all(image: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len(), "a replacement keeps the length");
    let mut img = image.to_vec();
    let mut i = 0;
    while i + from.len() <= img.len() {
        if &img[i..i + from.len()] == from {
            img[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    img
}
