//! BuildKit's `Node.Dump()` S-expression rendering of a parsed file (the format of BuildKit's
//! parser test corpus), and the Go string quoting it uses.

use super::ast::{Body, Dockerfile, Instruction};
use super::dispatch::is_known;
pub(crate) use super::shell::chars::go_quote;

impl Dockerfile {
    /// Renders the instructions as BuildKit's `Node.Dump()` does: one `(cmd ["--flag"] "arg"
    /// ...)` line per instruction. Heredoc bodies are not shown, as in BuildKit.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for instruction in &self.instructions {
            out.push('(');
            out.push_str(&dump_instruction(instruction));
            out.push_str(")\n");
        }
        out.trim_matches(char::is_whitespace).to_string()
    }
}

fn dump_instruction(ins: &Instruction) -> String {
    let mut out = ins.cmd.clone();
    if !ins.flags.is_empty() {
        let quoted: Vec<String> = ins.flags.iter().map(|f| go_quote(f)).collect();
        out.push_str(&format!(" [{}]", quoted.join(" ")));
    }
    let mut push = |value: &str| {
        out.push(' ');
        out.push_str(&go_quote(value));
    };
    match &ins.body {
        // BuildKit keeps no arguments for an instruction it does not know, only an empty node.
        Body::Args { .. } if !is_known(&ins.cmd) => push(""),
        Body::Args { args, .. } => args.iter().for_each(|a| push(a)),
        Body::Pairs { pairs, legacy } => {
            for (key, value) in pairs {
                push(key);
                push(value);
                push(if *legacy { "" } else { "=" });
            }
        }
        Body::Inner { inner } => {
            out.push_str(" (");
            out.push_str(&dump_instruction(inner));
            out.push(')');
        }
    }
    out.trim_matches(char::is_whitespace).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\0\t\n\u{1b}\u{7f}"), r#""\x00\t\n\x1b\x7f""#);
        assert_eq!(go_quote("♥ é"), "\"♥ é\"");
        assert_eq!(
            go_quote("\u{a0}\u{feff}\u{2028}"),
            r#""\u00a0\ufeff\u2028""#
        );
        assert_eq!(go_quote("\u{85}"), r#""\u0085""#);
        assert_eq!(go_quote("\u{10ffff}😀"), "\"\\U0010ffff😀\"");
    }

    #[test]
    fn dumps_like_buildkit() {
        let df = crate::dockerfile::parse(
            "FROM a\nENV x y\nENV x=y\nONBUILD RUN --m=1 [\"a\"]\nFOO bar\nCOPY --from=b x y\n",
        )
        .unwrap();
        assert_eq!(
            df.dump(),
            "(from \"a\")\n(env \"x\" \"y\" \"\")\n(env \"x\" \"y\" \"=\")\n\
             (onbuild (run [\"--m=1\"] \"a\"))\n(foo \"\")\n(copy [\"--from=b\"] \"x\" \"y\")"
        );
    }
}
