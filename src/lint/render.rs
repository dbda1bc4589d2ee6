//! Findings as people and tools read them: `docker build --check`'s report (each warning with
//! its rule, link, message and the Dockerfile lines around it), the one-line form builds print
//! (`WARN: RuleName: message (line N)`), JSON in the shape of buildx's
//! `--call=check,format=json` (`warnings` with `ruleName`, `description`, `url`, `detail`,
//! `location`), SARIF 2.1.0 for code scanning, and GitHub Actions annotations.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::finding::{Finding, Level};

/// How many lines of the Dockerfile are shown on each side of a finding.
const CONTEXT_LINES: usize = 2;

/// The report of `rbuild check` for `file` (its name as shown) whose text is `text`.
pub fn report(findings: &[Finding], file: &str, text: &str) -> String {
    let mut out = String::new();
    let n = findings.len();
    match n {
        0 => out.push_str("Check complete, no warnings found.\n"),
        1 => out.push_str("Check complete, 1 warning has been found!\n"),
        _ => {
            let _ = writeln!(out, "Check complete, {n} warnings have been found!");
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    for f in findings {
        let tag = match f.level {
            Level::Info => "INFO",
            Level::Warning => "WARN",
            Level::Error => "ERROR",
        };
        let _ = writeln!(out, "\n{tag}: {} - {}", f.rule.name, f.rule.url);
        let _ = writeln!(out, "{}", f.message);
        let _ = writeln!(out, "{file}:{}", f.line);
        out.push_str("--------------------\n");
        let first = f.line.saturating_sub(CONTEXT_LINES).max(1);
        let last = (f.end_line + CONTEXT_LINES).min(lines.len());
        for n in first..=last {
            let marker = if (f.line..=f.end_line).contains(&n) {
                ">>>"
            } else {
                "   "
            };
            let line = lines.get(n - 1).copied().unwrap_or_default();
            let _ = writeln!(out, " {n:>3} | {marker} {line}");
        }
        out.push_str("--------------------\n");
    }
    out
}

/// The one-line form a build prints: `WARN: RuleName: message (line N)`.
pub fn line(f: &Finding) -> String {
    let tag = match f.level {
        Level::Info => "INFO",
        Level::Warning => "WARN",
        Level::Error => "ERROR",
    };
    format!("{tag}: {}", f.short())
}

/// The findings as JSON, in the shape of buildx's check output.
pub fn json(findings: &[Finding], file: &str) -> Value {
    let warnings: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleName": f.rule.name,
                "description": f.rule.description,
                "url": f.rule.url,
                "detail": f.message,
                "level": f.level,
                "location": {
                    "file": file,
                    "ranges": [{"start": {"line": f.line}, "end": {"line": f.end_line}}],
                },
            })
        })
        .collect();
    json!({ "warnings": warnings })
}

/// The findings as a SARIF 2.1.0 log, as GitHub code scanning takes it: one run of the tool
/// `rbuild` whose driver lists every rule that found something (id, description, help link),
/// and one result per finding with its level and its region in `file` (lines; column 1, as
/// BuildKit's locations have no column).
pub fn sarif(findings: &[Finding], file: &str) -> Value {
    let mut rules: Vec<&'static super::rule::Rule> = Vec::new();
    for f in findings {
        if !rules.iter().any(|r| r.name == f.rule.name) {
            rules.push(f.rule);
        }
    }
    let rule_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.name,
                "name": r.name,
                "shortDescription": {"text": r.description},
                "fullDescription": {"text": r.description},
                "helpUri": r.url,
                "help": {"text": format!("{} ({})", r.description, r.url)},
                "defaultConfiguration": {"level": "warning"},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule.name,
                "ruleIndex": rules.iter().position(|r| r.name == f.rule.name).unwrap_or(0),
                "level": match f.level {
                    Level::Info => "note",
                    Level::Warning => "warning",
                    Level::Error => "error",
                },
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": file},
                        "region": {
                            "startLine": f.line,
                            "endLine": f.end_line,
                            "startColumn": 1,
                        },
                    },
                }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rbuild",
                "informationUri": "https://github.com/rbuild/rbuild",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_json,
            }},
            "results": results,
        }],
    })
}

/// The findings as GitHub Actions workflow commands (`::warning file=F,line=N,endLine=M,
/// title=Rule::message`), which the runner shows as annotations on those lines.
pub fn github(findings: &[Finding], file: &str) -> String {
    let escape = |t: &str| {
        t.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |t: &str| escape(t).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for f in findings {
        let kind = match f.level {
            Level::Info => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        };
        let _ = writeln!(
            out,
            "::{kind} file={},line={},endLine={},title={}::{} ({})",
            property(file),
            f.line,
            f.end_line,
            property(f.rule.name),
            escape(&f.message),
            f.rule.url
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rule;

    fn finding(line: usize) -> Finding {
        Finding {
            rule: &rule::STAGE_NAME_CASING,
            message: "Stage name 'Build' should be lowercase".into(),
            line,
            end_line: line,
            level: Level::Warning,
        }
    }

    #[test]
    fn the_report_shows_rule_link_message_and_lines() {
        let text = "FROM scratch\nFROM scratch AS Build\nCOPY a b\n";
        let r = report(&[finding(2)], "Dockerfile", text);
        insta::assert_snapshot!(r, @r"
        Check complete, 1 warning has been found!

        WARN: StageNameCasing - https://docs.docker.com/go/dockerfile/rule/stage-name-casing/
        Stage name 'Build' should be lowercase
        Dockerfile:2
        --------------------
           1 |     FROM scratch
           2 | >>> FROM scratch AS Build
           3 |     COPY a b
        --------------------
        ");
        assert_eq!(
            line(&finding(2)),
            "WARN: StageNameCasing: Stage name 'Build' should be lowercase (line 2)"
        );
        let j = json(&[finding(2)], "Dockerfile");
        assert_eq!(j["warnings"][0]["ruleName"], "StageNameCasing");
        assert_eq!(
            j["warnings"][0]["location"]["ranges"][0]["start"]["line"],
            2
        );
        assert_eq!(
            report(&[], "Dockerfile", text),
            "Check complete, no warnings found.\n"
        );
    }

    #[test]
    fn sarif_and_github_name_the_rule_and_the_lines() {
        let s = sarif(&[finding(2), finding(5)], "app/Dockerfile");
        assert_eq!(s["version"], "2.1.0");
        let run = &s["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 1);
        assert_eq!(run["results"][1]["ruleId"], "StageNameCasing");
        assert_eq!(run["results"][1]["ruleIndex"], 0);
        let region = &run["results"][1]["locations"][0]["physicalLocation"];
        assert_eq!(region["artifactLocation"]["uri"], "app/Dockerfile");
        assert_eq!(region["region"]["startLine"], 5);
        assert_eq!(
            github(&[finding(2)], "app/Dockerfile"),
            "::warning file=app/Dockerfile,line=2,endLine=2,title=StageNameCasing::Stage name 'Build' \
             should be lowercase (https://docs.docker.com/go/dockerfile/rule/stage-name-casing/)\n"
        );
    }
}
