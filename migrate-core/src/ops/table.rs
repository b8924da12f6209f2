//! Tables and foreign keys.

use super::Column;

/// What a foreign key does when the referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Refuse the change (`NO ACTION`, checked at the end of the statement).
    NoAction,
    /// Refuse the change at once.
    Restrict,
    /// Delete or update the referencing rows too.
    Cascade,
    /// Set the referencing columns to `NULL`.
    SetNull,
    /// Set the referencing columns to their default.
    SetDefault,
}

/// A named foreign key of a table.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let fk = ForeignKey::new("fk_posts_author", ["author_id"], "users", ["id"])
///     .on_delete(Action::Cascade);
/// # let _ = fk;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    pub(crate) name: String,
    pub(crate) columns: Vec<String>,
    pub(crate) ref_table: String,
    pub(crate) ref_columns: Vec<String>,
    pub(crate) on_delete: Option<Action>,
    pub(crate) on_update: Option<Action>,
}

impl ForeignKey {
    /// `CONSTRAINT name FOREIGN KEY (columns) REFERENCES ref_table (ref_columns)`.
    pub fn new<C, R>(
        name: impl Into<String>,
        columns: C,
        ref_table: impl Into<String>,
        ref_columns: R,
    ) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
        R: IntoIterator,
        R::Item: Into<String>,
    {
        Self {
            name: name.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            ref_table: ref_table.into(),
            ref_columns: ref_columns.into_iter().map(Into::into).collect(),
            on_delete: None,
            on_update: None,
        }
    }

    /// `ON DELETE action`.
    pub fn on_delete(mut self, action: Action) -> Self {
        self.on_delete = Some(action);
        self
    }

    /// `ON UPDATE action`.
    pub fn on_update(mut self, action: Action) -> Self {
        self.on_update = Some(action);
        self
    }
}

/// A table to create.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let users = Table::new("users")
///     .column(Column::new("id").big_integer().auto_increment())
///     .column(Column::new("email").string(255).unique())
///     .column(Column::new("created_at").timestamptz().default_now());
/// # let _ = users;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub(crate) name: String,
    pub(crate) columns: Vec<Column>,
    pub(crate) primary_key: Vec<String>,
    pub(crate) foreign_keys: Vec<ForeignKey>,
    pub(crate) if_not_exists: bool,
}

impl Table {
    /// A table with no columns yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            if_not_exists: false,
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
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
        self.primary_key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a named foreign key.
    pub fn foreign_key(mut self, fk: ForeignKey) -> Self {
        self.foreign_keys.push(fk);
        self
    }

    /// `CREATE TABLE IF NOT EXISTS`.
    pub fn if_not_exists(mut self) -> Self {
        self.if_not_exists = true;
        self
    }
}
