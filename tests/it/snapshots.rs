//! What users read, as snapshots (insta): `rbuild plan`'s text, `--progress=plain`, the final
//! table, `--explain`, the Markdown summary and the main error messages. Digests, temp paths,
//! times and sizes are filtered out, so a snapshot changes only when the words or the layout do;
//! a change then shows in review (`tests/it/snapshots/*.snap`). Builds are `FROM scratch`, so
//! nothing depends on a registry.

use std::fs;
use std::path::Path;

use super::support::Rbuild;

/// Replacements that make output stable across machines and runs.
fn stable(text: &str, root: &Path) -> String {
    let mut out = text.replace(&root.display().to_string(), "[DIR]");
    for (pattern, replacement) in [
        (r"sha256:[0-9a-f]{64}", "sha256:[DIGEST]"),
        (r"\b[0-9a-f]{64}\b", "[HEX]"),
        (r"\b[0-9a-f]{12,16}\b", "[HEX]"),
        (r"\d+(\.\d+)?s\b", "[TIME]"),
        (r"\d+(\.\d+)?(B|kB|MB|GB)\b", "[SIZE]"),
        (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
    ] {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, replacement)
            .into_owned();
    }
    out
}

/// A context under a fresh temp dir: `Dockerfile` and `files`.
fn project(dockerfile: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    for (rel, content) in files {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

const APP: &str = "FROM scratch AS assets\nCOPY conf/ /etc/app/\n\nFROM scratch\nARG VERSION=1.0\nLABEL version=$VERSION\nCOPY --from=assets /etc/app /etc/app\nCOPY app.txt /app/\nCMD [\"/app/app.txt\"]\n";

fn app() -> tempfile::TempDir {
    project(
        APP,
        &[("conf/app.ini", "[app]\nname=demo\n"), ("app.txt", "v1\n")],
    )
}

#[test]
fn plan_text() {
    let dir = app();
    let home = tempfile::tempdir().unwrap();
    let out = Rbuild::new(home.path())
        .args(["plan", "--offline", "--platform", "linux/amd64"])
        .arg(dir.path())
        .ok();
    insta::assert_snapshot!(stable(&String::from_utf8_lossy(&out.stdout), dir.path()));
}

#[test]
fn plain_progress_table_explain_and_summary() {
    let dir = app();
    let home = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let summary_arg = summary.display().to_string();
    let build = || {
        Rbuild::build(
            home.path(),
            dir.path(),
            &[
                "--progress=plain",
                "--platform",
                "linux/amd64",
                "--jobs",
                "1",
                "--explain",
                "--summary",
                &summary_arg,
            ],
        )
        .env("SOURCE_DATE_EPOCH", "0")
        .ok()
    };
    let first = build();
    insta::assert_snapshot!(
        "first_build_stderr",
        stable(&String::from_utf8_lossy(&first.stderr), dir.path())
    );
    fs::write(dir.path().join("app.txt"), "v2\n").unwrap();
    let second = build();
    insta::assert_snapshot!(
        "edited_build_stderr",
        stable(&String::from_utf8_lossy(&second.stderr), dir.path())
    );
    insta::assert_snapshot!(
        "edited_build_summary",
        stable(&fs::read_to_string(&summary).unwrap(), dir.path())
    );
}

#[test]
fn main_error_messages() {
    let home = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str]); 5] = [
        ("unknown instruction", "FROM scratch\nFOO bar\n", &[]),
        (
            "missing COPY source",
            "FROM scratch\nCOPY missing.txt /m.txt\n",
            &[],
        ),
        (
            "unknown target stage",
            "FROM scratch AS base\n",
            &["--target", "nowhere"],
        ),
        (
            "bad cache spec",
            "FROM scratch\n",
            &["--cache-to", "type=nowhere"],
        ),
        (
            "bad platform",
            "FROM scratch\n",
            &["--platform", "linux/amd64/v2/extra"],
        ),
    ];
    let mut report = String::new();
    for (name, dockerfile, args) in cases {
        let dir = project(dockerfile, &[]);
        let out = Rbuild::build(home.path(), dir.path(), args)
            .arg("--progress=quiet")
            .output();
        assert!(!out.status.success(), "{name}: succeeded");
        report.push_str(&format!(
            "## {name}\n{}\n",
            stable(&String::from_utf8_lossy(&out.stderr), dir.path()).trim_end()
        ));
    }
    insta::assert_snapshot!(report);
}
