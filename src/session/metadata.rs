//! `--metadata-file`: buildx's keys (`output::metadata`) plus rbuild's own: `rbuild.explain`,
//! `rbuild.pull`, `rbuild.materialize`, `rbuild.cache`, `rbuild.mount-caches`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::SessionError;
use crate::builder::StepReport;
use crate::builder::layers::MaterializeTimes;
use crate::plan::Plan;

/// `rbuild.materialize`: per stage whose steps needed lower layers made present, how many,
/// the bytes downloaded for them, and the seconds its steps waited for them (`download_seconds`
/// until the last byte; `seconds` until the last snapshot, downloads overlapping the
/// unpacking); `early`: how many of them were started before a step asked, while the build ran
/// up to it (those count only the rest of their time).
pub(crate) fn materialized(plan: &Plan, steps: &[StepReport]) -> serde_json::Value {
    let mut by_stage: BTreeMap<usize, MaterializeTimes> = BTreeMap::new();
    for s in steps.iter().filter(|s| s.materialize.layers > 0) {
        by_stage.entry(s.stage).or_default().add(&s.materialize);
    }
    serde_json::Value::Array(
        by_stage
            .into_iter()
            .map(|(i, t)| {
                let name = plan
                    .stages
                    .get(i)
                    .and_then(|st| st.name.clone())
                    .unwrap_or_else(|| i.to_string());
                serde_json::json!({
                    "stage": name,
                    "layers": t.layers,
                    "download_bytes": t.download_bytes,
                    "download_seconds": t.download_seconds,
                    "seconds": t.seconds,
                    "early": t.early,
                })
            })
            .collect(),
    )
}

/// `rbuild.explain`: every step that missed, its line and why (`[{"step": "[2/3] COPY . /app",
/// "line": 3, "reason": "file changed: app.py"}]`).
pub(crate) fn explained(steps: &[StepReport]) -> serde_json::Value {
    let misses: Vec<serde_json::Value> = steps
        .iter()
        .filter_map(|s| {
            let reason = s.miss_reason.as_ref()?;
            Some(serde_json::json!({"step": s.name, "line": s.line, "reason": reason}))
        })
        .collect();
    serde_json::Value::Array(misses)
}

/// Writes `doc` as indented JSON to `path` (temp file + rename).
pub(crate) fn write_json_atomic(path: &Path, doc: &serde_json::Value) -> Result<(), SessionError> {
    let fail = |p: &Path, e: std::io::Error| SessionError::Output {
        what: format!("writing {}", p.display()),
        reason: e.to_string(),
    };
    let bytes = serde_json::to_vec_pretty(doc).map_err(|e| SessionError::Output {
        what: format!("writing {}", path.display()),
        reason: e.to_string(),
    })?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, &bytes).map_err(|e| fail(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(path, e))?;
    Ok(())
}
