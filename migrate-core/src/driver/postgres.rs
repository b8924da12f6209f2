//! PostgreSQL.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

use super::audit::{AuditRow, audit_row};
use super::connect::connect_error;
use super::{AUDIT_TABLE, Driver, DriverError, HEADS_TABLE};
use crate::Backend;
use crate::ops::Literal;

/// The advisory-lock key: the bytes of "migrate!" as a big-endian i64.
const LOCK_KEY: i64 = i64::from_be_bytes(*b"migrate!");

/// A PostgreSQL database over one connection, which also holds the session
/// advisory lock.
#[derive(Debug)]
pub(crate) struct PgDriver {
    conn: PgConnection,
}

impl PgDriver {
    pub(crate) async fn connect(url: &str) -> Result<Box<dyn Driver>, DriverError> {
        let conn = PgConnection::connect(url)
            .await
            .map_err(connect_error(url))?;
        Ok(Box::new(PgDriver { conn }))
    }

    /// Who holds the lock, for the timeout message.
    async fn lock_holder(&mut self) -> String {
        let holder: Option<(i32, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
            "SELECT l.pid, a.backend_start FROM pg_locks l \
             LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
             AND l.classid = (($1::bigint >> 32) & 4294967295)::oid \
             AND l.objid = ($1::bigint & 4294967295)::oid LIMIT 1",
        )
        .bind(LOCK_KEY)
        .fetch_optional(&mut self.conn)
        .await
        .ok()
        .flatten();
        match holder {
            Some((pid, Some(since))) => {
                format!("; held by backend pid {pid}, connected since {since}")
            }
            Some((pid, None)) => format!("; held by backend pid {pid}"),
            None => String::new(),
        }
    }
}

#[async_trait]
impl Driver for PgDriver {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.conn.execute(sql).await.map(drop)
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
        let start = Instant::now();
        let mut pause = Duration::from_millis(20);
        loop {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(LOCK_KEY)
                .fetch_one(&mut self.conn)
                .await
                .map_err(|source| DriverError::Query {
                    what: "take the migration lock",
                    source,
                })?;
            if locked {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(DriverError::LockTimeout {
                    waited: timeout,
                    holder: self.lock_holder().await,
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    async fn unlock(&mut self) -> Result<(), DriverError> {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|source| DriverError::Query {
                what: "release the migration lock",
                source,
            })
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
             duration_ms, outcome, statements_done, statements_total, error) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
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

    async fn read_audit(&mut self, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT id, revision, direction, checksum, started_at, finished_at, duration_ms, \
             outcome, statements_done, statements_total, error \
             FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut self.conn)
        .await?;
        rows.iter().map(audit_row).collect()
    }

    async fn close(self: Box<Self>) -> Result<(), sqlx::Error> {
        self.conn.close().await
    }
}
