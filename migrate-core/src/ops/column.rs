//! Column definitions.

/// A column's type. Each variant maps to one native type per backend; see the
/// mapping table in the README.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInteger,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInteger,
    /// Variable-length string of at most `n` characters.
    String(u32),
    /// Unbounded text.
    Text,
    /// True or false.
    Boolean,
    /// A point in time, with time zone where the backend has one.
    TimestampTz,
    /// A type written as-is, for what the typed set does not cover yet.
    Raw(String),
}

/// A literal value: a column default, or a value in a data step.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// `NULL`.
    Null,
    /// `TRUE` / `FALSE` (`1` / `0` where the backend has no boolean).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string, quoted and escaped by the renderer.
    String(String),
}

impl From<bool> for Literal {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i64> for Literal {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i32> for Literal {
    fn from(value: i32) -> Self {
        Self::Int(value.into())
    }
}

impl From<&str> for Literal {
    fn from(value: &str) -> Self {
        Self::String(value.to_owned())
    }
}

impl From<String> for Literal {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

/// A server-side default.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ColumnDefault {
    /// A literal, e.g. `DEFAULT 'draft'`.
    Literal(Literal),
    /// The current timestamp (`CURRENT_TIMESTAMP` on every backend).
    CurrentTimestamp,
    /// An SQL expression written as-is, e.g. `gen_random_uuid()`.
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
/// let bio = Column::new("bio").text().nullable();
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
        }
    }

    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
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

    /// `SMALLINT`.
    pub fn small_integer(self) -> Self {
        self.ty(ColumnType::SmallInteger)
    }

    /// `INTEGER`.
    pub fn integer(self) -> Self {
        self.ty(ColumnType::Integer)
    }

    /// `BIGINT`.
    pub fn big_integer(self) -> Self {
        self.ty(ColumnType::BigInteger)
    }

    /// `VARCHAR(len)`.
    pub fn string(self, len: u32) -> Self {
        self.ty(ColumnType::String(len))
    }

    /// `TEXT`.
    pub fn text(self) -> Self {
        self.ty(ColumnType::Text)
    }

    /// `BOOLEAN`.
    pub fn boolean(self) -> Self {
        self.ty(ColumnType::Boolean)
    }

    /// A timestamp with time zone (`TIMESTAMPTZ` on PostgreSQL).
    pub fn timestamptz(self) -> Self {
        self.ty(ColumnType::TimestampTz)
    }

    /// A type written as-is.
    pub fn raw_type(self, sql: impl Into<String>) -> Self {
        self.ty(ColumnType::Raw(sql.into()))
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

    /// Lets the database number the rows (identity, `AUTO_INCREMENT`,
    /// `AUTOINCREMENT`). Implies a primary key.
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

    /// A server default written as an SQL expression.
    pub fn default_sql(mut self, expr: impl Into<String>) -> Self {
        self.default = Some(ColumnDefault::Expr(expr.into()));
        self
    }

    /// An inline foreign key to `table(column)`.
    pub fn references(mut self, table: impl Into<String>, column: impl Into<String>) -> Self {
        self.references = Some((table.into(), column.into()));
        self
    }
}
