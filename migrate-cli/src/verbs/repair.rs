//! `repair REV --applied|--reverted`: records what a human did about a step
//! that stopped part-way.

use migrate_core::driver::{Access, AuditRow, Outcome};
use migrate_core::migrator::Resolution;
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::{Report, line};

use super::{Context, close};

pub(super) async fn run(cx: &Context<'_>, revision: &str, applied: bool) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let resolution = if applied {
        Resolution::Applied
    } else {
        Resolution::Reverted
    };
    let mut db = cx.connect(Access::ReadWrite).await?;
    let repaired = migrator.repair(db.as_mut(), revision, resolution).await;
    close(db).await;
    cx.printer.report(&Repaired {
        repaired: repaired?,
    });
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Repaired {
    repaired: AuditRow,
}

impl Report for Repaired {
    fn human(&self, out: &mut String) {
        let row = &self.repaired;
        let what = match row.outcome {
            Outcome::MarkedDone => {
                "applied (finished by hand); the heads table moved as the migration would have moved it"
            }
            _ => "never run (undone by hand); the heads table is unchanged",
        };
        line(
            out,
            format_args!(
                "repaired: {} {} recorded as {what}",
                row.direction, row.revision
            ),
        );
    }
}
