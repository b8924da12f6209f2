//! Databases that exist for one test run.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::Backend;
use crate::driver::{self, Access, Driver, DriverError};

/// A database created for one test and dropped after it: an in-memory
/// SQLite database, or a fresh database on a PostgreSQL or MySQL server.
///
/// Every scratch database has a name of its own, so tests run in parallel
/// against one server.
#[derive(Debug)]
pub struct ScratchDatabase {
    backend: Backend,
    url: String,
    server: Option<Server>,
}

#[derive(Debug)]
struct Server {
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    /// A new empty database. `server_url` is an admin connection to a
    /// PostgreSQL or MySQL server (`postgres://postgres@127.0.0.1/postgres`):
    /// a database is created on it. `None`, or a `sqlite:` URL, gives an
    /// in-memory SQLite database, which lives as long as the one connection
    /// [`connect`](Self::connect) returns.
    pub async fn create(server_url: Option<&str>) -> Result<Self, DriverError> {
        let admin_url = match server_url {
            Some(url) if Backend::from_url(url) != Some(Backend::Sqlite) => url,
            _ => {
                return Ok(Self {
                    backend: Backend::Sqlite,
                    url: "sqlite::memory:".to_owned(),
                    server: None,
                });
            }
        };
        let backend = Backend::from_url(admin_url).ok_or_else(|| DriverError::UnknownScheme {
            url: driver::redact_url(admin_url),
        })?;
        let name = unique_name();
        let mut admin = driver::connect(admin_url, Access::ReadWrite).await?;
        let created = admin.execute(&format!("CREATE DATABASE {name}")).await;
        let _ = admin.close().await;
        created.map_err(|source| DriverError::Query {
            what: "create a scratch database",
            source,
        })?;
        Ok(Self {
            backend,
            url: with_database(admin_url, &name),
            server: Some(Server {
                admin_url: admin_url.to_owned(),
                name,
            }),
        })
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Its URL (`sqlite::memory:` for SQLite).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A connection to it.
    pub async fn connect(&self) -> Result<Box<dyn Driver>, DriverError> {
        driver::connect(&self.url, Access::ReadWrite).await
    }

    /// Drops the database. Close every connection to it first.
    pub async fn drop_database(self) -> Result<(), DriverError> {
        let Some(server) = self.server else {
            return Ok(());
        };
        let mut admin = driver::connect(&server.admin_url, Access::ReadWrite).await?;
        let sql = match self.backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", server.name),
            _ => format!("DROP DATABASE IF EXISTS {}", server.name),
        };
        let dropped = admin.execute(&sql).await;
        let _ = admin.close().await;
        dropped.map_err(|source| DriverError::Query {
            what: "drop a scratch database",
            source,
        })
    }
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "migrate_scratch_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` with its database (path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[host_start..]
        .find('/')
        .map_or(base.len(), |i| host_start + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_and_keeps_the_rest() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
    }
}
