//! Shell-style patterns as Go and git match them: AppProject namespace patterns
//! (`filepath.Match`), git directory generators (`path.Match`: `*` stops at `/`,
//! v3.5.1 `applicationset/generators/git.go` `filterApps`), and git file generators'
//! pathspecs (`git ls-files -- PATTERN`, where `*` matches `/` too); and ladder's own
//! path globs ([`paths`]: `**` spans folders), for lint's excludes and a spec's
//! `include`.
//!
//! A shared piece at the bottom of the tree: imports nothing of ladder's.

/// Which matcher a pattern is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slash {
    /// Go's `filepath.Match` on names without `/`: `*` and `?` match any character,
    /// `[^…]` negates.
    Any,
    /// Go's `path.Match`: `*` and `?` never match a `/`, `[^…]` negates (`!` is itself).
    Stops,
    /// git's pathspecs (wildmatch): `*` and `?` match `/` too, `[^…]` and `[!…]` negate.
    Git,
}

/// [`glob_with`] where `/` is an ordinary character.
pub fn glob(pattern: &str, text: &str) -> bool {
    glob_with(pattern, text, Slash::Any)
}

/// Matches `text` against a shell pattern: `*` any run of characters, `?` one, `[…]` a
/// class (negated as the matcher negates, with ranges), `\\` escapes; where `/` stops
/// `*` and `?` depends on the matcher ([`Slash`]). A malformed pattern matches nothing,
/// as Argo CD treats its error.
pub fn glob_with(pattern: &str, text: &str, slash: Slash) -> bool {
    let bang = slash == Slash::Git;
    let class = |p: &[char], c: char| -> Option<(bool, usize)> {
        // p starts after '['; returns (matched, length of the class including ']').
        let mut i = 0;
        let negated = p.first() == Some(&'^') || (bang && p.first() == Some(&'!'));
        if negated {
            i += 1;
        }
        let mut matched = false;
        let mut first = true;
        loop {
            let lo = *p.get(i)?;
            if lo == ']' && !first {
                return Some((matched != negated, i + 1));
            }
            first = false;
            let lo = if lo == '\\' {
                i += 1;
                *p.get(i)?
            } else {
                lo
            };
            i += 1;
            let hi = if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&h| h != ']') {
                i += 1;
                let h = if p[i] == '\\' {
                    i += 1;
                    *p.get(i)?
                } else {
                    p[i]
                };
                i += 1;
                h
            } else {
                lo
            };
            if lo <= c && c <= hi {
                matched = true;
            }
        }
    };
    // Whether the one-character token at the start of `p` matches `c`: `Some(length of
    // the token)` if it does, `Some(0)` if not, `None` for a malformed token.
    let one = |p: &[char], c: char, stops: bool| -> Option<usize> {
        match p[0] {
            '?' => Some(usize::from(!(stops && c == '/'))),
            '[' => class(&p[1..], c).map(|(hit, len)| if hit { 1 + len } else { 0 }),
            '\\' => Some(if *p.get(1)? == c { 2 } else { 0 }),
            other => Some(usize::from(other == c)),
        }
    };
    // Iterative, with one backtracking point (the last `*`): no recursion whose depth
    // comes from the pattern, and at most |pattern| × |text| steps (a recursive matcher
    // overflowed the stack on 20,000 `*`s and took exponential time on `*a*a…b`).
    let stops = slash == Slash::Stops;
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            if p[pi] == '*' {
                star = Some((pi + 1, ti));
                pi += 1;
                continue;
            }
            if ti < t.len() {
                match one(&p[pi..], t[ti], stops) {
                    None => return false,
                    Some(0) => {}
                    Some(len) => {
                        pi += len;
                        ti += 1;
                        continue;
                    }
                }
            }
        } else if ti == t.len() {
            return true;
        }
        match star {
            Some((after, from)) if from < t.len() && !(stops && t[from] == '/') => {
                star = Some((after, from + 1));
                pi = after;
                ti = from + 1;
            }
            _ => return false,
        }
    }
}

