//! PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor, Row};

use super::audit::{AUDIT_COLUMNS, AuditRow, audit_row};
use super::connect::Attempt;
use super::{
    AUDIT_TABLE, CancelStatement, Driver, DriverError, HEADS_TABLE, Interrupter, LockMode,
    LockScope, holder_label,
};
use crate::Backend;
use crate::ops::Literal;

/// The advisory-lock key: the bytes of "migrate!" as a big-endian i64.
const LOCK_KEY: i64 = i64::from_be_bytes(*b"migrate!");

/// A PostgreSQL database over one connection. In [`LockMode::Session`] a
/// second connection holds the session advisory lock for the run, labelled
/// with who holds it; in [`LockMode::Transaction`] each step's transaction
/// takes a transaction advisory lock.
#[derive(Debug)]
pub(crate) struct PgDriver {
    conn: PgConnection,
    options: PgConnectOptions,
    mode: LockMode,
    /// Session mode, while the lock is held.
    lock_conn: Option<PgConnection>,
    lock_timeout: Duration,
    /// The server process running this connection's statements: fixed in
    /// session mode, read again in each step's transaction in transaction
    /// mode (PgBouncer may hand each transaction another one).
    backend_pid: Arc<AtomicI32>,
    interrupter: Interrupter,
}

/// `pg_cancel_backend` of the driver's server process, sent from a
/// connection of its own (a role may cancel its own backends).
#[derive(Debug)]
struct CancelBackend {
    options: PgConnectOptions,
    backend_pid: Arc<AtomicI32>,
}

#[async_trait]
impl CancelStatement for CancelBackend {
    async fn cancel(&self) -> Result<(), sqlx::Error> {
        let mut conn = PgConnection::connect_with(&self.options).await?;
        let cancelled = sqlx::query("SELECT pg_cancel_backend($1)")
            .bind(self.backend_pid.load(Ordering::SeqCst))
            .execute(&mut conn)
            .await
            .map(drop);
        let _ = conn.close().await;
        cancelled
    }
}

