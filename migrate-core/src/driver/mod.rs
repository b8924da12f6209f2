//! Database drivers: one per backend, behind the [`Driver`] trait and a cargo
//! feature each. A driver holds the connection, its transactions, the
//! migration lock and its dialect's facts; the bookkeeping tables' SQL is
//! the `store`'s, and the [`migrator`](crate::migrator) decides what to run
//! and when.

#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
mod conn;
mod connect;
mod error;
mod interrupt;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::time::Duration;

use async_trait::async_trait;

pub use connect::{Access, ConnectOptions, LockMode, Retry, connect, redact_url};
pub use error::{BrokenForeignKeys, DriverError};
pub(crate) use error::{caused_by_data, database_message};
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) use interrupt::CancelStatement;
pub use interrupt::Interrupter;

pub use crate::Backend;
use crate::ops::Literal;
pub use crate::store::{AUDIT_TABLE, AuditRow, BACKFILL_TABLE, Direction, HEADS_TABLE, Outcome};

/// Binds literals to an `sqlx` query, in order. A macro because each
/// backend's `Query` type differs and the generic bounds do not pay off.
/// JSON is bound as text; PostgreSQL binds its JSON parameter itself.
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
macro_rules! bind_literals {
    ($query:expr, $values:expr, $backend:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Literal::Timestamp(t) => query.bind(Literal::timestamp_text(*t, $backend)),
                Literal::Null => query.bind(None::<String>),
                Literal::Bool(b) => query.bind(*b),
                Literal::Int(i) => query.bind(*i),
                Literal::Float(f) => query.bind(*f),
                Literal::String(s) => query.bind(s.as_str()),
                Literal::Bytes(b) => query.bind(b.as_slice()),
                Literal::Json(v) => query.bind(v.to_string()),
            };
        }
        query
    }};
}
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
pub(crate) use bind_literals;

/// What the migration lock covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockScope {
    /// Taken once by [`Driver::lock`] and held for the whole run (PostgreSQL
    /// session mode, MySQL).
    Run,
    /// Taken by each step's [`Driver::begin_step`] and held to its commit
    /// (SQLite, PostgreSQL transaction mode): the migrator re-reads the heads
    /// under it, and plans again if another migrator moved them.
    Step,
}

/// The longest lock wait every backend can express (2^31 - 1 ms, about 24
/// days): longer ones wait this long, rather than overflow into no wait at
/// all.
pub const MAX_LOCK_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// `timeout`, at most [`MAX_LOCK_TIMEOUT`].
pub(crate) fn lock_timeout(timeout: Duration) -> Duration {
    timeout.min(MAX_LOCK_TIMEOUT)
}

/// A statement a driver ran on its own behalf that failed, or found a
/// problem: its SQL, and why.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct StatementError {
    /// The statement.
    pub sql: String,
    /// What the database said, or what the statement found.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// The primitives a backend offers the migrator, over one connection:
/// statements, transactions, the lock, and its dialect's facts.
///
/// Raw statements run through [`execute`](Driver::execute); transactions are
/// explicit so that the migrator can put a migration and its version update in
/// one of them where the backend allows it.
#[async_trait]
pub trait Driver: Send + std::fmt::Debug {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// A handle that stops a run on this connection from another task
    /// (a signal handler).
    fn interrupter(&self) -> &Interrupter;

