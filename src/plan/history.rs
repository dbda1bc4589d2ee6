//! The `created_by` text of history entries, worded as BuildKit 0.13's `dockerfile2llb` words it
//! (tools such as `docker history` show it). BuildKit formats several instructions with Go's
//! `fmt` verbs on the parsed values: `%q` of a string list for CMD and ENTRYPOINT
//! (`CMD ["/bin/sh" "-c" "echo hi"]`), `%v` for SHELL and VOLUME (`SHELL [/bin/sh -c]`); the
//! helpers here reproduce those.
//!
//! Two instructions keep rbuild's own wording on purpose: EXPOSE and HEALTHCHECK, which BuildKit
//! 0.13 writes as Go's debug print of internal types (`EXPOSE map[80/tcp:{}]`,
//! `HEALTHCHECK &{["CMD" "true"] "0s" "0s" "0s" "0s" '\x00'}`) and whose wording changed in later
//! BuildKit releases.

use super::vars::Vars;
use crate::dockerfile::shell::Env;

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub(super) fn go_quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// Go's `%v` of a `[]string`: `[a b]`.
pub(super) fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// Go's `strconv.Quote`: a double-quoted string with Go escapes, printable characters as they
/// are.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                let n = c as u32;
                if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A RUN's `created_by` as BuildKit's `runCommandString` words it: `RUN`, then `|N K=V ...` for
/// the N build args the stage has declared (in declaration order, each with the value the step
/// sees), then the argv the process ran (the shell prepended for the shell form) joined by
/// spaces, then ` # buildkit`.
pub(super) fn run_created_by(argv: &[String], declared: &[String], env: &Vars) -> String {
    let mut words = Vec::new();
    if !declared.is_empty() {
        words.push(format!("|{}", declared.len()));
        for name in declared {
            words.push(format!("{name}={}", env.get(name).unwrap_or("")));
        }
    }
    words.extend(argv.iter().cloned());
    format!("RUN {} # buildkit", words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn go_formats() {
        // As BuildKit 0.13 wrote them for tests/data/differential/config.
        assert_eq!(
            go_quoted_list(&strings(&["/bin/sh", "-ec", r#"echo "$A" ${B}"#])),
            r#"["/bin/sh" "-ec" "echo \"$A\" ${B}"]"#
        );
        assert_eq!(go_list(&strings(&["/bin/sh", "-ec"])), "[/bin/sh -ec]");
        assert_eq!(
            go_list(&strings(&["/data", "[/var/log,", "/cache]"])),
            "[/data [/var/log, /cache]]"
        );
        assert_eq!(go_quote("a\tb\\c\u{1}é\u{85}"), r#""a\tb\\c\x01é\u0085""#);
        assert_eq!(go_quoted_list(&[]), "[]");
    }
}
