//! The version tables' DDL, per backend: what the drivers run on the first
//! write, and what the offline script starts with.

use super::{AUDIT_TABLE, BACKFILL_TABLE, HEADS_TABLE};
use crate::Backend;

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
