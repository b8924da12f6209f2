//! `revision -m MSG` and `merge REV... -m MSG`: a new migration file.

use std::path::PathBuf;

use migrate_core::schema::{ModelSet, Replay, Schema, autogenerate as plan_models};
use migrate_core::{Backend, Error};
use serde::Serialize;

use crate::args::BackendArg;
use crate::exit;
use crate::failure::Failure;
use crate::output::{Report, line};
use crate::scaffold::{self, Created, RevisionOptions};

use super::Context;

pub(super) fn revision(
    cx: &Context<'_>,
    message: &str,
    options: RevisionOptions,
) -> Result<u8, Failure> {
    cx.printer.report(&scaffold::revision(message, options)?);
    Ok(exit::OK)
}

/// `revision --autogenerate -m MSG`: the migration that brings the schema
/// the migrations build at the new revision's parents to the models, on
/// each backend; nothing is written when they agree.
pub(super) fn autogenerate(
    cx: &Context<'_>,
    message: &str,
    options: RevisionOptions,
    backends: &[BackendArg],
) -> Result<u8, Failure> {
    let models = ModelSet::registered();
    if models.is_empty() {
        return Err(Failure::Message(
            "revision --autogenerate: no model is registered in this binary: derive `Model` on the structs that are tables, and link the crate that declares them into the migrations crate (e.g. `use app_models as _;` in its main.rs); see docs/models.md".to_owned(),
        ));
    }
    let mut chosen: Vec<Backend> = Vec::new();
    for backend in backends.iter().map(|b| Backend::from(*b)) {
        if !chosen.contains(&backend) {
            chosen.push(backend);
        }
    }
    if chosen.is_empty() {
        chosen = vec![Backend::Postgres, Backend::MySql, Backend::Sqlite];
    }
    let pending = scaffold::new_revision(message, options)?;
    let heads: Vec<Replay> = if pending.migration.revises.is_empty() {
        chosen
            .iter()
            .map(|&b| Replay::new(Schema::new(b)))
            .collect()
    } else {
        let migrator = cx.migrator()?;
        let graph = migrator.graph();
        let parents: Vec<_> = pending
            .migration
            .revises
            .iter()
            .filter_map(|id| graph.index_of(id))
            .collect();
        chosen
            .iter()
            .map(|&b| migrator.schema_at(&parents, b).map_err(Error::from))
            .collect::<Result<_, _>>()?
    };
    let uncertain: Vec<String> = heads
        .iter()
        .flat_map(|h| h.uncertain().tables.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let plan = |models: &ModelSet| {
        plan_models(&heads, models)
            .map_err(|e| Failure::Message(format!("revision --autogenerate: {e}")))
    };
    let mut generated = plan(&models)?;
    // As Django asks: a column dropped and one of its type added may be a
    // rename. Without a terminal, the file says so in a review comment.
    if !generated.renames.is_empty() && !cx.printer.is_json() && interactive() {
        let mut models = models.clone();
        let mut renamed = false;
        for c in &generated.renames {
            if ask(&format!(
                "Was {}.{} renamed to {}.{} (same type)? [y/N] ",
                c.table, c.from, c.table, c.to
            )) {
                models = models.with_column_rename(&c.table, &c.from, &c.to);
                renamed = true;
            }
        }
        if renamed {
            generated = plan(&models)?;
        }
    }
    let backends: Vec<String> = chosen.iter().map(ToString::to_string).collect();
    if generated.is_empty() {
        cx.printer.report(&Generated {
            created: None,
            backends,
            statements: 0,
            review: Vec::new(),
            unplanned: Vec::new(),
            uncertain,
        });
        return Ok(exit::OK);
    }
    let created = pending.write(Some(generated.functions()))?;
    scaffold::rustfmt(&created.path);
    cx.printer.report(&Generated {
        statements: generated.steps().count(),
        review: generated
            .steps()
            .filter_map(|s| s.review.clone())
            .chain(generated.irreversible.clone())
            .fold(Vec::new(), |mut seen, line| {
                if !seen.contains(&line) {
                    seen.push(line);
                }
                seen
            }),
        unplanned: generated.unplanned.clone(),
        created: Some(created),
        backends,
        uncertain,
    });
    Ok(exit::OK)
}

/// Whether a person can answer: standard input and error are a terminal.
fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks a yes/no question on the terminal; anything but `y`/`yes` is no.
fn ask(question: &str) -> bool {
    use std::io::Write;
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{}", migrate_core::text::one_line(question));
    let _ = stderr.flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

/// What `revision --autogenerate` did.
#[derive(Serialize)]
struct Generated {
    /// The file, or none when the models and the migrations agree.
    created: Option<Created>,
    /// The backends it planned for.
    backends: Vec<String>,
    /// How many statements it wrote.
    statements: usize,
    /// What the file marks for review.
    review: Vec<String>,
    /// Differences it wrote no operation for.
    unplanned: Vec<String>,
    /// Tables raw SQL touched, which the replay may not know exactly.
    uncertain: Vec<String>,
}

impl Report for Generated {
    fn human(&self, out: &mut String) {
        let Some(created) = &self.created else {
            line(
                out,
                format_args!(
                    "no changes: the models match the migrations at the heads on {}; no file written",
                    self.backends.join(", ")
                ),
            );
            return;
        };
        let revises = match &created.revises[..] {
            [] => "base".to_owned(),
            parents => parents.join(", "),
        };
        line(
            out,
            format_args!("created {} (revises {revises})", created.path.display()),
        );
        line(
            out,
            format_args!(
                "{} statement{} from the models, for {}",
                self.statements,
                if self.statements == 1 { "" } else { "s" },
                self.backends.join(", ")
            ),
        );
        line(
            out,
            "read it before you apply it; it is picked up on the next build",
        );
        for review in &self.review {
            line(
                out,
                format_args!("review: {}", migrate_core::text::one_line(review)),
            );
        }
        for unplanned in &self.unplanned {
            line(
                out,
                format_args!(
                    "not written, do it by hand: {}",
                    migrate_core::text::one_line(unplanned)
                ),
            );
        }
        if !self.uncertain.is_empty() {
            line(
                out,
                format_args!(
                    "raw SQL touched {}: the replay may not know them exactly; check the file against them",
                    self.uncertain.join(", ")
                ),
            );
        }
    }
}

pub(super) fn merge(
    cx: &Context<'_>,
    revisions: &[String],
    message: &str,
    branch_label: Option<String>,
    rev_id: Option<String>,
    dir: Option<PathBuf>,
) -> Result<u8, Failure> {
    let created = scaffold::merge(revisions, message, branch_label, rev_id, dir)?;
    cx.printer.report(&created);
    Ok(exit::OK)
}

impl Report for Created {
    fn human(&self, out: &mut String) {
        let revises = match &self.revises[..] {
            [] => "base".to_owned(),
            parents => parents.join(", "),
        };
        line(
            out,
            format_args!("created {} (revises {revises})", self.path.display()),
        );
        line(
            out,
            "it is picked up on the next build; fill in upgrade and downgrade",
        );
    }
}
