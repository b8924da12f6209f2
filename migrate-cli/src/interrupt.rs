//! Ctrl-C and SIGTERM during a run: the run is stopped, not killed.
//!
//! The first signal asks the run to stop ([`Interrupter::interrupt`]): the
//! statement the server is running is cancelled, the step rolls back (or,
//! outside a transaction, is recorded where it stopped), the lock is
//! released by the run itself, and the command then says where the database
//! is and exits 130. A second signal quits at once.

use std::future::Future;

use migrate_core::driver::Interrupter;

use crate::output::Printer;

/// The exit code of a command stopped by a signal, as shells report it.
pub(crate) const INTERRUPTED: u8 = 130;

/// Runs `run` to its end; on a signal, interrupts it and keeps running it
/// until it has stopped. Returns its output and the signal's name, if one
/// came.
pub(crate) async fn interruptible<T>(
    printer: &Printer,
    interrupter: &Interrupter,
    run: impl Future<Output = T>,
) -> (T, Option<&'static str>) {
    let mut run = std::pin::pin!(run);
    let mut signal = None;
    loop {
        tokio::select! {
            output = &mut run => return (output, signal),
            name = next_signal() => {
                if signal.is_some() {
                    printer.err_line(&format!("{name} again: quitting at once; the server may still be running the statement"));
                    std::process::exit(i32::from(INTERRUPTED));
                }
                signal = Some(name);
                printer.err_line(&format!(
                    "{name}: stopping: no further statement starts and the running one is cancelled; \
                     the step rolls back and the lock is released (press Ctrl-C again to quit at once)"
                ));
                if let Err(error) = interrupter.interrupt().await {
                    printer.warning(&format!("{error}; the run stops before its next statement"));
                }
            }
        }
    }
}

/// The next SIGINT or SIGTERM.
async fn next_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
