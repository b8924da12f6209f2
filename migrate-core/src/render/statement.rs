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
