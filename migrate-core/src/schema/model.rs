//! The normalised, backend-neutral model of a live schema.
//!
//! Everything here is what the database *says*, after
//! [normalisation](super::normalize): type aliases folded into one
//! [`SqlType`], default and check expressions in one spelling, names the
//! database generated dropped. Two snapshots of equal schemas therefore have
//! an empty [`diff`](Schema::diff).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::Backend;

/// A snapshot of one database's schema: its tables, enums and views.
///
/// The migrator's own version tables are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schema {
    /// The backend it was read from.
    pub backend: Backend,
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
    /// Named enum types (PostgreSQL) by name. MySQL's enums are column types
    /// ([`SqlType::InlineEnum`]); SQLite's are check constraints.
    pub enums: BTreeMap<String, EnumType>,
    /// Views by name.
    pub views: BTreeMap<String, View>,
}

impl Schema {
    /// An empty schema on `backend`.
    pub fn new(backend: Backend) -> Self {
        Self {
            backend,
            tables: BTreeMap::new(),
            enums: BTreeMap::new(),
            views: BTreeMap::new(),
        }
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Its columns, in the database's order. Diffs compare them by name:
    /// PostgreSQL can only add a column at the end, so a downgrade that
    /// re-adds a dropped column cannot restore its position.
    pub columns: Vec<Column>,
    /// The primary key.
    pub primary_key: Option<PrimaryKey>,
    /// Indexes that back no constraint, sorted by name. On MySQL every
    /// unique constraint is a unique index and is listed here.
    pub indexes: Vec<Index>,
    /// Unique constraints (PostgreSQL, SQLite).
    pub uniques: Vec<Unique>,
    /// Check constraints.
    pub checks: Vec<Check>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// The table's comment (PostgreSQL, MySQL).
    pub comment: Option<String>,
}

impl Table {
    /// An empty table called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            comment: None,
        }
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The index called `name`.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type, normalised.
    #[serde(rename = "type")]
    pub ty: SqlType,
    /// Whether it accepts `NULL`.
    pub nullable: bool,
    /// Its default expression, normalised (`'abc'`, `0`, `true`,
    /// `current_timestamp`); `None` when it has none.
    pub default: Option<String>,
    /// Whether the database generates its values: an identity or serial
    /// column (PostgreSQL), `AUTO_INCREMENT` (MySQL), `AUTOINCREMENT`
    /// (SQLite).
    pub identity: bool,
    /// Its comment (PostgreSQL, MySQL).
    pub comment: Option<String>,
}

/// A column type, with the aliases each backend reports folded together:
/// `int4`, `int(11)` and `INTEGER` are all [`Integer`](SqlType::Integer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SqlType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Exact decimal, with precision and scale when the type has them.
    Numeric {
        /// Total digits.
        precision: Option<u32>,
        /// Digits after the point.
        scale: Option<u32>,
    },
    /// Single-precision float.
    Real,
    /// Double-precision float.
    Double,
    /// Variable-length string, with its maximum length when it has one.
    VarChar(Option<u32>),
    /// Fixed-length string.
    Char(Option<u32>),
    /// Unbounded text.
    Text,
    /// Boolean (`tinyint(1)` on MySQL).
    Boolean,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Date and time without a time zone (`datetime` on MySQL).
    Timestamp,
    /// Date and time in UTC (`timestamptz`; MySQL's `timestamp`).
    TimestampTz,
    /// Native UUID (PostgreSQL).
    Uuid,
    /// JSON (MariaDB's `longtext` with its `json_valid` check included).
    Json,
    /// Binary JSON (PostgreSQL).
    Jsonb,
    /// Binary data (`bytea`, `blob`s).
    Binary,
    /// A named enum type (PostgreSQL); its values are in [`Schema::enums`].
    Enum(String),
    /// MySQL's inline `ENUM('a', 'b')`.
    InlineEnum(Vec<String>),
    /// Anything else, lowercase, as the database spells it.
    Other(String),
}

impl SqlType {
    /// An integer type.
    pub fn is_integer(&self) -> bool {
        matches!(self, Self::SmallInt | Self::Integer | Self::BigInt)
    }

