//! One revision as the graph sees it, and the rules its id follows.

use serde::Serialize;

use super::error::IdError;
use crate::registry::Registration;

/// The fewest characters an id may have; also the shortest prefix a target
/// may abbreviate an id to.
pub(crate) const MIN_ID_LEN: usize = 4;

/// The most characters an id may have.
pub(crate) const MAX_ID_LEN: usize = 32;

/// Words that mean something in a target, so are never ids.
pub(crate) const RESERVED_IDS: [&str; 4] = ["base", "head", "heads", "current"];

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

/// Checks that `id` can name a revision.
///
/// An id is 4 to 32 characters of lowercase ASCII letters, digits and `_`,
/// and is none of the words that targets reserve: `base`, `head`, `heads`
/// and `current`.
///
/// ```
/// use migrate_core::graph::validate_id;
///
/// assert!(validate_id("55296ad22e23").is_ok());
/// assert!(validate_id("add_users_0001").is_ok());
/// assert!(validate_id("abc").is_err());
/// assert!(validate_id("AE1F").is_err());
/// assert!(validate_id("head").is_err());
/// ```
pub fn validate_id(id: &str) -> Result<(), IdError> {
    if let Some((position, character)) = id.chars().enumerate().find(|&(_, c)| !is_id_char(c)) {
        return Err(IdError::Character {
            character,
            position: position + 1,
        });
    }
    // Every character is ASCII from here on, so bytes are characters.
    if !(MIN_ID_LEN..=MAX_ID_LEN).contains(&id.len()) {
        return Err(IdError::Length { len: id.len() });
    }
    if let Some(&word) = RESERVED_IDS.iter().find(|&&word| word == id) {
        return Err(IdError::Reserved { word });
    }
    Ok(())
}

/// The most characters a branch label may have.
pub(crate) const MAX_LABEL_LEN: usize = 32;

/// Checks that `label` can name a branch: 1 to 32 characters of lowercase
/// ASCII letters, digits and `_`, other than `base`, `head`, `heads` and
/// `current`. A label must also differ from every revision id, which
/// [`Graph::build`](super::Graph::build) checks.
///
/// ```
/// use migrate_core::graph::validate_label;
///
/// assert!(validate_label("billing").is_ok());
/// assert!(validate_label("db2").is_ok());
/// assert!(validate_label("Billing").is_err());
/// assert!(validate_label("heads").is_err());
/// ```
pub fn validate_label(label: &str) -> Result<(), IdError> {
    if let Some((position, character)) = label.chars().enumerate().find(|&(_, c)| !is_id_char(c)) {
        return Err(IdError::Character {
            character,
            position: position + 1,
        });
    }
    if !(1..=MAX_LABEL_LEN).contains(&label.len()) {
        return Err(IdError::Length { len: label.len() });
    }
    if let Some(&word) = RESERVED_IDS.iter().find(|&&word| word == label) {
        return Err(IdError::Reserved { word });
    }
    Ok(())
}

/// Whether `c` may appear in an id.
pub(crate) fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

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
