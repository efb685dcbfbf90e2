//! The string helpers a module calls (kstrto*, sscanf, string.h, cred.h),
//! checked against Linux's rules through the `strtools` sample: what its
//! init logs, and what its sysfs `parse` file gives for text a user
//! writes; `whoami` shows the caller's ids and capability.

mod common;

use common::{Sys, assert_logged, boot, kernel};
use starry_kmod::platform::Cred;
use starry_kmod::platform::host::with_cred;
use starry_kmod::syscalls::O_NONBLOCK;
use starry_kmod::vfs::finit_path;
use starry_kmod::{Errno, RELEASE, delete_module};
use starry_kmod_fs::pseudo::{read_all, to_errno};
use starry_sample_modules::STRTOOLS;

const P: &str = "/sys/kernel/strtools/parse";

fn insmod(sys: &Sys) {
    let path = format!("/lib/modules/{RELEASE}/kernel/{}.ko", STRTOOLS.name);
    finit_path(&sys.ns, &path, b"", 0).unwrap();
}

fn cat(sys: &Sys, path: &str) -> String {
    let n = sys.ns.lookup(path).unwrap();
    String::from_utf8(read_all(&n, 4096).unwrap()).unwrap()
}

fn parse(sys: &Sys, text: &str) -> Result<String, Errno> {
    let n = sys.ns.lookup(P).unwrap();
    n.write_at(0, text.as_bytes())
        .map_err(|e| Errno(to_errno(e)))?;
    Ok(cat(sys, P))
}

#[test]
fn string_functions_follow_linux() {
    let mut k = kernel();
    let sys = boot(&[STRTOOLS]);
    insmod(&sys);
    let log = k.log();
    for line in [
        "strtools: strscpy fits: 5 'seven'",
        "strtools: strscpy too long: -7 'much to'",
        "strtools: strncpy pads: 0 0",
        "strtools: kstrdup: /lib/modules/extra/strtools.ko (a copy)",
        "strtools: strrchr: strtools.ko",
        "strtools: strstr: extra/strtools.ko",
        "strtools: strnlen: 4 30",
        "strtools: strcasecmp: 0",
        "strtools: sscanf: 3 fields: 12 31 tail",
        "strtools: skip_spaces: 'left'",
    ] {
        assert_logged(&log, line);
    }
    delete_module("strtools", O_NONBLOCK).unwrap();
}

#[test]
fn kstrto_rules_through_sysfs() {
    let _k = kernel();
    let sys = boot(&[STRTOOLS]);
    insmod(&sys);
    assert_eq!(cat(&sys, P), "nothing yet\n");
    let ok = [
        ("int 0x1f\n", "int 31\n"),
        ("int -2147483648", "int -2147483648\n"),
        ("int 010", "int 8\n"),
        ("uint +7", "uint 7\n"),
        ("u8 0377", "u8 255\n"),
        ("s8 -128", "s8 -128\n"),
        ("ll -0x10", "ll -16\n"),
        ("ull 18446744073709551615\n", "ull 18446744073709551615\n"),
        ("bool on", "bool true\n"),
        ("bool N\n", "bool false\n"),
        ("words  a , b,,c  \n", "[a][b][][c]\n"),
    ];
    for (input, want) in ok {
        assert_eq!(parse(&sys, input).as_deref(), Ok(want), "{input:?}");
    }
    let bad = [
        ("int 2147483648", Errno::ERANGE),
        ("u8 256", Errno::ERANGE),
        ("s8 128", Errno::ERANGE),
        ("ull 18446744073709551616", Errno::ERANGE),
        ("uint -1", Errno::EINVAL),
        ("int 12abc", Errno::EINVAL),
        ("int 10\n\n", Errno::EINVAL),
        ("int 08", Errno::EINVAL),
        ("int ", Errno::EINVAL),
        ("bool maybe", Errno::EINVAL),
    ];
    for (input, e) in bad {
        assert_eq!(parse(&sys, input), Err(e), "{input:?}");
        let kind = input.split(' ').next().unwrap();
        assert_eq!(
            cat(&sys, P),
            format!("{kind} error {}\n", -e.0),
            "{input:?}"
        );
    }
    delete_module("strtools", O_NONBLOCK).unwrap();
}

#[test]
fn current_cred_is_the_callers() {
    let _k = kernel();
    let sys = boot(&[STRTOOLS]);
    insmod(&sys);
    let who = "/sys/kernel/strtools/whoami";
    assert_eq!(cat(&sys, who), "uid 0 euid 0 gid 0 admin 1\n");
    let user = with_cred(Cred::user(1000, 1001), || cat(&sys, who));
    assert_eq!(user, "uid 1000 euid 1000 gid 1001 admin 0\n");
    delete_module("strtools", O_NONBLOCK).unwrap();
}
