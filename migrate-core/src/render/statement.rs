//! What rendering produces: statements, each tied to the plan step it came
//! from.

use std::fmt::Write as _;

use super::Rebuild;
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
    /// included), for checksums and dry runs.
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
            Exec::Sql | Exec::SqliteRebuild(_) => self.sql.clone(),
        }
    }
}
