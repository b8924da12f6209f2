//! The text of every statement on the version tables, per backend, each
//! value written as a literal: what a run sends and what an offline script
//! prints are the same strings. Nothing here touches a connection.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use super::{AUDIT_TABLE, AuditRow, BACKFILL_TABLE, Direction, HEADS_TABLE};
use crate::Backend;
use crate::render::sql::{self, text_cast};

/// The columns of the heads table, as [`ddl`] makes it.
pub(crate) const HEADS_COLUMNS: &[&str] = &["revision"];
/// The columns of the audit table, as [`ddl`] makes it.
pub(crate) const AUDIT_COLUMNS: &[&str] = &[
    "id",
    "revision",
    "direction",
    "checksum",
    "started_at",
    "finished_at",
    "duration_ms",
    "outcome",
    "statements_done",
    "statements_total",
    "error",
    "args",
    "plan",
];

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

/// How [`record_step`] writes the step's audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audit {
    /// A new row: a step recorded in the transaction that ran it.
    Insert(Stamp),
    /// The row of a phased step, inserted as `started` when it began.
    Update,
}

/// The statements that record a step that succeeded, each ended by `;` and
/// a newline: the heads `delete`d and `insert`ed, then `row` in the audit
/// table. A run sends them as one call with the `COMMIT`
/// ([`store::commit_step`](super::commit_step)); an offline script prints
/// them; so both write the same rows.
pub(crate) fn record_step(
    backend: Backend,
    delete: &[&str],
    insert: &[&str],
    row: &AuditRow,
    audit: Audit,
) -> String {
    let mut out = write_heads(backend, delete, insert);
    let statement = match audit {
        Audit::Insert(stamp) => insert_audit(backend, row, stamp),
        Audit::Update => update_audit(backend, row),
    };
    let _ = writeln!(out, "{statement};");
    out
}

/// The statements that delete and insert rows of the heads table, each
/// ended by `;` and a newline.
pub(crate) fn write_heads(backend: Backend, delete: &[&str], insert: &[&str]) -> String {
    let mut out = String::new();
    for revision in delete {
        let _ = writeln!(
            out,
            "DELETE FROM {HEADS_TABLE} WHERE revision = {};",
            sql::string(backend, revision)
        );
    }
    for revision in insert {
        let _ = writeln!(
            out,
            "INSERT INTO {HEADS_TABLE} (revision) VALUES ({});",
            sql::string(backend, revision)
        );
    }
    out
}

/// The revisions in the heads table, sorted.
pub(crate) fn select_heads() -> String {
    format!("SELECT revision FROM {HEADS_TABLE} ORDER BY revision")
}

/// How many of the heads and audit tables exist where the connection
/// creates them.
pub(crate) fn count_version_tables(backend: Backend) -> String {
    let names = format!("('{HEADS_TABLE}', '{AUDIT_TABLE}')");
    match backend {
        Backend::Postgres => format!(
            "SELECT CAST(COUNT(*) AS text) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name IN {names}"
        ),
        Backend::MySql => format!(
            "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name IN {names}"
        ),
        Backend::Sqlite => format!(
            "SELECT CAST(COUNT(*) AS TEXT) FROM sqlite_master \
             WHERE type = 'table' AND name IN {names}"
        ),
    }
}

/// The column names of the heads and audit tables, one row per column:
/// the schema new tables go to, the table, the column and the table's
/// schema (`migrator::state` says why PostgreSQL reads `pg_catalog`). One
/// statement, so one snapshot.
pub(crate) fn version_table_columns(backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!(
            "SELECT s.name, c.relname::text, a.attname::text, n.nspname::text \
             FROM (SELECT current_schema()::text AS name) s \
             LEFT JOIN (pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) \
               ON c.relname IN ('{HEADS_TABLE}', '{AUDIT_TABLE}') AND c.relkind IN ('r', 'p') \
                 AND n.nspname = ANY (current_schemas(false))"
        ),
        Backend::MySql => format!(
            "SELECT DATABASE(), CAST(table_name AS CHAR), CAST(column_name AS CHAR), DATABASE() \
             FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name IN ('{HEADS_TABLE}', '{AUDIT_TABLE}')"
        ),
        Backend::Sqlite => format!(
            "SELECT NULL, '{HEADS_TABLE}', name, NULL FROM pragma_table_info('{HEADS_TABLE}') \
             UNION ALL SELECT NULL, '{AUDIT_TABLE}', name, NULL FROM pragma_table_info('{AUDIT_TABLE}')"
        ),
    }
}

