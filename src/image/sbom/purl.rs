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
        // syft names Red Hat's namespace `redhat` where os-release says `rhel`.
        ("rpm", Some((id, _))) if id == "rhel" => out.push_str("redhat/"),
        ("deb" | "apk" | "rpm", Some((id, _))) => out.push_str(&format!("{}/", esc(id))),
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
    // The standard library's version is Go's without `go`, as syft writes it; an rpm's epoch
    // is a qualifier.
    let (version, epoch) = match (p.kind, p.name.as_str()) {
        ("golang", "stdlib") => (p.version.strip_prefix("go").unwrap_or(&p.version), None),
        ("rpm", _) => match p.version.split_once(':') {
            Some((epoch, version)) => (version, Some(epoch)),
            None => (p.version.as_str(), None),
        },
        _ => (p.version.as_str(), None),
    };
    if !version.is_empty() {
        out.push('@');
        out.push_str(&esc(version));
    }
    let mut q = Vec::new();
    if !p.arch.is_empty() {
        q.push(format!("arch={}", esc(&p.arch)));
    }
    if let Some(epoch) = epoch {
        q.push(format!("epoch={}", esc(epoch)));
    }
    if let (Some((id, version)), "deb" | "apk" | "rpm") = (distro, p.kind) {
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
        let fedora = Some(("fedora".to_string(), "40".to_string()));
        assert_eq!(
            package_url(
                &package("rpm", "bash", "1:5.2.26-3.fc40", "x86_64"),
                fedora.as_ref()
            ),
            "pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64&epoch=1&distro=fedora-40"
        );
        assert_eq!(
            package_url(
                &package("rpm", "tzdata", "2024a-5.fc40", "noarch"),
                fedora.as_ref()
            ),
            "pkg:rpm/fedora/tzdata@2024a-5.fc40?arch=noarch&distro=fedora-40"
        );
        let rhel = Some(("rhel".to_string(), "9.4".to_string()));
        assert_eq!(
            package_url(
                &package("rpm", "bash", "5.1.8-9.el9", "x86_64"),
                rhel.as_ref()
            ),
            "pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.4"
        );
    }
}
