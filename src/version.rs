// The kernel's release and version magic: the one place they are written.
//
// Plain constants, no imports and no inner doc comments, so that the
// sample modules' build (sample-modules/build.rs: generated/utsrelease.h,
// linux/version.h, the CONFIG_ options the vermagic names) and
// sample-modules/src/lib.rs can `include!` this file as well.

/// The kernel release (`uname -r`) the module tree is for: Linux's
/// UTS_RELEASE, `VERSION.PATCHLEVEL.SUBLEVEL` then the local version.
pub const RELEASE: &str = "6.6.0-starry";

/// The version magic modules must carry (`vermagic=` in `.modinfo`): the
/// release, then the configuration words Linux's linux/vermagic.h adds
/// (`SMP` for CONFIG_SMP, `mod_unload` for CONFIG_MODULE_UNLOAD).
pub const VERMAGIC: &str = "6.6.0-starry SMP mod_unload";

// VERMAGIC starts with RELEASE and a space.
const _: () = {
    let (r, v) = (RELEASE.as_bytes(), VERMAGIC.as_bytes());
    assert!(v.len() > r.len() && v[r.len()] == b' ');
    let mut i = 0;
    while i < r.len() {
        assert!(r[i] == v[i], "VERMAGIC must start with RELEASE");
        i += 1;
    }
};
