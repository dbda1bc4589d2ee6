//! The table printed at the end of a build: each step that makes a layer, whether the cache
//! had it, how long it took and how big its layer is; under each step that ran, why it missed
//! (`  ↳ file changed: src/app.py`).

use super::executor::StepReport;

/// Bytes as docker prints sizes (decimal units, three significant digits).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes}B")
    } else {
        format!("{value:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
            + UNITS[unit]
    }
}

/// The final table as text lines: `STEP  RESULT  TIME  LAYER`, each missed step followed by
/// an indented line with its reason (`↳`) and, when its lower layers had to be downloaded, one
/// saying what that took (`·`), then a totals line.
pub fn render(steps: &[StepReport]) -> String {
    let name_width = steps
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 72);
    let mut out = format!(
        "{:<name_width$}  {:<6}  {:>7}  {:>9}\n",
        "STEP", "RESULT", "TIME", "LAYER"
    );
    for s in steps {
        let name: String = if s.name.chars().count() > name_width {
            let mut n: String = s.name.chars().take(name_width - 1).collect();
            n.push('…');
            n
        } else {
            s.name.clone()
        };
        out.push_str(&format!(
            "{name:<name_width$}  {:<6}  {:>6.1}s  {:>9}\n",
            if s.cached { "CACHED" } else { "ran" },
            s.duration.as_secs_f64(),
            s.layer_size.map_or_else(|| "-".to_string(), human_size),
        ));
        if let Some(reason) = &s.miss_reason {
            out.push_str(&format!("  ↳ {reason}\n"));
        }
        // Downloads only: unpacking the layer an earlier step of this build made is routine.
        let m = &s.materialize;
        if m.download_bytes > 0 {
            out.push_str(&format!(
                "  · {} lower layer{} made present in {:.1}s ({} downloaded in {:.1}s{})\n",
                m.layers,
                if m.layers == 1 { "" } else { "s" },
                m.seconds,
                human_size(m.download_bytes),
                m.download_seconds,
                match m.early {
                    0 => String::new(),
                    n if n == m.layers => ", all started early".to_string(),
                    n => format!(", {n} started early"),
                }
            ));
        }
    }
    let cached = steps.iter().filter(|s| s.cached).count();
    let bytes: u64 = steps.iter().filter_map(|s| s.layer_size).sum();
    out.push_str(&format!(
        "{} steps: {cached} cached, {} ran; layers {}\n",
        steps.len(),
        steps.len() - cached,
        human_size(bytes)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sizes_read_like_docker() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(1000), "1kB");
        assert_eq!(human_size(1_234_567), "1.235MB");
    }

    #[test]
    fn the_table_lists_every_step_and_totals() {
        let step = |name: &str, cached, size| StepReport {
            stage: 0,
            line: 2,
            name: name.to_string(),
            cached,
            duration: Duration::from_millis(1500),
            layer_size: size,
            miss_reason: (!cached).then(|| "file changed: src/app.py".to_string()),
            record: None,
            materialize: crate::builder::layers::MaterializeTimes {
                layers: u64::from(!cached) * 3,
                download_bytes: u64::from(!cached) * 12_000_000,
                download_seconds: 0.5,
                seconds: 0.8,
                early: u64::from(!cached) * 2,
            },
        };
        let t = render(&[
            step("[1/3] COPY a /a", true, Some(2000)),
            step("[2/3] WORKDIR /x", false, None),
        ]);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("STEP"));
        assert!(
            lines[1].contains("CACHED") && lines[1].ends_with("2kB"),
            "{t}"
        );
        assert!(lines[2].contains("ran") && lines[2].ends_with('-'), "{t}");
        assert_eq!(lines[3], "  ↳ file changed: src/app.py");
        assert_eq!(
            lines[4],
            "  · 3 lower layers made present in 0.8s (12MB downloaded in 0.5s, 2 started early)"
        );
        assert_eq!(lines[5], "2 steps: 1 cached, 1 ran; layers 2kB");
    }
}
