//! `accept REV...`: records the new checksum of applied migrations that
//! were edited, running nothing.

use migrate_core::driver::{Access, AuditRow};
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::{Report, line};

use super::{Context, close};

pub(super) async fn run(cx: &Context<'_>, revisions: &[String]) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let mut db = cx.connect(Access::ReadWrite).await?;
    let accepted = migrator.accept(db.as_mut(), revisions).await;
    close(db).await;
    cx.printer.report(&Accepted {
        accepted: accepted?,
    });
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Accepted {
    accepted: Vec<AuditRow>,
}

impl Report for Accepted {
    fn human(&self, out: &mut String) {
        for row in &self.accepted {
            line(
                out,
                format_args!(
                    "accepted: {} now has checksum {} (no migration ran)",
                    row.revision,
                    row.checksum.get(..12).unwrap_or(&row.checksum)
                ),
            );
        }
    }
}
