//! Where a stage's base, a `COPY --from` or a `RUN --mount from=` comes from: another stage of
//! this Dockerfile, `scratch`, or an image whose tag must be resolved to a manifest digest.

use crate::oci::platform::Platform;
use crate::oci::reference::Reference;

/// Resolves image references to manifest digests (the registry client implements this; until a
/// registry is consulted only pinned digests resolve).
pub trait BaseResolver: Sync {
    /// The manifest digest `reference` resolves to for `platform`, `Ok(None)` when this resolver
    /// cannot tell (the key is then provisional), or an error message.
    fn resolve(&self, reference: &Reference, platform: &Platform)
    -> Result<Option<String>, String>;

    /// The image's config (ENV, WORKDIR, USER, CMD, history, ...), which a stage built on it
    /// starts from; `Ok(None)` when this resolver cannot tell (the stage then starts from
    /// Docker's defaults).
    fn config(
        &self,
        reference: &Reference,
        platform: &Platform,
    ) -> Result<Option<crate::image::config::ImageConfig>, String> {
        let _ = (reference, platform);
        Ok(None)
    }

    /// The sha256 (hex) of what `url` serves, for an `ADD <url>` without `--checksum` (fetched
    /// once per build); `Ok(None)` when this resolver does not fetch (`rbuild plan`: the key is
    /// then provisional), or an error message.
    fn url_digest(&self, url: &str) -> Result<Option<String>, String> {
        let _ = url;
        Ok(None)
    }

    /// The commit an `ADD <git source>`'s ref names (resolved once per build); `Ok(None)` when
    /// this resolver does not ask (`rbuild plan`: the key is then provisional).
    fn git_commit(&self, source: &str) -> Result<Option<String>, String> {
        let _ = source;
        Ok(None)
    }
}

/// Resolves only references that pin a digest (`alpine@sha256:...`).
#[derive(Debug, Default, Clone, Copy)]
pub struct PinnedOnly;

impl BaseResolver for PinnedOnly {
    fn resolve(&self, reference: &Reference, _: &Platform) -> Result<Option<String>, String> {
        Ok(reference.digest.clone())
    }
}

/// A resolved image: its reference and, when known, its manifest digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageSource {
    /// The normalized reference.
    pub reference: String,
    /// The manifest digest, when resolved.
    pub digest: Option<String>,
}

/// What a name in `FROM`, `COPY --from` or `RUN --mount from=` refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `scratch`: an empty filesystem.
    Scratch,
    /// A stage of this Dockerfile, by index.
    Stage(usize),
    /// An image.
    Image(ImageSource),
    /// The files of a `--build-context` (by its index in
    /// [`NamedContexts`](super::named::NamedContexts)): a stage on them has no image config.
    Local(usize),
    /// The image of an `oci-layout://` `--build-context` (by its index in
    /// [`NamedContexts`](super::named::NamedContexts)).
    Layout(usize),
}

/// What the named context `index` makes of a name in FROM: its files, its image or scratch.
pub fn named_source(index: usize, context: &super::named::NamedContext) -> Source {
    match &context.value {
        super::named::NamedValue::Local { .. } => Source::Local(index),
        super::named::NamedValue::Image(reference) => Source::Image(ImageSource {
            reference: reference.clone(),
            digest: None,
        }),
        super::named::NamedValue::Scratch => Source::Scratch,
        super::named::NamedValue::Layout(_) => Source::Layout(index),
    }
}

/// Resolves an image name to an [`ImageSource`] and, when the resolver knows it, its config.
pub fn image(
    name: &str,
    platform: &Platform,
    resolver: &dyn BaseResolver,
) -> Result<ImageSource, String> {
    let reference = Reference::parse(name).map_err(|e| e.to_string())?;
    let digest = resolver.resolve(&reference, platform)?;
    Ok(ImageSource {
        reference: reference.to_string(),
        digest,
    })
}

/// The message of an image `name` (as written in `FROM` or `--from`) that could not be
/// resolved, as BuildKit words it: `"<name>: <error>"`, with its "did you mean" hint among the
/// stage names and some common image names.
pub fn unresolved(name: &str, error: &str, stage_names: &[Option<&str>]) -> String {
    let mut options: Vec<String> = stage_names
        .iter()
        .flatten()
        .map(|s| s.to_string())
        .collect();
    // BuildKit's `commonImageNames`, spelled as it spells them.
    for repo in [
        "alpine", "busybox", "centos", "debian", "golang", "ubuntu", "fedora",
    ] {
        options.push(repo.to_string());
        options.push(format!("docker.io/library{repo}"));
        options.push(format!("{repo}:latest"));
        options.push(format!("docker.io/library{repo}:latest"));
    }
    crate::dockerfile::suggest::hint(format!("{name}: {error}"), name, &options, true)
}

/// The config of the image `name` for `platform`, if the resolver knows it.
pub fn image_config(
    name: &str,
    platform: &Platform,
    resolver: &dyn BaseResolver,
) -> Result<Option<crate::image::config::ImageConfig>, String> {
    let reference = Reference::parse(name).map_err(|e| e.to_string())?;
    resolver.config(&reference, platform)
}
