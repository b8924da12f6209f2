//! Opening a connection from a URL: retries with exponential backoff for a
//! server that is not up yet, and no retry for what waiting cannot fix (a
//! wrong password, an unknown database, a malformed URL).

use std::time::{Duration, Instant};

use super::{Driver, DriverError};
use crate::Backend;

/// What the caller is going to do with the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Inspect only (`current`, `history`, `heads`, `status`): nothing may be
    /// created, not even a SQLite file.
    ReadOnly,
    /// Apply or revert migrations.
    ReadWrite,
}

/// How connecting retries a server that does not answer yet: a container
/// still starting, a failover in progress.
///
/// Attempt 1 runs at once; attempt `n + 1` waits `first_delay × 2^(n-1)`, at
/// most 30 s. The default, 5 attempts from 2 s, waits up to 30 s in all.
/// Only errors that waiting can fix are retried: the server refusing or
/// dropping the connection, too many connections, a server starting up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, at least 1.
    pub attempts: u32,
    /// The wait before the second attempt; it doubles for each next one.
    pub first_delay: Duration,
    /// How long one attempt may take before it counts as failed.
    pub attempt_timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_delay: Duration::from_secs(2),
            attempt_timeout: Duration::from_secs(10),
        }
    }
}

impl Retry {
    /// One attempt, no waiting.
    pub fn none() -> Self {
        Self {
            attempts: 1,
            ..Self::default()
        }
    }

    /// The wait after failed attempt `attempt` (counting from 1).
    fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.first_delay
            .saturating_mul(factor)
            .min(Duration::from_secs(30))
    }
}

/// How PostgreSQL holds the migration lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockMode {
    /// An advisory lock held for the whole run, in a transaction on a
    /// connection of its own (so that a pooler in transaction mode keeps it
    /// on one server connection). The default: one migrator runs at a time,
    /// start to end, directly or through PgBouncer.
    #[default]
    Session,
    /// A transaction advisory lock taken at the start of each migration's
    /// own transaction, with the heads re-read under it: no connection stays
    /// in a transaction for the whole run, and migrators may interleave
    /// migration by migration. Migrations that cannot run in a transaction
    /// (`CONCURRENTLY`) are refused in this mode.
    Transaction,
}

/// How to connect: what for, how to retry, and how to lock.
///
/// ```no_run
/// # async fn demo() -> Result<(), migrate_core::driver::DriverError> {
/// use std::time::Duration;
/// use migrate_core::driver::{Access, ConnectOptions, Retry};
///
/// let db = ConnectOptions::new(Access::ReadWrite)
///     .retry(Retry { attempts: 10, first_delay: Duration::from_millis(500), ..Retry::default() })
///     .connect("postgres://app@db/app")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    access: Access,
    retry: Retry,
    lock_mode: LockMode,
    lasting_only: bool,
    lock_timeout: Duration,
}

impl ConnectOptions {
    /// The defaults: [`Retry::default`] and [`LockMode::Session`].
    pub fn new(access: Access) -> Self {
        Self {
            access,
            retry: Retry::default(),
            lock_mode: LockMode::Session,
            lasting_only: false,
            lock_timeout: Duration::from_secs(30),
        }
    }