/// A statement that reads the heads table and nothing else: whether it
/// fails tells a missing table from one the role may not see (MySQL).
pub(crate) fn probe_heads() -> String {
    format!("SELECT 1 FROM {HEADS_TABLE} WHERE 1 = 0")
}

/// The `INSERT` of `row` into the audit table, with no `;`.
pub(crate) fn insert_audit(backend: Backend, row: &AuditRow, stamp: Stamp) -> String {
    let (started, finished, duration) = match stamp {
        Stamp::Now => (
            now(backend).to_owned(),
            now(backend).to_owned(),
            "0".to_owned(),
        ),
        Stamp::Recorded => (
            time(backend, row.started_at),
            optional_time(backend, row.finished_at),
            optional_number(row.duration_ms),
        ),
    };
    format!(
        "INSERT INTO {AUDIT_TABLE} (revision, direction, checksum, started_at, finished_at, \
         duration_ms, outcome, statements_done, statements_total, error, args, plan) \
         VALUES ({}, {}, {}, {started}, {finished}, {duration}, {}, {}, {}, {}, {}, {})",
        sql::string(backend, &row.revision),
        sql::string(backend, row.direction.as_str()),
        sql::string(backend, &row.checksum),
        sql::string(backend, row.outcome.as_str()),
        row.statements_done,
        row.statements_total,
        optional_text(backend, row.error.as_deref()),
        optional_text(backend, row.args.as_deref()),
        optional_text(backend, row.plan.as_deref()),
    )
}

/// How to read the id [`insert_audit`] gives its row: a `RETURNING`
/// clause to append, or (MySQL has none) a statement to run after it.
pub(crate) fn inserted_id(backend: Backend) -> InsertedId {
    match backend {
        Backend::MySql => InsertedId::Then("SELECT CAST(LAST_INSERT_ID() AS CHAR)"),
        Backend::Postgres | Backend::Sqlite => {
            InsertedId::Returning(format!(" RETURNING {}", text_cast(backend, "id")))
        }
    }
}

/// See [`inserted_id`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InsertedId {
    Returning(String),
    Then(&'static str),
}

/// The `UPDATE` of the progress and outcome of audit row `row.id`, with no
/// `;`.
pub(crate) fn update_audit(backend: Backend, row: &AuditRow) -> String {
    format!(
        "UPDATE {AUDIT_TABLE} SET finished_at = {}, duration_ms = {}, outcome = {}, \
         statements_done = {}, error = {} WHERE id = {}",
        optional_time(backend, row.finished_at),
        optional_number(row.duration_ms),
        sql::string(backend, row.outcome.as_str()),
        row.statements_done,
        optional_text(backend, row.error.as_deref()),
        row.id
    )
}

/// Which audit rows a reader wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuditQuery<'a> {
    /// The newest row that is not an `accept`: the step a run would
    /// continue, or refuse over.
    NewestStep,
    /// The rows with these ids, oldest first.
    Ids(&'a [i64]),
}

/// The rows of every upgrade that counts as applied, oldest first.
///
/// Every `ORDER BY` here names its table: PostgreSQL calls `CAST(id AS
/// text)` `id`, and an unqualified `ORDER BY id` sorts by that text, "9"
/// after "10".
fn applied() -> String {
    format!(
        "WHERE direction = 'upgrade' AND outcome IN ('success', 'accepted', 'marked_done') \
         ORDER BY {AUDIT_TABLE}.id"
    )
}

/// What checking applied plans against their checksums reads of each
/// applied upgrade: `id`, `revision`, `checksum` and `args` (see
/// [`super::audit::parse_checksum`]), oldest first. `status` reads every
/// applied revision's, so it reads these four of the thirteen columns;
/// the whole row of an edited one comes after, by id.
///
/// `id IN (SELECT MAX(id) ... GROUP BY revision)` would be a sort, an
/// aggregate and a join, 6x slower on PostgreSQL at 10,000 rows: the reader
/// keeps the newest per revision itself.
pub(crate) fn select_applied_checksums(backend: Backend) -> String {
    format!(
        "SELECT {}, revision, checksum, args FROM {AUDIT_TABLE} {}",
        text_cast(backend, "id"),
        applied(),
    )
}

