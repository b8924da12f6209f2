//! What can be wrong with the registered revisions, and with a target.
//!
//! Every message is lowercase with no trailing period, reads well after
//! "failed to ...: ", and says what failed, where, and what to do next.

use std::fmt::{self, Display, Write as _};

use crate::Direction;

/// The target grammar, quoted when a target cannot be parsed.
const TARGET_GRAMMAR: &str = "a target is `head`, `heads`, `base`, `current`, a revision id or \
    a prefix of at least 4 of its characters, `+N` or `-N` (N steps from the current revision), \
    `<id>+N` or `<id>-N` (N steps from that revision), `<label>@head` or `<id>@head` (the head of \
    that branch), `<label>@base`, or `<label>@+N` or `<label>@-N` (N steps from the branch's \
    current revision), with N at least 1";

/// The rule for branch labels, quoted by every message about a bad label.
const LABEL_RULE: &str = "labels are 1 to 32 characters of lowercase ascii letters, digits and `_`, other than `base`, \
     `head`, `heads` and `current`";

/// Lists longer than this are cut short in messages.
const MAX_LISTED: usize = 10;

pub use migrate_names::IdError;

/// One problem with the registered revisions.
///
/// [`Graph::build`](super::Graph::build) collects every problem before it
/// reports them together as [`GraphErrors`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// A revision id breaks the rules of [`validate_id`](super::validate_id).
    #[error(
        "revision id `{id}` in {location} is invalid: {reason}; change `id` in its #[migration] \
         attribute"
    )]
    InvalidId {
        /// The id as written.
        id: String,
        /// The module that declares it.
        location: String,
        /// What is wrong with it.
        reason: IdError,
    },
    /// Several modules declare the same id.
    #[error(
        "revision id `{id}` is declared by {} modules: {}; give each migration its own id, e.g. a \
         fresh one from the `revision` command",
        .locations.len(),
        list(.locations, |location| location.clone()),
    )]
    DuplicateId {
        /// The id.
        id: String,
        /// Every module that declares it.
        locations: Vec<String>,
    },
    /// A revision revises an id that no module declares.
    #[error(
        "revision `{id}` in {location} revises `{parent}`, which is not registered{}; fix \
         `revises` in its #[migration] attribute, or make sure the module that declares \
         `{parent}` is compiled in",
        did_you_mean(.suggestions),
    )]
    UnknownParent {
        /// The revision.
        id: String,
        /// The id it revises.
        parent: String,
        /// The module of the revision.
        location: String,
        /// The closest registered ids, best first; at most 3.
        suggestions: Vec<String>,
    },
    /// A branch label breaks the rules of
    /// [`validate_label`](super::validate_label).
    #[error(
        "branch label `{label}` in {location} is invalid: {LABEL_RULE}; change `branch_labels` in \
         its #[migration] attribute"
    )]
    InvalidLabel {
        /// The label as written.
        label: String,
        /// The module that declares it.
        location: String,
    },
    /// Several revisions declare the same branch label.
    #[error(
        "branch label `{label}` is declared by {} modules: {}; a label names one branch, so keep \
         it on the branch's first revision only",
        .locations.len(),
        list(.locations, |location| location.clone()),
    )]
    DuplicateLabel {
        /// The label.
        label: String,
        /// Every module that declares it.
        locations: Vec<String>,
    },
    /// A branch label that is also a revision id, so `<label>@head` could
    /// mean either.
    #[error(
        "branch label `{label}` in {location} is also the id of the revision in {id_location}; \
         rename the label"
    )]
    LabelIsId {
        /// The label.
        label: String,
        /// The module that declares the label.
        location: String,
        /// The module whose id it is.
        id_location: String,
    },
    /// A revision depends on an id or label that nothing declares.
    #[error(
        "revision `{id}` in {location} depends on `{dependency}`, which is neither a registered \
         revision nor a branch label{}; fix `depends_on` in its #[migration] attribute",
        did_you_mean(.suggestions),
    )]
    UnknownDependency {
        /// The revision.
        id: String,
        /// The id or label it depends on.
        dependency: String,
        /// The module of the revision.
        location: String,
        /// The closest registered ids and labels, best first; at most 3.
        suggestions: Vec<String>,
    },
    /// Revisions that revise each other in a circle: one strongly connected
    /// component of the graph.
    #[error("{}", cycle(.members))]
    Cycle {
        /// Every revision in the cycle, as `(id, location)`, sorted by id.
        members: Vec<(String, String)>,
    },
    /// Nothing is registered at all.
    #[error(
        "no migrations are registered; write one with the `revision` command, and make sure the \
         migrations library is linked: the binary must reference the crate, e.g. \
         `use migrations as _;`"
    )]
    Empty,
}

