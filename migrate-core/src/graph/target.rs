//! Where an upgrade or a downgrade should go, as the user writes it.

use std::fmt::{self, Display};
use std::str::FromStr;

use super::error::TargetError;
use super::revision::{RESERVED_IDS, is_id_char};

/// Where an upgrade or a downgrade should go, in Alembic's grammar.
///
/// A target names revisions but is not resolved yet: ids, prefixes and
/// labels are looked up, and relative steps walked, by
/// [`Graph::upgrade_route`](super::Graph::upgrade_route),
/// [`Graph::downgrade_route`](super::Graph::downgrade_route) and
/// [`Graph::resolve`](super::Graph::resolve).
///
/// ```
/// use migrate_core::graph::Target;
///
/// assert_eq!(Target::parse("head")?, Target::Head);
/// assert_eq!(Target::parse("-2")?, Target::Relative(-2));
/// assert_eq!(Target::parse("ae1f+1")?, Target::RevisionRelative("ae1f".into(), 1));
/// assert_eq!(Target::parse("billing@head")?, Target::BranchHead("billing".into()));
/// assert_eq!(Target::parse("billing@-1")?, Target::BranchRelative("billing".into(), -1));
/// assert_eq!(Target::parse("ae1f+1")?.to_string(), "ae1f+1");
/// # Ok::<(), migrate_core::graph::TargetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// `head`: the single head; refused when there are several.
    Head,
    /// `heads`: every head.
    Heads,
    /// `base`: before the first revision, with nothing applied.
    Base,
    /// `current`: where the database is now.
    Current,
    /// A full id, or a prefix of at least 4 characters of one.
    Revision(String),
    /// `+N` or `-N`: N steps up or down from the current revision.
    Relative(i64),
    /// `<id>+N` or `<id>-N`: N steps up or down from a revision, named by
    /// id or prefix.
    RevisionRelative(String, i64),
    /// `<label>@head` or `<id>@head`: the single head that the labelled
    /// revision, or the revision, leads to.
    BranchHead(String),
    /// `<label>@base`: before the labelled branch, with none of it applied.
    BranchBase(String),
    /// `<label>@+N` or `<label>@-N`: N steps up or down the labelled branch
    /// from its current revision.
    BranchRelative(String, i64),
}

impl Target {
    /// Parses `head`, `heads`, `base`, `current`, an id or prefix, `+N`,
    /// `-N`, `<id>+N`, `<id>-N`, `<label>@head`, `<id>@head`,
    /// `<label>@base`, `<label>@+N` or `<label>@-N`, with N at least 1.
    ///
    /// # Errors
    ///
    /// [`TargetError::Malformed`], whose message lists this grammar.
    pub fn parse(given: &str) -> Result<Self, TargetError> {
        let malformed = || TargetError::Malformed {
            given: given.to_owned(),
        };
        match given {
            "head" => return Ok(Self::Head),
            "heads" => return Ok(Self::Heads),
            "base" => return Ok(Self::Base),
            "current" => return Ok(Self::Current),
            _ => {}
        }
        if let Some((branch, within)) = given.split_once('@') {
            let branch = revision(branch).ok_or_else(malformed)?;
            return match within {
                "head" => Ok(Self::BranchHead(branch)),
                "base" => Ok(Self::BranchBase(branch)),
                _ => steps(within)
                    .map(|step| Self::BranchRelative(branch, step))
                    .ok_or_else(malformed),
            };
        }
        let Some(sign_at) = given.rfind(['+', '-']) else {
            return revision(given).map(Self::Revision).ok_or_else(malformed);
        };
        let (from, step) = given.split_at(sign_at);
        let step = steps(step).ok_or_else(malformed)?;
        if from.is_empty() {
            return Ok(Self::Relative(step));
        }
        let from = revision(from).ok_or_else(malformed)?;
        Ok(Self::RevisionRelative(from, step))
    }
}

/// A range of revisions, `from:to`, as `history -r` and the offline
/// `--sql` mode take it. Either end may be left out: `:b`, `a:`.
///
/// ```
/// use migrate_core::graph::{Range, Target};
///
/// let range = Range::parse("ae1f:head")?;
/// assert_eq!(range.from, Some(Target::Revision("ae1f".into())));
/// assert_eq!(range.to, Some(Target::Head));
/// assert_eq!(Range::parse(":billing@head")?.from, None);
/// # Ok::<(), migrate_core::graph::TargetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Range {
    /// Where the range starts; `None`: at base.
    pub from: Option<Target>,
    /// Where it ends; `None`: at the heads.
    pub to: Option<Target>,
}

impl Range {
    /// Parses `from:to`, where each side is a [`Target`] or empty.
    ///
    /// # Errors
    ///
    /// [`TargetError::Malformed`] when there is no `:` or a side does not
    /// parse.
    pub fn parse(given: &str) -> Result<Self, TargetError> {
        let (from, to) = given
            .split_once(':')
            .ok_or_else(|| TargetError::Malformed {
                given: given.to_owned(),
            })?;
        let side = |text: &str| match text {
            "" => Ok(None),
            _ => Target::parse(text).map(Some),
        };
        Ok(Self {
            from: side(from)?,
            to: side(to)?,
        })
    }
}

