//! Rows of the audit table.

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

/// Which way a step moves the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Applies a revision.
    Upgrade,
    /// Reverts a revision.
    Downgrade,
}

impl Direction {
    /// `"upgrade"` or `"downgrade"`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

impl Direction {
    /// Parses the stored text.
    pub fn parse(text: &str) -> Direction {
        if text == "downgrade" {
            Direction::Downgrade
        } else {
            Direction::Upgrade
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// The audit table's columns, in the order drivers read them.
pub(crate) const AUDIT_COLUMNS: &str = "id, revision, direction, checksum, started_at, \
     finished_at, duration_ms, outcome, statements_done, statements_total, error, args, plan";

/// Reads one audit row from any backend's row type.
pub(crate) fn audit_row<R>(row: &R) -> Result<AuditRow, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: Decode<'r, R::Database> + Type<R::Database>,
{
    let direction: String = row.try_get("direction")?;
    let outcome: String = row.try_get("outcome")?;
    Ok(AuditRow {
        id: row.try_get("id")?,
        revision: row.try_get("revision")?,
        direction: Direction::parse(&direction),
        checksum: row.try_get("checksum")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        duration_ms: row.try_get("duration_ms")?,
        outcome: Outcome::parse(&outcome),
        statements_done: row.try_get("statements_done")?,
        statements_total: row.try_get("statements_total")?,
        error: row.try_get("error")?,
        args: row.try_get("args")?,
        plan: row.try_get("plan")?,
    })
}
