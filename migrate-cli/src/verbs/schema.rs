//! `schema [TARGET]`: the schema the migrations build, replayed from their
//! plans without a database: a summary, the CREATE statements
//! (`--format sql`), or the model (`--format json`).

use migrate_core::schema::{Schema, Uncertain};
use migrate_core::{Backend, Error};
use serde::Serialize;

use crate::args::{BackendArg, Format};
use crate::exit;
use crate::failure::Failure;
use crate::output::{Report, line};

use super::Context;

pub(super) async fn run(
    cx: &Context<'_>,
    given: &str,
    backend: Option<BackendArg>,
) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let backend: Backend = backend
        .map(Backend::from)
        .or(cx.database.backend)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "`schema` writes for --backend or the backend of the database URL, and `{}` is not one: pass --backend sqlite, postgres or mysql",
                cx.database.shown
            ))
        })?;
    // `current` and the steps from it are where the database is.
    let revisions = cx.resolve(&migrator, given).await?;
    let graph = migrator.graph();
    if cx.printer.format() == Format::Sql {
        cx.printer
            .text(&migrator.schema_script(&revisions, backend)?);
        return Ok(exit::OK);
    }
    let replay = migrator
        .schema_at(&revisions, backend)
        .map_err(Error::from)?;
    let mut at: Vec<&str> = revisions
        .iter()
        .map(|&i| graph.revision(i).id.as_str())
        .collect();
    at.sort_unstable();
    let shown = Shown {
        backend,
        at,
        uncertain: Uncertainty::from(replay.uncertain()),
        schema: replay.into_schema(),
    };
    cx.printer.report(&shown);
    // The process ends here: freeing a schema of 10,000 tables and the
    // graph, object by object, was a tenth of its time.
    std::mem::forget(shown);
    std::mem::forget(migrator);
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Shown<'a> {
    backend: Backend,
    /// The revisions it is the schema of; none for base.
    at: Vec<&'a str>,
    uncertain: Uncertainty,
    schema: Schema,
}

/// What raw SQL may have changed beyond what the replay knows.
#[derive(Serialize)]
struct Uncertainty {
    /// A raw step the replay could not place: any object may differ.
    everything: bool,
    /// Tables and views raw SQL touched.
    tables: Vec<String>,
}

impl From<&Uncertain> for Uncertainty {
    fn from(uncertain: &Uncertain) -> Self {
        Self {
            everything: uncertain.everything,
            tables: uncertain.tables.iter().cloned().collect(),
        }
    }
}

impl Report for Shown<'_> {
    fn human(&self, out: &mut String) {
        let at = if self.at.is_empty() {
            "base".to_owned()
        } else {
            self.at.join(", ")
        };
        line(
            out,
            format_args!(
                "the schema on {} at {at}, replayed from the migrations",
                self.backend
            ),
        );
        if self.uncertain.everything {
            line(
                out,
                "not certain: raw SQL the replay could not place may have changed any of it",
            );
        } else if !self.uncertain.tables.is_empty() {
            line(
                out,
                format_args!(
                    "not certain: raw SQL touched {}; they are as the typed operations leave them",
                    self.uncertain.tables.join(", ")
                ),
            );
        }
        out.push('\n');
        out.push_str(&self.schema.to_string());
    }
}
