//! Opening a connection from a URL.

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

/// Connects to the database a URL names.
///
/// Accepted schemes: `postgres://`, `postgresql://`, `mysql://`, `mariadb://`
/// and `sqlite:` (`sqlite:app.db`, `sqlite://app.db`, `sqlite::memory:`).
/// With [`Access::ReadOnly`], a SQLite file that does not exist yet reads as
/// an empty database and is not created.
pub async fn connect(url: &str, access: Access) -> Result<Box<dyn Driver>, DriverError> {
    let backend = Backend::from_url(url).ok_or_else(|| DriverError::UnknownScheme {
        url: redact_url(url),
    })?;
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => super::postgres::PgDriver::connect(url).await,
        #[cfg(feature = "mysql")]
        Backend::MySql => super::mysql::MySqlDriver::connect(url).await,
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => super::sqlite::SqliteDriver::connect(url, access).await,
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres => Err(not_compiled(url, backend)),
        #[cfg(not(feature = "mysql"))]
        Backend::MySql => Err(not_compiled(url, backend)),
        #[cfg(not(feature = "sqlite"))]
        Backend::Sqlite => {
            let _ = access;
            Err(not_compiled(url, backend))
        }
    }
}

/// The URL with its password replaced by `***`, for messages and logs.
///
/// ```
/// use migrate_core::driver::redact_url;
///
/// assert_eq!(redact_url("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
/// assert_eq!(redact_url("postgres://app@db/app"), "postgres://app@db/app");
/// assert_eq!(redact_url("sqlite:app.db"), "sqlite:app.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
        None => url.to_owned(),
    }
}

#[cfg(not(all(feature = "postgres", feature = "mysql", feature = "sqlite")))]
fn not_compiled(url: &str, backend: Backend) -> DriverError {
    DriverError::NotCompiled {
        url: redact_url(url),
        backend,
    }
}

/// Wraps a connection failure with the redacted URL.
pub(super) fn connect_error(url: &str) -> impl FnOnce(sqlx::Error) -> DriverError + '_ {
    move |source| DriverError::Connect {
        url: redact_url(url),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

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
}
