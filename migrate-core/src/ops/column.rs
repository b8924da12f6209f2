//! Column definitions, their types and server defaults.

use super::Literal;
use crate::Backend;

/// A column's type. Each variant maps to one native type per backend; the
/// mapping table is in `docs/operations.md`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInteger,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInteger,
    /// Exact decimal with `precision` digits, `scale` of them after the point.
    Decimal {
        /// Total digits.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// 32-bit floating point.
    Real,
    /// 64-bit floating point.
    Double,
    /// Variable-length string of at most `n` characters.
    String(u32),
    /// Fixed-length string of `n` characters.
    Char(u32),
    /// Unbounded text.
    Text,
    /// True or false.
    Boolean,
    /// A calendar date.
    Date,
    /// A time of day, without time zone.
    Time,
    /// A date and time, without time zone.
    Timestamp,
    /// A point in time, with time zone where the backend has one.
    TimestampTz,
    /// A UUID (native on PostgreSQL, `char(36)` elsewhere).
    Uuid,
    /// JSON text (`json`).
    Json,
    /// Binary JSON on PostgreSQL (`jsonb`), `json` elsewhere.
    Jsonb,
    /// Bytes.
    Binary,
    /// One of a fixed set of strings. The enum must exist on PostgreSQL (see
    /// [`Migration::create_enum`](super::Migration::create_enum)); MySQL gets
    /// an inline `ENUM(...)` and SQLite a `CHECK (... IN (...))`.
    Enum(super::Enum),
    /// A type written as-is, for what the typed set does not cover.
    Raw(String),
}

/// A server-side default.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ColumnDefault {
    /// A literal, e.g. `DEFAULT 'draft'`.
    Literal(Literal),
    /// The current timestamp (`CURRENT_TIMESTAMP` on every backend).
    CurrentTimestamp,
    /// An SQL expression written as-is, e.g. `gen_random_uuid()`. It is put in
    /// parentheses where the backend needs them (MySQL, SQLite).
    Expr(String),
}

/// A column: a name, a type and its constraints.
///
/// Columns are `NOT NULL` unless [`nullable`](Column::nullable) is called: a
/// missing value is a decision, not an accident.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let email = Column::new("email").string(255).unique();
/// let bio = Column::new("bio").text().nullable().comment("shown on the profile");
/// let created = Column::new("created_at").timestamptz().default_now();
/// # let _ = (email, bio, created);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub(crate) name: String,
    pub(crate) ty: Option<ColumnType>,
    pub(crate) nullable: bool,
    pub(crate) primary_key: bool,
    pub(crate) auto_increment: bool,
    pub(crate) unique: bool,
    pub(crate) default: Option<ColumnDefault>,
    pub(crate) references: Option<(String, String)>,
    /// The names of its keys, when they have any: boxed, as most columns
    /// have none.
    pub(crate) key_names: Option<Box<KeyNames>>,
    pub(crate) comment: Option<String>,
    /// Types for some backends instead of `ty` (see [`Column::type_for`]).
    pub(crate) overrides: Vec<(Backend, ColumnType)>,
}

/// The names of a column's own keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct KeyNames {
    pub(crate) primary_key: Option<String>,
    pub(crate) references: Option<String>,
}