/// Every problem found with the registered revisions: at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphErrors(pub Vec<GraphError>);

impl Display for GraphErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(
            f,
            "the revision graph has {count} {}:",
            if count == 1 { "problem" } else { "problems" }
        )?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphErrors {}

/// Why a target cannot be parsed, or resolved against the graph and the
/// current heads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// No revision has this id, nor an id starting with it.
    #[error(
        "no revision has the id or prefix `{given}`{}; run `history` to list the revisions",
        did_you_mean(.suggestions),
    )]
    Unknown {
        /// The id or prefix as given.
        given: String,
        /// The closest registered ids, best first; at most 3.
        suggestions: Vec<String>,
    },
    /// Several ids start with this prefix.
    #[error(
        "revision prefix `{prefix}` is ambiguous: it starts {} ids: {}; type more characters of \
         the id",
        .candidates.len(),
        described(.candidates),
    )]
    Ambiguous {
        /// The prefix as given.
        prefix: String,
        /// Every matching revision, as `(id, message)`, sorted by id.
        candidates: Vec<(String, String)>,
    },
    /// A prefix shorter than 4 characters that is not a whole id.
    #[error(
        "revision prefix `{given}` is too short: type at least 4 characters of the id, or all of it"
    )]
    PrefixTooShort {
        /// The prefix as given.
        given: String,
    },
    /// Not a target at all.
    #[error("`{given}` is not a valid target; {TARGET_GRAMMAR}")]
    Malformed {
        /// The target as given.
        given: String,
    },
    /// `head` was asked for, but the graph has several heads.
    #[error(
        "`head` is ambiguous, because the revision graph has {} heads: {}; type `heads` to apply \
         them all, or {} for one of them, or merge them into one with `merge heads`",
        .heads.len(),
        described(.heads),
        either(.heads, ""),
    )]
    MultipleHeads {
        /// Every head, as `(id, message)`.
        heads: Vec<(String, String)>,
    },
    /// A relative step reached a branch point (going up) or a merge point
    /// (going down), or started at base with several roots.
    #[error(
        "`{given}` is ambiguous: the next step from `{from}` could be {}; target one of them by \
         id instead",
        described(.candidates),
    )]
    AmbiguousStep {
        /// The target as given.
        given: String,
        /// Where the step starts: an id, or `base`.
        from: String,
        /// Where it could go, as `(id, message)`.
        candidates: Vec<(String, String)>,
    },
    /// A step down went further than base.
    #[error(
        "{}; target `base` to revert everything",
        past(.given, "base", *.available, "down"),
    )]
    PastBase {
        /// The target as given.
        given: String,
        /// How many steps down were possible, the last one landing on base.
        available: usize,
    },
    /// A step up went further than a head.
    #[error(
        "{}; target `heads` to apply everything",
        past(.given, "the head", *.available, "up"),
    )]
    PastHead {
        /// The target as given.
        given: String,
        /// How many steps up were possible.
        available: usize,
    },
    /// A downgrade to a revision that is not applied.
    #[error(
        "revision `{id}` is not applied, so the database cannot be downgraded to it; run `current` \
         to see where it is, or upgrade to `{id}` instead"
    )]
    NotApplied {
        /// The revision.
        id: String,
    },
    /// A step down from the current revision, with nothing applied.
    #[error("`{given}` steps down from the current revision, but nothing is applied")]
    NoCurrent {
        /// The target as given.
        given: String,
    },
    /// A step from the current revision, with several current heads.
    #[error(
        "`{given}` steps from the current revision, but the database is at {} heads: {}; type \
         {} to step from one of them, or `<label>@{given}` to step along a labelled branch",
        .heads.len(),
        described(.heads),
        either(.heads, given),
    )]
    MultipleCurrent {
        /// The target as given.
        given: String,
        /// The current heads, as `(id, message)`.
        heads: Vec<(String, String)>,
    },
    /// `<label>@...` names a label that no revision declares.
    #[error(
        "no branch is labelled `{given}`{}; run `branches` to list the labels, or give a branch \
         one with `branch_labels` in the #[migration] attribute of its first revision",
        did_you_mean(.suggestions),
    )]
    UnknownLabel {
        /// The label as given.
        given: String,
        /// The closest labels, best first; at most 3.
        suggestions: Vec<String>,
    },
    /// `<branch>@head` where the branch splits into several heads.
    #[error(
        "`{given}` is ambiguous: the branch has {} heads: {}; target one of them by id, or merge \
         them with `merge`",
        .heads.len(),
        described(.heads),
    )]
    BranchHeads {
        /// The target as given.
        given: String,
        /// The heads of the branch, as `(id, message)`.
        heads: Vec<(String, String)>,
    },
    /// A target that goes the other way, e.g. `upgrade -1`.
    #[error("{}", wrong_direction(.given, *.direction))]
    WrongDirection {
        /// The target as given.
        given: String,
        /// The command that cannot go there.
        direction: Direction,
    },
}

