//! `upgrade [TARGET]` and `downgrade TARGET`: each step printed with its
//! duration as it lands, then where the database is.

use std::time::Instant;

use migrate_core::driver::{Access, Direction, Driver};
use migrate_core::graph::Target;
use migrate_core::{Error, Migrator};

use crate::exit;
use crate::failure::Failure;
use crate::interrupt::{INTERRUPTED, interruptible};

use super::{Context, close};

pub(super) async fn run(
    cx: &Context<'_>,
    target: &str,
    direction: Direction,
) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let target = Target::parse(target).map_err(Error::from)?;
    if !cx.database.given {
        cx.printer.note(&format!(
            "no --database-url, DATABASE_URL or .env: using {}",
            cx.database.shown
        ));
    }
    let mut db = cx.connect(Access::ReadWrite).await?;
    let start = Instant::now();
    let interrupter = db.interrupter().clone();
    let mut print = |report: &_| cx.printer.step(report);
    let run = async {
        match direction {
            Direction::Upgrade => migrator.upgrade(db.as_mut(), &target, &mut print).await,
            Direction::Downgrade => migrator.downgrade(db.as_mut(), &target, &mut print).await,
        }
    };
    let (result, signal) = interruptible(cx.printer, &interrupter, run).await;
    if let (Some(signal), Err(error)) = (signal, &result) {
        stopped_by(cx, &migrator, db, signal, error).await;
        return Ok(INTERRUPTED);
    }
    let current = match &result {
        Ok(_) => migrator.current(db.as_mut()).await.ok(),
        Err(_) => None,
    };
    close(db).await;
    let reports = result?;
    cx.printer.summary(
        &migrator,
        direction,
        &reports,
        current.as_deref(),
        start.elapsed(),
    );
    Ok(exit::OK)
}

/// After a run stopped by `signal` with `error`: says so, and where the
/// database is, from the version tables as the run left them (the lock is
/// released).
pub(super) async fn stopped_by(
    cx: &Context<'_>,
    migrator: &Migrator,
    mut db: Box<dyn Driver>,
    signal: &str,
    error: &Error,
) {
    let mut message = format!("{error}\n");
    match migrator.status(db.as_mut()).await {
        Ok(status) => {
            let at: Vec<&str> = status.current.iter().map(|r| r.id.as_str()).collect();
            message.push_str(&format!(
                "stopped by {signal}: the database is at {}, with {} migration(s) pending; the lock is released",
                if at.is_empty() { "base".to_owned() } else { at.join(", ") },
                status.pending.len()
            ));
            for problem in &status.problems {
                message.push_str(&format!("\n  - {problem}"));
            }
        }
        Err(error) => message.push_str(&format!(
            "stopped by {signal}; reading where the database is failed: {error}"
        )),
    }
    cx.printer.error(&message, INTERRUPTED);
    close(db).await;
}
