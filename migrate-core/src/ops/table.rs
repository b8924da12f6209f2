//! Tables.

use super::constraint::strings;
use super::{Column, Constraint, ForeignKey, Name};

/// A table to create.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let users = Table::new("users")
///     .column(Column::new("id").big_integer().auto_increment())
///     .column(Column::new("email").string(255).unique())
///     .column(Column::new("age").integer().nullable())
///     .column(Column::new("created_at").timestamptz().default_now())
///     .check("ck_users_age", "age >= 0")
///     .comment("people who can sign in");
/// # let _ = users;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column>,
    pub(crate) primary_key: Vec<String>,
    pub(crate) constraints: Vec<Constraint>,
    pub(crate) comment: Option<String>,
    pub(crate) if_not_exists: bool,
}

impl Table {
    /// A table with no columns yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            constraints: Vec::new(),
            comment: None,
            if_not_exists: false,
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Adds a column.
    pub fn column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    /// A primary key over several columns.
    pub fn primary_key<C>(mut self, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.primary_key = strings(columns);
        self
    }

    /// Adds a foreign key.
    pub fn foreign_key(self, fk: ForeignKey) -> Self {
        self.constraint(fk.into())
    }

    /// Adds a unique constraint over `columns` (`None`: named by the convention).
    pub fn unique<C>(self, name: impl Into<Name>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.constraint(Constraint::unique(name, columns))
    }

    /// Adds a check constraint (`None`: named by the convention); `expr` is
    /// SQL, written as-is.
    pub fn check(self, name: impl Into<Name>, expr: impl Into<String>) -> Self {
        self.constraint(Constraint::check(name, expr))
    }

    /// Adds a constraint of any kind.
    pub fn constraint(mut self, constraint: Constraint) -> Self {
        self.constraints.push(constraint);
        self
    }

    /// A comment stored with the table (PostgreSQL, MySQL; SQLite ignores it).
    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.comment = Some(text.into());
        self
    }

    /// The primary key's columns as declared: [`primary_key`](Self::primary_key)'s,
    /// else the columns marked `.primary_key()` (or `.auto_increment()`).
    pub(crate) fn key_columns(&self) -> Vec<String> {
        if !self.primary_key.is_empty() {
            return self.primary_key.clone();
        }
        self.columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect()
    }

    /// `CREATE TABLE IF NOT EXISTS`.
    pub fn if_not_exists(mut self) -> Self {
        self.if_not_exists = true;
        self
    }
}
