//! Indexes.

/// An index to create.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let ix = Index::new("ix_posts_author_created")
///     .on("posts", ["author_id", "created_at"]);
/// let uq = Index::new("uq_users_email").on("users", ["email"]).unique();
/// # let _ = (ix, uq);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub(crate) name: String,
    pub(crate) table: String,
    pub(crate) columns: Vec<String>,
    pub(crate) unique: bool,
    pub(crate) if_not_exists: bool,
}

impl Index {
    /// An index named `name`; say what it covers with [`on`](Index::on).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            table: String::new(),
            columns: Vec::new(),
            unique: false,
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
        self.columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// `CREATE UNIQUE INDEX`.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// `CREATE INDEX IF NOT EXISTS` (not on MySQL, which has no such form).
    pub fn if_not_exists(mut self) -> Self {
        self.if_not_exists = true;
        self
    }

    /// The index's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}
