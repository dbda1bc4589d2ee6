//! `rbuild size IMAGE`: why an image is as big as it is ([`crate::image::size`]), for a registry
//! reference (`reg.example/app:1.0`) or an OCI layout directory (`oci:DIR[:TAG]`, or a
//! directory holding `oci-layout`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::units::human_size;
use crate::builder::resolver::RegistryResolver;
use crate::digest::Digest;
use crate::image::config::ImageConfig;
use crate::image::size::{LayerSize, bar, layer_instructions, read_contents};
use crate::oci::platform::Platform;
use crate::oci::reference::Reference;

/// Flags of `rbuild size`.
#[derive(Debug, Args)]
pub struct SizeArgs {
    /// The image: a registry reference, or `oci:DIR[:TAG]` / a directory in OCI layout
    pub image: String,
    /// How many of the largest layers to look inside (their largest files and directories)
    #[arg(long, default_value_t = 3)]
    pub inspect: usize,
    /// How many files and directories to list per inspected layer
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// How registries are reached.
    #[command(flatten)]
    pub registries: super::plan_cmd::RegistryArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = SizeFormat::Text)]
    pub format: SizeFormat,
    /// The platform's image of a multi-platform image (default: the machine's)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
}

/// The entry of `platform` in an image index document; the platforms there when none is.
fn platform_entry(index: &serde_json::Value, platform: &Platform) -> anyhow::Result<Digest> {
    let mut seen = Vec::new();
    for m in index["manifests"].as_array().into_iter().flatten() {
        let p = &m["platform"];
        let mut text = format!(
            "{}/{}",
            p["os"].as_str().unwrap_or_default(),
            p["architecture"].as_str().unwrap_or_default()
        );
        if let Some(v) = p["variant"].as_str().filter(|v| !v.is_empty()) {
            text = format!("{text}/{v}");
        }
        match Platform::parse(&text) {
            Ok(found) if found == *platform => {
                return m["digest"]
                    .as_str()
                    .and_then(Digest::parse)
                    .context("an index entry without a sha256 digest");
            }
            Ok(found) => seen.push(found.to_string()),
            Err(_) => {}
        }
    }
    anyhow::bail!(
        "no image for {platform} in the index (it has {}): pick one with --platform",
        if seen.is_empty() {
            "none".to_string()
        } else {
            seen.join(", ")
        }
    )
}

/// Output formats of `rbuild size`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SizeFormat {
    /// Bars and lists
    Text,
    /// Markdown (as in the build summary)
    Markdown,
    /// One JSON document
    Json,
}

/// Where an image's blobs come from.
enum Source {
    Layout(PathBuf),
    Registry(Box<RegistryResolver>, crate::registry::Repository),
}

impl Source {
    /// A layer's bytes as a stream (a layer may be GiBs): the layout's file, or the registry's
    /// blob spooled to an unlinked temporary file (the registry client checks its digest). A
    /// layout's layer is read unverified: this is a report, nothing is stored.
    fn layer(&self, digest: &Digest) -> anyhow::Result<std::fs::File> {
        match self {
            Self::Layout(dir) => {
                let path = dir.join("blobs/sha256").join(digest.hex());
                std::fs::File::open(&path)
                    .with_context(|| format!("{}: cannot read blob", path.display()))
            }
            Self::Registry(resolver, repo) => {
                let path = std::env::temp_dir().join(format!(
                    "rbuild-size-{}-{}",
                    std::process::id(),
                    digest.hex()
                ));
                let spooled = std::fs::File::create(&path)
                    .with_context(|| format!("{}: cannot create", path.display()))
                    .and_then(|file| {
                        resolver
                            .runtime()
                            .block_on(resolver.registry().fetch_blob(repo, digest, file))
                            .with_context(|| format!("fetching {digest} from {repo}"))?;
                        std::fs::File::open(&path).map_err(anyhow::Error::from)
                    });
                let _ = std::fs::remove_file(&path);
                spooled
            }
        }
    }

