//! `rbuild plan` output: a human-readable listing, and JSON (the serde form of [`Plan`]).

use super::{Plan, PlannedStage};
use std::fmt::Write as _;

/// The plan as JSON.
pub fn render_json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn stage_label(s: &PlannedStage) -> String {
    match &s.name {
        Some(n) => format!("#{} {n}", s.index),
        None => format!("#{}", s.index),
    }
}

/// For the plans of several platforms: which stages they share (built once) and which each
/// builds for itself.
pub fn render_shared(plans: &[Plan], shared: &[usize]) -> String {
    let Some(first) = plans.first() else {
        return String::new();
    };
    let label = |i: usize| first.stages.get(i).map(stage_label).unwrap_or_default();
    let platforms: Vec<&str> = plans.iter().map(|p| p.platform.as_str()).collect();
    let mut out = format!("platforms: {}\n", platforms.join(", "));
    let names: Vec<String> = shared.iter().map(|&i| label(i)).collect();
    let _ = write!(
        out,
        "shared by every platform (built once): {}",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    );
    let own: Vec<String> = first
        .order
        .iter()
        .filter(|i| !shared.contains(i))
        .map(|&i| label(i))
        .collect();
    if !own.is_empty() {
        let _ = write!(out, "\nbuilt per platform: {}", own.join(", "));
    }
    out
}

/// The plan as text: the build order, then every stage with each step's key and inputs.
pub fn render_text(plan: &Plan) -> String {
    let mut out = String::new();
    let label = |i: usize| plan.stages.get(i).map(stage_label).unwrap_or_default();
    let _ = writeln!(
        out,
        "target: {} (platform {})",
        label(plan.target),
        plan.platform
    );
    let waves: Vec<String> = plan
        .waves
        .iter()
        .map(|w| w.iter().map(|&i| label(i)).collect::<Vec<_>>().join(" + "))
        .collect();
    let _ = writeln!(out, "order:  {}", waves.join("  ->  "));
    if !plan.global_args.is_empty() {
        let args: Vec<String> = plan
            .global_args
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(out, "global args: {}", args.join(" "));
    }
    if !plan.unused_build_args.is_empty() {
        let _ = writeln!(
            out,
            "warning: build-args not consumed by any ARG: {}",
            plan.unused_build_args.join(", ")
        );
    }
    for s in &plan.stages {
        out.push('\n');
        if s.skipped {
            let _ = writeln!(
                out,
                "stage {} (line {}): skipped, {} does not need it",
                stage_label(s),
                s.line,
                label(plan.target)
            );
            continue;
        }
        let deps = if s.depends_on.is_empty() {
            "nothing".to_string()
        } else {
            s.depends_on
                .iter()
                .map(|&d| label(d))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "stage {} (line {}) from {} on {}, depends on {deps}",
            stage_label(s),
            s.line,
            s.base,
            s.platform
        );
        if let Some(k) = &s.key {
            let _ = writeln!(out, "  result key {k}");
        }
        for step in &s.steps {
            let key = step
                .key
                .as_ref()
                .map_or_else(|| "-".repeat(12), |k| k.short().to_string());
            let kind = if step.layer { "layer" } else { "config" };
            let _ = writeln!(
                out,
                "  {key}  {:>4}  {} {}  ({kind})",
                step.line, step.instruction, step.text
            );
            let i = &step.inputs;
            if !i.args.is_empty() {
                let args: Vec<String> = i.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(out, "                      args: {}", args.join(" "));
            }
            if let Some((d, n)) = &i.context_digest {
                let _ = writeln!(out, "                      context: {n} entries, {d}");
                for (p, d) in i.files.iter().take(20) {
                    let _ = writeln!(out, "                        {p}  {d}");
                }
                if i.files.len() > 20 {
                    let _ = writeln!(
                        out,
                        "                        ... {} more",
                        i.files.len() - 20
                    );
                }
            }
            for (j, k) in &i.stages {
                let _ = writeln!(
                    out,
                    "                      stage: {} {}",
                    label(*j),
                    k.short()
                );
            }
            for (name, d) in &i.named {
                let _ = writeln!(out, "                      build context: {name} {d}");
            }
            for img in &i.images {
                let _ = writeln!(
                    out,
                    "                      image: {} {}",
                    img.reference,
                    img.digest.as_deref().unwrap_or("(unresolved)")
                );
            }
            for u in &i.unresolved {
                let _ = writeln!(out, "                      provisional: {u}");
            }
        }
    }
    out
}
