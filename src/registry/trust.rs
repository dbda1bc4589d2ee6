//! Which certificate authorities HTTPS connections trust. Normally the system's (rustls'
//! platform verifier: `/etc/ssl/certs` and friends, `SSL_CERT_FILE`, `SSL_CERT_DIR`). Where the
//! system has none (rbuild's image is `FROM scratch`; a job image without `ca-certificates`),
//! rbuild still starts (the CLI points `SSL_CERT_FILE` at a bundle it writes: [`write_fallback_bundle`]),
//! trusting the certificates it finds at `SSL_CERT_FILE`, in `SSL_CERT_DIR`, in Kaniko's
//! `/kaniko/ssl/certs` and in `/rbuild/certs`, and Mozilla's roots bundled into the binary
//! (`webpki-root-certs`): a plain-HTTP loopback registry needs none, and a public registry is
//! reached as usual. Clients read their roots when they are made, at the build's start: a build
//! that replaces `/` (the container isolation) cannot take them away.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where certificates are looked for when the system has no trust store, besides
/// `SSL_CERT_FILE` and `SSL_CERT_DIR`.
const EXTRA_DIRS: [&str; 2] = ["/kaniko/ssl/certs", "/rbuild/certs"];

/// The most certificate bytes read from one file (a bundle is ~200 KiB).
const MAX_FILE: u64 = 16 << 20;

/// The fallback roots: single-certificate PEM documents, and DER certificates.
#[derive(Debug, Default)]
pub struct Roots {
    /// PEM documents of one certificate each, found on this machine.
    pub pem: Vec<Vec<u8>>,
    /// DER certificates bundled into rbuild.
    pub der: Vec<Vec<u8>>,
}

impl Roots {
    /// The fallback roots (read once per process).
    pub fn fallback() -> &'static Roots {
        static ROOTS: OnceLock<Roots> = OnceLock::new();
        ROOTS.get_or_init(|| {
            let mut files: Vec<PathBuf> = std::env::var_os("SSL_CERT_FILE")
                .map(PathBuf::from)
                .into_iter()
                .collect();
            let dirs = std::env::var_os("SSL_CERT_DIR")
                .map(|d| std::env::split_paths(&d).collect::<Vec<_>>())
                .unwrap_or_default();
            for dir in dirs
                .iter()
                .map(PathBuf::as_path)
                .chain(EXTRA_DIRS.iter().map(Path::new))
            {
                if let Ok(entries) = std::fs::read_dir(dir) {
                    let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                    found.sort();
                    files.extend(found);
                }
            }
            let mut roots = Roots {
                pem: files
                    .iter()
                    .flat_map(|f| pem_certificates(&read_capped(f)))
                    .collect(),
                der: webpki_root_certs::TLS_SERVER_ROOT_CERTS
                    .iter()
                    .map(|c| c.as_ref().to_vec())
                    .collect(),
            };
            roots.pem.dedup();
            roots
        })
    }
}

/// The first [`MAX_FILE`] bytes of `path` (nothing when it cannot be read).
fn read_capped(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(MAX_FILE).read_to_end(&mut out);
    }
    out
}

/// The certificates of a PEM bundle, one PEM document each.
fn pem_certificates(bundle: &[u8]) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(bundle);
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(BEGIN) {
        let Some(len) = rest[start..].find(END) else {
            break;
        };
        let end = start + len + END.len();
        out.push(format!("{}\n", &rest[start..end]).into_bytes());
        rest = &rest[end..];
    }
    out
}

/// Whether a client trusting the system's roots can be made here (it cannot where the system
/// has no trust store at all).
pub fn system_has_roots() -> bool {
    reqwest::Client::builder().build().is_ok()
}

/// The [`Roots::fallback`] as one PEM bundle.
pub fn fallback_bundle() -> Vec<u8> {
    use base64::Engine as _;
    let roots = Roots::fallback();
    let mut out: Vec<u8> = roots.pem.concat();
    for der in &roots.der {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        out.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    out
}

/// Writes [`fallback_bundle`] into `dir` (created if needed); the file's path, for
/// `SSL_CERT_FILE`: every TLS client of the process (reqwest's, oci-client's, the AWS SDK's)
/// reads its roots from there.
pub fn write_fallback_bundle(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("rbuild-roots-{}.pem", std::process::id()));
    std::fs::write(&path, fallback_bundle())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_split_into_certificates_and_the_bundled_roots_parse() {
        let bundle = b"junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
            # comment\n-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n-----BEGIN CERT";
        let certs = pem_certificates(bundle);
        assert_eq!(certs.len(), 2);
        assert!(String::from_utf8_lossy(&certs[1]).contains("BBB"));
        let roots = Roots::fallback();
        assert!(roots.der.len() > 100, "Mozilla's roots are bundled");
        let bundle = fallback_bundle();
        let parsed = reqwest::Certificate::from_pem_bundle(&bundle).unwrap();
        assert!(parsed.len() >= roots.der.len());
    }
}
