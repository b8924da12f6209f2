//! One revision as the graph sees it. The rules its id and labels follow
//! are `migrate_names`', which the `#[migration]` attribute applies too.

/// The fewest characters an id may have; also the shortest prefix a target
/// may abbreviate an id to.
pub(crate) use migrate_names::MIN_ID_LEN;
/// Words that mean something in a target, so are never ids.
pub(crate) use migrate_names::{RESERVED as RESERVED_IDS, is_id_char};
pub use migrate_names::{validate_id, validate_label};
use serde::Serialize;

use crate::registry::Registration;

/// One migration, as the revision graph sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RevisionInfo {
    /// The revision id, e.g. `"55296ad22e23"`.
    pub id: String,
    /// The ids this revision revises. Empty for a root; several for a merge.
    pub parents: Vec<String>,
    /// The branch labels it declares, e.g. `["billing"]`.
    pub branch_labels: Vec<String>,
    /// What it depends on without revising it: ids or branch labels.
    pub depends_on: Vec<String>,
    /// The human message, e.g. `"add email to users"`. May be empty.
    pub message: String,
    /// Where the migration was written, for error messages, e.g.
    /// `migrations::versions::add_users (src/versions/x.rs:3)`.
    pub location: String,
}

impl From<&Registration> for RevisionInfo {
    fn from(registration: &Registration) -> Self {
        Self {
            id: registration.id.to_owned(),
            parents: owned(registration.revises),
            branch_labels: owned(registration.branch_labels),
            depends_on: owned(registration.depends_on),
            message: registration.summary(),
            location: registration.location(),
        }
    }
}

fn owned(strings: &[&str]) -> Vec<String> {
    strings.iter().map(|&s| s.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::IdError;

    #[test]
    fn accepts_ids_of_the_allowed_alphabet_and_length() {
        for id in ["abcd", "55296ad22e23", "add_users", "0000", &"z".repeat(32)] {
            assert_eq!(validate_id(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn rejects_ids_of_the_wrong_length() {
        assert_eq!(validate_id(""), Err(IdError::Length { len: 0 }));
        assert_eq!(validate_id("abc"), Err(IdError::Length { len: 3 }));
        assert_eq!(
            validate_id(&"a".repeat(33)),
            Err(IdError::Length { len: 33 })
        );
    }

    #[test]
    fn rejects_characters_outside_the_alphabet() {
        assert_eq!(
            validate_id("abCd"),
            Err(IdError::Character {
                character: 'C',
                position: 3
            })
        );
        assert_eq!(
            validate_id("add-users"),
            Err(IdError::Character {
                character: '-',
                position: 4
            })
        );
        assert_eq!(
            validate_id("café"),
            Err(IdError::Character {
                character: 'é',
                position: 4
            })
        );
    }

    #[test]
    fn rejects_reserved_words() {
        for word in RESERVED_IDS {
            assert_eq!(validate_id(word), Err(IdError::Reserved { word }));
        }
    }

    #[test]
    fn every_error_states_the_alphabet_and_the_length() {
        for id in ["abc", "ABCD", "head"] {
            let message = validate_id(id).unwrap_err().to_string();
            assert!(
                message.contains("4 to 32 characters")
                    && message.contains("lowercase ascii letters, digits and `_`"),
                "{message}"
            );
        }
    }

    #[test]
    fn converts_a_registration() {
        let registration = Registration {
            id: "55296ad22e23",
            revises: &["3f1c0a9b2d4e"],
            branch_labels: &[],
            depends_on: &[],
            message: "add email to users",
            module: "migrations::versions::add_email",
            file: "src/versions/add_email.rs",
            line: 3,
            ..test_registration()
        };
        let info = RevisionInfo::from(&registration);
        assert_eq!(
            info,
            RevisionInfo {
                id: "55296ad22e23".into(),
                parents: vec!["3f1c0a9b2d4e".into()],
                branch_labels: vec![],
                depends_on: vec![],
                message: "add email to users".into(),
                location: "migrations::versions::add_email (src/versions/add_email.rs:3)".into(),
            }
        );
    }

    fn test_registration() -> Registration {
        Registration {
            id: "",
            revises: &[],
            branch_labels: &[],
            depends_on: &[],
            message: "",
            module: "",
            file: "",
            line: 0,
            upgrade: |_| {},
            downgrade: None,
        }
    }
}