impl PgDriver {
    pub(crate) async fn connect(url: &str, mode: LockMode) -> Result<Box<dyn Driver>, Attempt> {
        let options = PgConnectOptions::from_str(url)?;
        let mut conn = PgConnection::connect_with(&options).await?;
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut conn)
            .await?;
        let backend_pid = Arc::new(AtomicI32::new(pid));
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
            backend_pid,
            interrupter,
        }))
    }

    /// Who holds the lock and since when, for the timeout message.
    async fn lock_holder(&mut self) -> String {
        let holder: Option<(i32, Option<String>, Option<chrono::DateTime<chrono::Utc>>)> =
            sqlx::query_as(
                "SELECT l.pid, a.application_name, COALESCE(a.xact_start, a.backend_start) \
                 FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted \
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND l.classid = (($1::bigint >> 32) & 4294967295)::oid \
                 AND l.objid = ($1::bigint & 4294967295)::oid LIMIT 1",
            )
            .bind(LOCK_KEY)
            .fetch_optional(&mut self.conn)
            .await
            .ok()
            .flatten();
        match holder {
            // Session mode: the label says who and since when.
            Some((pid, Some(label), _)) if label.starts_with("migrate pid ") => {
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

    /// Transaction mode: waits for the advisory lock with `sql`
    /// (`pg_advisory_xact_lock`) on `conn`, at most `timeout`: true when
    /// taken. The server queues the waiters, so the lock passes on the
    /// moment it is released. `lock_timeout` is set only for that statement
    /// (`SET LOCAL` inside a transaction), never for the migrations. (A
    /// step that runs `CONCURRENTLY` is refused in this mode, so no index
    /// build waits for this waiter's snapshot.)
    async fn acquire(
        conn: &mut PgConnection,
        sql: &str,
        timeout: Duration,
        backend_pid: &AtomicI32,
    ) -> Result<bool, DriverError> {
        let query = |source| DriverError::Query {
            what: "take the migration lock",
            source,
        };
        // 0 would mean "wait forever" to PostgreSQL.
        let ms = timeout.as_millis().clamp(1, i32::MAX as u128);
        conn.execute(format!("SET LOCAL lock_timeout = {ms}").as_str())
            .await
            .map_err(query)?;
        let taken = match sqlx::query_scalar::<_, i32>(sql)
            .bind(LOCK_KEY)
            .fetch_one(&mut *conn)
            .await
        {
            Ok(pid) => {
                backend_pid.store(pid, Ordering::SeqCst);
                true
            }
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => false,
            Err(source) => return Err(query(source)),
        };
        if taken {
            conn.execute("SET LOCAL lock_timeout TO DEFAULT")
                .await
                .map_err(query)?;
        }
        Ok(taken)
    }

    /// Session mode: tries the advisory lock until it is taken or
    /// `timeout` passes; true when taken.
    ///
    /// Each try is a statement of its own that returns at once, and the
    /// connection is idle in between. A waiter blocked in
    /// `pg_advisory_lock` would hold a snapshot for as long as it waits,
    /// and the holder's `CREATE INDEX CONCURRENTLY` waits for every
    /// snapshot older than its own: replicas starting together would keep
    /// the index from finishing until they gave up. Tries back off from
    /// 20 ms to 500 ms, so a freed lock is taken within half a second.
    async fn poll_lock(conn: &mut PgConnection, timeout: Duration) -> Result<bool, DriverError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut pause = Duration::from_millis(20);
        loop {
            let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(LOCK_KEY)
                .fetch_one(&mut *conn)
                .await
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

    /// Session mode: a connection of its own, labelled, whose death the
    /// server notices within about a minute even if the host vanishes.
    async fn open_lock_connection(&self) -> Result<PgConnection, DriverError> {
        let query = |source| DriverError::Query {
            what: "open the lock connection",
            source,
        };
        let options = self.options.clone().application_name(&holder_label());
        let mut conn = PgConnection::connect_with(&options).await.map_err(query)?;
        conn.execute(
            "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; \
             SET tcp_keepalives_count = 3",
        )
        .await
        .map_err(query)?;
        Ok(conn)
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

    async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.conn.execute(sql).await.map(drop)
    }

    async fn execute_affected(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        self.conn
            .execute(sql)
            .await
            .map(|done| done.rows_affected())
    }

    async fn execute_bound(&mut self, sql: &str, values: &[Literal]) -> Result<(), sqlx::Error> {
        let mut query = sqlx::query(sql);
        for value in values {
            query = match value {
                // The one JSON parameter of a bulk insert: jsonb.
                Literal::Json(v) => query.bind(sqlx::types::Json(v)),
                other => super::bind_literals!(query, std::slice::from_ref(other)),
            };
        }
        query.execute(&mut self.conn).await.map(drop)
    }

    async fn fetch_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        let rows = sqlx::query(sql).fetch_all(&mut self.conn).await?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<Option<String>, _>(i))
                    .collect()
            })
            .collect()
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), DriverError> {
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
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut conn)
            .await
            .map(drop)
            .map_err(|source| DriverError::Query {
                what: "release the migration lock",
                source,
            });
        // Closing the connection releases the lock in any case.
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
        self.conn.execute("BEGIN").await.map_err(query)?;
        if self.mode == LockMode::Session {
            return Ok(());
        }
        let timeout = self.lock_timeout;
        // The lock and the server process this transaction runs on, in one
        // round trip.
        let sql = "SELECT pg_backend_pid() FROM (SELECT pg_advisory_xact_lock($1)) AS locked";
        match Self::acquire(&mut self.conn, sql, timeout, &self.backend_pid).await {
            Ok(true) => Ok(()),
            outcome => {
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

    async fn version_tables_exist(&mut self) -> Result<bool, sqlx::Error> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name IN ($1, $2)",
        )
        .bind(HEADS_TABLE)
        .bind(AUDIT_TABLE)
        .fetch_one(&mut self.conn)
        .await?;
        Ok(count == 2)
    }

    async fn read_heads(&mut self) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(&format!(
            "SELECT revision FROM {HEADS_TABLE} ORDER BY revision"
        ))
        .fetch_all(&mut self.conn)
        .await
    }

    async fn write_heads(&mut self, delete: &[&str], insert: &[&str]) -> Result<(), sqlx::Error> {
        for revision in delete {
            sqlx::query(&format!("DELETE FROM {HEADS_TABLE} WHERE revision = $1"))
                .bind(*revision)
                .execute(&mut self.conn)
                .await?;
        }
        for revision in insert {
            sqlx::query(&format!("INSERT INTO {HEADS_TABLE} (revision) VALUES ($1)"))
                .bind(*revision)
                .execute(&mut self.conn)
                .await?;
        }
        Ok(())
    }

    async fn insert_audit(&mut self, row: &AuditRow) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(&format!(
            "INSERT INTO {AUDIT_TABLE} (revision, direction, checksum, started_at, finished_at, \
             duration_ms, outcome, statements_done, statements_total, error, args, plan) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
        ))
        .bind(&row.revision)
        .bind(row.direction.as_str())
        .bind(&row.checksum)
        .bind(row.started_at)
        .bind(row.finished_at)
        .bind(row.duration_ms)
        .bind(row.outcome.as_str())
        .bind(row.statements_done)
        .bind(row.statements_total)
        .bind(&row.error)
        .bind(&row.args)
        .bind(&row.plan)
        .fetch_one(&mut self.conn)
        .await
    }

    async fn update_audit(&mut self, row: &AuditRow) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "UPDATE {AUDIT_TABLE} SET finished_at = $1, duration_ms = $2, outcome = $3, \
             statements_done = $4, error = $5 WHERE id = $6"
        ))
        .bind(row.finished_at)
        .bind(row.duration_ms)
        .bind(row.outcome.as_str())
        .bind(row.statements_done)
        .bind(&row.error)
        .bind(row.id)
        .execute(&mut self.conn)
        .await
        .map(drop)
    }

    async fn query_audit(&mut self, tail: &str) -> Result<Vec<AuditRow>, sqlx::Error> {
        let rows = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM {AUDIT_TABLE} {tail}"))
            .fetch_all(&mut self.conn)
            .await?;
        rows.iter().map(audit_row).collect()
    }

    async fn close(mut self: Box<Self>) -> Result<(), sqlx::Error> {
        if let Some(conn) = self.lock_conn.take() {
            let _ = conn.close().await;
        }
        self.conn.close().await
    }
}
