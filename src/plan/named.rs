//! Named contexts (`--build-context NAME=VALUE`, BuildKit's `context:NAME`): names that `FROM`,
//! `COPY --from` and `RUN --mount from=` resolve to before stages and images, and a stage whose
//! name is one is replaced by it, as BuildKit's dockerfile2llb does.
//!
//! A named context is files (a directory, a fetched URL or git checkout: hashed and keyed as the
//! build context is), an image (`docker-image://REF`, keyed by its resolved digest as any FROM;
//! `oci-layout://`, an image of a local OCI layout, by its manifest digest) or `scratch`. The session turns the flag's values into these (`session::named`).

use crate::context::BuildContext;
use crate::oci::reference::Reference;

/// What one name stands for.
#[derive(Debug)]
pub enum NamedValue {
    /// Files on this machine, read as the build context is (the directory's own `.dockerignore`
    /// applies, as BuildKit's `local:` contexts read it).
    Local {
        /// The opened directory.
        context: Box<BuildContext>,
        /// The flag's value, as given (shown in messages).
        origin: String,
    },
    /// `docker-image://REF`: the image REF replaces the name.
    Image(String),
    /// `docker-image://scratch`: an empty filesystem.
    Scratch,
    /// `oci-layout://DIR[:TAG|@DIGEST]`: an image of an OCI layout on this machine, keyed by
    /// its manifest digest as an image is.
    Layout(crate::registry::oci_layout::LayoutImage),
}

/// One `--build-context`.
#[derive(Debug)]
pub struct NamedContext {
    /// The name as given.
    pub name: String,
    /// What it stands for.
    pub value: NamedValue,
    /// The name normalized as an image reference is (`alpine` and `docker.io/library/alpine`
    /// are one name, as BuildKit compares them).
    normalized: String,
}

/// Every `--build-context` of a build, in the order given (a later one of the same name wins).
#[derive(Debug, Default)]
pub struct NamedContexts {
    entries: Vec<NamedContext>,
}

impl NamedContexts {
    /// Adds `name`; an error when the name is not one an image reference could be (BuildKit's
    /// "invalid context name").
    pub fn add(&mut self, name: &str, value: NamedValue) -> Result<(), String> {
        let normalized = normalize(name).ok_or_else(|| {
            format!("invalid context name {name:?}: it must be a valid image name (lowercase)")
        })?;
        self.entries.retain(|e| e.normalized != normalized);
        self.entries.push(NamedContext {
            name: name.to_string(),
            value,
            normalized,
        });
        Ok(())
    }

    /// The context `name` (a FROM base, a `--from` value, a stage's name) refers to, with its
    /// index; `scratch` and `context` are never looked up, as in BuildKit.
    pub fn lookup(&self, name: &str) -> Option<(usize, &NamedContext)> {
        if self.entries.is_empty()
            || name.eq_ignore_ascii_case("scratch")
            || name.eq_ignore_ascii_case("context")
        {
            return None;
        }
        let normalized = normalize(name)?;
        self.entries
            .iter()
            .enumerate()
            .find(|(_, e)| e.normalized == normalized)
    }

    /// The context at `index`.
    pub fn get(&self, index: usize) -> Option<&NamedContext> {
        self.entries.get(index)
    }

    /// The files of the local context at `index`.
    pub fn local(&self, index: usize) -> Option<&BuildContext> {
        match &self.entries.get(index)?.value {
            NamedValue::Local { context, .. } => Some(context),
            _ => None,
        }
    }

    /// Every context.
    pub fn iter(&self) -> impl Iterator<Item = &NamedContext> {
        self.entries.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Saves the hash caches of the local contexts (errors only logged).
    pub fn save_hash_caches(&self) {
        for e in &self.entries {
            if let NamedValue::Local { context, .. } = &e.value
                && let Err(err) = context.save_hash_cache()
            {
                tracing::debug!("hash cache of context {} not saved: {err}", e.name);
            }
        }
    }
}

/// Whether `base` (a FROM base, a `--from` value) is the `--build-context` name `name`, as
/// [`NamedContexts::lookup`] matches them.
pub fn same_name(name: &str, base: &str) -> bool {
    !base.eq_ignore_ascii_case("scratch")
        && !base.eq_ignore_ascii_case("context")
        && normalize(name).is_some_and(|n| normalize(base).as_ref() == Some(&n))
}

/// `name` as a normalized image reference, if it is one.
fn normalize(name: &str) -> Option<String> {
    Reference::parse(name).ok().map(|r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_as_image_references() {
        let mut n = NamedContexts::default();
        n.add("alpine", NamedValue::Image("alpine:3.19".into()))
            .unwrap();
        n.add("files", NamedValue::Scratch).unwrap();
        assert_eq!(n.lookup("alpine").unwrap().0, 0);
        assert_eq!(n.lookup("docker.io/library/alpine:latest").unwrap().0, 0);
        assert!(n.lookup("alpine:3.19").is_none());
        assert_eq!(n.lookup("files").unwrap().1.name, "files");
        assert!(n.lookup("scratch").is_none());
        assert!(n.add("Files", NamedValue::Scratch).is_err());
        assert!(n.add("", NamedValue::Scratch).is_err());
        n.add("files", NamedValue::Image("busybox".into())).unwrap();
        assert!(matches!(
            n.lookup("files").unwrap().1.value,
            NamedValue::Image(_)
        ));
    }
}
