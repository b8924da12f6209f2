//! SQLite's tokenizer, as `tokenize.c` reads SQL, with each token's place in
//! the text.
//!
//! The rebuild cuts a table's stored `CREATE TABLE` into pieces and reuses
//! the pieces it does not change as they are, byte for byte; it never prints
//! a parsed tree back. Cutting needs tokens, and only SQLite's own rules are
//! right for that: a string is `'...'` with `''` inside and nothing else
//! escaped (a backslash is an ordinary character), identifiers are `"..."`,
//! `` `...` `` or `[...]`, and comments run to the end of the line or to
//! `*/`. A general-purpose SQL tokenizer that treats `\'` as an escape turns
//! `'\''` into something else, which is how a string default once became
//! live SQL.

use std::ops::Range;

/// One token: what it is, and where it is in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: Kind,
    /// Its bytes in the text.
    pub(super) span: Range<usize>,
}

/// What a token is. Whitespace and comments are not tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// A bare word: a keyword or an unquoted identifier.
    Word(String),
    /// A quoted identifier (`"a"`, `` `a` ``, `[a]`), its quotes removed.
    Quoted(String),
    /// A string literal, its quotes removed.
    String(String),
    /// A number, a blob literal (`x'00'`) or a parameter (`?1`, `:a`).
    Literal,
    /// Punctuation or an operator, e.g. `(`, `,`, `||`.
    Punct(&'static str),
}

impl Token {
    /// The word, in upper case, when the token is a bare word.
    pub(super) fn keyword(&self) -> Option<String> {
        match &self.kind {
            Kind::Word(word) => Some(word.to_ascii_uppercase()),
            _ => None,
        }
    }

    /// Whether the token is the bare word `keyword` (upper case).
    pub(super) fn is(&self, keyword: &str) -> bool {
        matches!(&self.kind, Kind::Word(word) if word.eq_ignore_ascii_case(keyword))
    }

    /// Whether the token is the punctuation `punct`.
    pub(super) fn is_punct(&self, punct: &str) -> bool {
        matches!(self.kind, Kind::Punct(p) if p == punct)
    }

    /// The name the token gives, when it can be a name: a bare word, a
    /// quoted identifier, or a string (which SQLite takes as a name where
    /// one is expected).
    pub(super) fn name(&self) -> Option<&str> {
        match &self.kind {
            Kind::Word(name) | Kind::Quoted(name) | Kind::String(name) => Some(name),
            Kind::Literal | Kind::Punct(_) => None,
        }
    }

    /// Whether the token is an identifier (bare or quoted) equal to `name`
    /// as SQLite compares names: ASCII letters without regard to case.
    pub(super) fn names(&self, name: &str) -> bool {
        match &self.kind {
            Kind::Word(word) | Kind::Quoted(word) => word.eq_ignore_ascii_case(name),
            _ => false,
        }
    }
}

/// Text SQLite would refuse to tokenize: an unterminated string or quoted
/// identifier, or a character that starts no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LexError {
    /// Where, in bytes.
    pub(super) at: usize,
    /// What is wrong.
    pub(super) message: &'static str,
}

const OPERATORS: [&str; 26] = [
    "->>", "||", "<=", ">=", "<>", "!=", "==", "<<", ">>", "->", "(", ")", ",", ";", "+", "-", "*",
    "/", "%", "=", "<", ">", "&", "|", "~", ".",
];

/// The tokens of `sql`, in order.
pub(super) fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let rest = &bytes[at..];
        let kind = match rest[0] {
            b' ' | b'\t' | b'\n' | b'\x0c' | b'\r' => {
                at += 1;
                continue;
            }
            b'-' if rest.get(1) == Some(&b'-') => {
                at += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                continue;
            }
            b'/' if rest.get(1) == Some(&b'*') => {
                // An unterminated comment runs to the end, as in SQLite.
                at += rest[2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(rest.len(), |i| i + 4);
                continue;
            }
            quote @ (b'\'' | b'"' | b'`') => {
                let (value, len) = quoted(sql, at, quote, quote)?;
                at += len;
                if quote == b'\'' {
                    Kind::String(value)
                } else {
                    Kind::Quoted(value)
                }
            }
            b'[' => {
                let (value, len) = quoted(sql, at, b'[', b']')?;
                at += len;
                Kind::Quoted(value)
            }
            b'x' | b'X' if rest.get(1) == Some(&b'\'') => {
                let (_, len) = quoted(sql, at + 1, b'\'', b'\'')?;
                at += 1 + len;
                Kind::Literal
            }
            b'0'..=b'9' => {
                at += number(rest);
                Kind::Literal
            }
            b'.' if rest.get(1).is_some_and(u8::is_ascii_digit) => {
                at += number(rest);
                Kind::Literal
            }
            b'?' => {
                at += 1 + rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                Kind::Literal
            }
            b':' | b'@' | b'$' | b'#' if rest.get(1).is_some_and(|&b| is_id(b)) => {
                at += 1 + rest[1..].iter().take_while(|&&b| is_id(b)).count();
                Kind::Literal
            }
            b if is_id(b) => {
                at += rest.iter().take_while(|&&b| is_id(b)).count();
                Kind::Word(sql[start..at].to_owned())
            }
            _ => match OPERATORS.iter().find(|op| rest.starts_with(op.as_bytes())) {
                Some(op) => {
                    at += op.len();
                    Kind::Punct(op)
                }
                None => {
                    return Err(LexError {
                        at,
                        message: "a character that starts no SQL token",
                    });
                }
            },
        };
        tokens.push(Token {
            kind,
            span: start..at,
        });
    }
    Ok(tokens)
}

