//! BuildKit's "did you mean ...?" hints (`util/suggest`): the option nearest to a misspelled
//! value by Levenshtein distance, if it is nearer than 3 edits, in BuildKit's wording.

/// The option nearest to `value` (fewer than 3 insertions, deletions or substitutions away; the
/// first of equally near ones), or `None` when none is near or one equals `value` (then the
/// value was not the problem). Without `case_sensitive`, both are compared in lowercase and the
/// match takes `value`'s case when that is all lower or all upper (BuildKit's `matchCase`),
/// else lowercase.
pub fn search<S: AsRef<str>>(value: &str, options: &[S], case_sensitive: bool) -> Option<String> {
    let fold = |s: &str| {
        if case_sensitive {
            s.to_string()
        } else {
            s.to_lowercase()
        }
    };
    let wanted = fold(value);
    // (Levenshtein, with transpositions, option): BuildKit takes the first option of the least
    // distance in Go's map order, which is random among equals; rbuild takes, among those, the
    // one fewest edits away when swapping two neighbours counts as one (`--chwon`: chown, not
    // chmod), then the first.
    let mut best: Option<(usize, usize, String)> = None;
    for option in options {
        let option = fold(option.as_ref());
        if option == wanted {
            return None;
        }
        let d = distance(&wanted, &option, false);
        if d >= 3 {
            continue;
        }
        let t = distance(&wanted, &option, true);
        if best.as_ref().is_none_or(|(bd, bt, _)| (d, t) < (*bd, *bt)) {
            best = Some((d, t, option));
        }
    }
    let (_, _, found) = best?;
    Some(if case_sensitive {
        found
    } else if value == value.to_lowercase() {
        found.to_lowercase()
    } else if value == value.to_uppercase() {
        found.to_uppercase()
    } else {
        found
    })
}

/// `message` with BuildKit's hint appended when [`search`] finds one:
/// `"<message> (did you mean <match>?)"`.
pub fn hint<S: AsRef<str>>(
    message: String,
    value: &str,
    options: &[S],
    case_sensitive: bool,
) -> String {
    match search(value, options, case_sensitive) {
        Some(m) => format!("{message} (did you mean {m}?)"),
        None => message,
    }
}

/// The Levenshtein distance of `a` and `b` in characters (unit costs); with `transpositions`,
/// swapping two neighbouring characters is one edit (optimal string alignment).
fn distance(a: &str, b: &str, transpositions: bool) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Three rows: two back (for transpositions), the previous one, the current one.
    let mut two_back: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if transpositions && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(two_back[j - 2] + 1);
            }
        }
        two_back = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_levenshtein() {
        assert_eq!(distance("runn", "run", false), 1);
        assert_eq!(distance("chwon", "chown", false), 2);
        assert_eq!(distance("chwon", "chown", true), 1);
        assert_eq!(distance("chwon", "chmod", true), 2);
        assert_eq!(distance("", "abc", false), 3);
        assert_eq!(distance("abc", "", true), 3);
        assert_eq!(distance("kitten", "sitting", false), 3);
    }

    #[test]
    fn search_matches_buildkit() {
        let names = ["RUN", "COPY", "ENTRYPOINT"];
        assert_eq!(search("RUNN", &names, false).as_deref(), Some("RUN"));
        assert_eq!(search("runn", &names, false).as_deref(), Some("run"));
        assert_eq!(search("Runn", &names, false).as_deref(), Some("run"));
        assert_eq!(
            search("FNTRYPOINT", &names, false).as_deref(),
            Some("ENTRYPOINT")
        );
        // An exact match means the value was not the problem; far values get no hint.
        assert_eq!(search("run", &names, false), None);
        // chmod and chown are both two substitutions away: the transposition decides.
        assert_eq!(
            search("chwon", &["chmod", "chown"], true).as_deref(),
            Some("chown")
        );
        assert_eq!(search("frobnicate", &names, false), None);
        assert_eq!(search("Build", &["build"], true).as_deref(), Some("build"));
        assert_eq!(search("BUILD", &["build"], true), None);
        assert_eq!(
            hint(
                "target stage \"bulid\" could not be found".into(),
                "bulid",
                &["build"],
                true
            ),
            "target stage \"bulid\" could not be found (did you mean build?)"
        );
    }
}
