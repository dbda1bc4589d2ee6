//! BuildKit's `Node.Dump()` S-expression rendering of a parsed file (the format of BuildKit's
//! parser test corpus), and the Go string quoting it uses.

use super::ast::{Body, Dockerfile, Instruction};
use super::dispatch::is_known;

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

/// Go's `strconv.Quote`: a double-quoted string with Go escapes for `"`, `\` and characters
/// that are not printable.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols
/// and the ASCII space): control, whitespace, format, private-use and non-characters are not
/// printable. Unassigned code points are treated as printable (Go says they are not).
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format = matches!(
        u,
        0xad | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    );
    let private = matches!(u, 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd);
    let nonchar = matches!(u, 0xfdd0..=0xfdef) || (u & 0xfffe) == 0xfffe;
    !(format || private || nonchar)
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
