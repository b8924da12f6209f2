//! The version tables' DDL, per backend: what the drivers run on the first
//! write, and what the offline script starts with.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use super::{AUDIT_TABLE, AuditRow, BACKFILL_TABLE, HEADS_TABLE};
use crate::Backend;
use crate::ops::Literal;
use crate::render::sql;

/// The statements that create the heads and audit tables (`IF NOT EXISTS`).
pub(crate) fn ddl(backend: Backend) -> Vec<String> {
    let (id, timestamp) = match backend {
        Backend::Postgres => ("id BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
        Backend::MySql => (
            "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            "DATETIME(6)",
        ),
        Backend::Sqlite => ("id INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {HEADS_TABLE} (revision VARCHAR(32) NOT NULL PRIMARY KEY)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (\
             {id}, \
             revision VARCHAR(32) NOT NULL, \
             direction VARCHAR(16) NOT NULL, \
             checksum CHAR(64) NOT NULL, \
             started_at {timestamp} NOT NULL, \
             finished_at {timestamp} NULL, \
             duration_ms BIGINT NULL, \
             outcome VARCHAR(16) NOT NULL, \
             statements_done BIGINT NOT NULL, \
             statements_total BIGINT NOT NULL, \
             error TEXT NULL, \
             args TEXT NULL, \
             plan TEXT NULL)"
        ),
    ]
}

/// The statement that creates the backfill progress table (`IF NOT
/// EXISTS`): the first backfill runs it.
pub(crate) fn backfill_ddl(backend: Backend) -> String {
    let timestamp = match backend {
        Backend::Postgres => "TIMESTAMPTZ",
        Backend::MySql => "DATETIME(6)",
        Backend::Sqlite => "TEXT",
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {BACKFILL_TABLE} (\
         revision VARCHAR(32) NOT NULL, \
         direction VARCHAR(16) NOT NULL, \
         statement INTEGER NOT NULL, \
         operation VARCHAR(255) NOT NULL, \
         checksum CHAR(64) NOT NULL, \
         last_key TEXT NULL, \
         rows_updated BIGINT NOT NULL, \
         rows_scanned BIGINT NOT NULL, \
         batches BIGINT NOT NULL, \
         estimate BIGINT NULL, \
         owner VARCHAR(255) NOT NULL, \
         started_at {timestamp} NOT NULL, \
         updated_at {timestamp} NOT NULL, \
         finished_at {timestamp} NULL, \
         PRIMARY KEY (revision, direction, statement))"
    )
}

/// The database's clock, as each backend stores a timestamp of the audit
/// table (SQLite keeps RFC 3339 text, as sqlx writes it).
pub(crate) fn now(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "CURRENT_TIMESTAMP",
        Backend::MySql => "CURRENT_TIMESTAMP(6)",
        Backend::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    }
}

/// When a recorded step ran, as [`record_step`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// The row's own times and duration (a run).
    Recorded,
    /// The database's clock and a duration of 0 (an offline script, whose
    /// run time nobody knows when it is rendered).
    Now,
}

/// The statements that record a step that succeeded, each ended by `;` and a
/// newline: the heads `delete`d and `insert`ed, then `row` in the audit
/// table, every value written as a literal. A run sends them as one call
/// with the `COMMIT` ([`Driver::finish_step`](super::Driver::finish_step));
/// an offline script prints them; so both write the same rows.
pub(crate) fn record_step(
    backend: Backend,
    delete: &[&str],
    insert: &[&str],
    row: &AuditRow,
    stamp: Stamp,
) -> String {
    let mut out = write_heads(backend, delete, insert);
    let _ = writeln!(out, "{};", insert_audit(backend, row, stamp));
    out
}

/// [`record_step`] of a run, then `COMMIT`: what a driver sends as one
/// call to end a step that succeeded in its transaction.
pub(crate) fn commit_step(
    backend: Backend,
    delete: &[&str],
    insert: &[&str],
    row: &AuditRow,
) -> String {
    let mut sql = record_step(backend, delete, insert, row, Stamp::Recorded);
    sql.push_str("COMMIT;");
    sql
}

/// The statements that delete and insert rows of the heads table, each
/// ended by `;` and a newline.
pub(crate) fn write_heads(backend: Backend, delete: &[&str], insert: &[&str]) -> String {
    let text = |s: &str| sql::literal(backend, &Literal::String(s.to_owned()));
    let mut out = String::new();
    for revision in delete {
        let _ = writeln!(
            out,
            "DELETE FROM {HEADS_TABLE} WHERE revision = {};",
            text(revision)
        );
    }
    for revision in insert {
        let _ = writeln!(
            out,
            "INSERT INTO {HEADS_TABLE} (revision) VALUES ({});",
            text(revision)
        );
    }
    out
}

/// The `INSERT` of `row` into the audit table, every value a literal, with
/// no `;`.
pub(crate) fn insert_audit(backend: Backend, row: &AuditRow, stamp: Stamp) -> String {
    let text = |s: &str| sql::literal(backend, &Literal::String(s.to_owned()));
    let optional = |s: &Option<String>| s.as_deref().map_or_else(|| "NULL".to_owned(), text);
    let (started, finished, duration) = match stamp {
        Stamp::Now => (
            now(backend).to_owned(),
            now(backend).to_owned(),
            "0".to_owned(),
        ),
        Stamp::Recorded => (
            time(backend, row.started_at),
            row.finished_at
                .map_or_else(|| "NULL".to_owned(), |t| time(backend, t)),
            row.duration_ms
                .map_or_else(|| "NULL".to_owned(), |d| d.to_string()),
        ),
    };
    format!(
        "INSERT INTO {AUDIT_TABLE} (revision, direction, checksum, started_at, finished_at, \
         duration_ms, outcome, statements_done, statements_total, error, args, plan) \
         VALUES ({}, {}, {}, {started}, {finished}, {duration}, {}, {}, {}, {}, {}, {})",
        text(&row.revision),
        text(row.direction.as_str()),
        text(&row.checksum),
        text(row.outcome.as_str()),
        row.statements_done,
        row.statements_total,
        optional(&row.error),
        optional(&row.args),
        optional(&row.plan),
    )
}

/// The `UPDATE` of the progress and outcome of audit row `row.id`, every
/// value a literal.
#[cfg(feature = "postgres")]
pub(crate) fn update_audit(backend: Backend, row: &AuditRow) -> String {
    let text = |s: &str| sql::literal(backend, &Literal::String(s.to_owned()));
    format!(
        "UPDATE {AUDIT_TABLE} SET finished_at = {}, duration_ms = {}, outcome = {}, \
         statements_done = {}, error = {} WHERE id = {}",
        row.finished_at
            .map_or_else(|| "NULL".to_owned(), |t| time(backend, t)),
        row.duration_ms
            .map_or_else(|| "NULL".to_owned(), |d| d.to_string()),
        text(row.outcome.as_str()),
        row.statements_done,
        row.error.as_deref().map_or_else(|| "NULL".to_owned(), text),
        row.id
    )
}

/// A timestamp as a literal: RFC 3339 as sqlx encodes a `DateTime<Utc>`, so
/// that SQLite's text column holds one format whichever way a row was
/// written.
fn time(backend: Backend, t: DateTime<Utc>) -> String {
    sql::literal(
        backend,
        &Literal::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
    )
}
