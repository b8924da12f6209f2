//! Where an upgrade or a downgrade should go, as the user writes it.

use std::fmt::{self, Display};
use std::str::FromStr;

use super::error::TargetError;
use super::revision::{RESERVED_IDS, is_id_char};

/// Where an upgrade or a downgrade should go, in Alembic's grammar.
///
/// A target names revisions but is not resolved yet: ids and prefixes are
/// looked up, and relative steps walked, by
/// [`Graph::plan_upgrade`](super::Graph::plan_upgrade) and
/// [`Graph::plan_downgrade`](super::Graph::plan_downgrade).
///
/// ```
/// use migrate_core::graph::Target;
///
/// assert_eq!(Target::parse("head")?, Target::Head);
/// assert_eq!(Target::parse("-2")?, Target::Relative(-2));
/// assert_eq!(Target::parse("ae1f+1")?, Target::RevisionRelative("ae1f".into(), 1));
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
    /// A full id, or a prefix of at least 4 characters of one.
    Revision(String),
    /// `+N` or `-N`: N steps up or down from the current revision.
    Relative(i64),
    /// `<id>+N` or `<id>-N`: N steps up or down from a revision, named by
    /// id or prefix.
    RevisionRelative(String, i64),
}

impl Target {
    /// Parses `head`, `heads`, `base`, an id or prefix, `+N`, `-N`, `<id>+N`
    /// or `<id>-N`, with N at least 1.
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
            _ => {}
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

/// `id` as a revision id or prefix, if it could be one.
fn revision(id: &str) -> Option<String> {
    let plausible = !id.is_empty() && id.chars().all(is_id_char) && !RESERVED_IDS.contains(&id);
    plausible.then(|| id.to_owned())
}

/// `+N` or `-N` with N at least 1, as a signed count.
fn steps(step: &str) -> Option<i64> {
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
            Self::Revision(id) => f.write_str(id),
            Self::Relative(step) => write!(f, "{step:+}"),
            Self::RevisionRelative(id, step) => write!(f, "{id}{step:+}"),
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
            "current",
            "head+1",
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
    fn accepts_the_largest_step() {
        let max = format!("+{}", i64::MAX);
        assert_eq!(Target::parse(&max), Ok(Target::Relative(i64::MAX)));
        let min = format!("-{}", i64::MAX);
        assert_eq!(Target::parse(&min), Ok(Target::Relative(-i64::MAX)));
    }
}
