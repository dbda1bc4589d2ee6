//! Package URLs (`pkg:deb/debian/bash@5.2?arch=amd64&distro=debian-12`) for SBOM packages,
//! as the purl spec and syft write them.

use super::Package;

/// A package's URL (`pkg:deb/debian/bash@5.2?arch=amd64&distro=debian-12`).
pub fn package_url(p: &Package, distro: Option<&(String, String)>) -> String {
    let esc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let mut out = format!("pkg:{}/", p.kind);
    match (p.kind, distro) {
        ("deb" | "apk", Some((id, _))) => out.push_str(&format!("{}/", esc(id))),
        ("npm", _) if p.name.starts_with('@') => {}
        _ => {}
    }
    match p.name.split_once('/') {
        Some((scope, name)) if p.kind == "npm" => {
            out.push_str(&format!("{}/{}", esc(scope), esc(name)))
        }
        // A module path's segments are its namespace and name.
        _ if p.kind == "golang" => {
            out.push_str(&p.name.split('/').map(esc).collect::<Vec<_>>().join("/"))
        }
        _ => out.push_str(&esc(&p.name)),
    }
    // The standard library's version is Go's without `go`, as syft writes it.
    let version = match (p.kind, p.name.as_str()) {
        ("golang", "stdlib") => p.version.strip_prefix("go").unwrap_or(&p.version),
        _ => &p.version,
    };
    if !version.is_empty() {
        out.push('@');
        out.push_str(&esc(version));
    }
    let mut q = Vec::new();
    if !p.arch.is_empty() {
        q.push(format!("arch={}", esc(&p.arch)));
    }
    if let (Some((id, version)), "deb" | "apk") = (distro, p.kind) {
        q.push(format!("distro={}", esc(&format!("{id}-{version}"))));
    }
    if !q.is_empty() {
        out.push('?');
        out.push_str(&q.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(kind: &'static str, name: &str, version: &str, arch: &str) -> Package {
        Package {
            kind,
            name: name.to_string(),
            version: version.to_string(),
            arch: arch.to_string(),
            license: String::new(),
            location: String::new(),
        }
    }

    #[test]
    fn urls_of_each_kind() {
        let debian = Some(("debian".to_string(), "12".to_string()));
        let cases = [
            (
                package("deb", "bash", "5.2.15-2+b2", "amd64"),
                "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12",
            ),
            (
                package("npm", "@scope/x", "1.0.0", ""),
                "pkg:npm/%40scope/x@1.0.0",
            ),
            (
                package("golang", "github.com/a/b/v2", "v2.0.0+incompatible", ""),
                "pkg:golang/github.com/a/b/v2@v2.0.0%2Bincompatible",
            ),
            (
                package("golang", "stdlib", "go1.22.1", ""),
                "pkg:golang/stdlib@1.22.1",
            ),
            (
                package("cargo", "serde", "1.0.200", ""),
                "pkg:cargo/serde@1.0.200",
            ),
        ];
        for (p, url) in cases {
            assert_eq!(package_url(&p, debian.as_ref()), url);
        }
    }
}