    /// A number type: integers, decimals, floats.
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || matches!(self, Self::Numeric { .. } | Self::Real | Self::Double)
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |f: &mut fmt::Formatter<'_>, name: &str, n: &Option<u32>| match n {
            Some(n) => write!(f, "{name}({n})"),
            None => f.write_str(name),
        };
        match self {
            Self::SmallInt => f.write_str("smallint"),
            Self::Integer => f.write_str("integer"),
            Self::BigInt => f.write_str("bigint"),
            Self::Numeric {
                precision: Some(p),
                scale,
            } => write!(f, "numeric({p}, {})", scale.unwrap_or(0)),
            Self::Numeric { .. } => f.write_str("numeric"),
            Self::Real => f.write_str("real"),
            Self::Double => f.write_str("double"),
            Self::VarChar(n) => len(f, "varchar", n),
            Self::Char(n) => len(f, "char", n),
            Self::Text => f.write_str("text"),
            Self::Boolean => f.write_str("boolean"),
            Self::Date => f.write_str("date"),
            Self::Time => f.write_str("time"),
            Self::Timestamp => f.write_str("timestamp"),
            Self::TimestampTz => f.write_str("timestamptz"),
            Self::Uuid => f.write_str("uuid"),
            Self::Json => f.write_str("json"),
            Self::Jsonb => f.write_str("jsonb"),
            Self::Binary => f.write_str("binary"),
            Self::Enum(name) => write!(f, "enum {name}"),
            Self::InlineEnum(values) => write!(f, "enum({})", quoted_list(values)),
            Self::Other(raw) => f.write_str(raw),
        }
    }
}

/// The primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrimaryKey {
    /// Its name, unless the database generated it.
    pub name: Option<String>,
    /// Its columns, in key order.
    pub columns: Vec<String>,
}

/// One part of an index key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexPart {
    /// A column.
    Column(String),
    /// An expression, normalised.
    Expr(String),
}

impl fmt::Display for IndexPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Column(name) => f.write_str(name),
            Self::Expr(expr) => write!(f, "({expr})"),
        }
    }
}

/// An index that backs no constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// Whether it is unique.
    pub unique: bool,
    /// Its key, in order.
    pub parts: Vec<IndexPart>,
    /// The `WHERE` predicate of a partial index, normalised.
    pub predicate: Option<String>,
    /// False for an index PostgreSQL marked INVALID (a failed `CREATE INDEX
    /// CONCURRENTLY`); true elsewhere.
    pub valid: bool,
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.parts.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{}on ({})",
            if self.unique { "unique " } else { "" },
            parts.join(", ")
        )?;
        if let Some(predicate) = &self.predicate {
            write!(f, " where {predicate}")?;
        }
        if !self.valid {
            f.write_str(" INVALID")?;
        }
        Ok(())
    }
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unique {
    /// Its name, unless the database generated it.
    pub name: Option<String>,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Check {
    /// Its name, unless the database generated it.
    pub name: Option<String>,
    /// Its expression, normalised.
    pub expr: String,
}

/// What a foreign key does when the referenced row changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// `NO ACTION` (also MySQL's `RESTRICT`, which InnoDB treats the same).
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl fmt::Display for FkAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoAction => "no action",
            Self::Restrict => "restrict",
            Self::Cascade => "cascade",
            Self::SetNull => "set null",
            Self::SetDefault => "set default",
        })
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ForeignKey {
    /// Its name, unless the database generated it.
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: FkAction,
    /// `ON UPDATE`.
    pub on_update: FkAction,
}

impl fmt::Display for ForeignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({}) -> {}({}) on delete {} on update {}",
            self.columns.join(", "),
            self.ref_table,
            self.ref_columns.join(", "),
            self.on_delete,
            self.on_update
        )
    }
}

/// A named enum type (PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumType {
    /// Its name.
    pub name: String,
    /// Its values, in order.
    pub values: Vec<String>,
}

/// A view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    /// Its name.
    pub name: String,
    /// Its query, whitespace collapsed, as the database prints it back.
    pub definition: String,
}

/// `'a', 'b'`.
pub(crate) fn quoted_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}