/// A character of a bare word: SQLite takes every byte of a multi-byte
/// UTF-8 character as one.
fn is_id(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The value and length of the quoted token at `start`, whose closing
/// character doubled stands for itself.
fn quoted(sql: &str, start: usize, open: u8, close: u8) -> Result<(String, usize), LexError> {
    let bytes = sql.as_bytes();
    debug_assert_eq!(bytes[start], open);
    let mut value = String::new();
    let mut at = start + 1;
    let mut run = at;
    while at < bytes.len() {
        if bytes[at] == close {
            value.push_str(&sql[run..at]);
            if close != b']' && bytes.get(at + 1) == Some(&close) {
                value.push(char::from(close));
                at += 2;
                run = at;
                continue;
            }
            return Ok((value, at + 1 - start));
        }
        at += 1;
    }
    Err(LexError {
        at: start,
        message: if open == b'\'' {
            "an unterminated string"
        } else {
            "an unterminated quoted identifier"
        },
    })
}

/// The length of the number at the start of `rest`: decimal with an
/// optional fraction and exponent, or hexadecimal, with `_` separators.
fn number(rest: &[u8]) -> usize {
    if rest.len() > 2 && rest[0] == b'0' && matches!(rest[1], b'x' | b'X') {
        return 2 + rest[2..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() || **b == b'_')
            .count();
    }
    let digits = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'_')
            .count()
    };
    let mut at = digits(0);
    if rest.get(at) == Some(&b'.') {
        at += 1 + digits(at + 1);
    }
    if matches!(rest.get(at), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(rest.get(at + 1), Some(b'+' | b'-')));
        if rest.get(at + 1 + sign).is_some_and(u8::is_ascii_digit) {
            at += 1 + sign + digits(at + 1 + sign);
        }
    }
    at
}

/// Whether `sql` uses the identifier `name` (bare or quoted), as a token:
/// not inside a string or a comment. Text that does not tokenize counts as
/// using it, which keeps more, never less.
pub(super) fn mentions(sql: &str, name: &str) -> bool {
    tokenize(sql).map_or(true, |tokens| tokens.iter().any(|t| t.names(name)))
}

/// `name` as a double-quoted identifier.
pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn kinds(sql: &str) -> Vec<Kind> {
        tokenize(sql).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn a_backslash_is_an_ordinary_character_in_a_string() {
        assert_eq!(
            kinds(r"DEFAULT '\''); DROP TABLE users; --'"),
            [
                Kind::Word("DEFAULT".into()),
                Kind::String(r"\'); DROP TABLE users; --".into()),
            ]
        );
    }

    #[test]
    fn identifiers_comments_and_operators() {
        assert_eq!(
            kinds("\"a\"\"b\" [c d] `e``f` -- x ' \n /* ' */ g||'h'"),
            [
                Kind::Quoted("a\"b".into()),
                Kind::Quoted("c d".into()),
                Kind::Quoted("e`f".into()),
                Kind::Word("g".into()),
                Kind::Punct("||"),
                Kind::String("h".into()),
            ]
        );
        assert_eq!(
            kinds("1.5e-3 0x1F x'00' ?1 :a ->> 12"),
            [
                Kind::Literal,
                Kind::Literal,
                Kind::Literal,
                Kind::Literal,
                Kind::Literal,
                Kind::Punct("->>"),
                Kind::Literal,
            ]
        );
        assert_eq!(kinds("/* open"), []);
        assert!(tokenize("'open").is_err());
        assert!(tokenize("\"open").is_err());
        assert!(tokenize("a ^ b").is_err());
    }

    #[test]
    fn mentions_ignores_strings_and_comments() {
        assert!(mentions("lower(\"Nick\") > 'a'", "nick"));
        assert!(!mentions("'nick' -- nick\n /* nick */", "nick"));
        assert!(mentions("'open", "nick"));
    }

    proptest! {
        /// Any text, written as SQLite writes a string, reads back as one
        /// string token with that text, and the same for identifiers.
        #[test]
        fn quoted_text_reads_back(text in "\\PC*|['\"`\\\\\n;/*-]*") {
            let string = format!("'{}'", text.replace('\'', "''"));
            let ident = quote(&text);
            prop_assert_eq!(kinds(&string), [Kind::String(text.clone())]);
            prop_assert_eq!(kinds(&ident), [Kind::Quoted(text.clone())]);
            let tokens = tokenize(&format!("{ident} DEFAULT {string}")).unwrap();
            prop_assert_eq!(&tokens[2].span, &(ident.len() + 9..ident.len() + 9 + string.len()));
        }
    }
}
