//! `.modinfo` and the module's name (Linux's `elf_validity_cache_index_info`
//! and the `name=` lookup that follows it).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::consts::*;
use super::raw::Image;
use super::{Section, bad, check_module_name};
use crate::errno::KResult;

/// `.modinfo` as (key, value) pairs in file order, and the module's name.
pub(super) type Modinfo = (Vec<(String, String)>, String);

/// `.modinfo`, the section at `index` (None: there is none).
///
/// Checks:
/// - the module has a `.modinfo` with contents in the file, ending in NUL;
/// - every entry is UTF-8 `key=value`;
/// - there is a `name=`, and the name is a valid module name.
pub(super) fn modinfo(
    image: Image<'_>,
    sections: &[Section],
    index: Option<usize>,
) -> KResult<Modinfo> {
    let mi = &sections[index.ok_or_else(|| bad("module has no .modinfo section"))?];
    if mi.sh_type == SHT_NOBITS || mi.size == 0 {
        return Err(bad(".modinfo is empty"));
    }
    let bytes = image.range(mi.offset, mi.size).unwrap_or(&[]);
    let Some((&0, entries)) = bytes.split_last() else {
        return Err(bad(".modinfo is not NUL-terminated"));
    };
    let mut modinfo = Vec::new();
    for entry in entries.split(|&c| c == 0) {
        let s =
            core::str::from_utf8(entry).map_err(|_| bad(".modinfo entry is not valid UTF-8"))?;
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| bad(format!(".modinfo entry `{s}' is not key=value")))?;
        modinfo.push((k.to_string(), v.to_string()));
    }
    let name = modinfo
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| bad(".modinfo has no name="))?;
    check_module_name(&name)?;
    Ok((modinfo, name))
}
