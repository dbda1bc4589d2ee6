//! `--chmod`: an octal mode (`755`, `0644`, at most `07777`) or a symbolic one (`u+x`,
//! `go-w,a+X`, `u=rwx,g=rx,o=`), as BuildKit accepts both (the symbolic form applied with a zero
//! umask to each file's own mode).

use super::CopyError;

/// A parsed `--chmod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chmod {
    /// An octal mode: every copied file and directory gets these bits.
    Octal(u32),
    /// Symbolic clauses, applied in order to each file's mode.
    Symbolic(Vec<Clause>),
}

/// One `who op perms` clause (`ug+rx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Bits of the affected classes (`u` = 0o4700, `g` = 0o2070, `o` = 0o1007, all of them when
    /// no class is named).
    who: u32,
    /// `+`, `-` or `=`.
    op: u8,
    /// `rwxst` bits spread over all classes (masked by `who`), and whether `X` was given.
    perms: u32,
    /// `X`: execute only for directories or files executable by someone.
    cond_exec: bool,
}

impl Chmod {
    /// Parses `--chmod=value`.
    pub fn parse(value: &str, line: usize) -> Result<Self, CopyError> {
        let bad = |reason: &str| CopyError::BadChmod {
            line,
            value: value.to_string(),
            reason: reason.to_string(),
        };
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            return match u32::from_str_radix(value, 8) {
                Ok(mode) if mode <= 0o7777 => Ok(Self::Octal(mode)),
                _ => Err(bad("it should be octal string and between 0 and 07777")),
            };
        }
        let mut clauses = Vec::new();
        for part in value.split(',') {
            let bytes = part.as_bytes();
            let op_at = bytes
                .iter()
                .position(|b| matches!(b, b'+' | b'-' | b'='))
                .ok_or_else(|| bad("expected an octal mode or clauses like `u+x`"))?;
            let mut who = 0;
            for &c in &bytes[..op_at] {
                who |= match c {
                    b'u' => 0o4700,
                    b'g' => 0o2070,
                    b'o' => 0o1007,
                    b'a' => 0o7777,
                    _ => return Err(bad("unknown class (expected u, g, o or a)")),
                };
            }
            if who == 0 {
                who = 0o7777;
            }
            let mut perms = 0;
            let mut cond_exec = false;
            for &c in &bytes[op_at + 1..] {
                perms |= match c {
                    b'r' => 0o444,
                    b'w' => 0o222,
                    b'x' => 0o111,
                    b's' => 0o6000,
                    b't' => 0o1000,
                    b'X' => {
                        cond_exec = true;
                        0
                    }
                    _ => return Err(bad("unknown permission (expected r, w, x, X, s or t)")),
                };
            }
            clauses.push(Clause {
                who,
                op: bytes[op_at],
                perms,
                cond_exec,
            });
        }
        Ok(Self::Symbolic(clauses))
    }

    /// The mode a file whose mode is `mode` (permission bits) gets.
    pub fn apply(&self, mode: u32, is_dir: bool) -> u32 {
        match self {
            Self::Octal(m) => *m,
            Self::Symbolic(clauses) => clauses.iter().fold(mode & 0o7777, |mode, c| {
                let mut perms = c.perms;
                if c.cond_exec && (is_dir || mode & 0o111 != 0) {
                    perms |= 0o111;
                }
                let bits = perms & c.who;
                match c.op {
                    b'+' => mode | bits,
                    b'-' => mode & !bits,
                    _ => (mode & !c.who) | bits,
                }
            }),
        }
    }

    /// The mode of a directory the copy creates as a parent: 0755 whatever `--chmod` says, as
    /// BuildKit 0.13 (the differential tests' reference) does. Later fsutil (PR #228) gives
    /// such parents an octal `--chmod`; moby/buildkit#5943 asks to undo that, so rbuild keeps
    /// the older, safer behaviour (a `--chmod=600` must not make `/m` untraversable).
    pub fn created_dir_mode(chmod: Option<&Self>) -> u32 {
        let _ = chmod;
        0o755
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_modes() {
        assert_eq!(Chmod::parse("755", 1).unwrap(), Chmod::Octal(0o755));
        assert_eq!(Chmod::parse("0644", 1).unwrap().apply(0o777, false), 0o644);
        assert!(Chmod::parse("8", 1).is_err());
        assert!(Chmod::parse("17777", 1).is_err());
    }

    #[test]
    fn symbolic_modes() {
        let m = Chmod::parse("u+x", 1).unwrap();
        assert_eq!(m.apply(0o644, false), 0o744);
        let m = Chmod::parse("go-w,a+X", 1).unwrap();
        assert_eq!(m.apply(0o666, false), 0o644);
        assert_eq!(m.apply(0o666, true), 0o755);
        let m = Chmod::parse("u=rwx,g=rx,o=", 1).unwrap();
        assert_eq!(m.apply(0o666, false), 0o750);
        assert!(Chmod::parse("z+x", 1).is_err());
        assert!(Chmod::parse("rwx", 1).is_err());
    }
}
