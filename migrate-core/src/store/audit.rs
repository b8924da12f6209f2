//! Rows of the audit table.

use std::fmt;

use chrono::{DateTime, Utc};

pub use crate::Direction;

/// How a step ended, as stored in the audit table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Recorded before a non-transactional step runs; still there if it never
    /// finished (a crash, a kill).
    Started,
    /// Every statement ran and the heads table was updated.
    Success,
    /// A statement failed.
    Failed,
    /// `accept`: the migration was edited after it was applied, and a human
    /// accepted the new plan; the row records its checksum.
    Accepted,
    /// `repair --applied`: a human finished a step that stopped part-way;
    /// counts as applied.
    MarkedDone,
    /// `repair --reverted`: a human undid what a step that stopped part-way
    /// had done; counts as never run.
    MarkedUndone,
}

impl Outcome {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Started => "started",
            Outcome::Success => "success",
            Outcome::Failed => "failed",
            Outcome::Accepted => "accepted",
            Outcome::MarkedDone => "marked_done",
            Outcome::MarkedUndone => "marked_undone",
        }
    }

    /// Parses the stored text; anything unknown reads as `Started`, the
    /// state that asks a human to look.
    pub fn parse(text: &str) -> Outcome {
        match text {
            "success" => Outcome::Success,
            "failed" => Outcome::Failed,
            "accepted" => Outcome::Accepted,
            "marked_done" => Outcome::MarkedDone,
            "marked_undone" => Outcome::MarkedUndone,
            _ => Outcome::Started,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the audit table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditRow {
    /// Assigned by the database.
    pub id: i64,
    /// The revision id.
    pub revision: String,
    /// Upgrade or downgrade.
    pub direction: Direction,
    /// The checksum of the rendered plan.
    pub checksum: String,
    /// When the step started.
    pub started_at: DateTime<Utc>,
    /// When it finished, if it did.
    pub finished_at: Option<DateTime<Utc>>,
    /// How long it took, in milliseconds.
    pub duration_ms: Option<i64>,
    /// How it ended.
    pub outcome: Outcome,
    /// Statements that completed.
    pub statements_done: i64,
    /// Statements in the step.
    pub statements_total: i64,
    /// The database's message, when it failed.
    pub error: Option<String>,
    /// The `-x` arguments the plan read, as a JSON object (`null` for one
    /// read but not given), so that checking the checksum later records
    /// the plan with the same ones.
    pub args: Option<String>,
    /// One line per statement: its operation and a short hash of its SQL,
    /// so that an edit can be located.
    pub plan: Option<String>,
}

/// Reads one audit row as [`sql::select_audit`](super::sql::select_audit)
/// returns it, every column as text.
pub(crate) fn parse_row(row: Vec<Option<String>>) -> Result<AuditRow, sqlx::Error> {
    let mut cells = row.into_iter();
    let mut next = || cells.next().flatten();
    let (id, revision, direction, checksum, started_at, finished_at, duration_ms) =
        (next(), next(), next(), next(), next(), next(), next());
    let (outcome, done, total, error, args, plan) =
        (next(), next(), next(), next(), next(), next());
    Ok(AuditRow {
        id: number("id", id)?,
        revision: revision.unwrap_or_default(),
        direction: Direction::parse(direction.as_deref().unwrap_or_default()),
        checksum: checksum.unwrap_or_default(),
        started_at: time("started_at", started_at)?,
        finished_at: finished_at
            .map(|t| time("finished_at", Some(t)))
            .transpose()?,
        duration_ms: duration_ms
            .map(|d| number("duration_ms", Some(d)))
            .transpose()?,
        outcome: Outcome::parse(outcome.as_deref().unwrap_or_default()),
        statements_done: number("statements_done", done)?,
        statements_total: number("statements_total", total)?,
        error,
        args,
        plan,
    })
}

/// What checking an applied plan reads of its audit row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppliedChecksum {
    /// The row's id.
    pub id: i64,
    /// The revision id.
    pub revision: String,
    /// The checksum recorded.
    pub checksum: String,
    /// The `-x` arguments recorded (see [`AuditRow::args`]).
    pub args: Option<String>,
}

/// Reads one row as [`sql::select_applied_checksums`](super::sql::select_applied_checksums)
/// returns it.
pub(crate) fn parse_checksum(row: Vec<Option<String>>) -> Result<AppliedChecksum, sqlx::Error> {
    let mut cells = row.into_iter();
    let mut next = || cells.next().flatten();
    let (id, revision, checksum, args) = (next(), next(), next(), next());
    Ok(AppliedChecksum {
        id: number("id", id)?,
        revision: revision.unwrap_or_default(),
        checksum: checksum.unwrap_or_default(),
        args,
    })
}

fn decode_error(column: &str, text: Option<&str>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unexpected value {text:?} in the audit table").into(),
    }
}

fn number(column: &str, text: Option<String>) -> Result<i64, sqlx::Error> {
    text.as_deref()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| decode_error(column, text.as_deref()))
}

/// Whether `t` ends with an offset of whole hours, `+05` or `-08`.
fn short_offset(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() > 3
        && matches!(b[b.len() - 3], b'+' | b'-')
        && b[b.len() - 2..].iter().all(u8::is_ascii_digit)
        && b[b.len() - 4].is_ascii_digit()
}

/// A timestamp as RFC 3339, as PostgreSQL writes one (`2026-12-06
/// 10:00:00.5+00`), or as SQLite's and sqlx's other text forms
/// (`2026-12-06 10:00:00.5`, read as UTC).
fn time(column: &str, text: Option<String>) -> Result<DateTime<Utc>, sqlx::Error> {
    let parsed = text.as_deref().and_then(|t| {
        // RFC 3339 (with a space for the `T`, which chrono's fast parser
        // takes) is every form but the naive one once PostgreSQL's whole-hour
        // offset (`+00`) gets its minutes: one parse per value, since
        // `status` reads thousands.
        let full;
        let t = if short_offset(t) {
            full = format!("{t}:00");
            full.as_str()
        } else {
            t
        };
        DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
                    .iter()
                    .find_map(|format| chrono::NaiveDateTime::parse_from_str(t, format).ok())
                    .map(|naive| naive.and_utc())
            })
    });
    parsed.ok_or_else(|| decode_error(column, text.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_back_in_every_backend_s_text() {
        let expected = DateTime::parse_from_rfc3339("2026-12-07T00:10:01.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        for text in [
            "2026-12-07T00:10:01.123456Z", // SQLite strftime, MySQL DATE_FORMAT
            "2026-12-07T00:10:01.123456+00:00", // sqlx's RFC 3339
            "2026-12-07 00:10:01.123456+00", // PostgreSQL, ISO and UTC
            "2026-12-07 05:40:01.123456+05:30", // PostgreSQL in another zone
            "2026-12-07 00:10:01.123456",  // a naive UTC wall time
        ] {
            assert_eq!(
                time("t", Some(text.to_owned())).unwrap(),
                expected,
                "{text}"
            );
        }
        assert!(time("t", Some("yesterday".to_owned())).is_err());
    }
}