    /// How long SQLite waits for another connection's write lock, for
    /// every command, reading ones included (default 30 s; a run's own
    /// `lock_timeout` replaces it for its migrations).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = super::lock_timeout(timeout);
        self
    }

    /// How to retry a server that does not answer.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// How PostgreSQL holds the lock (other backends ignore it).
    pub fn lock_mode(mut self, lock_mode: LockMode) -> Self {
        self.lock_mode = lock_mode;
        self
    }

    /// Refuses an in-memory SQLite database for [`Access::ReadWrite`]: a
    /// command line that migrates one changes nothing that lasts. Code that
    /// keeps its connection (tests) leaves this off.
    pub fn lasting_only(mut self) -> Self {
        self.lasting_only = true;
        self
    }

    /// Connects to the database `url` names, retrying as configured.
    pub async fn connect(&self, url: &str) -> Result<Box<dyn Driver>, DriverError> {
        let backend = Backend::from_url(url).ok_or_else(|| DriverError::UnknownScheme {
            url: redact_url(url),
        })?;
        #[cfg(feature = "sqlite")]
        if backend == Backend::Sqlite
            && self.lasting_only
            && self.access == Access::ReadWrite
            && super::sqlite::is_memory(url)
        {
            return Err(DriverError::Ephemeral {
                url: redact_url(url),
            });
        }
        if backend != Backend::Sqlite {
            check_url(url)?;
        }
        let attempts = self.retry.attempts.max(1);
        let start = Instant::now();
        let mut attempt = 1;
        loop {
            let result = tokio::time::timeout(self.retry.attempt_timeout, self.open(backend, url))
                .await
                .unwrap_or_else(|_| {
                    Err(Attempt::Transient(sqlx::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer within {:?}", self.retry.attempt_timeout),
                    ))))
                });
            let source = match result {
                Ok(driver) => return Ok(driver),
                Err(Attempt::Fatal(error)) => return Err(error),
                Err(Attempt::Transient(source)) => source,
            };
            let source = match classify(url, source) {
                Ok(transient) => transient,
                Err(fatal) => return Err(fatal),
            };
            if attempt >= attempts || backend == Backend::Sqlite {
                return Err(DriverError::Connect {
                    url: redact_url(url),
                    host: host_of(url),
                    attempts: attempt,
                    elapsed: start.elapsed(),
                    source,
                });
            }
            let delay = self.retry.delay(attempt);
            tracing::warn!(
                url = %redact_url(url),
                attempt,
                attempts,
                error = %source,
                "cannot connect yet; retrying in {delay:?}"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn open(&self, backend: Backend, url: &str) -> Result<Box<dyn Driver>, Attempt> {
        let _ = (url, self.access, self.lock_mode);
        match backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres => super::postgres::PgDriver::connect(url, self.lock_mode).await,
            #[cfg(feature = "mysql")]
            Backend::MySql => super::mysql::MySqlDriver::connect(url).await,
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                super::sqlite::SqliteDriver::connect(url, self.access, self.lock_timeout).await
            }
            #[cfg(not(feature = "postgres"))]
            Backend::Postgres => Err(Attempt::Fatal(not_compiled(url, backend))),
            #[cfg(not(feature = "mysql"))]
            Backend::MySql => Err(Attempt::Fatal(not_compiled(url, backend))),
            #[cfg(not(feature = "sqlite"))]
            Backend::Sqlite => Err(Attempt::Fatal(not_compiled(url, backend))),
        }
    }
}

/// How one attempt failed: a driver reports what sqlx said, and a few
/// errors that are final whatever sqlx says.
#[derive(Debug)]
pub(super) enum Attempt {
    /// Maybe worth another attempt: [`classify`] decides.
    Transient(sqlx::Error),
    /// Final.
    Fatal(DriverError),
}

impl From<sqlx::Error> for Attempt {
    fn from(error: sqlx::Error) -> Self {
        Attempt::Transient(error)
    }
}

/// Connects to the database a URL names, with the default [`Retry`] (5
/// attempts from 2 s) and [`LockMode::Session`].
///
/// Accepted schemes: `postgres://`, `postgresql://`, `mysql://`, `mariadb://`
/// and `sqlite:` (`sqlite:app.db`, `sqlite://app.db`, `sqlite::memory:`).
/// With [`Access::ReadOnly`], a SQLite file that does not exist yet reads as
/// an empty database and is not created.
pub async fn connect(url: &str, access: Access) -> Result<Box<dyn Driver>, DriverError> {
    ConnectOptions::new(access).connect(url).await
}

/// A server URL must parse and name a host; sqlx's own messages for a
/// malformed one are terse.
fn check_url(url: &str) -> Result<(), DriverError> {
    let malformed = |reason: String| DriverError::MalformedUrl {
        url: redact_url(url),
        reason,
    };
    const ENCODE: &str = "if the user name or password holds /, ?, #, @ or :, percent-encode them (%2F, %3F, %23, %40, %3A)";
    // A password with an unencoded `/`, `?` or `#` ends the host part
    // early: what looks like a host and port is part of the password.
    if let Some((_, rest)) = url.split_once("://") {
        if let Some(at) = rest.rfind('@') {
            if rest[..at].contains(['/', '?', '#']) {
                return Err(malformed(format!(
                    "the part before the last @ is not a plain user:password; {ENCODE}"
                )));
            }
        }
    }
    let parsed = url::Url::parse(url).map_err(|e| {
        let hint = if url.contains('@') {
            format!("; {ENCODE}")
        } else {
            String::new()
        };
        malformed(format!("{e}{hint}"))
    })?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(malformed("it names no host".to_owned()));
    }
    // MySQL has no default database: without one, every version-table
    // statement would fail with "no database selected".
    if matches!(parsed.scheme(), "mysql" | "mariadb")
        && parsed.path().trim_start_matches('/').is_empty()
    {
        return Err(malformed(
            "it names no database; add it after the host, e.g. mysql://user@host:3306/app"
                .to_owned(),
        ));
    }
    Ok(())
}

