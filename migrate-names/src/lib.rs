//! The naming rules of **migrate**, in one place: what a revision id and a
//! branch label may be, and which characters a message may not hold.
//!
//! The `#[migration]` attribute checks them at compile time and the runtime
//! (`migrate_core::graph`) when it builds the graph, so the two can never
//! disagree. No dependencies: a proc-macro crate and the runtime both take
//! it.

use std::fmt;

/// The shortest revision id.
pub const MIN_ID_LEN: usize = 4;
/// The longest revision id.
pub const MAX_ID_LEN: usize = 32;
/// The longest branch label.
pub const MAX_LABEL_LEN: usize = 32;

/// Words that mean something of their own wherever a revision is named
/// (`migrate upgrade head`), so they are never ids or labels.
pub const RESERVED: [&str; 4] = ["base", "head", "heads", "current"];

/// The rule of revision ids, as messages quote it.
pub const ID_RULE: &str = "ids are 4 to 32 characters of lowercase ascii letters, digits and `_`";

/// Whether `c` may appear in an id or a label: `a-z`, `0-9`, `_`.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// Whether `c` may not appear in a line of output, so not in a message: a
/// control character (C0, DEL, C1), or a Unicode line or paragraph
/// separator.
pub fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Why a string cannot be a revision id or a branch label.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// Too short or too long.
    Length {
        /// How many characters it has.
        len: usize,
    },
    /// A character outside `a-z`, `0-9` and `_`.
    Character {
        /// The first offending character.
        character: char,
        /// Its position, counting from 1.
        position: usize,
    },
    /// A reserved word.
    Reserved {
        /// The word.
        word: &'static str,
    },
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Length { len } => write!(f, "it has {len} characters, but {ID_RULE}"),
            IdError::Character {
                character,
                position,
            } => write!(
                f,
                "it has {character:?} at position {position}, but {ID_RULE}"
            ),
            IdError::Reserved { word } => write!(
                f,
                "`{word}` is a reserved word; {ID_RULE}, other than `base`, `head`, `heads` and `current`"
            ),
        }
    }
}

impl std::error::Error for IdError {}

/// Checks that `id` can name a revision: 4 to 32 characters of lowercase
/// ASCII letters, digits and `_`, and none of the words that targets
/// reserve: `base`, `head`, `heads` and `current`.
///
/// ```
/// use migrate_names::validate_id;
///
/// assert!(validate_id("55296ad22e23").is_ok());
/// assert!(validate_id("add_users_0001").is_ok());
/// assert!(validate_id("abc").is_err());
/// assert!(validate_id("AE1F").is_err());
/// assert!(validate_id("head").is_err());
/// ```
pub fn validate_id(id: &str) -> Result<(), IdError> {
    validate(id, MIN_ID_LEN..=MAX_ID_LEN)
}

/// Checks that `label` can name a branch: 1 to 32 characters of lowercase
/// ASCII letters, digits and `_`, other than `base`, `head`, `heads` and
/// `current`. A label must also differ from every revision id, which the
/// graph checks.
///
/// ```
/// use migrate_names::validate_label;
///
/// assert!(validate_label("billing").is_ok());
/// assert!(validate_label("db2").is_ok());
/// assert!(validate_label("Billing").is_err());
/// assert!(validate_label("heads").is_err());
/// ```
pub fn validate_label(label: &str) -> Result<(), IdError> {
    validate(label, 1..=MAX_LABEL_LEN)
}

fn validate(name: &str, lengths: std::ops::RangeInclusive<usize>) -> Result<(), IdError> {
    if let Some((position, character)) = name.chars().enumerate().find(|&(_, c)| !is_id_char(c)) {
        return Err(IdError::Character {
            character,
            position: position + 1,
        });
    }
    // Every character is ASCII from here on, so bytes are characters.
    if !lengths.contains(&name.len()) {
        return Err(IdError::Length { len: name.len() });
    }
    if let Some(&word) = RESERVED.iter().find(|&&word| word == name) {
        return Err(IdError::Reserved { word });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_four_to_thirty_two_of_the_alphabet_and_not_reserved() {
        for id in ["abcd", "55296ad22e23", "add_users", "0000", &"z".repeat(32)] {
            assert_eq!(validate_id(id), Ok(()), "{id}");
        }
        assert_eq!(
            validate_id("ab-cd"),
            Err(IdError::Character {
                character: '-',
                position: 3
            })
        );
        assert_eq!(
            validate_id("abcé").unwrap_err().to_string(),
            format!("it has 'é' at position 4, but {ID_RULE}")
        );
        assert_eq!(validate_id(""), Err(IdError::Length { len: 0 }));
        assert_eq!(
            validate_id(&"a".repeat(33)),
            Err(IdError::Length { len: 33 })
        );
        for word in RESERVED {
            assert_eq!(validate_id(word), Err(IdError::Reserved { word }));
            assert_eq!(validate_label(word), Err(IdError::Reserved { word }));
        }
        assert_eq!(validate_label("a"), Ok(()));
        assert_eq!(validate_label(""), Err(IdError::Length { len: 0 }));
    }

    #[test]
    fn control_characters_and_line_separators_are_not_text() {
        for c in [
            '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}',
        ] {
            assert!(is_control(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '🎉'] {
            assert!(!is_control(c), "{c:?}");
        }
    }
}