/// `` `a`, `b` and `c` ``, cut short after [`MAX_LISTED`] items.
fn list<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let mut out = String::new();
    let shown = items.len().min(MAX_LISTED);
    for (i, item) in items[..shown].iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == items.len() { " and " } else { ", " });
        }
        out.push_str(&show(item));
    }
    if items.len() > shown {
        let _ = write!(out, " and {} more", items.len() - shown);
    }
    out
}

/// `` `a` (add users) and `b` `` for `(id, message)` pairs.
fn described(revisions: &[(String, String)]) -> String {
    list(revisions, |(id, message)| {
        if message.is_empty() {
            format!("`{id}`")
        } else {
            format!("`{id}` ({message})")
        }
    })
}

/// `` `aaaa-1` or `bbbb-1` ``: each revision's id followed by `suffix`.
fn either(revisions: &[(String, String)], suffix: &str) -> String {
    list(revisions, |(id, _)| format!("`{id}{suffix}`")).replacen(" and ", " or ", 1)
}

/// `` (did you mean `a` or `b`?)``, or nothing.
fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        return String::new();
    }
    let options = list(suggestions, |id| format!("`{id}`")).replacen(" and ", " or ", 1);
    format!(" (did you mean {options}?)")
}

/// `` `+3` goes past the head, which is only 2 steps up ``.
fn past(given: &str, end: &str, available: usize, way: &str) -> String {
    match available {
        0 => format!("`{given}` goes past {end}: it starts there"),
        1 => format!("`{given}` goes past {end}, which is only 1 step {way}"),
        _ => format!("`{given}` goes past {end}, which is only {available} steps {way}"),
    }
}

fn cycle(members: &[(String, String)]) -> String {
    match members {
        [(id, location)] => format!(
            "revision `{id}` in {location} revises itself; remove `{id}` from `revises` in its \
             #[migration] attribute"
        ),
        _ => format!(
            "revisions {} revise each other in a cycle; change `revises` in one of them so that \
             every revision comes after the ones it revises",
            list(members, |(id, location)| format!("`{id}` in {location}")),
        ),
    }
}

