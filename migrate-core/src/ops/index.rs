//! Indexes.

use super::constraint::{Name, strings};

/// One key part of an index: a column or an SQL expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IndexPart {
    /// A column, by name.
    Column(String),
    /// An SQL expression, written as-is, e.g. `lower(email)`.
    Expr(String),
}

/// An index to create.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let ix = Index::new("ix_posts_author_created").on("posts", ["author_id", "created_at"]);
/// let uq = Index::new("uq_users_email").on("users", ["email"]).unique();
/// let open = Index::new("ix_tasks_open").on("tasks", ["due_at"]).partial("completed = false");
/// let lower = Index::new("ix_users_lower_email").table("users").expr("lower(email)");
/// let online = Index::new("ix_events_at").on("events", ["at"]).concurrently();
/// let unnamed = Index::new(None).on("posts", ["slug"]); // ix_posts_slug
/// # let _ = (ix, uq, open, lower, online, unnamed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Index {
    pub(crate) name: Name,
    pub(crate) table: String,
    pub(crate) parts: Vec<IndexPart>,
    pub(crate) unique: bool,
    pub(crate) partial: Option<String>,
    pub(crate) concurrently: bool,
    pub(crate) if_not_exists: bool,
}

impl Index {
    /// An index named `name` (`None` for `ix_<table>_<column>`, or the
    /// naming convention's); say what it covers with [`on`](Index::on).
    pub fn new(name: impl Into<Name>) -> Self {
        Self {
            name: name.into(),
            table: String::new(),
            parts: Vec::new(),
            unique: false,
            partial: None,
            concurrently: false,
            if_not_exists: false,
        }
    }

    /// The table and the columns, in index order.
    pub fn on<C>(mut self, table: impl Into<String>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.table = table.into();
        self.parts = strings(columns)
            .into_iter()
            .map(IndexPart::Column)
            .collect();
        self
    }

    /// The table alone, for an index made only of expressions (see
    /// [`expr`](Index::expr)).
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// Adds an expression key part, e.g. `lower(email)` (PostgreSQL, SQLite,
    /// MySQL 8.0.13+; MariaDB has no expression indexes).
    pub fn expr(mut self, sql: impl Into<String>) -> Self {
        self.parts.push(IndexPart::Expr(sql.into()));
        self
    }

    /// Adds a column key part, after the parts so far: for an index that
    /// mixes columns and expressions ([`on`](Index::on) sets only columns).
    pub fn column(mut self, name: impl Into<String>) -> Self {
        self.parts.push(IndexPart::Column(name.into()));
        self
    }

    /// `CREATE UNIQUE INDEX`.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// A partial index: `WHERE predicate` (PostgreSQL and SQLite). MySQL has
    /// none: a plain index is built over every row instead, and a unique
    /// partial index is refused.
    pub fn partial(mut self, predicate: impl Into<String>) -> Self {
        self.partial = Some(predicate.into());
        self
    }

    /// PostgreSQL: build (or drop) the index without blocking writes. Such a
    /// statement cannot run in a transaction, so the migration becomes
    /// non-transactional; see `docs/operations.md`. Other backends ignore it.
    pub fn concurrently(mut self) -> Self {
        self.concurrently = true;
        self
    }

    /// `CREATE INDEX IF NOT EXISTS` (PostgreSQL, SQLite, MariaDB; MySQL 8 has
    /// no such form and rejects the statement).
    pub fn if_not_exists(mut self) -> Self {
        self.if_not_exists = true;
        self
    }

    /// The index's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}
