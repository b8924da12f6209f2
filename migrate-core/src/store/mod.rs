//! The bookkeeping tables, `migrate_heads`, `migrate_audit` and
//! `migrate_backfill`: the one home of their SQL.
//!
//! [`sql`] writes every statement as text, values as literals; the
//! functions here send that text over a driver's [`execute`] and
//! [`fetch_text`] primitives, and read rows back as text. An offline
//! script prints the same text ([`sql::record_step`]), so a run and a
//! script record a step with the same statements on every backend. The
//! drivers hold no bookkeeping SQL of their own; the migrator decides when
//! each of these runs.
//!
//! [`execute`]: Driver::execute
//! [`fetch_text`]: Driver::fetch_text

mod audit;
pub(crate) mod backfill;
pub(crate) mod sql;

pub(crate) use audit::AppliedChecksum;
pub use audit::{AuditRow, Direction, Outcome};
pub(crate) use sql::{AuditQuery, BackfillKey, Batch};

use crate::driver::Driver;

/// The heads table: one row per current head, as Alembic's `alembic_version`.
pub const HEADS_TABLE: &str = "migrate_heads";
/// The audit table: one row per applied (or attempted) step.
pub const AUDIT_TABLE: &str = "migrate_audit";
/// The backfill progress table: one row per backfill of a step that ran,
/// with the last key done; created by the first backfill.
pub const BACKFILL_TABLE: &str = "migrate_backfill";

/// Whether both version tables exist. Reads only.
pub(crate) async fn tables_exist(db: &mut dyn Driver) -> Result<bool, sqlx::Error> {
    let rows = db
        .fetch_text(&sql::count_version_tables(db.backend()))
        .await?;
    Ok(first_cell(&rows).as_deref() == Some("2"))
}

/// Creates the version tables where they are missing.
pub(crate) async fn create_tables(db: &mut dyn Driver) -> Result<(), sqlx::Error> {
    for ddl in sql::ddl(db.backend()) {
        db.execute(&ddl).await?;
    }
    Ok(())
}

/// The revisions in the heads table, sorted.
pub(crate) async fn read_heads(db: &mut dyn Driver) -> Result<Vec<String>, sqlx::Error> {
    let rows = db.fetch_text(&sql::select_heads()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect())
}

/// Removes and inserts rows of the heads table.
pub(crate) async fn write_heads(
    db: &mut dyn Driver,
    delete: &[&str],
    insert: &[&str],
) -> Result<(), sqlx::Error> {
    let sql = sql::write_heads(db.backend(), delete, insert);
    if sql.is_empty() {
        return Ok(());
    }
    db.execute(&sql).await
}

/// Inserts an audit row and returns the id the database gave it.
pub(crate) async fn insert_audit(db: &mut dyn Driver, row: &AuditRow) -> Result<i64, sqlx::Error> {
    let backend = db.backend();
    let insert = sql::insert_audit(backend, row, sql::Stamp::Recorded);
    let rows = match sql::inserted_id(backend) {
        sql::InsertedId::Then(read_id) => {
            db.execute(&insert).await?;
            db.fetch_text(read_id).await?
        }
        sql::InsertedId::Returning(returning) => {
            db.fetch_text(&format!("{insert}{returning}")).await?
        }
    };
    first_cell(&rows)
        .and_then(|id| id.parse().ok())
        .ok_or(sqlx::Error::RowNotFound)
}

/// Updates the progress and outcome of the audit row `row.id`.
pub(crate) async fn update_audit(db: &mut dyn Driver, row: &AuditRow) -> Result<(), sqlx::Error> {
    db.execute(&sql::update_audit(db.backend(), row)).await
}

/// Ends a step that succeeded in its open transaction: moves the heads,
/// records `row` as `audit` says and commits, all in one call, which saves
/// three round trips per migration. If a statement fails, the rest is not
/// run and the caller rolls back.
pub(crate) async fn commit_step(
    db: &mut dyn Driver,
    delete: &[&str],
    insert: &[&str],
    row: &AuditRow,
    audit: sql::Audit,
) -> Result<(), sqlx::Error> {
    let sql = sql::record_step(db.backend(), delete, insert, row, audit);
    db.commit_after(&sql).await
}

/// The audit rows `query` selects.
pub(crate) async fn read_audit(
    db: &mut dyn Driver,
    query: AuditQuery<'_>,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    db.fetch_text(&sql::select_audit(db.backend(), query))
        .await?
        .into_iter()
        .map(audit::parse_row)
        .collect()
}

/// Of every applied upgrade, what checking its plan needs, oldest first.
pub(crate) async fn read_applied_checksums(
    db: &mut dyn Driver,
) -> Result<Vec<AppliedChecksum>, sqlx::Error> {
    db.fetch_text(&sql::select_applied_checksums(db.backend()))
        .await?
        .into_iter()
        .map(audit::parse_checksum)
        .collect()
}

/// The newest audit row that is not an `accept`: the step a run would
/// continue, or refuse over, when it is dirty.
pub(crate) async fn newest_step(db: &mut dyn Driver) -> Result<Option<AuditRow>, sqlx::Error> {
    Ok(read_audit(db, AuditQuery::NewestStep)
        .await?
        .into_iter()
        .next())
}

fn first_cell(rows: &[Vec<Option<String>>]) -> Option<String> {
    rows.first().and_then(|r| r.first()).cloned().flatten()
}
