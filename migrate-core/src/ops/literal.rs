//! Literal values: column defaults and the rows of a bulk insert.

/// A literal value. In a default it is rendered, quoted and escaped, into the
/// DDL; in [`bulk_insert`](super::Migration::bulk_insert) it is bound as a
/// parameter, never spliced into SQL.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// `NULL`.
    Null,
    /// `TRUE` / `FALSE` (`1` / `0` where the backend has no boolean).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string. Dates, times, UUIDs and decimals are written as strings in
    /// their ISO or canonical text form; the database parses them.
    String(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A JSON document.
    Json(serde_json::Value),
    /// A point in time (`chrono::DateTime<Utc>` converts to it): written
    /// with its offset where the backend reads one (PostgreSQL, SQLite), as
    /// UTC wall-clock time on MySQL, which reads no offset (migrate's MySQL
    /// sessions run in UTC, so a `timestamp` column stores that instant).
    Timestamp(chrono::DateTime<chrono::Utc>),
}

impl Literal {
    /// A stable text form, for checksums and messages.
    pub(crate) fn canonical(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => format!("{f:?}"),
            Self::String(s) => format!("{s:?}"),
            Self::Bytes(b) => format!("x{}", hex(b)),
            Self::Json(v) => format!("json{v}"),
            // Unchanged from when a timestamp was a string, so checksums
            // stay.
            Self::Timestamp(t) => format!("{:?}", offset_form(*t)),
        }
    }

    /// The text this literal is written or bound as on `backend`: strings
    /// as they are, timestamps in the form the backend reads.
    pub(crate) fn timestamp_text(
        t: chrono::DateTime<chrono::Utc>,
        backend: crate::Backend,
    ) -> String {
        match backend {
            crate::Backend::MySql => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
            crate::Backend::Postgres | crate::Backend::Sqlite => offset_form(t),
        }
    }
}

/// `2024-05-06 07:08:09.5+00:00`: `+00:00` rather than `Z`, which every
/// backend but MySQL parses.
fn offset_form(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.f+00:00").to_string()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

macro_rules! literal_from {
    ($($ty:ty => $variant:ident $(via $conv:ident)?),* $(,)?) => {$(
        impl From<$ty> for Literal {
            fn from(value: $ty) -> Self {
                Self::$variant(value $(.$conv())?)
            }
        }
    )*};
}

literal_from! {
    bool => Bool,
    i8 => Int via into,
    i16 => Int via into,
    i32 => Int via into,
    i64 => Int,
    u8 => Int via into,
    u16 => Int via into,
    u32 => Int via into,
    f32 => Float via into,
    f64 => Float,
    &str => String via to_owned,
    String => String,
    Vec<u8> => Bytes,
    &[u8] => Bytes via to_vec,
    serde_json::Value => Json,
    chrono::NaiveDate => String via to_string,
    chrono::NaiveTime => String via to_string,
}

impl From<chrono::NaiveDateTime> for Literal {
    fn from(value: chrono::NaiveDateTime) -> Self {
        Self::String(value.format("%Y-%m-%d %H:%M:%S%.f").to_string())
    }
}

impl From<chrono::DateTime<chrono::Utc>> for Literal {
    fn from(value: chrono::DateTime<chrono::Utc>) -> Self {
        Self::Timestamp(value)
    }
}

impl<T: Into<Literal>> From<Option<T>> for Literal {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}