impl Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(from) = &self.from {
            write!(f, "{from}")?;
        }
        f.write_str(":")?;
        if let Some(to) = &self.to {
            write!(f, "{to}")?;
        }
        Ok(())
    }
}

/// `id` as a revision id or prefix, if it could be one.
fn revision(id: &str) -> Option<String> {
    let plausible = !id.is_empty() && id.chars().all(is_id_char) && !RESERVED_IDS.contains(&id);
    plausible.then(|| id.to_owned())
}

/// `+N` or `-N` with N at least 1, as a signed count.
fn steps(step: &str) -> Option<i64> {
    if !step.starts_with(['+', '-']) {
        return None;
    }
    let (sign, digits) = step.split_at(1);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: i64 = digits.parse().ok().filter(|&count| count >= 1)?;
    Some(if sign == "-" { -count } else { count })
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(given: &str) -> Result<Self, TargetError> {
        Self::parse(given)
    }
}

/// Writes the target back as [`Target::parse`] reads it.
impl Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Head => f.write_str("head"),
            Self::Heads => f.write_str("heads"),
            Self::Base => f.write_str("base"),
            Self::Current => f.write_str("current"),
            Self::Revision(id) => f.write_str(id),
            Self::Relative(step) => write!(f, "{step:+}"),
            Self::RevisionRelative(id, step) => write!(f, "{id}{step:+}"),
            Self::BranchHead(branch) => write!(f, "{branch}@head"),
            Self::BranchBase(branch) => write!(f, "{branch}@base"),
            Self::BranchRelative(branch, step) => write!(f, "{branch}@{step:+}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let cases = [
            ("head", Target::Head),
            ("heads", Target::Heads),
            ("base", Target::Base),
            ("current", Target::Current),
            ("billing@head", Target::BranchHead("billing".into())),
            ("ae1f@head", Target::BranchHead("ae1f".into())),
            ("billing@base", Target::BranchBase("billing".into())),
            ("billing@+2", Target::BranchRelative("billing".into(), 2)),
            ("db@-1", Target::BranchRelative("db".into(), -1)),
            ("55296ad22e23", Target::Revision("55296ad22e23".into())),
            ("ae1f", Target::Revision("ae1f".into())),
            ("ae", Target::Revision("ae".into())),
            ("+1", Target::Relative(1)),
            ("-12", Target::Relative(-12)),
            ("ae1f+2", Target::RevisionRelative("ae1f".into(), 2)),
            (
                "add_users-1",
                Target::RevisionRelative("add_users".into(), -1),
            ),
        ];
        for (given, expected) in cases {
            assert_eq!(Target::parse(given), Ok(expected.clone()), "{given}");
            assert_eq!(given.parse::<Target>(), Ok(expected.clone()), "{given}");
            assert_eq!(expected.to_string(), given);
        }
    }

    #[test]
    fn refuses_anything_else() {
        for given in [
            "",
            "+",
            "-",
            "+0",
            "-0",
            "+-1",
            "++1",
            "1+",
            "+1a",
            "+ 1",
            "ae1f+",
            "ae1f+-1",
            "ae1f-1+1",
            "ae1f--1",
            "AE1F",
            "ae1f ",
            "head+1",
            "@head",
            "billing@",
            "billing@heads",
            "billing@1",
            "billing@+0",
            "head@head",
            "a@b@head",
            "Billing@head",
            "base-1",
            "heads-1",
            "+99999999999999999999",
        ] {
            assert_eq!(
                Target::parse(given),
                Err(TargetError::Malformed {
                    given: given.into()
                }),
                "{given:?}"
            );
        }
    }

    #[test]
    fn parses_ranges() {
        let cases = [
            (
                "ae1f:head",
                Some(Target::Revision("ae1f".into())),
                Some(Target::Head),
            ),
            (
                ":billing@head",
                None,
                Some(Target::BranchHead("billing".into())),
            ),
            ("current:", Some(Target::Current), None),
            (":", None, None),
            (
                "-3:current",
                Some(Target::Relative(-3)),
                Some(Target::Current),
            ),
        ];
        for (given, from, to) in cases {
            let range = Range::parse(given).unwrap();
            assert_eq!(
                (range.from.clone(), range.to.clone()),
                (from, to),
                "{given}"
            );
            assert_eq!(range.to_string(), given);
        }
        for given in ["head", "a:b:c", "ae1f:+", "Ae1f:"] {
            assert!(Range::parse(given).is_err(), "{given}");
        }
    }

    #[test]
    fn accepts_the_largest_step() {
        let max = format!("+{}", i64::MAX);
        assert_eq!(Target::parse(&max), Ok(Target::Relative(i64::MAX)));
        let min = format!("-{}", i64::MAX);
        assert_eq!(Target::parse(&min), Ok(Target::Relative(-i64::MAX)));
    }
}
