//! What rendering produces: statements, each tied to the plan step it came
//! from.

use std::fmt::Write as _;

use super::{BackfillSql, Rebuild};
use crate::ops::Literal;

/// One statement of a rendered plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL. For a [`Exec::Bound`] statement it holds placeholders; for a
    /// [`Exec::SqliteRebuild`] it is an SQL comment that describes the
    /// rebuild, whose statements are only known once the table is read.
    pub sql: String,
    /// The position of the operation it came from in the plan.
    pub op: usize,
    /// How the runtime executes it.
    pub exec: Exec,
    /// Whether it may run inside a transaction (`CREATE INDEX CONCURRENTLY`
    /// may not).
    pub transactional: bool,
}

/// How a [`Statement`] runs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Exec {
    /// The SQL as it is.
    Sql,
    /// The SQL with these values bound to its placeholders, in order.
    Bound(Vec<Literal>),
    /// SQLite's table rebuild: read the table's definition, then run the
    /// statements [`Rebuild::statements`] derives from it.
    SqliteRebuild(Rebuild),
    /// A batched data change: key ranges, one transaction per batch. The
    /// statement's SQL is the single `UPDATE` it amounts to.
    Backfill(Box<BackfillSql>),
}

impl Statement {
    pub(crate) fn sql(sql: String, op: usize) -> Self {
        Self {
            sql,
            op,
            exec: Exec::Sql,
            transactional: true,
        }
    }

    /// The statement's text with everything that defines it (bound values
    /// included), for dry runs.
    pub fn canonical(&self) -> String {
        match &self.exec {
            Exec::Bound(values) => {
                let mut text = self.sql.clone();
                text.push_str(" -- bound:");
                for value in values {
                    let _ = write!(text, " {}", value.canonical());
                }
                text
            }
            Exec::Sql | Exec::SqliteRebuild(_) | Exec::Backfill(_) => self.sql.clone(),
        }
    }

    /// What the checksum hashes: [`canonical`](Self::canonical) without
    /// whitespace and comments, so that raw SQL that is only re-indented,
    /// re-wrapped or commented differently keeps its checksum. A SQLite
    /// rebuild is described by its comment, which is kept.
    pub fn checksum_text(&self) -> String {
        match &self.exec {
            Exec::SqliteRebuild(_) => self.sql.clone(),
            Exec::Sql | Exec::Backfill(_) => normalize(&self.sql),
            Exec::Bound(values) => {
                let mut text = normalize(&self.sql);
                text.push_str(" -- bound:");
                for value in values {
                    let _ = write!(text, " {}", value.canonical());
                }
                text
            }
        }
    }
}

/// SQL as its tokens, one space apart: no comments, no layout. String
/// literals and quoted identifiers keep their text. SQL the tokenizer
/// cannot read keeps its text, with runs of whitespace made one space.
fn normalize(sql: &str) -> String {
    normalize_simple(sql).unwrap_or_else(|| normalize_tokens(sql))
}

/// [`normalize`] through sqlparser's tokenizer.
fn normalize_tokens(sql: &str) -> String {
    use sqlparser::dialect::GenericDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};

    match Tokenizer::new(&GenericDialect {}, sql).tokenize() {
        Ok(tokens) => {
            let mut out = String::with_capacity(sql.len());
            for token in tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_))) {
                if !out.is_empty() {
                    out.push(' ');
                }
                let _ = write!(out, "{token}");
            }
            out
        }
        Err(_) => sql.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// [`normalize`]'s result without the tokenizer, for SQL made only of what
