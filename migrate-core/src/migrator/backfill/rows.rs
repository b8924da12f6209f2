//! The progress table, `migrate_backfill`: one row per backfill of a step,
//! with its last key, counts, owner and when it last wrote.

use std::collections::BTreeMap;

use super::{Progress, RenderedStep, backfills, placeholders, seconds_since, text_cast};
use crate::Backend;
use crate::driver::{BACKFILL_TABLE, Driver, version_tables};
use crate::ops::{Literal, Operation};
use crate::render::sql;

/// Creates the progress table and makes sure each backfill of the step has
/// its row, owned by `owner`. A fresh run (`fresh`) drops what an earlier
/// run of the revision left; a continued one keeps the rows' progress.
pub(crate) async fn claim_rows(
    db: &mut dyn Driver,
    step: &RenderedStep,
    owner: &str,
    fresh: bool,
) -> Result<(), sqlx::Error> {
    let backend = db.backend();
    db.execute(&version_tables::backfill_ddl(backend)).await?;
    let revision = sql::string(backend, step.registration.id);
    let direction = sql::string(backend, step.direction.as_str());
    if fresh {
        db.execute(&format!(
            "DELETE FROM {BACKFILL_TABLE} WHERE revision = {revision}"
        ))
        .await?;
    } else {
        db.execute_bound(
            &format!(
                "UPDATE {BACKFILL_TABLE} SET owner = {} WHERE revision = {revision} AND direction = {direction}",
                placeholders(backend, 1)[0]
            ),
            &[Literal::from(owner)],
        )
        .await?;
    }
    let existing = read_rows(db, step.registration.id, step.direction).await?;
    let now = version_tables::now(backend);
    let p = placeholders(backend, 4);
    for (i, backfill) in backfills(step) {
        if existing.contains_key(&i) {
            continue;
        }
        db.execute_bound(
            &format!(
                "INSERT INTO {BACKFILL_TABLE} (revision, direction, statement, operation, checksum, \
                 last_key, rows_updated, rows_scanned, batches, estimate, owner, started_at, updated_at) \
                 VALUES ({revision}, {direction}, {}, {}, {}, NULL, 0, 0, 0, NULL, {}, {now}, {now})",
                p[0], p[1], p[2], p[3]
            ),
            &[
                Literal::Int(i as i64),
                Literal::from(Operation::Backfill(backfill.backfill.clone()).describe()),
                Literal::from(statement_checksum(step, i)),
                Literal::from(owner),
            ],
        )
        .await?;
    }
    Ok(())
}

/// The checksum of statement `i` alone.
pub(super) fn statement_checksum(step: &RenderedStep, i: usize) -> String {
    crate::render::checksum(std::slice::from_ref(&step.statements[i]))
}

/// The progress rows of `revision` in `direction`, by statement.
pub(crate) async fn read_rows(
    db: &mut dyn Driver,
    revision: &str,
    direction: crate::driver::Direction,
) -> Result<BTreeMap<usize, (Progress, String)>, sqlx::Error> {
    let backend = db.backend();
    let exists = match backend {
        Backend::Postgres => format!("SELECT CAST(to_regclass('{BACKFILL_TABLE}') AS text)"),
        Backend::MySql => format!(
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = '{BACKFILL_TABLE}'"
        ),
        Backend::Sqlite => format!(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{BACKFILL_TABLE}'"
        ),
    };
    let found = db.fetch_text(&exists).await?;
    if found
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .is_none()
    {
        return Ok(BTreeMap::new());
    }
    let cast = |c: &str| text_cast(backend, c);
    let sql = format!(
        "SELECT {}, operation, checksum, last_key, {}, {}, {}, {}, owner, {}, {} FROM {BACKFILL_TABLE} \
         WHERE revision = {} AND direction = {} ORDER BY statement",
        cast("statement"),
        cast("rows_updated"),
        cast("rows_scanned"),
        cast("batches"),
        cast("estimate"),
        seconds_since(backend, "updated_at"),
        cast("finished_at"),
        sql::string(backend, revision),
        sql::string(backend, direction.as_str()),
    );
    let mut out = BTreeMap::new();
    for row in db.fetch_text(&sql).await? {
        let cell = |i: usize| row.get(i).cloned().flatten();
        let number = |i: usize| cell(i).and_then(|v| v.parse::<u64>().ok());
        let statement = number(0).unwrap_or_default() as usize;
        let progress = Progress {
            operation: cell(1).unwrap_or_default(),
            last_key: cell(3).and_then(|k| serde_json::from_str(&k).ok()),
            rows_updated: number(4).unwrap_or_default(),
            rows_scanned: number(5).unwrap_or_default(),
            batches: number(6).unwrap_or_default(),
            estimate: number(7),
            owner: cell(8).unwrap_or_default(),
            idle: cell(9).and_then(|v| v.parse().ok()).unwrap_or(f64::MAX),
            finished: cell(10).is_some(),
        };
        out.insert(statement, (progress, cell(2).unwrap_or_default()));
    }
    Ok(out)
}
