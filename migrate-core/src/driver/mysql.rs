//! MySQL and MariaDB.
//!
//! DDL commits implicitly here, so the migrator records a step as started
//! before it runs and counts the statements done as they go.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{Connection, Executor, Row};

use super::audit::{AUDIT_COLUMNS, AuditRow, audit_row};
use super::connect::Attempt;
use super::{AUDIT_TABLE, CancelStatement, Driver, DriverError, HEADS_TABLE, Interrupter};
use crate::Backend;
use crate::ops::Literal;

/// `GET_LOCK` names are server-wide: one lock per database.
const LOCK_NAME: &str = "CONCAT('migrate:', COALESCE(DATABASE(), ''))";

/// A MySQL or MariaDB database over one connection, which also holds the
/// `GET_LOCK` lock.
#[derive(Debug)]
pub(crate) struct MySqlDriver {
    conn: MySqlConnection,
    interrupter: Interrupter,
}

/// `KILL QUERY` of the driver's connection, sent from a connection of its
/// own.
#[derive(Debug)]
struct KillQuery {
    options: MySqlConnectOptions,
    connection_id: u64,
}

#[async_trait]
impl CancelStatement for KillQuery {
    async fn cancel(&self) -> Result<(), sqlx::Error> {
        let mut conn = MySqlConnection::connect_with(&self.options).await?;
        let killed = conn
            .execute(format!("KILL QUERY {}", self.connection_id).as_str())
            .await
            .map(drop);
        let _ = conn.close().await;
        killed
    }
}

impl MySqlDriver {
    pub(crate) async fn connect(url: &str) -> Result<Box<dyn Driver>, Attempt> {
        // sqlx knows MariaDB by the mysql:// scheme.
        let normalized = match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_owned(),
        };
        let options = MySqlConnectOptions::from_str(&normalized)?;
        let mut conn = MySqlConnection::connect_with(&options).await?;
        let connection_id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
            .fetch_one(&mut conn)
            .await?;
        let interrupter = Interrupter::new(Some(Box::new(KillQuery {
            options,
            connection_id,
        })));
        Ok(Box::new(MySqlDriver { conn, interrupter }))
    }
}

#[async_trait]
impl Driver for MySqlDriver {
    fn backend(&self) -> Backend {
        Backend::MySql
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
        super::bind_literals!(sqlx::query(sql), values, Backend::MySql)
            .execute(&mut self.conn)
            .await
            .map(drop)
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
        let timeout = super::lock_timeout(timeout);
        let got: Option<i64> = sqlx::query_scalar(&format!("SELECT GET_LOCK({LOCK_NAME}, ?)"))
            .bind(timeout.as_secs_f64())
            .fetch_one(&mut self.conn)
            .await
            .map_err(|source| DriverError::Query {
                what: "take the migration lock",
                source,
            })?;
        if got == Some(1) {
            return Ok(());
        }
        // GET_LOCK has no label: name the holder's connection instead.
        let holder: Option<(i64, String, String, i64)> = sqlx::query_as(&format!(
            "SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p \
             WHERE p.ID = IS_USED_LOCK({LOCK_NAME})"
        ))
        .fetch_optional(&mut self.conn)
        .await
        .ok()
        .flatten();
        Err(DriverError::LockTimeout {
            waited: timeout,
            holder: holder
                .map(|(id, user, host, seconds)| {
                    let since = chrono::Utc::now() - chrono::Duration::seconds(seconds);
                    format!(
                        " (connection {id}, {user}@{host}), busy with its current statement since {}",
                        since.format("%Y-%m-%dT%H:%M:%SZ")
                    )
                })
                .unwrap_or_default(),
        })
    }

    async fn unlock(&mut self) -> Result<(), DriverError> {
        sqlx::query(&format!("SELECT RELEASE_LOCK({LOCK_NAME})"))
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
             WHERE table_schema = DATABASE() AND table_name IN (?, ?)",
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
            sqlx::query(&format!("DELETE FROM {HEADS_TABLE} WHERE revision = ?"))
                .bind(*revision)
                .execute(&mut self.conn)
                .await?;
        }
        for revision in insert {
            sqlx::query(&format!("INSERT INTO {HEADS_TABLE} (revision) VALUES (?)"))
                .bind(*revision)
                .execute(&mut self.conn)
                .await?;
        }
        Ok(())
    }

    async fn insert_audit(&mut self, row: &AuditRow) -> Result<i64, sqlx::Error> {
        let done = sqlx::query(&format!(
            "INSERT INTO {AUDIT_TABLE} (revision, direction, checksum, started_at, finished_at, \
             duration_ms, outcome, statements_done, statements_total, error, args, plan) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
        .execute(&mut self.conn)
        .await?;
        i64::try_from(done.last_insert_id()).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }

    async fn update_audit(&mut self, row: &AuditRow) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "UPDATE {AUDIT_TABLE} SET finished_at = ?, duration_ms = ?, outcome = ?, \
             statements_done = ?, error = ? WHERE id = ?"
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

    async fn close(self: Box<Self>) -> Result<(), sqlx::Error> {
        self.conn.close().await
    }
}
