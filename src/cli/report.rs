//! The build report in Markdown (`--summary FILE`, and `$GITHUB_STEP_SUMMARY` in GitHub
//! Actions): each step with hit or miss, why it missed and its time; what each remote cache
//! moved; what each mount cache did; and the layers the build made by size, drawn as bars.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::builder::{Progress, StepReport};
use crate::cache::remote::MeterReport;
use crate::cache::remote::mounts::MountReport;
use crate::cli::units::human_size;
use crate::image::size::bar;

/// Layers shown in the size chart.
const LARGEST_LAYERS: usize = 10;
/// Width of the longest bar, in characters.
const BAR_WIDTH: usize = 24;

/// What the report covers.
pub(crate) struct ReportInput<'a> {
    /// The image's manifest digest.
    pub digest: &'a str,
    /// Seconds the build took.
    pub seconds: f64,
    /// The steps.
    pub steps: &'a [StepReport],
    /// Per remote cache backend.
    pub caches: &'a BTreeMap<String, MeterReport>,
    /// Per mount cache key.
    pub mounts: &'a BTreeMap<String, MountReport>,
    /// The image's size report (`None` when it could not be made).
    pub size: Option<String>,
    /// What the Dockerfile checks found.
    pub findings: &'a [crate::lint::Finding],
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub(crate) fn markdown(r: &ReportInput<'_>) -> String {
    let mut out = String::new();
    let cached = r.steps.iter().filter(|s| s.cached).count();
    let _ = writeln!(
        out,
        "## rbuild: `{}`\n\n{} steps, {cached} cached, {} ran, in {:.1}s\n",
        r.digest,
        r.steps.len(),
        r.steps.len() - cached,
        r.seconds
    );
    if !r.findings.is_empty() {
        out.push_str("### Checks\n\n| line | rule | finding |\n|---|---|---|\n");
        for f in r.findings {
            let _ = writeln!(
                out,
                "| {} | [{}]({}) | {} |",
                f.line,
                f.rule.name,
                f.rule.url,
                cell(&f.message)
            );
        }
        out.push('\n');
    }
    out.push_str(
        "### Steps\n\n| step | result | time | layer | why it ran |\n|---|---|---|---|---|\n",
    );
    for s in r.steps {
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.1}s | {} | {} |",
            cell(&s.name).replace('`', "'"),
            if s.cached { "cached" } else { "**ran**" },
            s.duration.as_secs_f64(),
            s.layer_size.map_or_else(|| "-".into(), human_size),
            s.miss_reason.as_deref().map(cell).unwrap_or_default()
        );
    }
    let materialized: Vec<&StepReport> = r
        .steps
        .iter()
        .filter(|s| s.materialize.layers > 0)
        .collect();
    if !materialized.is_empty() {
        out.push_str(
            "\n### Lower layers made present\n\n| step | layers | started early | downloaded | download | total |\n|---|---|---|---|---|---|\n",
        );
        for s in materialized {
            let m = &s.materialize;
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {:.1}s | {:.1}s |",
                cell(&s.name).replace('`', "'"),
                m.layers,
                m.early,
                human_size(m.download_bytes),
                m.download_seconds,
                m.seconds
            );
        }
    }
    if !r.caches.is_empty() {
        out.push_str(
            "\n### Remote caches\n\n| backend | imported | exported | requests | import | export |\n|---|---|---|---|---|---|\n",
        );
        for (name, m) in r.caches {
            let _ = writeln!(
                out,
                "| `{}` | {} in {} blobs | {} in {} blobs | {} | {:.1}s | {:.1}s |",
                cell(name),
                human_size(m.download_bytes),
                m.blobs_downloaded,
                human_size(m.upload_bytes),
                m.blobs_uploaded,
                m.requests,
                m.import_seconds,
                m.export_seconds
            );
        }
    }
    if !r.mounts.is_empty() {
        out.push_str(
            "\n### Mount caches\n\n| mount | restored | uploaded | chunks reused | left out |\n|---|---|---|---|---|\n",
        );
        for m in r.mounts.values() {
            let restored = if m.restored {
                human_size(m.bytes_downloaded)
            } else {
                m.restore_error
                    .as_deref()
                    .map_or_else(|| "no".to_string(), |e| format!("no ({})", cell(e)))
            };
            let uploaded = if m.unchanged > 0 && m.chunks_uploaded == 0 {
                "unchanged".to_string()
            } else {
                human_size(m.bytes_uploaded)
            };
            let _ = writeln!(
                out,
                "| `{}` | {restored} | {uploaded} | {} | {} |",
                cell(&m.id),
                m.chunks_reused,
                if m.dropped_files > 0 {
                    format!("{} files, {}", m.dropped_files, human_size(m.dropped_bytes))
                } else {
                    "-".into()
                }
            );
        }
    }
    let mut layers: Vec<(&StepReport, u64)> = r
        .steps
        .iter()
        .filter_map(|s| Some((s, s.layer_size?)))
        .filter(|(_, n)| *n > 0)
        .collect();
    layers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.line.cmp(&b.0.line)));
    if let Some(&(_, largest)) = layers.first() {
        out.push_str("\n### Layers by size\n\n```\n");
        for (s, n) in layers.iter().take(LARGEST_LAYERS) {
            let name: String = s.name.chars().take(60).collect();
            let _ = writeln!(
                out,
                "{:<BAR_WIDTH$} {:>9}  {name}",
                bar(*n, largest, BAR_WIDTH),
                human_size(*n)
            );
        }
        out.push_str("```\n");
    }
    if let Some(size) = &r.size {
        out.push('\n');
        out.push_str(size);
    }
    out
}

