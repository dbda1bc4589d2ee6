//! `--annotation`, parsed as buildx parses it: `[TYPE[,TYPE...][\[PLATFORM\]]:]KEY=VALUE`,
//! where TYPE is `manifest` (the default), `index`, `manifest-descriptor` or
//! `index-descriptor`, and a platform (`manifest[linux/amd64]:k=v`) limits a manifest
//! annotation to that platform's image.

use std::collections::BTreeMap;

use super::error::SessionError;

/// Where an annotation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnnotationTarget {
    /// The image manifest's `annotations`.
    Manifest,
    /// The image index's `annotations`.
    Index,
    /// The manifest's descriptor in the index.
    ManifestDescriptor,
    /// The index's descriptor (in an OCI layout's `index.json`).
    IndexDescriptor,
}

/// One `--annotation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Where it goes.
    pub target: AnnotationTarget,
    /// The platform it is limited to (`linux/amd64`), for manifests.
    pub platform: Option<String>,
    /// Its key.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// Every `--annotation` of a build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations(pub Vec<Annotation>);

impl Annotations {
    /// Parses the `--annotation` values.
    pub fn parse(values: &[String]) -> Result<Self, SessionError> {
        let mut out = Vec::new();
        for v in values {
            out.extend(parse_one(v)?);
        }
        Ok(Self(out))
    }

    /// The annotations for `target`, those limited to a platform only when it is `platform`.
    pub fn for_target(&self, target: AnnotationTarget, platform: &str) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter(|a| a.target == target)
            .filter(|a| {
                a.platform
                    .as_deref()
                    .is_none_or(|p| same_platform(p, platform))
            })
            .map(|a| (a.key.clone(), a.value.clone()))
            .collect()
    }

    /// Whether any annotation goes to `target`.
    pub fn has(&self, target: AnnotationTarget) -> bool {
        self.0.iter().any(|a| a.target == target)
    }
}

/// Whether two platform texts name the same platform (`linux/arm64` and `linux/arm64/v8`).
fn same_platform(a: &str, b: &str) -> bool {
    let norm = |p: &str| {
        crate::oci::platform::Platform::parse(p)
            .map(|p| p.to_string())
            .unwrap_or_else(|_| p.to_string())
    };
    norm(a) == norm(b)
}

fn parse_one(spec: &str) -> Result<Vec<Annotation>, SessionError> {
    let bad = |reason: &str| SessionError::Flag {
        flag: format!("--annotation {spec:?}"),
        reason: reason.to_string(),
    };
    let (kv_start, types, platform) = match split_prefix(spec) {
        Some((prefix, rest)) => {
            let (types, platform) = match prefix.split_once('[') {
                Some((types, p)) => {
                    let p = p.strip_suffix(']').ok_or_else(|| {
                        bad("unterminated platform (want TYPE[os/arch]:KEY=VALUE)")
                    })?;
                    crate::oci::platform::Platform::parse(p)
                        .map_err(|e| bad(&format!("platform {p:?}: {e}")))?;
                    (types, Some(p.to_string()))
                }
                None => (prefix, None),
            };
            let mut targets = Vec::new();
            for t in types.split(',') {
                targets.push(match t.trim() {
                    "manifest" => AnnotationTarget::Manifest,
                    "index" => AnnotationTarget::Index,
                    "manifest-descriptor" => AnnotationTarget::ManifestDescriptor,
                    "index-descriptor" => AnnotationTarget::IndexDescriptor,
                    other => {
                        return Err(bad(&format!(
                            "unknown annotation type {other:?} (manifest, index, manifest-descriptor, index-descriptor)"
                        )));
                    }
                });
            }
            (rest, targets, platform)
        }
        None => (spec, vec![AnnotationTarget::Manifest], None),
    };
    let (key, value) = kv_start
        .split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| bad("want KEY=VALUE"))?;
    if platform.is_some()
        && types.iter().any(|t| {
            matches!(
                t,
                AnnotationTarget::Index | AnnotationTarget::IndexDescriptor
            )
        })
    {
        return Err(bad("a platform applies to manifest annotations only"));
    }
    Ok(types
        .into_iter()
        .map(|target| Annotation {
            target,
            platform: platform.clone(),
            key: key.to_string(),
            value: value.to_string(),
        })
        .collect())
}

/// Splits `TYPE...:KEY=VALUE` at the colon that ends the type prefix: one before the first
/// `=` whose left side is made of annotation type names (a key such as
/// `org.opencontainers.image.url` may hold colons only in its value).
fn split_prefix(spec: &str) -> Option<(&str, &str)> {
    let eq = spec.find('=')?;
    let colon = spec[..eq].find(':')?;
    let prefix = &spec[..colon];
    let types = prefix.split('[').next().unwrap_or_default();
    let known = types.split(',').all(|t| {
        matches!(
            t.trim(),
            "manifest" | "index" | "manifest-descriptor" | "index-descriptor"
        )
    });
    // An unknown type is still a prefix when it looks like one (no dots), so it is refused
    // with a message rather than taken for a key.
    (known || !types.contains('.')).then(|| (prefix, &spec[colon + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildx_annotation_syntax() {
        let a = Annotations::parse(&[
            "org.opencontainers.image.title=app".into(),
            "index,manifest:org.opencontainers.image.version=1.0".into(),
            "manifest[linux/arm64]:arch.note=arm".into(),
            "index-descriptor:d=1".into(),
        ])
        .unwrap();
        let m = a.for_target(AnnotationTarget::Manifest, "linux/amd64");
        assert_eq!(m.get("org.opencontainers.image.title").unwrap(), "app");
        assert_eq!(m.get("org.opencontainers.image.version").unwrap(), "1.0");
        assert!(!m.contains_key("arch.note"));
        let arm = a.for_target(AnnotationTarget::Manifest, "linux/arm64/v8");
        assert_eq!(arm.get("arch.note").unwrap(), "arm");
        assert_eq!(a.for_target(AnnotationTarget::Index, "").len(), 1);
        assert!(a.has(AnnotationTarget::IndexDescriptor));
        assert!(!a.has(AnnotationTarget::ManifestDescriptor));
        let url =
            Annotations::parse(&["org.opencontainers.image.source=https://x/y".into()]).unwrap();
        assert_eq!(url.0[0].value, "https://x/y");
        assert!(Annotations::parse(&["bogus:k=v".into()]).is_err());
        assert!(Annotations::parse(&["index[linux/amd64]:k=v".into()]).is_err());
        assert!(Annotations::parse(&["novalue".into()]).is_err());
    }
}
