//! How long a step's statements wait for locks and run: the crate's
//! defaults (`migrate.toml` `[run]`, [`Migrator::with_timeouts`]) and a
//! migration's own ([`Migration::lock_timeout`],
//! [`Migration::statement_timeout`]).
//!
//! [`Migrator::with_timeouts`]: super::Migrator::with_timeouts

use std::time::Duration;

use crate::ops::{Migration, Operation};

/// How long a step's statements wait for locks and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a statement waits for a table lock before it gives its
    /// place in the queue up: `SET LOCAL lock_timeout` in each transaction
    /// on PostgreSQL, `SET SESSION lock_wait_timeout` (whole seconds) on
    /// MySQL. The step then rolls back (PostgreSQL) or the statement fails
    /// having done nothing (MySQL) and runs again after a backoff. `None`
    /// waits as long as it takes, and holds up everyone queued behind it.
    pub lock_timeout: Option<Duration>,
    /// How long a step keeps running again after lock timeouts, in all,
    /// before it fails (rolled back, safe to run again).
    pub retry_budget: Duration,
    /// PostgreSQL: `SET LOCAL statement_timeout` in a transaction of schema
    /// changes only (tables, columns, drops, enums). Index builds,
    /// validations, data changes and raw SQL run in transactions without
    /// it. `None` lets them run as long as they take.
    pub statement_timeout: Option<Duration>,
}

impl Default for Timeouts {
    /// A lock wait of one second, run again for up to a minute; a
    /// statement timeout of a minute.
    fn default() -> Self {
        Self {
            lock_timeout: Some(Duration::from_secs(1)),
            retry_budget: Duration::from_secs(60),
            statement_timeout: Some(Duration::from_secs(60)),
        }
    }
}

impl Timeouts {
    /// These, with what `plan` set for itself.
    pub fn for_plan(self, plan: &Migration) -> Self {
        let (lock, statement) = plan.timeouts();
        Self {
            lock_timeout: lock.unwrap_or(self.lock_timeout),
            statement_timeout: statement.unwrap_or(self.statement_timeout),
            ..self
        }
    }
}

/// Whether `statement_timeout` bounds `op`: a schema change that should
/// take moments, not an index build, a validation, a data change or raw
/// SQL, whose time depends on the rows.
pub(crate) fn bounded(op: &Operation) -> bool {
    matches!(
        op,
        Operation::CreateTable(_)
            | Operation::DropTable { .. }
            | Operation::RenameTable { .. }
            | Operation::AddColumn { .. }
            | Operation::DropColumn { .. }
            | Operation::AlterColumn(_)
            | Operation::DropIndex { .. }
            | Operation::DropConstraint { .. }
            | Operation::CreateEnum(_)
            | Operation::DropEnum { .. }
            | Operation::AddEnumValue(_)
    )
}

/// The wait before attempt `attempt + 2`: 100 ms doubling to at most 5 s,
/// each between half and one and a half times that, so that runners that
/// timed out together do not come back together.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 100u64.saturating_mul(1 << attempt.min(6)).min(5_000);
    let random = getrandom::u64().unwrap_or(u64::from(attempt));
    Duration::from_millis(base / 2 + random % base.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_sets_its_own() {
        let crate_wide = Timeouts::default();
        let mut m = Migration::new();
        assert_eq!(crate_wide.for_plan(&m), crate_wide);
        m.lock_timeout(None)
            .statement_timeout(Some(Duration::from_secs(600)));
        let own = crate_wide.for_plan(&m);
        assert_eq!(own.lock_timeout, None);
        assert_eq!(own.statement_timeout, Some(Duration::from_secs(600)));
        assert_eq!(own.retry_budget, crate_wide.retry_budget);
    }

    #[test]
    fn backoff_doubles_to_five_seconds_with_jitter() {
        for attempt in 0..10 {
            let base = 100u64 << attempt.min(6);
            let base = base.min(5_000);
            let wait = backoff(attempt).as_millis() as u64;
            assert!(
                wait >= base / 2 && wait < base / 2 + base,
                "{attempt}: {wait}"
            );
        }
    }
}