/// `host:port` of a server URL, for messages.
fn host_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => url.split(':').next().unwrap_or_default().to_owned(),
        },
        Err(_) => redact_url(url),
    }
}

/// Sorts a failed attempt: `Ok` when waiting may help, else the final error.
fn classify(url: &str, source: sqlx::Error) -> Result<sqlx::Error, DriverError> {
    let redacted = redact_url(url);
    let final_error = |source| DriverError::Connect {
        url: redact_url(url),
        host: host_of(url),
        attempts: 1,
        elapsed: Duration::ZERO,
        source,
    };
    match &source {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::PoolTimedOut => Ok(source),
        sqlx::Error::Configuration(_) => Err(DriverError::MalformedUrl {
            url: redacted,
            reason: source.to_string(),
        }),
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let number = mysql_number(db.as_ref());
            match (code.as_str(), number) {
                // MySQL 1044: the login worked, the database is not the
                // user's.
                (_, Some(1044)) => Err(DriverError::NoRights {
                    url: redacted,
                    database: database_of(url),
                    source,
                }),
                // Wrong user or password; MySQL: access denied (1045, 1698).
                ("28P01" | "28000", _) | (_, Some(1045 | 1698)) => Err(DriverError::Rejected {
                    url: redacted,
                    host: host_of(url),
                    source,
                }),
                // Unknown database.
                ("3D000", _) | (_, Some(1049)) => Err(DriverError::UnknownDatabase {
                    url: redacted,
                    database: database_of(url),
                    source,
                }),
                // Starting up, shutting down, too many connections, or a
                // connection-class error: worth waiting for.
                ("57P03" | "53300" | "57P01", _) | (_, Some(1040 | 1053)) => Ok(source),
                (code, _) if code.starts_with("08") => Ok(source),
                _ => Err(final_error(source)),
            }
        }
        _ => Err(final_error(source)),
    }
}

/// MySQL's error number, which says more than its SQLSTATE.
fn mysql_number(error: &dyn sqlx::error::DatabaseError) -> Option<u16> {
    #[cfg(feature = "mysql")]
    {
        error
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .map(|e| e.number())
    }
    #[cfg(not(feature = "mysql"))]
    {
        let _ = error;
        None
    }
}

/// The database name in a server URL.
fn database_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .map(|u| u.path().trim_start_matches('/').to_owned())
        .unwrap_or_default()
}

/// The URL with every credential hidden, for messages and logs: the
/// password of the user info and the values of credential parameters
/// (`password`, `sslpassword`, `passfile`, and any whose name holds
/// `password`, `secret` or `token`) become `***`.
///
/// A password may hold `/`, `?`, `#` or `@` unencoded, which makes the URL
/// unreadable (or read with the wrong host): the user info is taken to end
/// at the *last* `@`, and unless it reads as a plain `user:password`, none
/// of it is shown.
///
/// ```
/// use migrate_core::driver::redact_url;
///
/// assert_eq!(redact_url("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
/// assert_eq!(redact_url("postgres://app@db/app?password=s3cret&sslmode=require"), "postgres://app@db/app?password=***&sslmode=require");
/// assert_eq!(redact_url("postgres://app:s3/cr?et@db/app"), "postgres://app:***@db/app");
/// assert_eq!(redact_url("postgres://ap/p:s3cret@db/app"), "postgres://***@db/app");
/// assert_eq!(redact_url("sqlite:app.db"), "sqlite:app.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return redact_query(url);
    };
    let Some(at) = rest.rfind('@') else {
        return format!("{scheme}://{}", redact_query(rest));
    };
    let (userinfo, after) = (&rest[..at], &rest[at + 1..]);
    let plain = |part: &str| !part.contains(['/', '?', '#', '@']);
    let user = match userinfo.split_once(':') {
        Some((user, _password)) if plain(user) => format!("{user}:***@"),
        None if plain(userinfo) => format!("{userinfo}@"),
        _ => "***@".to_owned(),
    };
    format!("{scheme}://{user}{}", redact_query(after))
}

