//! `upgrade --sql [FROM:]TO`, `downgrade --sql FROM:TO`: prints the script,
//! reading no database.

use migrate_core::Error;
use migrate_core::driver::Direction;
use migrate_core::graph::{Range, Target};

use crate::exit;
use crate::failure::Failure;

use super::{Context, reads_current};

pub(super) fn run(cx: &Context<'_>, given: &str, direction: Direction) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let backend = cx.database.backend.ok_or_else(|| {
        Failure::Usage(format!(
            "--sql renders for the backend of the database URL, and `{}` is not one: use postgres://, mysql:// or sqlite:",
            cx.database.shown
        ))
    })?;
    let (from, to) = match (given.contains(':'), direction) {
        (true, _) => {
            let range = Range::parse(given).map_err(Error::from)?;
            (range.from, range.to.unwrap_or(Target::Heads))
        }
        (false, Direction::Upgrade) => (None, Target::parse(given).map_err(Error::from)?),
        (false, Direction::Downgrade) => {
            return Err(Failure::Usage(format!(
                "downgrade --sql needs FROM:TO, e.g. `head:{given}`: offline mode reads no database, so it cannot know where the database is"
            )));
        }
    };
    if [from.as_ref(), Some(&to)]
        .into_iter()
        .flatten()
        .any(reads_current)
    {
        return Err(Failure::Usage(format!(
            "`{given}` is relative to the current revision, which offline mode cannot read; name revisions instead, e.g. `3f1c:head`"
        )));
    }
    let start = match &from {
        Some(target) => migrator.graph().resolve(&[], target).map_err(Error::from)?,
        None => Vec::new(),
    };
    let script = migrator.offline_script(backend, direction, &start, &to)?;
    cx.printer.text(&script);
    Ok(exit::OK)
}
