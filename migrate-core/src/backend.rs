//! The database families migrate speaks to.

use std::fmt;

/// A database family. Each is compiled in behind a cargo feature of the same
/// name; SQLite is the embedded default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
}

impl Backend {
    /// Every backend, in a stable order.
    pub const ALL: [Backend; 3] = [Backend::Postgres, Backend::MySql, Backend::Sqlite];

    /// Whether DDL runs inside a transaction, so that a migration and its
    /// version update commit or roll back together. MySQL commits every DDL
    /// statement implicitly.
    pub fn transactional_ddl(self) -> bool {
        !matches!(self, Backend::MySql)
    }

    /// How to run an SQL script on this backend with its own client.
    pub fn client(self) -> &'static str {
        match self {
            Backend::Postgres => "psql -v ON_ERROR_STOP=1 -f FILE",
            Backend::MySql => "mysql DATABASE < FILE",
            Backend::Sqlite => "sqlite3 DATABASE < FILE",
        }
    }

    /// The backend a database URL names, from its scheme.
    pub fn from_url(url: &str) -> Option<Backend> {
        let scheme = url.split_once(':')?.0.to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mysql" | "mariadb" => Some(Backend::MySql),
            "sqlite" => Some(Backend::Sqlite),
            _ => None,
        }
    }
}

/// The backends a backend-specific step is for: one [`Backend`], an array
/// of them or a slice, as [`Migration::only`](crate::ops::Migration::only)
/// takes them.
pub trait Backends {
    /// Whether `backend` is one of them.
    fn includes(&self, backend: Backend) -> bool;
}

impl Backends for Backend {
    fn includes(&self, backend: Backend) -> bool {
        *self == backend
    }
}

impl<const N: usize> Backends for [Backend; N] {
    fn includes(&self, backend: Backend) -> bool {
        self.contains(&backend)
    }
}

impl Backends for &[Backend] {
    fn includes(&self, backend: Backend) -> bool {
        self.contains(&backend)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
            Backend::Sqlite => "sqlite",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://root@h/db"), Some(Backend::MySql));
        assert_eq!(
            Backend::from_url("mariadb://root@h/db"),
            Some(Backend::MySql)
        );
        assert_eq!(Backend::from_url("sqlite:app.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("oracle://x"), None);
        assert_eq!(Backend::from_url("app.db"), None);
    }
}
