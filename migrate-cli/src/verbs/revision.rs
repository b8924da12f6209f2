//! `revision -m MSG` and `merge REV... -m MSG`: a new migration file.

use std::path::PathBuf;

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
