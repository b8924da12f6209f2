//! SQLite, the embedded default.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::connect::Attempt;
use super::{
    Access, BrokenForeignKeys, Driver, DriverError, Interrupter, LockScope, StatementError,
};
use crate::Backend;
use crate::ops::Literal;

/// A SQLite database over one connection.
#[derive(Debug)]
pub(crate) struct SqliteDriver {
    conn: SqliteConnection,
    lock_timeout: Duration,
    /// SQLite runs in this process: a statement under way finishes, and
    /// the run stops before the next.
    interrupter: Interrupter,
}

impl SqliteDriver {
    pub(crate) async fn connect(
        url: &str,
        access: Access,
        lock_timeout: Duration,
    ) -> Result<Box<dyn Driver>, Attempt> {
        let options = SqliteConnectOptions::from_str(url)?;
        let path = options.get_filename().to_owned();
        if !is_memory(url) {
            check_path(url, &path, access).map_err(Attempt::Fatal)?;
        }
        let options = match access {
            Access::ReadWrite => options.create_if_missing(true),
            // Inspecting must not create the file: a missing one is an empty
            // database, which an in-memory one stands in for.
            Access::ReadOnly if !options.get_filename().exists() && !is_memory(url) => {
                SqliteConnectOptions::from_str("sqlite::memory:")?
            }
            // A process killed mid-transaction leaves a hot journal, which
            // only a writable connection can roll back; reading through one
            // does exactly that, as the sqlite3 shell would.
            Access::ReadOnly if hot_journal(options.get_filename()) => {
                options.create_if_missing(false)
            }
            Access::ReadOnly => options.read_only(true),
        };
        let options = options.busy_timeout(lock_timeout);
        let conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(|source| {
                Attempt::Fatal(DriverError::SqliteOpen {
                    path: path.display().to_string(),
                    problem: format!(
                        "{source}; check that it is a SQLite database and that this user may read it (and, to migrate, write it and its directory)"
                    ),
                })
            })?;
        Ok(Box::new(SqliteDriver {
            conn,
            lock_timeout,
            interrupter: Interrupter::new(None),
        }))
    }
}

/// What SQLite would do wrong, or fail at with a terse message, before it
/// is asked: no file named (a temporary database), a directory, a missing
/// directory, a file this user cannot write.
fn check_path(url: &str, path: &std::path::Path, access: Access) -> Result<(), DriverError> {
    let problem = |problem: String| DriverError::SqliteOpen {
        path: path.display().to_string(),
        problem,
    };
    if path.as_os_str().is_empty() {
        return Err(DriverError::SqliteNoFile {
            url: url.to_owned(),
        });
    }
    if path.is_dir() {
        return Err(problem(format!(
            "it is a directory; name a file in it, e.g. sqlite:{}",
            path.join("app.db").display()
        )));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if access == Access::ReadWrite && !path.exists() && !parent.is_dir() {
        return Err(problem(format!(
            "the directory `{}` does not exist; create it first, or fix the path",
            parent.display()
        )));
    }
    if access == Access::ReadWrite && path.exists() {
        if let Err(error) = std::fs::OpenOptions::new().write(true).open(path) {
            return Err(problem(format!(
                "this user cannot write it ({error}); check its permissions, or use a read-only command (status, current, history)"
            )));
        }
    }
    Ok(())
}

/// Whether a rollback journal with content sits next to the file.
fn hot_journal(path: &std::path::Path) -> bool {
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    std::fs::metadata(journal).is_ok_and(|m| m.len() > 0)
}

pub(crate) fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

#[async_trait]
impl Driver for SqliteDriver {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn interrupter(&self) -> &Interrupter {
        &self.interrupter
    }

    async fn execute_affected(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        super::conn::execute(&mut self.conn, sql).await
    }

    async fn execute_bound(&mut self, sql: &str, values: &[Literal]) -> Result<(), sqlx::Error> {
        let query = super::bind_literals!(sqlx::query(sql), values, Backend::Sqlite);
        super::conn::execute(&mut self.conn, query).await.map(drop)
    }

    async fn fetch_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        super::conn::fetch_text(&mut self.conn, sqlx::query(sql)).await
    }

    async fn begin(&mut self) -> Result<(), sqlx::Error> {
        // IMMEDIATE takes the write lock now, so no other writer can slip in
        // between reading the heads and writing them.
        self.execute("BEGIN IMMEDIATE").await
    }

    async fn lock(&mut self, timeout: Duration) -> Result<(), DriverError> {
        let timeout = super::lock_timeout(timeout);
        // The lock is each step's `BEGIN IMMEDIATE`: SQLite waits for the
        // write lock up to its busy timeout.
        let ms = timeout.as_millis().min(i32::MAX as u128);
        self.execute(&format!("PRAGMA busy_timeout = {ms}"))
            .await
            .map_err(|source| DriverError::Query {
                what: "set the lock timeout",
                source,
            })?;
        self.lock_timeout = timeout;
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), DriverError> {
        Ok(())
    }

    fn lock_scope(&self) -> LockScope {
        LockScope::Step
    }

    async fn begin_step(&mut self) -> Result<(), DriverError> {
        match self.begin().await {
            Ok(()) => Ok(()),
            // SQLITE_BUSY: another connection kept the write lock for the
            // whole busy timeout.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("5") => {
                Err(DriverError::LockTimeout {
                    waited: self.lock_timeout,
                    holder: " (another connection is writing to the SQLite file)".to_owned(),
                })
            }
            Err(source) => Err(DriverError::Query {
                what: "begin the migration's transaction",
                source,
            }),
        }
    }

    fn is_already_applied(&self, error: &sqlx::Error) -> bool {
        error
            .as_database_error()
            .is_some_and(|e| e.message().contains("already exists"))
    }

    async fn suspend_foreign_keys(&mut self) -> Result<bool, sqlx::Error> {
        let rows = self.fetch_text("PRAGMA foreign_keys").await?;
        let on = rows
            .first()
            .and_then(|r| r.first())
            .cloned()
            .flatten()
            .as_deref()
            == Some("1");
        if on {
            self.execute("PRAGMA foreign_keys = OFF").await?;
        }
        Ok(on)
    }

    async fn restore_foreign_keys(&mut self, were_on: bool) {
        if were_on {
            if let Err(error) = self.execute("PRAGMA foreign_keys = ON").await {
                tracing::warn!(%error, "could not turn foreign keys back on");
            }
        }
    }

    async fn check_foreign_keys(&mut self) -> Result<(), StatementError> {
        const CHECK: &str = "PRAGMA foreign_key_check";
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| StatementError {
            sql: CHECK.to_owned(),
            source,
        };
        let rows = self.fetch_text(CHECK).await.map_err(|e| failed(e.into()))?;
        if rows.is_empty() {
            return Ok(());
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".to_owned());
        let broken: Vec<String> = rows
            .iter()
            .take(5)
            .map(|r| {
                let cell = |i: usize| r.get(i).map(text).unwrap_or_default();
                format!(
                    "{} rowid {} references missing {}",
                    cell(0),
                    cell(1),
                    cell(2)
                )
            })
            .collect();
        Err(failed(Box::new(BrokenForeignKeys(format!(
            "{} row(s) break a foreign key after the table rebuild: {}",
            rows.len(),
            broken.join(", ")
        )))))
    }

    async fn close(self: Box<Self>) -> Result<(), sqlx::Error> {
        self.conn.close().await
    }
}
