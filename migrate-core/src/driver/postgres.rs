//! PostgreSQL, directly or through PgBouncer.
//!
//! # Through a pooler
//!
//! PgBouncer in transaction pooling gives each transaction whatever server
//! connection is free, and (before 1.21) keeps no prepared statement from
//! one transaction to the next. So this driver:
//!
//! - sends its own statements with the simple query protocol, values
//!   written as literals (the `store`'s), never as named prepared
//!   statements, which a pooler would hand to the wrong server connection;
//! - binds values (a bulk insert's one `jsonb` parameter) with unnamed
//!   statements inside a transaction, which holds one server connection
//!   from `BEGIN` to `COMMIT`;
//! - holds the session lock *in a transaction* on the lock connection,
//!   `pg_try_advisory_xact_lock` kept until the run ends: a pooler keeps
//!   that transaction on one server connection, where a session lock would
//!   stay behind, held, on a server connection handed to another client.
//!   Between its statements the transaction holds no snapshot, so it holds
//!   up no `CREATE INDEX CONCURRENTLY`;
//! - reads the server process of each migration's transaction inside it,
//!   so that an interrupt cancels that process and no other.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Connection, Executor, Row};

use super::connect::Attempt;
use super::{
    CancelStatement, Driver, DriverError, Interrupter, LockMode, LockScope, StatementError,
};
use crate::ops::Literal;
use crate::render::sql;
use crate::{Backend, Owner};

/// The advisory-lock key: the bytes of "migrate!" as a big-endian i64.
const LOCK_KEY: i64 = i64::from_be_bytes(*b"migrate!");

/// A PostgreSQL database over one connection. In [`LockMode::Session`] a
/// second connection holds the lock for the run, labelled with who holds
/// it; in [`LockMode::Transaction`] each step's transaction takes it.
#[derive(Debug)]
pub(crate) struct PgDriver {
    conn: PgConnection,
    options: PgConnectOptions,
    mode: LockMode,
    /// Session mode, while the lock is held: a connection in a transaction
    /// that holds the transaction advisory lock.
    lock_conn: Option<PgConnection>,
    lock_timeout: Duration,
    /// Whether `conn` is in a transaction.
    in_transaction: bool,
    /// The server process running the current migration's transaction; 0
    /// outside one, where a pooler may run each statement on another.
    backend_pid: Arc<AtomicI32>,
    interrupter: Interrupter,
}

/// `pg_cancel_backend` of the server process running the driver's
/// transaction, sent from a connection of its own (a role may cancel its
/// own backends). Outside a transaction nothing is cancelled: the process
/// is not known for sure there, and the run stops before its next
/// statement anyway.
#[derive(Debug)]
struct CancelBackend {
    options: PgConnectOptions,
    backend_pid: Arc<AtomicI32>,
}

#[async_trait]
impl CancelStatement for CancelBackend {
    async fn cancel(&self) -> Result<(), sqlx::Error> {
        let pid = self.backend_pid.load(Ordering::SeqCst);
        if pid == 0 {
            return Ok(());
        }
        let mut conn = PgConnection::connect_with(&self.options).await?;
        let cancelled = conn
            .execute(format!("SELECT pg_cancel_backend({pid})").as_str())
            .await
            .map(drop);
        let _ = conn.close().await;
        cancelled
    }
}

/// Runs `sql` with the simple query protocol (a `&str` carries no
/// arguments) and returns its rows.
async fn rows(conn: &mut PgConnection, sql: &str) -> Result<Vec<PgRow>, sqlx::Error> {
    conn.fetch_all(sql).await
}

impl PgDriver {
    pub(crate) async fn connect(url: &str, mode: LockMode) -> Result<Box<dyn Driver>, Attempt> {
        let options = PgConnectOptions::from_str(url)?;
        let conn = PgConnection::connect_with(&options).await?;
        let backend_pid = Arc::new(AtomicI32::new(0));
        let interrupter = Interrupter::new(Some(Box::new(CancelBackend {
            options: options.clone(),
            backend_pid: Arc::clone(&backend_pid),
        })));
        Ok(Box::new(PgDriver {
            conn,
            options,
            mode,
            lock_conn: None,
            lock_timeout: Duration::from_secs(60),
            in_transaction: false,
            backend_pid,
            interrupter,
        }))
    }

