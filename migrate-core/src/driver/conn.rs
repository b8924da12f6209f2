//! The sqlx calls every driver makes alike, written once over sqlx's
//! `Executor`: run a statement and count what it changed, read rows as text.
//! The drivers choose only how a statement is sent.

use sqlx::{Connection, Database, Decode, Execute, Executor, Row, Type};

/// A statement's result: how many rows it changed. sqlx gives each
/// backend's result type the method, but no trait to reach it by.
pub(super) trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

macro_rules! rows_affected {
    ($($feature:literal => $result:ty),* $(,)?) => {$(
        #[cfg(feature = $feature)]
        impl RowsAffected for $result {
            fn rows_affected(&self) -> u64 {
                <$result>::rows_affected(self)
            }
        }
    )*};
}

rows_affected! {
    "postgres" => sqlx::postgres::PgQueryResult,
    "mysql" => sqlx::mysql::MySqlQueryResult,
    "sqlite" => sqlx::sqlite::SqliteQueryResult,
}

/// Runs `query` and returns how many rows it changed.
pub(super) async fn execute<'c, 'q, C, Q>(conn: &'c mut C, query: Q) -> Result<u64, sqlx::Error>
where
    C: Connection,
    <C::Database as Database>::QueryResult: RowsAffected,
    &'c mut C: Executor<'c, Database = C::Database>,
    Q: Execute<'q, C::Database> + 'q,
{
    conn.execute(query).await.map(|done| done.rows_affected())
}

/// Runs `query` and reads every value of every row as text, `NULL` as
/// `None`, without checking the column's type: PostgreSQL's simple protocol
/// and MySQL's text protocol send every value as the server writes it, and
/// SQLite converts numbers to their text.
pub(super) async fn fetch_text<'c, 'q, C, Q>(
    conn: &'c mut C,
    query: Q,
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error>
where
    C: Connection,
    &'c mut C: Executor<'c, Database = C::Database>,
    Q: Execute<'q, C::Database> + 'q,
    for<'r> Option<String>: Decode<'r, C::Database> + Type<C::Database>,
    usize: sqlx::ColumnIndex<<C::Database as Database>::Row>,
{
    let rows = conn.fetch_all(query).await?;
    rows.into_iter()
        .map(|row| {
            (0..row.columns().len())
                .map(|i| row.try_get_unchecked::<Option<String>, _>(i))
                .collect()
        })
        .collect()
}
