//! Connection and lock errors.

use std::time::Duration;

use crate::Backend;

/// What went wrong while connecting or locking.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The URL's scheme names no backend.
    #[error(
        "connect to `{url}`: unknown URL scheme; use postgres://, postgresql://, mysql://, mariadb:// or sqlite:"
    )]
    UnknownScheme {
        /// The URL, password hidden.
        url: String,
    },
    /// The backend was not compiled in.
    #[error(
        "connect to `{url}`: this build has no {backend} support; enable the `{backend}` feature of migrate-core"
    )]
    NotCompiled {
        /// The URL, password hidden.
        url: String,
        /// The backend.
        backend: Backend,
    },
    /// The URL does not parse.
    #[error(
        "the database URL `{url}` is malformed: {reason}; expected e.g. postgres://user:password@host:5432/dbname, mysql://user@host:3306/dbname or sqlite:app.db"
    )]
    MalformedUrl {
        /// The URL, password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A SQLite URL that names no file: SQLite would open a temporary
    /// database that is gone when the connection closes.
    #[error(
        "the database URL `{url}` names no SQLite file (is the variable it came from unset?); SQLite would use a temporary database that is gone when the command ends; name a file, e.g. sqlite:app.db"
    )]
    SqliteNoFile {
        /// The URL.
        url: String,
    },
    /// A SQLite database that cannot be opened.
    #[error("open the SQLite database `{path}`: {problem}")]
    SqliteOpen {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// A database that vanishes when the command ends, given to a command
    /// that writes.
    #[error(
        "`{url}` is an in-memory database that is gone when the command ends, so a command that writes would change nothing that lasts; name a file, e.g. sqlite:app.db (in-memory databases are for tests and `--sql`)"
    )]
    Ephemeral {
        /// The URL.
        url: String,
    },
    /// The server did not answer, or dropped the connection, on every
    /// attempt.
    #[error(
        "connect to `{url}`: no connection to {host} after {attempts} attempt(s) over {elapsed:.1?}; last error: {source}; check that the server runs and that the host and port are right (retries: --connect-attempts, --connect-delay)"
    )]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// `host:port`.
        host: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent, waits included.
        elapsed: std::time::Duration,
        /// What sqlx said the last time.
        #[source]
        source: sqlx::Error,
    },
    /// The server refused the credentials. Not retried.
    #[error(
        "connect to `{url}`: {host} refused the credentials: {source}; check the user name and password in the URL (not retried)"
    )]
    Rejected {
        /// The URL, password hidden.
        url: String,
        /// `host:port`.
        host: String,
        /// What the server said.
        #[source]
        source: sqlx::Error,
    },
    /// The server let the user in, but not into this database. Not
    /// retried.
    #[error(
        "connect to `{url}`: the user may not use the database `{database}`: {source}; grant it rights on it (e.g. `GRANT ALL ON {database}.* TO ...`), or fix the database in the URL (not retried)"
    )]
    NoRights {
        /// The URL, password hidden.
        url: String,
        /// The database the URL names.
        database: String,
        /// What the server said.
        #[source]
        source: sqlx::Error,
    },
    /// The database does not exist on the server. Not retried.
    #[error(
        "connect to `{url}`: the database `{database}` does not exist: {source}; create it first (e.g. `createdb {database}` or `CREATE DATABASE {database}`), or fix the URL (not retried)"
    )]
    UnknownDatabase {
        /// The URL, password hidden.
        url: String,
        /// The database the URL names.
        database: String,
        /// What the server said.
        #[source]
        source: sqlx::Error,
    },
    /// Another migrator held the lock for longer than the timeout.
    #[error(
        "take the migration lock: the database is locked by another migrator{holder}; waited {waited:?}: wait for it to finish, or raise --lock-timeout. A crashed migrator does not keep the lock: the server releases it with the connection"
    )]
    LockTimeout {
        /// How long we waited.
        waited: Duration,
        /// Who holds it and since when, when the backend can say (starts
        /// with a space).
        holder: String,
    },
    /// The connection that held the lock dropped during the run.
    #[error(
        "the connection that held the migration lock dropped: {source}; the run stopped before the next migration so that no other migrator can overlap with it; run the command again"
    )]
    LockLost {
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// A query of the driver's own failed.
    #[error("{what}: {source}")]
    Query {
        /// What the driver was doing, e.g. "take the migration lock".
        what: &'static str,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
}

/// What the database said about a failed statement, whole: its message,
/// and PostgreSQL's `DETAIL` and `HINT` (which say, for example, which key
/// a unique index found twice). `None` for an error that is not the
/// database's.
pub(crate) fn database_message(error: &sqlx::Error) -> Option<String> {
    let database = error.as_database_error()?;
    #[cfg_attr(
        not(feature = "postgres"),
        expect(unused_mut, reason = "only PostgreSQL adds to it")
    )]
    let mut message = database.message().to_owned();
    #[cfg(feature = "postgres")]
    if let Some(pg) = database.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        if let Some(detail) = pg.detail() {
            message.push_str("; DETAIL: ");
            message.push_str(detail);
        }
        if let Some(hint) = pg.hint() {
            message.push_str("; HINT: ");
            message.push_str(hint);
        }
    }
    Some(message)
}

/// Whether the rows in the database, not the statement, made it fail: a
/// duplicate key, a missing referenced row, a `NULL`, a failed check, a
/// value too long or out of range or of the wrong form. SQLSTATE classes 22
/// and 23 (PostgreSQL, MySQL); SQLite's extended result codes.
pub(crate) fn caused_by_data(error: &sqlx::Error) -> bool {
    let Some(code) = error.as_database_error().and_then(|e| e.code()) else {
        return false;
    };
    code.starts_with("22")
        || code.starts_with("23")
        // SQLite: CONSTRAINT_CHECK, _FOREIGNKEY, _NOTNULL, _PRIMARYKEY,
        // _UNIQUE, and MISMATCH.
        || ["275", "787", "1299", "1555", "2067", "20"].contains(&code.as_ref())
}

/// Rows that break a foreign key after a SQLite table rebuild: the rows in
/// the database are the cause, not the statement.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BrokenForeignKeys(pub String);
