//! Go modules from a Go binary's build info (its `.go.buildinfo` section), as `go version -m`
//! prints them: the main module, every dependency (replacements applied) and the standard
//! library at the Go version that built it.
//!
//! Only Go 1.18's inline format is read (the header's flag 2: version and module strings right
//! after the 32-byte header); older binaries point into their data segment and are skipped.

use super::Package;

/// The section holding the build info.
pub const SECTION: &str = ".go.buildinfo";

/// The build info's magic, at the start of its section.
const MAGIC: &[u8] = b"\xff Go buildinf:";

/// An unsigned LEB128 integer at the start of `bytes`, and its length.
fn uvarint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// A length-prefixed string at the start of `bytes`, and the rest.
fn string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, n) = uvarint(bytes)?;
    let rest = bytes.get(n..)?;
    let len = usize::try_from(len).ok().filter(|l| *l <= rest.len())?;
    Some(rest.split_at(len))
}

/// The Go version and module lines of a `.go.buildinfo` section.
fn build_info(section: &[u8]) -> Option<(String, String)> {
    if section.get(..MAGIC.len())? != MAGIC || section.get(15)? & 2 == 0 {
        return None;
    }
    let (version, rest) = string(section.get(32..)?)?;
    let (mut modules, _) = string(rest)?;
    // Module info is framed by 16 bytes of sentinel on each side.
    if modules.len() >= 33 && modules[modules.len() - 17] == b'\n' {
        modules = &modules[16..modules.len() - 16];
    }
    Some((
        String::from_utf8_lossy(version).into_owned(),
        String::from_utf8_lossy(modules).into_owned(),
    ))
}

/// The Go packages the build info in `section` names, found at `location`.
pub fn packages(section: &[u8], location: &str) -> Vec<Package> {
    let Some((go, modules)) = build_info(section) else {
        return Vec::new();
    };
    let package = |name: &str, version: &str, license: &str| Package {
        kind: "golang",
        name: name.to_string(),
        version: version.to_string(),
        arch: String::new(),
        license: license.to_string(),
        location: location.to_string(),
    };
    let mut out = Vec::new();
    for line in modules.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["mod" | "dep", path, version, ..] => out.push(package(path, version, "")),
            ["mod" | "dep", path] => out.push(package(path, "", "")),
            ["=>", path, version, ..] if !version.is_empty() => {
                if let Some(last) = out.last_mut() {
                    *last = package(path, version, "");
                }
            }
            _ => {}
        }
    }
    if go.starts_with("go") {
        out.push(package("stdlib", &go, "BSD-3-Clause"));
    }
    out
}

/// `.go.buildinfo` sections for tests.
#[cfg(test)]
pub mod fixture {
    /// An inline (Go 1.18+) build info section for `version` and `modules` lines.
    pub fn section(version: &str, modules: &str) -> Vec<u8> {
        let mut out = super::MAGIC.to_vec();
        out.extend([8, 2]);
        out.resize(32, 0);
        let mut framed = vec![0x30u8; 16];
        framed.extend(modules.as_bytes());
        framed.extend([0xf9u8; 16]);
        for s in [version.as_bytes(), &framed[..]] {
            let mut len = s.len();
            while len >= 0x80 {
                out.push((len as u8) | 0x80);
                len >>= 7;
            }
            out.push(len as u8);
            out.extend(s);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULES: &str = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\n\
        dep\tgithub.com/spf13/cobra\tv1.8.0\th1:abc=\n\
        dep\tgolang.org/x/sys\tv0.1.0\th1:def=\n=>\tgithub.com/fork/sys\tv0.2.0\th1:ghi=\n\
        build\t-compiler=gc\n";

    #[test]
    fn modules_dependencies_and_stdlib() {
        let found = packages(&fixture::section("go1.22.1", MODULES), "app/server");
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("example.com/app", "(devel)"),
                ("github.com/spf13/cobra", "v1.8.0"),
                ("github.com/fork/sys", "v0.2.0"),
                ("stdlib", "go1.22.1"),
            ]
        );
        assert!(found.iter().all(|p| p.location == "app/server"));
    }

    #[test]
    fn a_long_module_list_has_a_multi_byte_length() {
        let many: String = (0..100)
            .map(|i| format!("dep\texample.com/m{i}\tv1.0.{i}\th1:x=\n"))
            .collect();
        assert_eq!(
            packages(&fixture::section("go1.21.0", &many), "x").len(),
            101
        );
    }

    #[test]
    fn hostile_sections_give_nothing() {
        let good = fixture::section("go1.22.1", MODULES);
        assert!(packages(&good[..good.len() - 20], "x").is_empty());
        assert!(packages(&good[..31], "x").is_empty());
        let mut old = good.clone();
        old[15] = 0;
        assert!(
            packages(&old, "x").is_empty(),
            "the pointer format is skipped"
        );
        let mut huge = good.clone();
        huge[32..37].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(packages(&huge, "x").is_empty());
        let mut endless = good;
        endless.truncate(32);
        endless.extend([0xff; 12]);
        assert!(packages(&endless, "x").is_empty());
    }
}
