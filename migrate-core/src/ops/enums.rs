//! Enum types.

/// An enum: a name and its values, in order.
///
/// PostgreSQL gets a native type (`CREATE TYPE ... AS ENUM`), MySQL an inline
/// `ENUM(...)` on each column that uses it, and SQLite a
/// `CHECK (column IN (...))` on each such column.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let status = Enum::new("post_status", ["draft", "published"]);
/// let mut m = Migration::new();
/// m.create_enum(status.clone());
/// m.add_column("posts", Column::new("status").enumeration(status).default("draft"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Enum {
    pub(crate) name: String,
    pub(crate) values: Vec<String>,
}

impl Enum {
    /// An enum named `name` with `values`, in order.
    pub fn new<V>(name: impl Into<String>, values: V) -> Self
    where
        V: IntoIterator,
        V::Item: Into<String>,
    {
        Self {
            name: name.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// The type's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The values, in order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The same enum with one more value at the end.
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.values.push(value.into());
        self
    }
}

/// A new value for an existing enum.
///
/// PostgreSQL runs `ALTER TYPE ... ADD VALUE`. The new value cannot be used
/// in the transaction that adds it, so use it in a later migration: a
/// migration that does is rolled back, and its error says to move the use. MySQL and SQLite keep the values on each
/// column, so name the columns that use the enum, with their definitions:
/// MySQL restates them with `MODIFY COLUMN`, SQLite rebuilds their tables.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let status = Enum::new("post_status", ["draft", "published"]);
/// let mut m = Migration::new();
/// m.add_enum_value(
///     AddEnumValue::new(status.clone(), "archived")
///         .column("posts", Column::new("status").enumeration(status).default("draft")),
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AddEnumValue {
    pub(crate) before: Enum,
    pub(crate) value: String,
    pub(crate) columns: Vec<(String, super::Column)>,
}

impl AddEnumValue {
    /// Adds `value` at the end of `before`, the enum as it is now.
    pub fn new(before: Enum, value: impl Into<String>) -> Self {
        Self {
            before,
            value: value.into(),
            columns: Vec::new(),
        }
    }

    /// A column of `table` that uses the enum, as it is defined now.
    pub fn column(mut self, table: impl Into<String>, column: super::Column) -> Self {
        self.columns.push((table.into(), column));
        self
    }

    /// The enum after the change.
    pub(crate) fn after(&self) -> Enum {
        self.before.clone().with_value(self.value.clone())
    }
}