    /// A small blob (a manifest or config), verified.
    fn blob(&self, digest: &Digest) -> anyhow::Result<Vec<u8>> {
        match self {
            Self::Layout(dir) => {
                let path = dir.join("blobs/sha256").join(digest.hex());
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("{}: cannot read blob", path.display()))?;
                anyhow::ensure!(
                    Digest::of(&bytes) == *digest,
                    "{}: its bytes do not match {digest}",
                    path.display()
                );
                Ok(bytes)
            }
            Self::Registry(resolver, repo) => {
                let mut bytes = Vec::new();
                resolver
                    .runtime()
                    .block_on(resolver.registry().fetch_blob(repo, digest, &mut bytes))
                    .with_context(|| format!("fetching {digest} from {repo}"))?;
                Ok(bytes)
            }
        }
    }
}

/// An OCI layout directory and tag from `oci:DIR[:TAG]` or a plain directory path.
fn layout_of(image: &str) -> Option<(PathBuf, Option<String>)> {
    if let Some(rest) = image.strip_prefix("oci:") {
        return Some(match rest.rsplit_once(':') {
            Some((dir, tag)) if !tag.contains('/') => (PathBuf::from(dir), Some(tag.to_string())),
            _ => (PathBuf::from(rest), None),
        });
    }
    let path = Path::new(image);
    path.join("oci-layout")
        .is_file()
        .then(|| (path.to_path_buf(), None))
}

/// An image found: where its blobs are, its layers (digest, size) and its config.
type Found = (Source, Vec<(Digest, u64)>, ImageConfig);

/// The manifest's layers (digest, size) and config, read from `source`.
fn image_of(args: &SizeArgs) -> anyhow::Result<Found> {
    let platform = match &args.platform {
        Some(p) => Platform::parse(p).map_err(|e| anyhow::anyhow!("--platform: {e}"))?,
        None => Platform::host(),
    };
    let (source, manifest_bytes) = if let Some((dir, tag)) = layout_of(&args.image) {
        let index: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("index.json"))
                .with_context(|| format!("{}: not an OCI layout", dir.display()))?,
        )?;
        let entries = index["manifests"].as_array().cloned().unwrap_or_default();
        let entry = entries
            .iter()
            .find(|m| match &tag {
                Some(t) => m["annotations"]["org.opencontainers.image.ref.name"] == t.as_str(),
                None => true,
            })
            .with_context(|| {
                format!(
                    "{}: no image {}",
                    dir.display(),
                    tag.as_deref().unwrap_or("")
                )
            })?;
        let digest = entry["digest"]
            .as_str()
            .and_then(Digest::parse)
            .context("index.json entry without a digest")?;
        let source = Source::Layout(dir);
        let mut bytes = source.blob(&digest)?;
        // A multi-platform build's entry is an index: its platform's image.
        let doc: serde_json::Value = serde_json::from_slice(&bytes)?;
        if doc["manifests"].is_array() {
            bytes = source.blob(&platform_entry(&doc, &platform)?)?;
        }
        (source, bytes)
    } else {
        let reference =
            Reference::parse(&args.image).map_err(|e| anyhow::anyhow!("{}: {e}", args.image))?;
        let resolver = args.registries.resolver()?;
        let resolved = resolver.resolve_image(&reference, &platform)?;
        let bytes = resolved.manifest_bytes.to_vec();
        (
            Source::Registry(Box::new(resolver), resolved.repository),
            bytes,
        )
    };
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes)?;
    if manifest["manifests"].is_array() {
        anyhow::bail!(
            "{}: an image index; give one platform's manifest",
            args.image
        );
    }
    let layers = manifest["layers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| {
            let digest = l["digest"]
                .as_str()
                .and_then(Digest::parse)
                .context("a layer without a digest")?;
            Ok((digest, l["size"].as_u64().unwrap_or(0)))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let config_digest = manifest["config"]["digest"]
        .as_str()
        .and_then(Digest::parse)
        .context("a manifest without a config")?;
    let config: ImageConfig = serde_json::from_slice(&source.blob(&config_digest)?)?;
    Ok((source, layers, config))
}

