//! Models: the tables the application declares in typed Rust, which
//! `revision --autogenerate` compares with the schema the migrations build.
//!
//! `#[derive(Model)]` on a struct implements [`Model`] and registers it
//! through `inventory`, as `#[migration]` registers a migration, so models
//! can live in the application's crate and the migrations crate links
//! them. `#[derive(DbEnum)]` on a Rust enum implements [`DbEnum`] and
//! [`SqlColumn`]: a field of that type is a column of the database enum.
//!
//! A field's Rust type gives its column type through [`SqlColumn`]
//! (`Option<T>` is `T`, nullable); the mapping table is in
//! `docs/models.md`. Types of other crates map behind this crate's
//! features: `uuid`, `time`, `decimal` (rust_decimal).
//!
//! ```
//! use migrate_core::models::{Model, ModelDef, SqlColumn, column_of};
//! use migrate_core::prelude::*;
//!
//! // What `#[derive(Model)]` writes for
//! // `struct User { #[model(primary_key, identity)] id: i64, name: Option<String> }`.
//! struct User;
//! impl Model for User {
//!     fn definition() -> ModelDef {
//!         ModelDef::new("user")
//!             .column(column_of::<i64>("id").primary_key().auto_increment())
//!             .column(column_of::<Option<String>>("name"))
//!     }
//! }
//! let def = User::definition();
//! assert_eq!(def.table().name(), "user");
//! assert!(def.table().columns()[1].is_nullable());
//! ```

use crate::Backend;
use crate::ops::{Column, ColumnType, Constraint, Enum, ForeignKey, Index, Name, Table};

/// A Rust type that is a column's value: its column type, and whether the
/// column accepts `NULL` (`Option<T>`).
///
/// Implement it for a newtype to give it a column type, e.g.
/// `impl SqlColumn for Email { fn column_type() -> ColumnType { ColumnType::String(320) } }`.
pub trait SqlColumn {
    /// The column type.
    fn column_type() -> ColumnType;
    /// Whether the column accepts `NULL`.
    const NULLABLE: bool = false;
}

impl<T: SqlColumn> SqlColumn for Option<T> {
    fn column_type() -> ColumnType {
        T::column_type()
    }
    const NULLABLE: bool = true;
}

macro_rules! sql_columns {
    ($($ty:ty => $column:expr),* $(,)?) => {$(
        impl SqlColumn for $ty {
            fn column_type() -> ColumnType {
                $column
            }
        }
    )*};
}

sql_columns! {
    i16 => ColumnType::SmallInteger,
    i32 => ColumnType::Integer,
    i64 => ColumnType::BigInteger,
    f32 => ColumnType::Real,
    f64 => ColumnType::Double,
    bool => ColumnType::Boolean,
    String => ColumnType::Text,
    Vec<u8> => ColumnType::Binary,
    chrono::NaiveDate => ColumnType::Date,
    chrono::NaiveTime => ColumnType::Time,
    chrono::NaiveDateTime => ColumnType::Timestamp,
    chrono::DateTime<chrono::Utc> => ColumnType::TimestampTz,
    chrono::DateTime<chrono::FixedOffset> => ColumnType::TimestampTz,
    chrono::DateTime<chrono::Local> => ColumnType::TimestampTz,
    serde_json::Value => ColumnType::Jsonb,
}

/// `sqlx::types::Json<T>`: a JSON document (`jsonb` on PostgreSQL).
impl<T> SqlColumn for sqlx::types::Json<T> {
    fn column_type() -> ColumnType {
        ColumnType::Jsonb
    }
}

#[cfg(feature = "uuid")]
sql_columns! { uuid::Uuid => ColumnType::Uuid }

#[cfg(feature = "time")]
sql_columns! {
    time::Date => ColumnType::Date,
    time::Time => ColumnType::Time,
    time::PrimitiveDateTime => ColumnType::Timestamp,
    time::OffsetDateTime => ColumnType::TimestampTz,
}

/// `numeric(28, 10)`: rust_decimal's 28 digits, ten of them after the
/// point. Give a field `#[model(precision = P, scale = S)]` for its own.
#[cfg(feature = "decimal")]
sql_columns! { rust_decimal::Decimal => ColumnType::Decimal { precision: 28, scale: 10 } }

/// A column of `T`'s type, nullable when `T` is an `Option`.
pub fn column_of<T: SqlColumn>(name: &str) -> Column {
    let column = Column::new(name).ty(T::column_type());
    if T::NULLABLE {
        column.nullable()
    } else {
        column
    }
}

/// A Rust enum that is a database enum (`#[derive(DbEnum)]`).
pub trait DbEnum {
    /// The enum: its name and values, in order.
    fn definition() -> Enum;
}

/// A struct that declares a table (`#[derive(Model)]`).
pub trait Model {
    /// The table, its indexes and its rename hints.
    fn definition() -> ModelDef;
}

