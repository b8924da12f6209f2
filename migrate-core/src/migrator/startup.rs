//! Migrating on start-up: what a service calls before it serves.

use std::time::{Duration, Instant};

use super::{Migrator, StepReport};
use crate::Error;
use crate::driver::{Access, ConnectOptions};
use crate::graph::Target;

/// What [`Migrator::upgrade_on_startup`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StartupReport {
    /// The steps this process applied; empty when another replica did the
    /// work, or nothing was pending.
    pub applied: Vec<StepReport>,
    /// The heads the database is at now.
    pub heads: Vec<String>,
    /// Wall time: connecting, waiting for the lock, migrating.
    #[serde(serialize_with = "serialize_secs")]
    pub elapsed: Duration,
}

fn serialize_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl Migrator {
    /// Brings the database `url` names to the single head, as a service does
    /// before it serves: connects (retrying a server that is still starting,
    /// as `connect` says), takes the migration lock (so that replicas
    /// starting together apply each migration once, and the others find
    /// nothing to do), re-reads the state under it, refuses a step that
    /// stopped part-way or an edited migration, applies what is pending, and
    /// closes the connection.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use migrate_core::Migrator;
    /// use migrate_core::driver::{Access, ConnectOptions};
    ///
    /// let migrator = Migrator::from_registry().expect("the migrations are consistent");
    /// match migrator.upgrade_on_startup("postgres://app@db/app", &ConnectOptions::new(Access::ReadWrite)).await {
    ///     Ok(report) => tracing::info!(applied = report.applied.len(), "database ready"),
    ///     Err(error) => {
    ///         tracing::error!(%error, "not starting: the database could not be migrated");
    ///         std::process::exit(1);
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Every [`Error`]: [`Error::Driver`] for connecting and the lock
    /// ([`DriverError::LockTimeout`](crate::driver::DriverError::LockTimeout)
    /// when another replica held it too long), [`Error::Target`] when the
    /// graph has several heads, [`Error::Plan`] for a migration that does
    /// not render, [`Error::Apply`] for a failed step, a step that stopped
    /// part-way, an edited migration, or a database at a revision this build
    /// does not know (a newer build deployed).
    pub async fn upgrade_on_startup(
        &self,
        url: &str,
        options: &ConnectOptions,
    ) -> Result<StartupReport, Error> {
        let start = Instant::now();
        let mut db = options.connect(url).await?;
        let applied = self
            .upgrade(db.as_mut(), &Target::Head, &mut |step| {
                tracing::info!(
                    revision = %step.revision,
                    message = %step.message,
                    duration_ms = step.duration.as_millis() as u64,
                    "migrated"
                );
            })
            .await;
        let heads = match &applied {
            Ok(_) => self.current(db.as_mut()).await,
            Err(_) => Ok(Vec::new()),
        };
        if let Err(error) = db.close().await {
            tracing::debug!(%error, "closing the migration connection failed");
        }
        let applied = applied?;
        let heads = heads?
            .into_iter()
            .map(|i| self.graph().revision(i).id.clone())
            .collect();
        Ok(StartupReport {
            applied,
            heads,
            elapsed: start.elapsed(),
        })
    }
}

/// [`Migrator::upgrade_on_startup`] with every migration linked into this
/// binary, the crate's `migrate.toml` (a migration with a lint finding at
/// deny is refused, as `upgrade` refuses it), its `[run]` timeouts, and
/// the default connection settings (5 attempts from 2 s, the session lock,
/// a 60 s lock timeout).
///
/// # Errors
///
/// [`Error::Graph`] when the migrations are inconsistent,
/// [`Error::LintConfig`] when `migrate.toml` does not read, then as
/// [`Migrator::upgrade_on_startup`].
pub async fn migrate_on_startup(url: &str) -> Result<StartupReport, Error> {
    let lint = crate::lint::LintConfig::registered().map_err(Error::LintConfig)?;
    Migrator::from_registry()?
        .with_timeouts(lint.timeouts)
        .with_lint(lint)
        .upgrade_on_startup(url, &ConnectOptions::new(Access::ReadWrite))
        .await
}