impl Column {
    /// A new `NOT NULL` column; give it a type with one of the type methods.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ty: None,
            nullable: false,
            primary_key: false,
            auto_increment: false,
            unique: false,
            default: None,
            references: None,
            key_names: None,
            comment: None,
            overrides: Vec::new(),
        }
    }

    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it accepts `NULL`.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// The column's type, once one was given.
    pub fn column_type(&self) -> Option<&ColumnType> {
        self.ty.as_ref()
    }

    /// Sets the type.
    pub fn ty(mut self, ty: ColumnType) -> Self {
        self.ty = Some(ty);
        self
    }

    /// `smallint`.
    pub fn small_integer(self) -> Self {
        self.ty(ColumnType::SmallInteger)
    }

    /// `integer`.
    pub fn integer(self) -> Self {
        self.ty(ColumnType::Integer)
    }

    /// `bigint`.
    pub fn big_integer(self) -> Self {
        self.ty(ColumnType::BigInteger)
    }

    /// `numeric(precision, scale)`.
    pub fn decimal(self, precision: u32, scale: u32) -> Self {
        self.ty(ColumnType::Decimal { precision, scale })
    }

    /// A 32-bit float (`real`; `float` on MySQL). The same as
    /// [`float32`](Self::float32).
    pub fn real(self) -> Self {
        self.ty(ColumnType::Real)
    }

    /// A 64-bit float (`double precision`; `double` on MySQL and SQLite). The
    /// same as [`float64`](Self::float64).
    pub fn double(self) -> Self {
        self.ty(ColumnType::Double)
    }

    /// A 4-byte float on every backend that has one (`real` on PostgreSQL,
    /// `float` on MySQL; SQLite stores every float in 8 bytes).
    pub fn float32(self) -> Self {
        self.real()
    }

    /// An 8-byte float on every backend (`double precision` on PostgreSQL,
    /// `double` on MySQL and SQLite). SQLAlchemy's `Float` is 8 bytes on
    /// PostgreSQL but 4 on MySQL: a port that must keep that writes
    /// `float64().type_for(Backend::MySql, ColumnType::Real)`.
    pub fn float64(self) -> Self {
        self.double()
    }

    /// `varchar(len)`.
    pub fn string(self, len: u32) -> Self {
        self.ty(ColumnType::String(len))
    }

    /// `char(len)`.
    pub fn char(self, len: u32) -> Self {
        self.ty(ColumnType::Char(len))
    }

    /// `text`.
    pub fn text(self) -> Self {
        self.ty(ColumnType::Text)
    }

    /// `boolean`.
    pub fn boolean(self) -> Self {
        self.ty(ColumnType::Boolean)
    }

    /// `date`.
    pub fn date(self) -> Self {
        self.ty(ColumnType::Date)
    }

    /// `time`.
    pub fn time(self) -> Self {
        self.ty(ColumnType::Time)
    }

    /// A timestamp without time zone.
    pub fn timestamp(self) -> Self {
        self.ty(ColumnType::Timestamp)
    }

    /// A timestamp with time zone (`timestamptz` on PostgreSQL).
    pub fn timestamptz(self) -> Self {
        self.ty(ColumnType::TimestampTz)
    }

    /// `uuid`.
    pub fn uuid(self) -> Self {
        self.ty(ColumnType::Uuid)
    }

    /// `json`.
    pub fn json(self) -> Self {
        self.ty(ColumnType::Json)
    }

    /// `jsonb` on PostgreSQL.
    pub fn jsonb(self) -> Self {
        self.ty(ColumnType::Jsonb)
    }

    /// Bytes (`bytea`, `longblob`, `blob`).
    pub fn binary(self) -> Self {
        self.ty(ColumnType::Binary)
    }

    /// A column of an enum type.
    pub fn enumeration(self, values: super::Enum) -> Self {
        self.ty(ColumnType::Enum(values))
    }

    /// A type written as-is.
    pub fn raw_type(self, sql: impl Into<String>) -> Self {
        self.ty(ColumnType::Raw(sql.into()))
    }

    /// The type on `backend` instead of the column's own, e.g. MySQL's
    /// `MEDIUMTEXT` for a `text()` column:
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let body = Column::new("body")
    ///     .text()
    ///     .type_for(Backend::MySql, ColumnType::Raw("MEDIUMTEXT".into()));
    /// let mut m = Migration::new().for_backend(Backend::MySql);
    /// m.add_column("posts", body);
    /// let migrate_core::ops::Operation::AddColumn { column, .. } = &m.operations()[0] else {
    ///     unreachable!()
    /// };
    /// assert_eq!(column.column_type(), Some(&ColumnType::Raw("MEDIUMTEXT".into())));
    /// ```
    ///
    /// Resolved when the plan is recorded for a backend, so the plan, its
    /// SQL, its checksum and its derived downgrade hold the backend's type.
    pub fn type_for(mut self, backend: Backend, ty: ColumnType) -> Self {
        self.overrides.retain(|(b, _)| *b != backend);
        self.overrides.push((backend, ty));
        self
    }

    /// The primary key's name, when it has one ([`Column::primary_key_named`]
    /// or the naming convention).
    pub(crate) fn pk_name(&self) -> Option<&str> {
        self.key_names.as_ref()?.primary_key.as_deref()
    }

    /// The name of the `references` foreign key, when the naming convention
    /// gives one; else it is `fk_<table>_<column>`.
    pub(crate) fn fk_name(&self) -> Option<&str> {
        self.key_names.as_ref()?.references.as_deref()
    }

    pub(crate) fn key_names_mut(&mut self) -> &mut KeyNames {
        self.key_names.get_or_insert_default()
    }

    /// Gives the column its type for `backend` and forgets the others.
    pub(crate) fn resolve_for(&mut self, backend: Backend) {
        if let Some((_, ty)) = self.overrides.iter().find(|(b, _)| *b == backend) {
            self.ty = Some(ty.clone());
        }
        self.overrides.clear();
    }

    /// Allows `NULL`.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Makes this column the table's primary key.
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    /// Makes this column the table's primary key, under the name `name`:
    /// SQLAlchemy's `PrimaryKeyConstraint(name=...)`, also with
    /// [`auto_increment`](Self::auto_increment). MySQL names every primary
    /// key `PRIMARY` and ignores it.
    ///
    /// ```
    /// use migrate_core::prelude::*;
    ///
    /// let id = Column::new("id").integer().auto_increment().primary_key_named("experiment_pk");
    /// # let _ = id;
    /// ```
    pub fn primary_key_named(mut self, name: impl Into<String>) -> Self {
        self.primary_key = true;
        self.key_names_mut().primary_key = Some(name.into());
        self
    }

    /// Lets the database number the rows: an identity column on PostgreSQL,
    /// `AUTO_INCREMENT` on MySQL, `INTEGER PRIMARY KEY AUTOINCREMENT` on
    /// SQLite. Implies a primary key.
    pub fn auto_increment(mut self) -> Self {
        self.auto_increment = true;
        self.primary_key = true;
        self
    }

    /// Adds a `UNIQUE` constraint on this column alone.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// A literal server default.
    pub fn default(mut self, value: impl Into<Literal>) -> Self {
        self.default = Some(ColumnDefault::Literal(value.into()));
        self
    }

    /// `DEFAULT CURRENT_TIMESTAMP`.
    pub fn default_now(mut self) -> Self {
        self.default = Some(ColumnDefault::CurrentTimestamp);
        self
    }

    /// A server default written as an SQL expression, e.g.
    /// `gen_random_uuid()`.
    pub fn default_sql(mut self, expr: impl Into<String>) -> Self {
        self.default = Some(ColumnDefault::Expr(expr.into()));
        self
    }

    /// An inline foreign key to `table(column)`, named
    /// `fk_<table>_<column>`.
    pub fn references(mut self, table: impl Into<String>, column: impl Into<String>) -> Self {
        self.references = Some((table.into(), column.into()));
        self
    }

    /// A comment stored with the column (PostgreSQL, MySQL; SQLite has none
    /// and ignores it).
    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.comment = Some(text.into());
        self
    }
}