/// What a model declares: a table as [`create_table`] takes it, its
/// indexes, and the names it had before, as hints for autogenerate.
///
/// [`create_table`]: crate::ops::Migration::create_table
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDef {
    pub(crate) table: Table,
    indexes: Vec<Index>,
    renamed_from: Option<String>,
    column_renames: Vec<(String, String)>,
    backend_checks: Vec<(Vec<Backend>, Constraint)>,
}

impl ModelDef {
    /// A model of the table `name`, with no columns yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            table: Table::new(name),
            indexes: Vec::new(),
            renamed_from: None,
            column_renames: Vec::new(),
            backend_checks: Vec::new(),
        }
    }

    /// Adds a column.
    pub fn column(mut self, column: Column) -> Self {
        self.table = self.table.column(column);
        self
    }

    /// A column that was called `old`: autogenerate renames it rather than
    /// dropping and adding it.
    pub fn column_renamed_from(
        mut self,
        column: impl Into<String>,
        old: impl Into<String>,
    ) -> Self {
        self.column_renames.push((column.into(), old.into()));
        self
    }

    /// A primary key over several columns.
    pub fn primary_key<C>(mut self, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.table = self.table.primary_key(columns);
        self
    }

    /// A unique constraint.
    pub fn unique<C>(mut self, name: impl Into<Name>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        self.table = self.table.unique(name, columns);
        self
    }

    /// A check constraint.
    pub fn check(mut self, name: impl Into<Name>, expr: impl Into<String>) -> Self {
        self.table = self.table.check(name, expr);
        self
    }

    /// A check constraint on some backends only, e.g. `discontinued IN (0,
    /// 1)` where booleans are integers.
    pub fn check_on<B>(
        mut self,
        backends: B,
        name: impl Into<Name>,
        expr: impl Into<String>,
    ) -> Self
    where
        B: IntoIterator<Item = Backend>,
    {
        self.backend_checks.push((
            backends.into_iter().collect(),
            Constraint::check(name, expr),
        ));
        self
    }

    /// The table as `backend` has it: with the checks only some backends
    /// have, when `backend` is one of them.
    pub fn table_on(&self, backend: Backend) -> Table {
        let mut table = self.table.clone();
        for (backends, check) in &self.backend_checks {
            if backends.contains(&backend) {
                table = table.constraint(check.clone());
            }
        }
        table
    }

    /// A foreign key.
    pub fn foreign_key(mut self, key: ForeignKey) -> Self {
        self.table = self.table.foreign_key(key);
        self
    }

    /// An index of this table (its table is set to this one).
    pub fn index(mut self, index: Index) -> Self {
        self.indexes.push(index.table(self.table.name.clone()));
        self
    }

    /// The table's comment.
    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.table = self.table.comment(text);
        self
    }

    /// The table was called `old`: autogenerate renames it rather than
    /// dropping and creating it.
    pub fn renamed_from(mut self, old: impl Into<String>) -> Self {
        self.renamed_from = Some(old.into());
        self
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The indexes.
    pub fn indexes(&self) -> &[Index] {
        &self.indexes
    }

    /// The table's former name, if it has one.
    pub fn former_name(&self) -> Option<&str> {
        self.renamed_from.as_deref()
    }

    /// The columns' former names: `(column, old)`.
    pub fn column_renames(&self) -> &[(String, String)] {
        &self.column_renames
    }
}

/// One model, as `#[derive(Model)]` registers it.
#[derive(Debug, Clone, Copy)]
pub struct ModelRegistration {
    /// The struct's name, e.g. `"User"`.
    pub type_name: &'static str,
    /// `module_path!()` of the struct.
    pub module: &'static str,
    /// `file!()` of the struct.
    pub file: &'static str,
    /// `line!()` of the derive.
    pub line: u32,
    /// The model.
    pub define: fn() -> ModelDef,
}

impl ModelRegistration {
    /// Where the model was written, for messages: `module::Type (file:line)`.
    pub fn location(&self) -> String {
        format!(
            "{}::{} ({}:{})",
            self.module, self.type_name, self.file, self.line
        )
    }
}

inventory::collect!(ModelRegistration);

/// Every model registered in this process, by table name (then location,
/// so that a duplicate table is reported the same way every run).
pub fn registered_models() -> Vec<(&'static ModelRegistration, ModelDef)> {
    let mut models: Vec<(&'static ModelRegistration, ModelDef)> =
        inventory::iter::<ModelRegistration>
            .into_iter()
            .map(|r| (r, (r.define)()))
            .collect();
    models.sort_by(|(ra, a), (rb, b)| {
        (a.table.name.as_str(), ra.file, ra.line).cmp(&(b.table.name.as_str(), rb.file, rb.line))
    });
    models
}
