//! Signing modules as a user does: the Kbuild directory's sign-file
//! (openssl) with the keys the build generated.

use std::process::Command;

use starry_sample_modules::signing::SIGN_FILE;

/// `sign-file [-k] HASH KEY X509 MODULE DEST` on `module`, its output.
pub fn sign_with(module: &[u8], (key, x509): (&str, &str), hash: &str, keyid: bool) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!(
        "starry-sign-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, dest) = (dir.join("m.ko"), dir.join("signed.ko"));
    std::fs::write(&src, module).unwrap();
    let mut cmd = Command::new(SIGN_FILE);
    if keyid {
        cmd.arg("-k");
    }
    let st = cmd
        .args([hash, key, x509])
        .arg(&src)
        .arg(&dest)
        .status()
        .unwrap();
    assert!(st.success(), "sign-file {hash} {key}");
    let out = std::fs::read(&dest).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

pub fn sign(module: &[u8], key: (&str, &str)) -> Vec<u8> {
    sign_with(module, key, "sha256", false)
}
