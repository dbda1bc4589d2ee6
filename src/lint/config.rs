//! Which checks run and how they count, as BuildKit reads it: the `# check=` parser directive
//! (`skip=A,B;error=true;experimental=C`, `skip=all`, `experimental=all`), replaced as a whole
//! by the `BUILDKIT_DOCKERFILE_CHECK` build arg when that is given.

use super::rule::Rule;

/// The build arg that overrides the directive.
pub const CHECK_BUILD_ARG: &str = "BUILDKIT_DOCKERFILE_CHECK";

/// How the checks run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckConfig {
    /// `skip=all`: no rule runs (experimental ones still may, if named).
    pub skip_all: bool,
    /// `skip=A,B`.
    pub skip: Vec<String>,
    /// `experimental=all`.
    pub experimental_all: bool,
    /// `experimental=A,B`.
    pub experimental: Vec<String>,
    /// `error=true`: any finding fails the check (and the build).
    pub error: bool,
}

/// A check option that does not parse; the message is BuildKit's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to parse check options: {reason}")]
pub struct ConfigError {
    /// What is wrong.
    pub reason: String,
}

impl CheckConfig {
    /// Parses a `check` value (`skip=A,B;error=true`); empty is the default.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let value = value.trim();
        let mut out = Self::default();
        if value.is_empty() {
            return Ok(out);
        }
        let list =
            |v: &str| -> Vec<String> { v.split(',').map(|r| r.trim().to_string()).collect() };
        for part in value.splitn(3, ';') {
            let Some((key, v)) = part.split_once('=') else {
                return Err(ConfigError {
                    reason: format!("invalid check option {part:?}"),
                });
            };
            let v = v.trim();
            match key.trim() {
                "skip" if v == "all" => out.skip_all = true,
                "skip" => out.skip = list(v),
                "experimental" if v == "all" => out.experimental_all = true,
                "experimental" => out.experimental = list(v),
                "error" => {
                    out.error = parse_bool(v).ok_or_else(|| ConfigError {
                        reason: format!("invalid check option {part:?}: {v:?} is not a boolean"),
                    })?;
                }
                other => {
                    return Err(ConfigError {
                        reason: format!("invalid check option {other:?}"),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The configuration of a build: the `BUILDKIT_DOCKERFILE_CHECK` build arg when given, else
    /// the Dockerfile's `# check=` directive (only its first word counts, as BuildKit reads it).
    pub fn of(directive: Option<&str>, build_arg: Option<&str>) -> Result<Self, ConfigError> {
        match (build_arg, directive) {
            (Some(arg), _) => Self::parse(arg),
            (None, Some(d)) => Self::parse(d.split(' ').next().unwrap_or_default()),
            (None, None) => Ok(Self::default()),
        }
    }

    /// This configuration merged with the first `check=` among an instruction's comments
    /// (BuildKit's `WithMergedConfigFromComments`: the value up to its first space, skips and
    /// experimental rules added); `None` when there is none (or it does not parse).
    pub fn with_comments(&self, comments: &[String]) -> Option<Self> {
        let value = comments.iter().find_map(|c| {
            let (key, value) = c.split_once('=')?;
            (key.trim().eq_ignore_ascii_case("check")).then(|| value.trim_start())
        })?;
        let other = Self::parse(value.split(' ').next().unwrap_or_default()).ok()?;
        let mut merged = self.clone();
        merged.skip_all |= other.skip_all;
        merged.skip.extend(other.skip);
        merged.experimental_all |= other.experimental_all;
        merged.experimental.extend(other.experimental);
        Some(merged)
    }

    /// Whether `rule` runs.
    pub fn runs(&self, rule: &Rule) -> bool {
        if rule.experimental {
            self.experimental_all || self.experimental.iter().any(|r| r == rule.name)
        } else {
            !(self.skip_all || self.skip.iter().any(|r| r == rule.name))
        }
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rule;

    #[test]
    fn options_parse_as_buildkit_parses_them() {
        let c = CheckConfig::parse("skip=StageNameCasing, FromAsCasing;error=true").unwrap();
        assert_eq!(c.skip, ["StageNameCasing", "FromAsCasing"]);
        assert!(c.error);
        assert!(!c.runs(&rule::STAGE_NAME_CASING));
        assert!(c.runs(&rule::MAINTAINER_DEPRECATED));
        assert!(
            !c.runs(&rule::INVALID_DEFINITION_DESCRIPTION),
            "experimental"
        );

        let all = CheckConfig::parse("skip=all;experimental=all").unwrap();
        assert!(!all.runs(&rule::MAINTAINER_DEPRECATED));
        assert!(all.runs(&rule::INVALID_DEFINITION_DESCRIPTION));

        assert!(CheckConfig::parse("skip").is_err());
        assert!(CheckConfig::parse("nope=1").is_err());
        assert!(CheckConfig::parse("error=maybe").is_err());
        assert_eq!(CheckConfig::parse("  ").unwrap(), CheckConfig::default());
    }

    #[test]
    fn the_build_arg_replaces_the_directive() {
        let c = CheckConfig::of(Some("skip=all"), Some("error=true")).unwrap();
        assert!(!c.skip_all && c.error);
        let d = CheckConfig::of(Some("skip=all trailing words"), None).unwrap();
        assert!(d.skip_all);
    }
}