/// The `SELECT` of audit rows, every column read as text (see
/// [`super::audit::parse_row`] for their order).
pub(crate) fn select_audit(backend: Backend, query: AuditQuery) -> String {
    let text = |column: &str| text_cast(backend, column);
    let time = |column: &str| time_text(backend, column);
    let tail = match query {
        AuditQuery::NewestStep => {
            format!("WHERE outcome <> 'accepted' ORDER BY {AUDIT_TABLE}.id DESC LIMIT 1")
        }
        AuditQuery::Ids(ids) => {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!("WHERE id IN ({}) ORDER BY {AUDIT_TABLE}.id", ids.join(", "))
        }
    };
    format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM {AUDIT_TABLE} {tail}",
        text("id"),
        text("revision"),
        text("direction"),
        text("checksum"),
        time("started_at"),
        time("finished_at"),
        text("duration_ms"),
        text("outcome"),
        text("statements_done"),
        text("statements_total"),
        text("error"),
        text("args"),
        text("plan"),
    )
}

/// The backfill progress table's name where it exists, where the
/// connection creates tables; no row or `NULL` where it does not.
pub(crate) fn find_backfill_table(backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!("SELECT CAST(to_regclass('{BACKFILL_TABLE}') AS text)"),
        Backend::MySql => format!(
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = '{BACKFILL_TABLE}'"
        ),
        Backend::Sqlite => format!(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{BACKFILL_TABLE}'"
        ),
    }
}

/// The key of one backfill's progress row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BackfillKey<'a> {
    pub(crate) revision: &'a str,
    pub(crate) direction: Direction,
    /// The backfill's statement in its step (0-based).
    pub(crate) statement: usize,
}

impl BackfillKey<'_> {
    /// `WHERE` the row's revision and direction (every statement with
    /// `all`).
    fn filter(&self, backend: Backend, all: bool) -> String {
        let mut filter = format!(
            "WHERE revision = {} AND direction = {}",
            sql::string(backend, self.revision),
            sql::string(backend, self.direction.as_str())
        );
        if !all {
            let _ = write!(filter, " AND statement = {}", self.statement);
        }
        filter
    }
}

/// The progress rows of a step's backfills (`key.statement` aside), by
/// statement; columns as `store::backfill` reads them.
pub(crate) fn select_backfills(backend: Backend, key: BackfillKey<'_>) -> String {
    let text = |column: &str| text_cast(backend, column);
    format!(
        "SELECT {}, operation, checksum, last_key, {}, {}, {}, {}, owner, {}, {} \
         FROM {BACKFILL_TABLE} {} ORDER BY {BACKFILL_TABLE}.statement",
        text("statement"),
        text("rows_updated"),
        text("rows_scanned"),
        text("batches"),
        text("estimate"),
        seconds_since(backend, "updated_at"),
        text("finished_at"),
        key.filter(backend, true),
    )
}

/// Drops what an earlier run of `revision` left in the progress table.
pub(crate) fn delete_backfills(backend: Backend, revision: &str) -> String {
    format!(
        "DELETE FROM {BACKFILL_TABLE} WHERE revision = {}",
        sql::string(backend, revision)
    )
}

/// Hands every backfill row of a step to `owner`.
pub(crate) fn claim_backfills(backend: Backend, key: BackfillKey<'_>, owner: &str) -> String {
    format!(
        "UPDATE {BACKFILL_TABLE} SET owner = {} {}",
        sql::string(backend, owner),
        key.filter(backend, true)
    )
}

/// A fresh progress row for a backfill of a step.
pub(crate) fn insert_backfill(
    backend: Backend,
    key: BackfillKey<'_>,
    operation: &str,
    checksum: &str,
    owner: &str,
) -> String {
    let now = now(backend);
    format!(
        "INSERT INTO {BACKFILL_TABLE} (revision, direction, statement, operation, checksum, \
         last_key, rows_updated, rows_scanned, batches, estimate, owner, started_at, updated_at) \
         VALUES ({}, {}, {}, {}, {}, NULL, 0, 0, 0, NULL, {}, {now}, {now})",
        sql::string(backend, key.revision),
        sql::string(backend, key.direction.as_str()),
        key.statement,
        sql::string(backend, operation),
        sql::string(backend, checksum),
        sql::string(backend, owner),
    )
}

