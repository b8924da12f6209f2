//! `resume`: runs the rest of a step that stopped part-way.

use migrate_core::driver::Access;

use crate::exit;
use crate::failure::Failure;
use crate::interrupt::{INTERRUPTED, interruptible};

use super::migrate::stopped_by;
use super::{Context, close};

pub(super) async fn run(cx: &Context<'_>) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let mut db = cx.connect(Access::ReadWrite).await?;
    let interrupter = db.interrupter().clone();
    let mut print = |report: &_| cx.printer.step(report);
    let run = migrator.resume(db.as_mut(), &mut print);
    let (resumed, signal) = interruptible(cx.printer, &interrupter, run).await;
    if let (Some(signal), Err(error)) = (signal, &resumed) {
        stopped_by(cx, &migrator, db, signal, error).await;
        return Ok(INTERRUPTED);
    }
    close(db).await;
    resumed?;
    Ok(exit::OK)
}
