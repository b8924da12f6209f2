//! Reading a live database into a [`Schema`]: `pg_catalog` on PostgreSQL,
//! `information_schema` on MySQL/MariaDB, pragmas and `sqlite_schema` on
//! SQLite. Every query goes through [`Driver::fetch_text`], so one
//! connection serves the migrator and the snapshot, and a snapshot inside a
//! transaction sees that transaction's work.

mod mysql;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;

use super::model::{Index, Schema, Table};
use crate::Backend;
use crate::driver::{AUDIT_TABLE, BACKFILL_TABLE, Driver, HEADS_TABLE};

/// Reading the schema failed.
#[derive(Debug, thiserror::Error)]
#[error("read the {backend} schema ({what})")]
pub struct IntrospectError {
    /// The backend.
    pub backend: Backend,
    /// Which part: `tables`, `columns`, `indexes`...
    pub what: &'static str,
    /// The database's error.
    #[source]
    pub source: sqlx::Error,
}

/// Reads the schema `db` is connected to (PostgreSQL's current schema,
/// MySQL's current database, SQLite's `main`), leaving out the migrator's
/// version tables. Reads only.
pub async fn snapshot(db: &mut dyn Driver) -> Result<Schema, IntrospectError> {
    let backend = db.backend();
    let mut schema = match backend {
        Backend::Postgres => postgres::read(&mut Reader { db }).await?,
        Backend::MySql => mysql::read(&mut Reader { db }).await?,
        Backend::Sqlite => sqlite::read(&mut Reader { db }).await?,
    };
    schema.tables.remove(HEADS_TABLE);
    schema.tables.remove(AUDIT_TABLE);
    schema.tables.remove(BACKFILL_TABLE);
    for table in schema.tables.values_mut() {
        sort(table);
    }
    Ok(schema)
}

/// Runs the queries of one snapshot.
struct Reader<'a> {
    db: &'a mut dyn Driver,
}

type Row = Vec<Option<String>>;

impl Reader<'_> {
    async fn rows(&mut self, what: &'static str, sql: &str) -> Result<Vec<Row>, IntrospectError> {
        let backend = self.db.backend();
        self.db
            .fetch_text(sql)
            .await
            .map_err(|source| IntrospectError {
                backend,
                what,
                source,
            })
    }
}

/// Cell `i` of a row, empty when `NULL`.
fn cell(row: &Row, i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// Cell `i` of a row, `None` when `NULL` or empty.
fn opt(row: &Row, i: usize) -> Option<String> {
    row.get(i).cloned().flatten().filter(|s| !s.is_empty())
}

/// Whether cell `i` says yes (`t`, `true`, `1`, `YES`).
fn yes(row: &Row, i: usize) -> bool {
    matches!(
        row.get(i).cloned().flatten().as_deref(),
        Some("t" | "true" | "1" | "YES" | "yes")
    )
}

/// The table `name`, created on first use.
fn table<'a>(tables: &'a mut BTreeMap<String, Table>, name: &str) -> &'a mut Table {
    tables
        .entry(name.to_owned())
        .or_insert_with(|| Table::new(name))
}

/// Constraints and indexes in a stable order, whatever order the catalog
/// returned them in.
fn sort(table: &mut Table) {
    table
        .indexes
        .sort_by(|a: &Index, b: &Index| a.name.cmp(&b.name));
    table.uniques.sort();
    table.checks.sort();
    table.foreign_keys.sort();
}