/// Whether path `text` (with `/`) matches `pattern`: `*` and `?` stay inside one
/// segment, `**` spans segments, and `**/` also matches no segment at all. By dynamic
/// programming over (pattern, text) positions: linear in their product, whatever the
/// pattern (no backtracking blowup).
pub fn paths(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    // reach[j]: the first j bytes of `text` are matched by the pattern read so far.
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    let mut p = 0;
    while p < pattern.len() {
        let mut next = vec![false; text.len() + 1];
        if pattern[p..].starts_with(b"**") {
            let slash = pattern.get(p + 2) == Some(&b'/');
            // `**` matches anything; `**/` also matches nothing at all.
            let mut any = false;
            for j in 0..=text.len() {
                any |= reach[j];
                if slash {
                    // Anything ending in `/`, or nothing.
                    next[j] = reach[j] || (any && j > 0 && text[j - 1] == b'/');
                } else {
                    next[j] = any;
                }
            }
            p += if slash { 3 } else { 2 };
        } else if pattern[p] == b'*' {
            let mut run = false;
            for j in 0..=text.len() {
                run = reach[j] || (run && j > 0 && text[j - 1] != b'/');
                next[j] = run;
            }
            p += 1;
        } else {
            let c = pattern[p];
            for j in 1..=text.len() {
                next[j] = reach[j - 1] && (text[j - 1] == c || (c == b'?' && text[j - 1] != b'/'));
            }
            p += 1;
        }
        reach = next;
    }
    reach[text.len()]
}

#[cfg(test)]
mod tests {
    /// Regression: the glob matcher recursed once per pattern character (20,000 `*`s
    /// overflowed the stack) and backtracked exponentially on `*a*a…b`.
    #[test]
    fn globs_with_many_stars_match_without_recursion_or_backtracking_blowup() {
        assert!(glob(&"*".repeat(200_000), "Namespace"));
        assert!(!glob(&("*a".repeat(30) + "b"), &"a".repeat(60)));
        assert!(glob(&("*a".repeat(30) + "b"), &("a".repeat(60) + "b")));
    }

    use super::{Slash, glob, glob_with};

    #[test]
    fn globs_match_as_go_filepath_match_does() {
        assert!(glob("*", ""));
        assert!(glob("", ""));
        assert!(!glob("", "Namespace"));
        assert!(glob("Name*", "Namespace"));
        assert!(glob("shop-?ev", "shop-dev"));
        assert!(glob("shop-[a-d]ev", "shop-dev"));
        assert!(!glob("shop-[^a-d]ev", "shop-dev"));
        assert!(glob("cert-manager-*", "cert-manager-webhook"));
        assert!(!glob("cert-manager-*", "cert-manager"));
        assert!(!glob("[", "["));
        assert!(glob("\\*", "*"));
    }

    #[test]
    fn path_patterns_stop_at_slashes_as_go_path_match_does() {
        assert!(glob_with("apps/*", "apps/web", Slash::Stops));
        assert!(!glob_with("apps/*", "apps/web/base", Slash::Stops));
        assert!(!glob_with("apps?web", "apps/web", Slash::Stops));
        assert!(glob_with("*/*", "apps/web", Slash::Stops));
        assert!(!glob_with("*", "apps/web", Slash::Stops));
        assert!(glob_with("apps/*", "apps/web/base", Slash::Any));
    }

    /// Regression: `[!…]` negated in Go patterns too, where `!` is an ordinary character.
    #[test]
    fn only_git_negates_a_class_with_a_bang() {
        assert!(glob_with("apps/[!w]eb", "apps/!eb", Slash::Stops));
        assert!(glob_with("apps/[!w]eb", "apps/web", Slash::Stops));
        assert!(!glob_with("apps/[!w]eb", "apps/xeb", Slash::Stops));
        assert!(glob_with("apps/[!w]eb", "apps/xeb", Slash::Git));
        assert!(!glob_with("apps/[!w]eb", "apps/web", Slash::Git));
        assert!(!glob_with("apps/[^w]eb", "apps/web", Slash::Stops));
    }

    #[test]
    fn globs_match_by_segment() {
        let cases = [
            ("**/templates/**", "templates/a.yaml", true),
            ("**/templates/**", "charts/web/templates/a.yaml", true),
            ("charts/**", "charts/web/values.yaml", true),
            ("charts/*", "charts/web/values.yaml", false),
            ("charts/*/values.yaml", "charts/web/values.yaml", true),
            ("*.yaml", "a/b.yaml", false),
            ("**/*.yaml", "a/b.yaml", true),
            ("**/*.yaml", "b.yaml", true),
            ("a?c", "abc", true),
            ("a?c", "a/c", false),
        ];
        for (glob, path, want) in cases {
            assert_eq!(super::paths(glob, path), want, "{glob} {path}");
        }
    }

    #[test]
    fn a_long_pattern_of_stars_is_linear() {
        let glob = "*a".repeat(200);
        let text = "a".repeat(5000) + "b";
        assert!(!super::paths(&glob, &text));
    }
}