/// Who owns a backfill's row.
pub(crate) fn select_backfill_owner(backend: Backend, key: BackfillKey<'_>) -> String {
    format!(
        "SELECT owner FROM {BACKFILL_TABLE} {}",
        key.filter(backend, false)
    )
}

/// What one batch adds to a backfill's progress row.
#[derive(Debug, Clone)]
pub(crate) struct Batch<'a> {
    /// The batch's last key, as JSON.
    pub(crate) last_key: &'a str,
    pub(crate) updated: u64,
    /// How far the walk is, in keys.
    pub(crate) position: u64,
    pub(crate) estimate: Option<u64>,
    pub(crate) owner: &'a str,
}

/// Records a batch in its backfill's progress row.
pub(crate) fn save_batch(backend: Backend, key: BackfillKey<'_>, batch: &Batch<'_>) -> String {
    format!(
        "UPDATE {BACKFILL_TABLE} SET last_key = {}, rows_updated = rows_updated + {}, \
         rows_scanned = {}, batches = batches + 1, estimate = {}, owner = {}, updated_at = {} {}",
        sql::string(backend, batch.last_key),
        batch.updated,
        batch.position,
        batch
            .estimate
            .map_or_else(|| "NULL".to_owned(), |e| e.to_string()),
        sql::string(backend, batch.owner),
        now(backend),
        key.filter(backend, false),
    )
}

/// Marks a backfill done.
pub(crate) fn finish_backfill(backend: Backend, key: BackfillKey<'_>) -> String {
    let now = now(backend);
    format!(
        "UPDATE {BACKFILL_TABLE} SET finished_at = {now}, updated_at = {now} {}",
        key.filter(backend, false)
    )
}

/// A timestamp column read as text with its offset, or in UTC.
fn time_text(backend: Backend, column: &str) -> String {
    match backend {
        // The driver reads the server's own text (`2026-12-07
        // 00:10:01.123456+00`): `to_char` cost a third of `status`'s time
        // at 10,000 applied revisions.
        Backend::Postgres => column.to_owned(),
        // sqlx writes a `DateTime<Utc>` to a DATETIME as its UTC wall time.
        Backend::MySql => format!("DATE_FORMAT({column}, '%Y-%m-%dT%H:%i:%s.%fZ')"),
        Backend::Sqlite => column.to_owned(),
    }
}

/// Seconds since the timestamp `column`, as text.
fn seconds_since(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST(EXTRACT(EPOCH FROM (now() - {column})) AS text)"),
        Backend::MySql => format!(
            "CAST(TIMESTAMPDIFF(MICROSECOND, {column}, CURRENT_TIMESTAMP(6)) / 1000000 AS CHAR)"
        ),
        Backend::Sqlite => {
            format!("CAST((julianday('now') - julianday({column})) * 86400.0 AS TEXT)")
        }
    }
}

/// A timestamp as a literal each backend's column takes: RFC 3339 as sqlx
/// encodes a `DateTime<Utc>` (SQLite's text column holds one format
/// whichever way a row was written), and MySQL's DATETIME the UTC wall
/// time, with no offset, which MariaDB would refuse.
fn time(backend: Backend, t: DateTime<Utc>) -> String {
    let text = match backend {
        Backend::MySql => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        Backend::Postgres | Backend::Sqlite => t.to_rfc3339_opts(SecondsFormat::AutoSi, false),
    };
    sql::string(backend, &text)
}

fn optional_time(backend: Backend, t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "NULL".to_owned(), |t| time(backend, t))
}

fn optional_number(n: Option<i64>) -> String {
    n.map_or_else(|| "NULL".to_owned(), |n| n.to_string())
}

fn optional_text(backend: Backend, text: Option<&str>) -> String {
    text.map_or_else(|| "NULL".to_owned(), |t| sql::string(backend, t))
}