/// The size report of `args.image`.
pub(crate) fn sizes(args: &SizeArgs) -> anyhow::Result<Vec<LayerSize>> {
    let (source, layers, config) = image_of(args)?;
    let made_by = layer_instructions(&config, layers.len());
    let mut out: Vec<LayerSize> = layers
        .into_iter()
        .zip(made_by)
        .map(|((digest, size), created_by)| LayerSize {
            digest,
            size,
            created_by,
            contents: None,
        })
        .collect();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| out[b].size.cmp(&out[a].size));
    for &i in order.iter().take(args.inspect) {
        let blob = source.layer(&out[i].digest)?;
        out[i].contents = Some(
            read_contents(blob, args.top)
                .with_context(|| format!("reading layer {}", out[i].digest))?,
        );
    }
    Ok(out)
}

/// The size report of a built image in `store`: every layer's size and instruction; the
/// largest `inspect` layers whose blobs the store holds are read (base-image layers a build
/// never needed are not downloaded for this).
pub(crate) fn local_sizes(
    store: &crate::store::Store,
    image: &crate::image::manifest::BuiltImage,
    inspect: usize,
    top: usize,
) -> anyhow::Result<Vec<LayerSize>> {
    let config: ImageConfig =
        serde_json::from_slice(&std::fs::read(store.blobs().path(&image.config.digest))?)?;
    let made_by = layer_instructions(&config, image.layers.len());
    let mut out: Vec<LayerSize> = image
        .layers
        .iter()
        .zip(made_by)
        .map(|(l, created_by)| LayerSize {
            digest: l.digest.clone(),
            size: l.size,
            created_by,
            contents: None,
        })
        .collect();
    let mut order: Vec<usize> = (0..out.len())
        .filter(|&i| store.blobs().has(&out[i].digest))
        .collect();
    order.sort_by(|&a, &b| out[b].size.cmp(&out[a].size));
    for &i in order.iter().take(inspect) {
        let file = store.blobs().open(&out[i].digest)?;
        out[i].contents = Some(read_contents(file, top)?);
    }
    Ok(out)
}

/// The report as text (`markdown`: fenced for the build summary).
pub(crate) fn render(layers: &[LayerSize], markdown: bool) -> String {
    let total: u64 = layers.iter().map(|l| l.size).sum();
    let max = layers.iter().map(|l| l.size).max().unwrap_or(0);
    let mut out = String::new();
    if markdown {
        out.push_str(&format!(
            "### Image size: {} in {} layers\n\n```\n",
            human_size(total),
            layers.len()
        ));
    } else {
        out.push_str(&format!(
            "{} in {} layers, largest first:\n",
            human_size(total),
            layers.len()
        ));
    }
    let mut order: Vec<&LayerSize> = layers.iter().collect();
    order.sort_by_key(|l| std::cmp::Reverse(l.size));
    for l in &order {
        let made: String = l.created_by.chars().take(70).collect();
        out.push_str(&format!(
            "{:<24} {:>9}  {}\n",
            bar(l.size, max, 24),
            human_size(l.size),
            if made.is_empty() {
                l.digest.short().to_string()
            } else {
                made
            }
        ));
        if let Some(c) = &l.contents {
            out.push_str(&format!(
                "    {} files, {} unpacked; largest:\n",
                c.files,
                human_size(c.unpacked)
            ));
            for (path, n) in &c.largest_files {
                out.push_str(&format!("      {:>9}  {path}\n", human_size(*n)));
            }
            out.push_str("    directories:\n");
            for (path, n) in &c.largest_dirs {
                out.push_str(&format!("      {:>9}  {path}/\n", human_size(*n)));
            }
        }
    }
    if markdown {
        out.push_str("```\n");
    }
    out
}

pub(super) fn run(args: &SizeArgs) -> anyhow::Result<()> {
    let layers = sizes(args)?;
    match args.format {
        SizeFormat::Json => println!("{}", serde_json::to_string_pretty(&layers)?),
        SizeFormat::Text => print!("{}", render(&layers, false)),
        SizeFormat::Markdown => print!("{}", render(&layers, true)),
    }
    Ok(())
}
