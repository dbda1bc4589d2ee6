//! COPY and ADD steps, and the content inputs they and bind mounts share: context files by their
//! Merkle digest, another stage by its key, an image by its digest.

use super::heads::{StageRef, stage_ref};
use super::named::NamedValue;
use super::op::{FileOp, FileSource};
use super::remote_source::{is_git, is_remote};
use super::resolve;
use super::steps::{Walker, resolve_path};
use super::{KeyHasher, PlanError, StepInputs};
use crate::dockerfile::instructions::{AddCommand, CopyCommand, SourcesAndDest};
use crate::dockerfile::shell::Lexer;

impl Walker<'_, '_> {
    /// Adds the key of what `from` names (an earlier stage or an image).
    pub(super) fn source_key(
        &self,
        from: &str,
        paths: &[String],
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<FileSource, PlanError> {
        h.list("from.paths", paths);
        match stage_ref(from, self.index, self.names, self.req.named, line)? {
            StageRef::Stage(j) => {
                let key = &self
                    .done
                    .get(&j)
                    .ok_or_else(|| PlanError::at(line, "internal: source stage not planned"))?
                    .key;
                h.digest("from.stage", key);
                inputs.stages.push((j, key.clone()));
                Ok(FileSource::Stage(j))
            }
            StageRef::Named(n) => self.named_key(n, from, paths, line, h, inputs),
            StageRef::Image(name) => self.image_key(&name, Some(from), line, h, inputs),
        }
    }

    /// Adds the key of the `--build-context` `n` that `from` named: the content digest of
    /// `paths` in its files, or its image's digest.
    fn named_key(
        &self,
        n: usize,
        from: &str,
        paths: &[String],
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<FileSource, PlanError> {
        let named = self
            .req
            .named
            .get(n)
            .ok_or_else(|| PlanError::at(line, "internal: unknown named context"))?;
        match &named.value {
            NamedValue::Local { context, .. } => {
                let d = context
                    .hash_sources(paths)
                    .map_err(|source| PlanError::Context { line, source })?;
                h.str("from.context", &d.digest);
                inputs.named.push((named.name.clone(), d.digest));
                Ok(FileSource::Local(n))
            }
            NamedValue::Image(reference) => self.image_key(reference, None, line, h, inputs),
            NamedValue::Layout(layout) => {
                let image = layout
                    .resolve(self.platform)
                    .map_err(|e| PlanError::at(line, e))?;
                let digest = image.digest.to_string();
                h.str("from.image", "oci-layout")
                    .opt("from.digest", Some(&digest));
                inputs.images.push(resolve::ImageSource {
                    reference: format!("oci-layout ({})", named.name),
                    digest: Some(digest),
                });
                Ok(FileSource::Layout(n))
            }
            NamedValue::Scratch => Err(PlanError::at(
                line,
                format!(
                    "{from}: the build context {} is scratch, it has no files",
                    named.name
                ),
            )),
        }
    }

    /// Adds the key of the image `name` (`COPY --from=<image>`).
    fn image_key(
        &self,
        name: &str,
        from: Option<&str>,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<FileSource, PlanError> {
        // A `--from` that names no stage and no image: BuildKit's "did you mean" hint.
        let img =
            resolve::image(name, self.platform, self.req.resolver).map_err(|e| match from {
                Some(from) => PlanError::at(line, resolve::unresolved(from, &e, self.names)),
                None => PlanError::at(line, e),
            })?;
        h.str("from.image", &img.reference)
            .opt("from.digest", img.digest.as_deref());
        if img.digest.is_none() {
            inputs.unresolved.push(format!(
                "{}: tag not resolved to a digest yet",
                img.reference
            ));
        }
        inputs.images.push(img.clone());
        Ok(FileSource::Image(img))
    }

    /// Adds the content digest of context sources.
    pub(super) fn context_key(
        &self,
        sources: &[String],
        excludes: &[String],
        parents: bool,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(), PlanError> {
        let ctx = self.req.context;
        let d = if parents {
            ctx.hash_parents_sources(sources, excludes)
        } else {
            ctx.hash_sources_with(sources, excludes)
        }
        .map_err(|source| PlanError::Context { line, source })?;
        h.str("context", &d.digest);
        inputs.files.extend(d.paths);
        inputs.listing.extend(d.listing);
        inputs.context_digest = Some((d.digest, d.entries));
        Ok(())
    }

    /// The fields COPY and ADD share; returns the expanded sources and destination.
    fn files(
        &self,
        f: &SourcesAndDest,
        opts: FileFlags<'_>,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<FileOp, PlanError> {
        let sources = self.words(&f.sources, line, &mut inputs.args)?;
        let dest_raw = self.word(&f.dest, line, &mut inputs.args)?;
        let dest = resolve_path(self.state.workdir(), &dest_raw);
        let chown = opts
            .chown
            .map(|c| self.word(c, line, &mut inputs.args))
            .transpose()?;
        let chmod = opts
            .chmod
            .map(|c| self.word(c, line, &mut inputs.args))
            .transpose()?;
        let excludes = self.words(opts.excludes, line, &mut inputs.args)?;
        h.list("sources", &sources)
            .str("dest", &dest)
            .opt("chown", chown.as_deref())
            .opt("chmod", chmod.as_deref())
            .list("excludes", &excludes);
        h.bytes("inline", &(f.inline.len() as u64).to_be_bytes());
        let raw_lexer = Lexer {
            skip_process_quotes: true,
            ..self.lexer.clone()
        };
        let mut inline = Vec::new();
        for file in &f.inline {
            let data = if file.expand {
                raw_lexer
                    .process_word(&file.data, &self.state.run_env)
                    .map_err(|e| PlanError::at(line, e.message))?
                    .value
            } else {
                file.data.clone()
            };
            h.str("inline.name", &file.name).str("inline.data", &data);
            inline.push((file.name.clone(), data));
        }
        Ok(FileOp {
            add: false,
            sources,
            inline,
            dest: dest_raw,
            workdir: self.state.workdir().to_string(),
            from: FileSource::Context,
            from_text: None,
            chown,
            chmod,
            excludes,
            parents: false,
            link: false,
            checksum: None,
            unpack: None,
            keep_git_dir: false,
        })
    }

    pub(super) fn copy(
        &self,
        c: &CopyCommand,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(String, FileOp), PlanError> {
        h.str("instruction", "COPY")
            .flag("link", c.link)
            .flag("parents", c.parents);
        let opts = FileFlags {
            chown: c.chown.as_deref(),
            chmod: c.chmod.as_deref(),
            excludes: &c.excludes,
        };
        let mut op = self.files(&c.files, opts, line, h, inputs)?;
        op.parents = c.parents;
        op.link = c.link;
        match &c.from {
            Some(from) => {
                op.from = self.source_key(from, &op.sources, line, h, inputs)?;
                op.from_text = Some(from.clone());
            }
            None if !op.sources.is_empty() => {
                if let Some(url) = op.sources.iter().find(|s| is_remote(s)) {
                    let what = if is_git(url) {
                        "a git repository"
                    } else {
                        "a URL"
                    };
                    return Err(PlanError::at(
                        line,
                        format!("{url}: source can't be {what} for COPY (ADD fetches it)"),
                    ));
                }
                self.context_key(&op.sources, &op.excludes, op.parents, line, h, inputs)?
            }
            None => {}
        }
        Ok((history_text(&op, &c.files.inline), op))
    }

    pub(super) fn add(
        &self,
        a: &AddCommand,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(String, FileOp), PlanError> {
        h.str("instruction", "ADD")
            .flag("link", a.link)
            .opt(
                "keep-git-dir",
                a.keep_git_dir.map(|b| b.to_string()).as_deref(),
            )
            .opt("unpack", a.unpack.map(|b| b.to_string()).as_deref());
        let opts = FileFlags {
            chown: a.chown.as_deref(),
            chmod: a.chmod.as_deref(),
            excludes: &a.excludes,
        };
        let mut op = self.files(&a.files, opts, line, h, inputs)?;
        op.add = true;
        op.keep_git_dir = a.keep_git_dir == Some(true);
        op.link = a.link;
        op.unpack = a.unpack;
        let checksum = a
            .checksum
            .as_deref()
            .map(|c| self.word(c, line, &mut inputs.args))
            .transpose()?;
        h.opt("checksum", checksum.as_deref());
        op.checksum = checksum.clone();
        let (remote, local): (Vec<String>, Vec<String>) =
            op.sources.iter().cloned().partition(|s| is_remote(s));
        for url in remote.iter().filter(|s| is_git(s)) {
            // The commit the ref names now is the key's input (resolved once per build).
            match self.req.resolver.git_commit(url) {
                Ok(Some(commit)) => {
                    h.str("git", url).str("git.commit", &commit);
                    inputs.urls.push((url.clone(), format!("commit:{commit}")));
                }
                Ok(None) => inputs
                    .unresolved
                    .push(format!("{url}: its ref is resolved when the build runs")),
                Err(e) => return Err(PlanError::at(line, format!("ADD {url}: {e}"))),
            }
        }
        for url in remote.iter().filter(|s| !is_git(s) && checksum.is_none()) {
            // What the URL serves now is the key's input (fetched once per build).
            match self.req.resolver.url_digest(url) {
                Ok(Some(sha256)) => {
                    h.str("url", url).str("url.sha256", &sha256);
                    inputs.urls.push((url.clone(), format!("sha256:{sha256}")));
                }
                Ok(None) => inputs.unresolved.push(format!(
                    "{url}: fetched when the build runs (no --checksum)"
                )),
                Err(e) => return Err(PlanError::at(line, format!("ADD {url}: {e}"))),
            }
        }
        if !local.is_empty() {
            self.context_key(&local, &op.excludes, false, line, h, inputs)?;
        }
        Ok((history_text(&op, &a.files.inline), op))
    }
}

/// A COPY/ADD as BuildKit words it in the image history: `--parents`, `--chown`, `--chmod`
/// (never `--from`), the sources, the heredocs as `<<NAME`, the destination as written.
fn history_text(op: &FileOp, inline: &[crate::dockerfile::instructions::InlineSource]) -> String {
    let mut words: Vec<String> = Vec::new();
    if op.parents {
        words.push("--parents".into());
    }
    if let Some(c) = &op.chown {
        words.push(format!("--chown={c}"));
    }
    if let Some(c) = &op.chmod {
        words.push(format!("--chmod={c}"));
    }
    words.extend(op.sources.iter().cloned());
    words.extend(inline.iter().map(|f| format!("<<{}", f.name)));
    words.push(op.dest.clone());
    words.join(" ")
}

/// The COPY/ADD flags that are expanded and keyed the same way.
struct FileFlags<'a> {
    chown: Option<&'a str>,
    chmod: Option<&'a str>,
    excludes: &'a [String],
}