    /// Who holds the lock and since when, for the timeout message.
    async fn lock_holder(&mut self) -> String {
        let sql = format!(
            "SELECT l.pid, a.application_name, COALESCE(a.xact_start, a.backend_start) \
             FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND l.classid = (({LOCK_KEY}::bigint >> 32) & 4294967295)::oid \
             AND l.objid = ({LOCK_KEY}::bigint & 4294967295)::oid LIMIT 1"
        );
        let holder = rows(&mut self.conn, &sql)
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .and_then(|row| {
                let pid: i32 = row.try_get(0).ok()?;
                let label: Option<String> = row.try_get(1).ok()?;
                let since: Option<chrono::DateTime<chrono::Utc>> = row.try_get(2).ok()?;
                Some((pid, label, since))
            });
        match holder {
            // Session mode: the label says who and since when.
            Some((pid, Some(label), _)) if label.parse::<Owner>().is_ok() => {
                format!(" ({label}; backend pid {pid})")
            }
            Some((pid, _, Some(since))) => format!(
                " (backend pid {pid}) since {}",
                since.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            Some((pid, _, None)) => format!(" (backend pid {pid})"),
            None => String::new(),
        }
    }

    /// Transaction mode: in the step's open transaction, waits for the
    /// advisory lock at most `timeout` and reads the server process the
    /// transaction runs on: true when taken. The server queues the waiters,
    /// so the lock passes on the moment it is released. `lock_timeout` is
    /// set only for that statement (`SET LOCAL`), never for the migrations.
    /// (A step that runs `CONCURRENTLY` is refused in this mode, so no index
    /// build waits for this waiter's snapshot.)
    async fn acquire_in_step(&mut self, timeout: Duration) -> Result<bool, DriverError> {
        let query = |source| DriverError::Query {
            what: "take the migration lock",
            source,
        };
        // 0 would mean "wait forever" to PostgreSQL.
        let ms = timeout.as_millis().clamp(1, i32::MAX as u128);
        self.conn
            .execute(format!("SET LOCAL lock_timeout = {ms}").as_str())
            .await
            .map_err(query)?;
        let sql = format!(
            "SELECT pg_backend_pid() FROM (SELECT pg_advisory_xact_lock({LOCK_KEY})) AS locked"
        );
        let pid: i32 = match rows(&mut self.conn, &sql).await {
            Ok(rows) => rows
                .first()
                .map(|row| row.try_get(0))
                .transpose()
                .map_err(query)?
                .unwrap_or(0),
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => {
                return Ok(false);
            }
            Err(source) => return Err(query(source)),
        };
        self.backend_pid.store(pid, Ordering::SeqCst);
        self.conn
            .execute("SET LOCAL lock_timeout TO DEFAULT")
            .await
            .map_err(query)?;
        Ok(true)
    }

    /// Session mode: tries the advisory lock in the lock connection's
    /// transaction until it is taken or `timeout` passes; true when taken.
    ///
    /// Each try is a statement of its own that returns at once, and the
    /// connection holds no snapshot in between. A waiter blocked in
    /// `pg_advisory_lock` would hold a snapshot for as long as it waits,
    /// and the holder's `CREATE INDEX CONCURRENTLY` waits for every
    /// snapshot older than its own: replicas starting together would keep
    /// the index from finishing until they gave up. Tries back off from
    /// 20 ms to 500 ms, so a freed lock is taken within half a second.
    async fn poll_lock(conn: &mut PgConnection, timeout: Duration) -> Result<bool, DriverError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut pause = Duration::from_millis(20);
        let sql = format!("SELECT pg_try_advisory_xact_lock({LOCK_KEY})");
        loop {
            let taken: bool = rows(conn, &sql)
                .await
                .and_then(|rows| rows.first().map_or(Ok(false), |row| row.try_get(0)))
                .map_err(|source| DriverError::Query {
                    what: "take the migration lock",
                    source,
                })?;
            let now = tokio::time::Instant::now();
            if taken {
                return Ok(true);
            }
            if now >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// Session mode: a connection of its own, labelled, in the transaction
    /// that will hold the lock, whose death the server notices within about
    /// a minute even if the host vanishes.
    async fn open_lock_connection(&self) -> Result<PgConnection, DriverError> {
        let query = |source| DriverError::Query {
            what: "open the lock connection",
            source,
        };
        let options = self
            .options
            .clone()
            .application_name(&Owner::this_process().to_string());
        let mut conn = PgConnection::connect_with(&options).await.map_err(query)?;
        conn.execute(
            "BEGIN; SET LOCAL tcp_keepalives_idle = 30; SET LOCAL tcp_keepalives_interval = 10; \
             SET LOCAL tcp_keepalives_count = 3",
        )
        .await
        .map_err(query)?;
        Ok(conn)
    }

    /// Opens a transaction and reads the server process it runs on, in one
    /// round trip.
    async fn begin_reading_pid(&mut self) -> Result<(), sqlx::Error> {
        let rows = rows(&mut self.conn, "BEGIN; SELECT pg_backend_pid()").await?;
        self.in_transaction = true;
        let pid: i32 = rows.last().map_or(Ok(0), |row| row.try_get(0))?;
        self.backend_pid.store(pid, Ordering::SeqCst);
        Ok(())
    }

    /// Leaves the migration's transaction: from here on no process is known
    /// to run this connection's statements.
    fn leave_transaction(&mut self) {
        self.backend_pid.store(0, Ordering::SeqCst);
        self.in_transaction = false;
    }
}

#[async_trait]
impl Driver for PgDriver {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn interrupter(&self) -> &Interrupter {
        &self.interrupter
    }

    async fn execute_affected(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        super::conn::execute(&mut self.conn, sql).await
    }

    /// Bound values go in an unnamed statement, inside a transaction (one
    /// of its own when none is open), so that a pooler keeps its parse,
    /// bind and execute on one server connection.
    async fn execute_bound(&mut self, sql: &str, values: &[Literal]) -> Result<(), sqlx::Error> {
        let own_transaction = !self.in_transaction;
        if own_transaction {
            self.conn.execute("BEGIN").await?;
        }
        let mut query = sqlx::query(sql).persistent(false);
        for value in values {
            query = match value {
                // The one JSON parameter of a bulk insert: jsonb.
                Literal::Json(v) => query.bind(sqlx::types::Json(v)),
                other => {
                    super::bind_literals!(query, std::slice::from_ref(other), Backend::Postgres)
                }
            };
        }
        let result = query.execute(&mut self.conn).await.map(drop);
        if own_transaction {
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = self.conn.execute(end).await.map(drop);
            return result.and(ended);
        }
        result
    }

    /// A statement as text goes by the simple query protocol, which returns
    /// every value as text, as the server wrote it (a `timestamptz` as
    /// `2026-12-07 00:10:01.123456+00`, sqlx's connections being ISO and
    /// UTC), with no cast.
    async fn fetch_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        super::conn::fetch_text(&mut self.conn, sql).await
    }

    async fn begin(&mut self) -> Result<(), sqlx::Error> {
        self.begin_reading_pid().await
    }

    async fn commit(&mut self) -> Result<(), sqlx::Error> {
        self.leave_transaction();
        self.conn.execute("COMMIT").await.map(drop)
    }

    async fn rollback(&mut self) -> Result<(), sqlx::Error> {
        self.leave_transaction();
        self.conn.execute("ROLLBACK").await.map(drop)
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), DriverError> {
        let timeout = super::lock_timeout(timeout);
        self.lock_timeout = timeout;
        if self.mode == LockMode::Transaction {
            return Ok(());
        }
        let mut conn = self.open_lock_connection().await?;
        if Self::poll_lock(&mut conn, timeout).await? {
            self.lock_conn = Some(conn);
            return Ok(());
        }
        let _ = conn.close().await;
        Err(DriverError::LockTimeout {
            waited: timeout,
            holder: self.lock_holder().await,
        })
    }

    async fn unlock(&mut self) -> Result<(), DriverError> {
        let Some(mut conn) = self.lock_conn.take() else {
            return Ok(());
        };
        // Ending the transaction releases the lock; so does closing the
        // connection, in any case.
        let unlocked =
            conn.execute("COMMIT")
                .await
                .map(drop)
                .map_err(|source| DriverError::Query {
                    what: "release the migration lock",
                    source,
                });
        let _ = conn.close().await;
        unlocked
    }

    fn lock_scope(&self) -> LockScope {
        match self.mode {
            LockMode::Session => LockScope::Run,
            LockMode::Transaction => LockScope::Step,
        }
    }

    async fn begin_step(&mut self) -> Result<(), DriverError> {
        let query = |source| DriverError::Query {
            what: "begin the migration's transaction",
            source,
        };
        if self.mode == LockMode::Session {
            return self.begin_reading_pid().await.map_err(query);
        }
        self.conn.execute("BEGIN").await.map_err(query)?;
        self.in_transaction = true;
        let timeout = self.lock_timeout;
        match self.acquire_in_step(timeout).await {
            Ok(true) => Ok(()),
            outcome => {
                self.leave_transaction();
                let _ = self.conn.execute("ROLLBACK").await;
                outcome?;
                Err(DriverError::LockTimeout {
                    waited: timeout,
                    holder: self.lock_holder().await,
                })
            }
        }
    }

    async fn check_lock(&mut self) -> Result<(), DriverError> {
        match &mut self.lock_conn {
            Some(conn) => conn
                .execute("SELECT 1")
                .await
                .map(drop)
                .map_err(|source| DriverError::LockLost { source }),
            None => Ok(()),
        }
    }

    async fn commit_after(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        // A COMMIT cannot be cancelled usefully: forget the process first.
        self.leave_transaction();
        self.conn
            .execute(format!("{sql}COMMIT;").as_str())
            .await
            .map(drop)
    }

    fn is_lock_timeout(&self, error: &sqlx::Error) -> bool {
        error
            .as_database_error()
            .and_then(|e| e.code())
            .is_some_and(|code| code == "55P03")
    }

    fn is_already_applied(&self, error: &sqlx::Error) -> bool {
        // Duplicate table, column, object, schema; undefined table, column,
        // object (a DROP that already ran).
        error
            .as_database_error()
            .and_then(|e| e.code())
            .is_some_and(|code| {
                [
                    "42P07", "42701", "42710", "42P06", "42P01", "42703", "42704",
                ]
                .contains(&code.as_ref())
            })
    }

    fn hint(&self, error: &sqlx::Error) -> Option<&'static str> {
        let database = error.as_database_error()?;
        match database.code().as_deref() {
            Some("55P04") => Some(
                "PostgreSQL cannot use an enum value in the transaction that added it: use it in a later migration",
            ),
            Some("57014") if database.message().contains("statement timeout") => Some(
                "the schema change ran past the step's statement_timeout, holding its lock all the while, and was rolled back: it scans or rewrites the table; make the change online (docs/safety.md), or give the migration `m.statement_timeout(None)` and run it in a quiet moment",
            ),
            Some("55P03") => Some(
                "a long transaction held a lock on the table for the whole lock-wait budget; run the migration again once it has ended",
            ),
            _ => None,
        }
    }

    async fn index_validity(&mut self, name: &str) -> Result<Option<bool>, sqlx::Error> {
        let sql = format!(
            "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = {}",
            sql::string(Backend::Postgres, name)
        );
        let rows = self.fetch_text(&sql).await?;
        Ok(rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .map(|valid| valid == "true"))
    }

    async fn drop_index_concurrently(&mut self, name: &str) -> Result<(), StatementError> {
        let sql = format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            sql::ident(Backend::Postgres, name)
        );
        self.execute(&sql).await.map_err(|e| StatementError {
            sql,
            source: e.into(),
        })
    }

    async fn close(mut self: Box<Self>) -> Result<(), sqlx::Error> {
        if let Some(conn) = self.lock_conn.take() {
            let _ = conn.close().await;
        }
        self.conn.close().await
    }
}
