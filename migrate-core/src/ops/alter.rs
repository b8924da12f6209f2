//! Changing an existing column.

use super::{Column, ColumnDefault, ColumnType, Literal};

/// Changes to one existing column: its type, nullability, default, name or
/// comment. Only what is set changes.
///
/// Give the column's definition before the change with
/// [`existing`](AlterColumn::existing) when you can. MySQL's `MODIFY COLUMN`
/// restates the whole column, so on MySQL a change of type, nullability or
/// comment requires it; and it is what makes the change reversible.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let mut m = Migration::new();
/// m.alter_column(
///     AlterColumn::new("users", "age")
///         .set_type(ColumnType::BigInteger)
///         .using("age::bigint")
///         .set_not_null()
///         .existing(Column::new("age").integer().nullable()),
/// );
/// m.alter_column(AlterColumn::new("users", "nick").rename_to("nickname"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AlterColumn {
    pub(crate) table: String,
    pub(crate) column: String,
    pub(crate) ty: Option<ColumnType>,
    pub(crate) using: Option<String>,
    pub(crate) nullable: Option<bool>,
    pub(crate) default: Option<Option<ColumnDefault>>,
    pub(crate) rename: Option<String>,
    pub(crate) comment: Option<Option<String>>,
    pub(crate) existing: Option<Column>,
    pub(crate) lossy_ok: Option<String>,
}

impl AlterColumn {
    /// No change yet to `table.column`.
    pub fn new(table: impl Into<String>, column: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            column: column.into(),
            ty: None,
            using: None,
            nullable: None,
            default: None,
            rename: None,
            comment: None,
            existing: None,
            lossy_ok: None,
        }
    }

    /// Changes the type.
    pub fn set_type(mut self, ty: ColumnType) -> Self {
        self.ty = Some(ty);
        self
    }

    /// PostgreSQL: how to convert existing values to the new type, e.g.
    /// `age::bigint` (`ALTER COLUMN ... TYPE ... USING expr`).
    pub fn using(mut self, expr: impl Into<String>) -> Self {
        self.using = Some(expr.into());
        self
    }

    /// Allows `NULL`.
    pub fn set_nullable(mut self) -> Self {
        self.nullable = Some(true);
        self
    }

    /// Forbids `NULL`.
    pub fn set_not_null(mut self) -> Self {
        self.nullable = Some(false);
        self
    }

    /// Sets a literal server default.
    pub fn set_default(mut self, value: impl Into<Literal>) -> Self {
        self.default = Some(Some(ColumnDefault::Literal(value.into())));
        self
    }

    /// Sets the server default to an SQL expression.
    pub fn set_default_sql(mut self, expr: impl Into<String>) -> Self {
        self.default = Some(Some(ColumnDefault::Expr(expr.into())));
        self
    }

    /// Sets the server default to the current timestamp.
    pub fn set_default_now(mut self) -> Self {
        self.default = Some(Some(ColumnDefault::CurrentTimestamp));
        self
    }

    /// Drops the server default.
    pub fn drop_default(mut self) -> Self {
        self.default = Some(None);
        self
    }

    /// Renames the column.
    pub fn rename_to(mut self, name: impl Into<String>) -> Self {
        self.rename = Some(name.into());
        self
    }

    /// Sets the comment (ignored on SQLite).
    pub fn set_comment(mut self, text: impl Into<String>) -> Self {
        self.comment = Some(Some(text.into()));
        self
    }

    /// Removes the comment.
    pub fn drop_comment(mut self) -> Self {
        self.comment = Some(None);
        self
    }

    /// Allows a type change that can lose data, saying why that is fine,
    /// e.g. `.lossy_ok("prices are whole euros since 2024")`.
    ///
    /// A type change the new type cannot hold every old value of (numeric
    /// to integer rounds; a shorter `varchar` cuts or fails; `timestamptz`
    /// to `date` drops the time) is refused before anything runs unless it
    /// says this. `status` lists the changes allowed this way.
    pub fn lossy_ok(mut self, reason: impl Into<String>) -> Self {
        self.lossy_ok = Some(reason.into());
        self
    }

    /// The column as it is before this change, with its current name.
    pub fn existing(mut self, column: Column) -> Self {
        self.existing = Some(column);
        self
    }

    /// The column's definition after the change, when the definition before
    /// it is known.
    pub(crate) fn target(&self) -> Option<Column> {
        let mut column = self.existing.clone()?;
        if let Some(ty) = &self.ty {
            column.ty = Some(ty.clone());
        }
        if let Some(nullable) = self.nullable {
            column.nullable = nullable;
        }
        if let Some(default) = &self.default {
            column.default = default.clone();
        }
        if let Some(name) = &self.rename {
            column.name = name.clone();
        }
        if let Some(comment) = &self.comment {
            column.comment = comment.clone();
        }
        Some(column)
    }

    /// Whether anything changes besides the name.
    pub(crate) fn changes_definition(&self) -> bool {
        self.ty.is_some()
            || self.nullable.is_some()
            || self.default.is_some()
            || self.comment.is_some()
    }
}
