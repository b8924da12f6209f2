//! User text made inert for output.
//!
//! Messages, ids, labels, names and `-x` values are data: they reach SQL
//! comments in offline scripts, pictures, tables printed to a terminal,
//! progress lines and errors. A newline there would end a `--` comment and
//! turn the rest of a message into a live SQL line; an escape character
//! would drive the terminal. [`one_line`] writes every such character as
//! its Rust escape (`\n`, `\u{1b}`), so the text stays one line of plain
//! characters, and says plainly what it held.

use std::borrow::Cow;

/// Whether `c` is a character that may not appear in a line of output:
/// a control character (C0, DEL, C1), or a Unicode line or paragraph
/// separator. `#[migration]` refuses messages with such characters by this
/// same rule (`migrate_names::is_control`).
pub use migrate_names::is_control;

/// The first character of `text` that may not appear in a line of output,
/// with its position in characters (0-based).
pub fn first_control(text: &str) -> Option<(usize, char)> {
    text.chars().enumerate().find(|&(_, c)| is_control(c))
}

/// `text` as one inert line: each character that [`is_control`] as its Rust
/// escape (`\n`, `\r`, `\t`, `\u{1b}`), everything else as it is. A
/// backslash stays a backslash: the result is for people, not for parsing.
///
/// ```
/// use migrate_core::text::one_line;
///
/// assert_eq!(one_line("add note\nDROP TABLE important;"), r"add note\nDROP TABLE important;");
/// assert_eq!(one_line("plain"), "plain");
/// ```
pub fn one_line(text: &str) -> Cow<'_, str> {
    if first_control(text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A `--` SQL comment line holding `text`, inert: whatever `text` holds,
/// the comment ends at the line's end and nothing after it runs.
pub fn sql_comment(text: &str) -> String {
    format!("-- {}", one_line(text))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(one_line("a\r\nb\tc\u{1b}[31md"), r"a\r\nb\tc\u{1b}[31md");
        assert_eq!(one_line("x\u{2028}y\u{85}z"), r"x\u{2028}y\u{85}z");
        assert_eq!(first_control("ok\nno"), Some((2, '\n')));
        assert_eq!(first_control("naïve ✓"), None);
    }

    proptest! {
        /// Whatever the text, a comment holding it is one line that only
        /// ends where it ends.
        #[test]
        fn a_comment_is_one_line(text in "\\PC*|[\n\r\u{b}\u{c}\u{85}\u{2028}\u{2029}a-z;]*") {
            let comment = sql_comment(&text);
            prop_assert!(comment.starts_with("-- "));
            prop_assert!(!comment.chars().any(is_control));
            prop_assert_eq!(comment.lines().count(), 1);
        }
    }
}