/// `text` with the values of its credential query parameters hidden.
fn redact_query(text: &str) -> String {
    let Some((base, query)) = text.split_once('?') else {
        return text.to_owned();
    };
    let secret = |key: &str| {
        let key = key.to_ascii_lowercase();
        key == "passfile"
            || ["password", "secret", "token"]
                .iter()
                .any(|s| key.contains(s))
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if secret(key) => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

#[cfg(not(all(feature = "postgres", feature = "mysql", feature = "sqlite")))]
fn not_compiled(url: &str, backend: Backend) -> DriverError {
    DriverError::NotCompiled {
        url: redact_url(url),
        backend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_credential_survives_redaction() {
        for (url, shown) in [
            ("postgres://u:pa/ss@h:5432/db", "postgres://u:***@h:5432/db"),
            ("postgres://u:pa?ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:pa#ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:pa@ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:123/456@h/db", "postgres://u:***@h/db"),
            ("postgres://u/x:pw@h/db", "postgres://***@h/db"),
            (
                "postgres://u@h/db?sslmode=require&password=pw&sslpassword=pw2&passfile=/p",
                "postgres://u@h/db?sslmode=require&password=***&sslpassword=***&passfile=***",
            ),
            ("mysql://h/db?Auth_Token=pw", "mysql://h/db?Auth_Token=***"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn a_password_with_reserved_characters_is_a_clear_error_that_shows_none_of_it() {
        for url in [
            "postgres://u:pa/ss@h:5432/db",
            "postgres://u:pa?ss@h/db",
            "postgres://u:123/456@h/db",
            "mysql://u:pa#ss@h/db",
        ] {
            let error = check_url(url).unwrap_err().to_string();
            assert!(
                error.contains("percent-encode them (%2F, %3F, %23, %40, %3A)"),
                "{error}"
            );
            for secret in ["pa/ss", "pa?ss", "123", "456", "pa#ss", "/ss", "?ss", "#ss"] {
                assert!(!error.contains(secret), "{secret} in {error}");
            }
            assert!(!error.contains("invalid port"), "{error}");
        }
    }

    #[test]
    fn redacts_only_the_password() {
        assert_eq!(
            redact_url("mysql://root:pw@127.0.0.1:3306/db?ssl-mode=disabled"),
            "mysql://root:***@127.0.0.1:3306/db?ssl-mode=disabled"
        );
        assert_eq!(
            redact_url("postgres://u:p%40ss@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("mysql://h/db"), "mysql://h/db");
    }

    #[test]
    fn backoff_doubles_from_the_first_delay() {
        let retry = Retry::default();
        let waits: Vec<_> = (1..5).map(|n| retry.delay(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16]);
        assert_eq!(retry.delay(10), Duration::from_secs(30));
    }

    #[test]
    fn malformed_urls_are_named_without_the_password() {
        for url in ["postgres://app:pw@:5432/db", "mysql://app:pw@[::1/db"] {
            let error = check_url(url).unwrap_err().to_string();
            assert!(error.contains("malformed"), "{error}");
            assert!(!error.contains("pw@"), "{error}");
        }
        assert!(check_url("postgres://app:pw@db:5432/app").is_ok());
        assert_eq!(host_of("postgres://app:pw@db:5432/app"), "db:5432");
        assert_eq!(database_of("mysql://root@h/shop"), "shop");
    }

    #[cfg(feature = "postgres")]
    #[tokio::test]
    async fn a_server_that_is_not_there_is_retried_then_named() {
        let retry = Retry {
            attempts: 3,
            first_delay: Duration::from_millis(10),
            attempt_timeout: Duration::from_secs(5),
        };
        let start = Instant::now();
        let error = ConnectOptions::new(Access::ReadWrite)
            .retry(retry)
            .connect("postgres://app:hunter2@127.0.0.1:1/app")
            .await
            .unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(30));
        let message = error.to_string();
        assert!(message.contains("127.0.0.1:1"), "{message}");
        assert!(message.contains("3 attempt(s)"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
