//! MySQL and MariaDB.
//!
//! DDL commits implicitly here, so the migrator records a step as started
//! before it runs and counts the statements done as they go.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{Connection, Executor};

use super::connect::Attempt;
use super::{CancelStatement, Driver, DriverError, Interrupter};
use crate::Backend;
use crate::ops::Literal;
use crate::render::sql;

/// `GET_LOCK` names are server-wide: one lock per database.
const LOCK_NAME: &str = "CONCAT('migrate:', COALESCE(DATABASE(), ''))";

/// A MySQL or MariaDB database over one connection, which also holds the
/// `GET_LOCK` lock.
#[derive(Debug)]
pub(crate) struct MySqlDriver {
    conn: MySqlConnection,
    interrupter: Interrupter,
    /// The session's `lock_wait_timeout`, once set: a step sets it only
    /// when it differs.
    lock_wait: Option<Option<Duration>>,
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
        Ok(Box::new(MySqlDriver {
            conn,
            interrupter,
            lock_wait: None,
        }))
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

    async fn set_lock_wait(
        &mut self,
        timeout: Option<std::time::Duration>,
    ) -> Result<(), sqlx::Error> {
        if self.lock_wait != Some(timeout) {
            self.execute(&sql::mysql_lock_wait(timeout)).await?;
            self.lock_wait = Some(timeout);
        }
        Ok(())
    }

    async fn execute_affected(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        super::conn::execute(&mut self.conn, sql).await
    }

    async fn execute_bound(&mut self, sql: &str, values: &[Literal]) -> Result<(), sqlx::Error> {
        let query = super::bind_literals!(sqlx::query(sql), values, Backend::MySql);
        super::conn::execute(&mut self.conn, query).await.map(drop)
    }

    async fn fetch_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        super::conn::fetch_text(&mut self.conn, sql).await
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

    fn is_lock_timeout(&self, error: &sqlx::Error) -> bool {
        error
            .as_database_error()
            .and_then(|e| e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
            .is_some_and(|e| e.number() == 1205)
    }

    fn is_already_applied(&self, error: &sqlx::Error) -> bool {
        // Table exists, duplicate column, duplicate key name, can't drop
        // (missing), unknown table, duplicate foreign key, duplicate check
        // name: MariaDB and MySQL share the messages, not all the codes.
        let Some(database) = error.as_database_error() else {
            return false;
        };
        let message = database.message();
        [
            "already exists",
            "Duplicate column name",
            "Duplicate key name",
            "check that column/key exists",
            "check that it exists",
            "Unknown table",
            "Duplicate foreign key constraint name",
            "Duplicate check constraint name",
        ]
        .iter()
        .any(|known| message.contains(known))
    }

    fn hint(&self, error: &sqlx::Error) -> Option<&'static str> {
        // MySQL, unlike MariaDB, has no `DROP CONSTRAINT IF EXISTS` (nor
        // `DROP FOREIGN KEY` or `DROP INDEX IF EXISTS`): a syntax error there.
        let database = error.as_database_error()?;
        let message = database.message();
        if message.contains("LOCK=NONE is not supported")
            || message.contains("ALGORITHM=INPLACE is not supported")
        {
            return Some(
                "the server cannot make this change while writes go on, and the run asked it to (LOCK=NONE, on a table that held rows); nothing ran: make the change in a quiet moment with `m.blocking_ddl()` in the migration",
            );
        }
        let unparsed =
            database.code().as_deref() == Some("42000") && database.message().contains("IF EXISTS");
        unparsed.then_some(
            "MySQL (unlike MariaDB) cannot drop a constraint IF EXISTS: run `drop_constraint` inside `m.only(..)` for the backends that have it",
        )
    }

    async fn close(self: Box<Self>) -> Result<(), sqlx::Error> {
        self.conn.close().await
    }
}