/// the renderer writes for most operations: bare words, double-quoted
/// identifiers, plain string literals, unsigned integers, `(`, `)`, `,`,
/// `;` and `=`, between whitespace. Each of those tokens prints as its own
/// source text, so the tokens are the slices between the whitespace.
/// `None` for anything else (comments, operators, escapes, prefixed
/// literals, non-ASCII), which the tokenizer then reads.
///
/// Checking an applied history re-checksums every migration (a no-op
/// `upgrade`, `status`), and the tokenizer was most of that time.
fn normalize_simple(sql: &str) -> Option<String> {
    let bytes = sql.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                while i < bytes.len() && word(bytes[i]) {
                    i += 1;
                }
                // `N'..'`, `E'..'`, `X'..'`: prefixed literals.
                if bytes.get(i).is_some_and(|&b| b == b'\'' || b == b'"') {
                    return None;
                }
            }
            b'0'..=b'9' => {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                // `1.5`, `1e5`, `0x1f`, `1_000`, `2'..'`: the tokenizer's.
                if bytes
                    .get(i)
                    .is_some_and(|&b| word(b) || matches!(b, b'.' | b'\'' | b'"'))
                {
                    return None;
                }
            }
            quote @ (b'"' | b'\'') => {
                let close = bytes[i + 1..].iter().position(|&b| b == quote)? + i + 1;
                // Empty, escaped (`""`, `''`) or backslashed: the tokenizer's.
                let inner = &bytes[i + 1..close];
                if inner.is_empty()
                    || inner.contains(&b'\\')
                    || bytes.get(close + 1) == Some(&quote)
                {
                    return None;
                }
                i = close + 1;
            }
            b'(' | b')' | b',' | b';' => i += 1,
            // Not `==`, `=>`.
            b'=' if !matches!(bytes.get(i + 1), Some(b'=' | b'>')) => i += 1,
            _ => return None,
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&sql[start..i]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn rendered_ddl_takes_the_fast_path() {
        for sql in [
            r#"CREATE TABLE "t_1" ("id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL, "created_at" timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP)"#,
            r#"CREATE INDEX "ix_t_1_name" ON "t_1" ("name")"#,
            r#"ALTER TABLE "users" ADD COLUMN "locale" varchar(8) DEFAULT 'en'"#,
            r#"DROP TABLE "t_1""#,
        ] {
            let fast = normalize_simple(sql).expect("the fast path reads rendered DDL");
            assert_eq!(fast, normalize_tokens(sql), "{sql}");
        }
    }

    #[test]
    fn anything_else_goes_to_the_tokenizer() {
        for sql in [
            "SELECT 1 -- comment",
            "SELECT 'it''s'",
            "SELECT E'a'",
            "SELECT 1.5",
            "SELECT a.b",
            "SELECT $1",
            "SELECT 'caf\u{e9}' || x",
        ] {
            assert_eq!(normalize_simple(sql), None, "{sql}");
        }
    }

    proptest! {
        /// Whenever the fast path answers, it answers as the tokenizer.
        #[test]
        fn the_fast_path_agrees_with_the_tokenizer(
            sql in "[a-zA-Z0-9_ \"'(),;=.\n\\-]{0,40}"
        ) {
            if let Some(fast) = normalize_simple(&sql) {
                prop_assert_eq!(fast, normalize_tokens(&sql));
            }
        }

        /// The same, over SQL-shaped pieces, so that most cases take it.
        #[test]
        fn the_fast_path_agrees_on_sql_shaped_text(
            parts in prop::collection::vec(
                prop_oneof![
                    Just("CREATE".to_owned()),
                    Just("TABLE".to_owned()),
                    "[a-z_][a-z0-9_]{0,6}",
                    "\"[a-zA-Z0-9_ ]{1,6}\"",
                    "'[a-zA-Z0-9_ \n]{1,6}'",
                    "[0-9]{1,4}",
                    Just("(".to_owned()),
                    Just(")".to_owned()),
                    Just(",".to_owned()),
                    Just("=".to_owned()),
                ],
                0..20,
            ),
            glue in "[ \n]{0,2}",
        ) {
            let sql = parts.join(&glue);
            if let Some(fast) = normalize_simple(&sql) {
                prop_assert_eq!(fast, normalize_tokens(&sql));
            }
        }
    }
}
