//! Stopping a run from outside it: what a signal handler holds.
//!
//! Killing the process is not a stop: the server goes on running the
//! statement it was given, while the lock, which dies with the connection,
//! is already free for another runner. An [`Interrupter`] stops a run the
//! way a failure does instead: no further statement starts, the one the
//! server is running is cancelled (a PostgreSQL cancel, MySQL's `KILL
//! QUERY`; SQLite runs in-process and finishes its statement), so the
//! step's transaction rolls back, the audit table records it, and the lock
//! is released by the run itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use super::DriverError;

/// Cancels the statement a connection's server is running now, from
/// another connection.
#[async_trait]
pub(crate) trait CancelStatement: Send + Sync + std::fmt::Debug {
    async fn cancel(&self) -> Result<(), sqlx::Error>;
}

/// A handle on a [`Driver`](super::Driver)'s run that another task may
/// hold: [`interrupt`](Self::interrupt) stops the run. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Interrupter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    interrupted: AtomicBool,
    cancel: Option<Box<dyn CancelStatement>>,
}

impl Interrupter {
    pub(crate) fn new(cancel: Option<Box<dyn CancelStatement>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                interrupted: AtomicBool::new(false),
                cancel,
            }),
        }
    }

    /// Stops the run: no statement of a migration starts after this, and
    /// the one the server is running now is cancelled, so that its step
    /// fails and rolls back as any failure does. The run then returns its
    /// error, having released the lock.
    ///
    /// # Errors
    ///
    /// When the cancel could not be sent; the run still stops before its
    /// next statement.
    pub async fn interrupt(&self) -> Result<(), DriverError> {
        self.inner.interrupted.store(true, Ordering::SeqCst);
        match &self.inner.cancel {
            Some(cancel) => cancel.cancel().await.map_err(|source| DriverError::Query {
                what: "cancel the running statement",
                source,
            }),
            None => Ok(()),
        }
    }

    /// Whether [`interrupt`](Self::interrupt) was called.
    pub fn is_interrupted(&self) -> bool {
        self.inner.interrupted.load(Ordering::SeqCst)
    }
}
