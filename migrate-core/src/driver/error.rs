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
    /// The database did not accept the connection.
    #[error("connect to `{url}`: {source}; check that the server runs and the URL is right")]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// Another migrator held the lock for longer than the timeout.
    #[error(
        "take the migration lock: another migrator has held it for more than {waited:?}{holder}; wait for it to finish, or raise --lock-timeout"
    )]
    LockTimeout {
        /// How long we waited.
        waited: Duration,
        /// Who holds it, when the backend can say (starts with `; `).
        holder: String,
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