fn wrong_direction(given: &str, direction: Direction) -> String {
    let way = match direction {
        Direction::Upgrade => "steps down",
        Direction::Downgrade => "moves up",
    };
    format!(
        "`{given}` {way}, which {direction} cannot do; run `{} {given}` instead",
        direction.opposite()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(id: &str, message: &str) -> (String, String) {
        (id.to_owned(), message.to_owned())
    }

    /// The house style for every message.
    fn assert_style(message: &str) {
        let first = message.chars().next().unwrap();
        assert!(!first.is_uppercase(), "starts uppercase: {message}");
        assert!(!message.ends_with('.'), "trailing period: {message}");
    }

    #[test]
    fn graph_errors_name_the_module_and_the_fix() {
        let cases = [
            (
                GraphError::InvalidId {
                    id: "AE1F".into(),
                    location: "m::a (a.rs:1)".into(),
                    reason: IdError::Character {
                        character: 'A',
                        position: 1,
                    },
                },
                "revision id `AE1F` in m::a (a.rs:1) is invalid: it has 'A' at position 1, but \
                 ids are 4 to 32 characters of lowercase ascii letters, digits and `_`; change \
                 `id` in its #[migration] attribute",
            ),
            (
                GraphError::DuplicateId {
                    id: "aaaa".into(),
                    locations: vec!["m::a (a.rs:1)".into(), "m::b (b.rs:1)".into()],
                },
                "revision id `aaaa` is declared by 2 modules: m::a (a.rs:1) and m::b (b.rs:1); \
                 give each migration its own id, e.g. a fresh one from the `revision` command",
            ),
            (
                GraphError::UnknownParent {
                    id: "bbbb".into(),
                    parent: "aaab".into(),
                    location: "m::b (b.rs:1)".into(),
                    suggestions: vec!["aaaa".into(), "aaac".into()],
                },
                "revision `bbbb` in m::b (b.rs:1) revises `aaab`, which is not registered (did \
                 you mean `aaaa` or `aaac`?); fix `revises` in its #[migration] attribute, or \
                 make sure the module that declares `aaab` is compiled in",
            ),
            (
                GraphError::Cycle {
                    members: vec![pair("aaaa", "m::a (a.rs:1)")],
                },
                "revision `aaaa` in m::a (a.rs:1) revises itself; remove `aaaa` from `revises` in \
                 its #[migration] attribute",
            ),
            (
                GraphError::Cycle {
                    members: vec![
                        pair("aaaa", "m::a (a.rs:1)"),
                        pair("bbbb", "m::b (b.rs:1)"),
                        pair("cccc", "m::c (c.rs:1)"),
                    ],
                },
                "revisions `aaaa` in m::a (a.rs:1), `bbbb` in m::b (b.rs:1) and `cccc` in m::c \
                 (c.rs:1) revise each other in a cycle; change `revises` in one of them so that \
                 every revision comes after the ones it revises",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
            assert_style(expected);
        }
        let empty = GraphError::Empty.to_string();
        assert!(empty.contains("`use migrations as _;`"), "{empty}");
        assert_style(&empty);
    }

    #[test]
    fn graph_errors_list_every_problem_under_a_count() {
        let errors = GraphErrors(vec![
            GraphError::Empty,
            GraphError::Cycle {
                members: vec![pair("aaaa", "m::a (a.rs:1)")],
            },
        ]);
        let text = errors.to_string();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], "the revision graph has 2 problems:");
        assert!(lines[1].starts_with("  - no migrations are registered"));
        assert!(lines[2].starts_with("  - revision `aaaa` in m::a (a.rs:1) revises itself"));

        let one = GraphErrors(vec![GraphError::Empty]).to_string();
        assert!(
            one.starts_with("the revision graph has 1 problem:\n  - "),
            "{one}"
        );
    }

    #[test]
    fn target_errors_say_what_to_do_next() {
        let heads = vec![pair("aaaa", "add users"), pair("bbbb", "")];
        let cases = [
            (
                TargetError::Unknown {
                    given: "abcd".into(),
                    suggestions: vec!["abce".into()],
                },
                "no revision has the id or prefix `abcd` (did you mean `abce`?); run `history` to \
                 list the revisions",
            ),
            (
                TargetError::Unknown {
                    given: "abcd".into(),
                    suggestions: vec![],
                },
                "no revision has the id or prefix `abcd`; run `history` to list the revisions",
            ),
            (
                TargetError::Ambiguous {
                    prefix: "ae1f".into(),
                    candidates: vec![pair("ae1f00", "add users"), pair("ae1f01", "add email")],
                },
                "revision prefix `ae1f` is ambiguous: it starts 2 ids: `ae1f00` (add users) and \
                 `ae1f01` (add email); type more characters of the id",
            ),
            (
                TargetError::PrefixTooShort {
                    given: "ae1".into(),
                },
                "revision prefix `ae1` is too short: type at least 4 characters of the id, or all \
                 of it",
            ),
            (
                TargetError::MultipleHeads {
                    heads: heads.clone(),
                },
                "`head` is ambiguous, because the revision graph has 2 heads: `aaaa` (add users) \
                 and `bbbb`; type `heads` to apply them all, or `aaaa` or `bbbb` for one of them, \
                 or merge them into one with `merge heads`",
            ),
            (
                TargetError::AmbiguousStep {
                    given: "+2".into(),
                    from: "base".into(),
                    candidates: heads.clone(),
                },
                "`+2` is ambiguous: the next step from `base` could be `aaaa` (add users) and \
                 `bbbb`; target one of them by id instead",
            ),
            (
                TargetError::PastBase {
                    given: "-3".into(),
                    available: 2,
                },
                "`-3` goes past base, which is only 2 steps down; target `base` to revert \
                 everything",
            ),
            (
                TargetError::PastHead {
                    given: "aaaa+2".into(),
                    available: 1,
                },
                "`aaaa+2` goes past the head, which is only 1 step up; target `heads` to apply \
                 everything",
            ),
            (
                TargetError::PastHead {
                    given: "+1".into(),
                    available: 0,
                },
                "`+1` goes past the head: it starts there; target `heads` to apply everything",
            ),
            (
                TargetError::NotApplied { id: "aaaa".into() },
                "revision `aaaa` is not applied, so the database cannot be downgraded to it; run \
                 `current` to see where it is, or upgrade to `aaaa` instead",
            ),
            (
                TargetError::NoCurrent { given: "-1".into() },
                "`-1` steps down from the current revision, but nothing is applied",
            ),
            (
                TargetError::MultipleCurrent {
                    given: "-1".into(),
                    heads,
                },
                "`-1` steps from the current revision, but the database is at 2 heads: `aaaa` \
                 (add users) and `bbbb`; type `aaaa-1` or `bbbb-1` to step from one of them, or \
                 `<label>@-1` to step along a labelled branch",
            ),
            (
                TargetError::WrongDirection {
                    given: "-1".into(),
                    direction: Direction::Upgrade,
                },
                "`-1` steps down, which upgrade cannot do; run `downgrade -1` instead",
            ),
            (
                TargetError::WrongDirection {
                    given: "head".into(),
                    direction: Direction::Downgrade,
                },
                "`head` moves up, which downgrade cannot do; run `upgrade head` instead",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
            assert_style(expected);
        }
    }

    #[test]
    fn a_malformed_target_lists_the_grammar() {
        let message = TargetError::Malformed { given: "up".into() }.to_string();
        assert!(message.starts_with("`up` is not a valid target; a target is `head`"));
        for form in ["`heads`", "`base`", "`+N`", "`-N`", "`<id>+N`", "`<id>-N`"] {
            assert!(message.contains(form), "{form} missing from {message}");
        }
    }

    #[test]
    fn long_lists_are_cut_short() {
        let candidates: Vec<_> = (0..12).map(|i| pair(&format!("ae1f{i:02}"), "")).collect();
        let message = TargetError::Ambiguous {
            prefix: "ae1f".into(),
            candidates,
        }
        .to_string();
        assert!(message.contains("`ae1f09` and 2 more;"), "{message}");
        assert!(!message.contains("ae1f10"), "{message}");
    }
}