    /// Runs SQL as-is (several statements separated by `;` are allowed).
    async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.execute_affected(sql).await.map(drop)
    }

    /// Runs one statement as-is and returns how many rows it changed.
    async fn execute_affected(&mut self, sql: &str) -> Result<u64, sqlx::Error>;

    /// Runs one statement with `values` bound to its placeholders, in order.
    async fn execute_bound(&mut self, sql: &str, values: &[Literal]) -> Result<(), sqlx::Error>;

    /// Runs a query and returns its rows, every column read as text (`NULL`
    /// as `None`): each value as the server writes it (PostgreSQL's simple
    /// protocol, MySQL's text protocol; SQLite's own conversion).
    async fn fetch_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, sqlx::Error>;

    /// Opens a transaction (`BEGIN IMMEDIATE` on SQLite, so that the write
    /// lock is taken before anything is read).
    async fn begin(&mut self) -> Result<(), sqlx::Error> {
        self.execute("BEGIN").await
    }

    /// Commits the open transaction.
    async fn commit(&mut self) -> Result<(), sqlx::Error> {
        self.execute("COMMIT").await
    }

    /// Rolls the open transaction back.
    async fn rollback(&mut self) -> Result<(), sqlx::Error> {
        self.execute("ROLLBACK").await
    }

    /// Takes the migration lock for the run, waiting at most `timeout`.
    /// Where the lock is per step ([`LockScope::Step`]), only prepares
    /// `begin_step` to wait that long.
    async fn lock(&mut self, timeout: Duration) -> Result<(), DriverError>;

    /// Releases the migration lock.
    async fn unlock(&mut self) -> Result<(), DriverError>;

    /// What the lock covers.
    fn lock_scope(&self) -> LockScope {
        LockScope::Run
    }

    /// Opens a migration's transaction; with [`LockScope::Step`], takes the
    /// lock in it, waiting at most the timeout given to `lock`.
    async fn begin_step(&mut self) -> Result<(), DriverError> {
        self.begin().await.map_err(|source| DriverError::Query {
            what: "begin the migration's transaction",
            source,
        })
    }

    /// Before each step of a run: checks that the run's lock is still held.
    async fn check_lock(&mut self) -> Result<(), DriverError> {
        Ok(())
    }

    /// Runs `sql` (statements each ended by `;`) and commits the open
    /// transaction, in one call: the last statements of a step.
    async fn commit_after(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.execute(&format!("{sql}COMMIT;")).await
    }

    /// Before a step: how long its statements wait for a table lock, where
    /// the session says it (MySQL's `lock_wait_timeout`; PostgreSQL's is set
    /// in each transaction). Sends nothing when it is already so.
    async fn set_lock_wait(
        &mut self,
        timeout: Option<std::time::Duration>,
    ) -> Result<(), sqlx::Error> {
        let _ = timeout;
        Ok(())
    }

    /// Whether `error` says the statement waited its lock timeout out for
    /// a lock and gave up, having done nothing: PostgreSQL's
    /// `lock_timeout` (SQLSTATE 55P03), MySQL's `lock_wait_timeout`
    /// (error 1205).
    fn is_lock_timeout(&self, error: &sqlx::Error) -> bool {
        let _ = error;
        false
    }

    /// Whether `error` only says that a DDL statement's effect is already
    /// there: what running it a second time says (a table that exists, a
    /// column already dropped).
    fn is_already_applied(&self, error: &sqlx::Error) -> bool {
        let _ = error;
        false
    }

    /// Advice the database's own message for `error` lacks.
    fn hint(&self, error: &sqlx::Error) -> Option<&'static str> {
        let _ = error;
        None
    }

    /// Before a transaction that rebuilds a table: turns foreign-key
    /// enforcement off where a transaction cannot defer it (SQLite, whose
    /// pragma is a no-op inside one), and tells whether it was on.
    async fn suspend_foreign_keys(&mut self) -> Result<bool, sqlx::Error> {
        Ok(false)
    }

    /// After that transaction: turns enforcement back on if it was.
    async fn restore_foreign_keys(&mut self, were_on: bool) {
        let _ = were_on;
    }

    /// Before committing a rebuild with enforcement suspended: fails when a
    /// row breaks a foreign key.
    async fn check_foreign_keys(&mut self) -> Result<(), StatementError> {
        Ok(())
    }

    /// Whether an index of this name exists in the schema new objects go
    /// to, and whether it is valid: a failed or killed `CREATE INDEX
    /// CONCURRENTLY` (PostgreSQL) leaves an INVALID one. `None` where the
    /// backend has no such state.
    async fn index_validity(&mut self, name: &str) -> Result<Option<bool>, sqlx::Error> {
        let _ = name;
        Ok(None)
    }

    /// Drops an index without blocking writes (`DROP INDEX CONCURRENTLY IF
    /// EXISTS` on PostgreSQL).
    async fn drop_index_concurrently(&mut self, name: &str) -> Result<(), StatementError> {
        let _ = name;
        Ok(())
    }

    /// Closes the connection cleanly.
    async fn close(self: Box<Self>) -> Result<(), sqlx::Error>;
}