/// Whether a Markdown report is wanted: `--summary FILE` or `$GITHUB_STEP_SUMMARY`.
pub(super) fn wants_summary(file: Option<&Path>) -> bool {
    file.is_some() || std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|v| !v.is_empty())
}

/// Writes the Markdown report to `--summary FILE` and appends it to `$GITHUB_STEP_SUMMARY`; a
/// file that cannot be written only warns (the image is built).
pub(super) fn write_summaries(
    file: Option<&Path>,
    input: &ReportInput<'_>,
    progress: &dyn Progress,
) {
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if !wants_summary(file) {
        return;
    }
    let markdown = markdown(input);
    if let Some(path) = file
        && let Err(e) = std::fs::write(path, &markdown)
    {
        progress.info(&format!("WARNING: --summary {}: {e}", path.display()));
    }
    if let Some(path) = step_summary {
        use std::io::Write as _;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(markdown.as_bytes()));
        if let Err(e) = appended {
            progress.info(&format!(
                "WARNING: $GITHUB_STEP_SUMMARY {}: {e}",
                path.display()
            ));
        }
    }
}

/// One mount cache's line in the final report.
pub(super) fn mount_line(r: &crate::cache::remote::mounts::MountReport) -> String {
    let restored = if r.restored {
        format!(
            "restored {} in {} chunks",
            human_size(r.bytes_downloaded),
            r.chunks_downloaded
        )
    } else if let Some(e) = &r.restore_error {
        format!("not restored ({e})")
    } else {
        "not restored".to_string()
    };
    let exported = if r.unchanged > 0 && r.chunks_uploaded == 0 && r.chunks_reused == 0 {
        "unchanged, not exported".to_string()
    } else {
        format!(
            "uploaded {} in {} chunks, {} chunks reused",
            human_size(r.bytes_uploaded),
            r.chunks_uploaded,
            r.chunks_reused
        )
    };
    let dropped = if r.dropped_files > 0 {
        format!(
            ", {} files ({}) left out by --mount-cache-max-size",
            r.dropped_files,
            human_size(r.dropped_bytes)
        )
    } else {
        String::new()
    };
    format!("mount cache {}: {restored}; {exported}{dropped}", r.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn step(name: &str, cached: bool, size: Option<u64>, why: Option<&str>) -> StepReport {
        StepReport {
            stage: 0,
            line: 1,
            name: name.into(),
            cached,
            duration: Duration::from_millis(1500),
            layer_size: size,
            miss_reason: why.map(str::to_string),
            record: None,
            materialize: Default::default(),
        }
    }

    #[test]
    fn steps_reasons_caches_and_a_size_chart() {
        let steps = [
            step("[1/3] COPY a|b /x", true, Some(1_000), None),
            step(
                "[2/3] RUN make",
                false,
                Some(50_000_000),
                Some("file changed: src/main.c"),
            ),
            step("[3/3] WORKDIR /x", false, None, Some("first build")),
        ];
        let mut steps = steps;
        steps[1].materialize = crate::builder::layers::MaterializeTimes {
            layers: 8,
            download_bytes: 121_500_000,
            download_seconds: 1.25,
            seconds: 2.5,
            early: 5,
        };
        let caches = BTreeMap::from([("gha:rbuild".to_string(), MeterReport::default())]);
        let mounts = BTreeMap::from([(
            "cache-1".to_string(),
            MountReport {
                id: "/root/.cache".into(),
                restored: true,
                bytes_downloaded: 2_000_000,
                ..MountReport::default()
            },
        )]);
        let md = markdown(&ReportInput {
            digest: "sha256:abc",
            seconds: 3.0,
            steps: &steps,
            caches: &caches,
            mounts: &mounts,
            size: Some("### Image size: 1MB in 2 layers\n".into()),
            findings: &[crate::lint::Finding {
                rule: &crate::lint::rule::MAINTAINER_DEPRECATED,
                message: "Maintainer instruction is deprecated in favor of using label".into(),
                line: 2,
                end_line: 2,
                level: crate::lint::Level::Warning,
            }],
        });
        assert!(
            md.contains("| 2 | [MaintainerDeprecated](https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/) | Maintainer instruction"),
            "{md}"
        );
        assert!(md.contains("3 steps, 1 cached, 2 ran"), "{md}");
        assert!(md.contains("| `[1/3] COPY a\\|b /x` | cached |"), "{md}");
        assert!(md.contains("file changed: src/main.c"), "{md}");
        assert!(md.contains("| `gha:rbuild` |"), "{md}");
        assert!(
            md.contains("| `[2/3] RUN make` | 8 | 5 | 121.5MB | 1.2s | 2.5s |"),
            "{md}"
        );
        assert!(md.contains("| `/root/.cache` | 2MB |"), "{md}");
        let chart: Vec<&str> = md
            .lines()
            .skip_while(|l| !l.starts_with("```"))
            .skip(1)
            .take_while(|l| !l.starts_with("```"))
            .collect();
        assert_eq!(chart.len(), 2, "{md}");
        assert!(chart[0].starts_with(&"█".repeat(BAR_WIDTH)) && chart[0].contains("RUN make"));
        assert!(
            chart[1].starts_with("█ "),
            "the smallest still shows: {}",
            chart[1]
        );
    }
}
