//! `status`: where the database is, what is pending, what is wrong; exit 1
//! when something is.

use migrate_core::driver::Access;
use migrate_core::migrator::{RevisionRef, Status};
use serde::Serialize;

use crate::failure::Failure;
use crate::output::{Report, line};

use super::{Context, close, ok_unless};

pub(super) async fn run(cx: &Context<'_>) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let mut db = cx.connect(Access::ReadOnly).await?;
    let status = migrator.status(db.as_mut()).await;
    close(db).await;
    let status = status?;
    let code = ok_unless(&status.problems);
    cx.printer.report(&StatusReport {
        database: &cx.database.shown,
        status,
    });
    Ok(code)
}

#[derive(Serialize)]
struct StatusReport<'a> {
    database: &'a str,
    status: Status,
}

impl Report for StatusReport<'_> {
    fn human(&self, out: &mut String) {
        let (url, status) = (self.database, &self.status);
        let list = |refs: &[RevisionRef]| {
            refs.iter()
                .map(|r| format!("{} ({})", r.id, r.message))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (&status.schema, status.backend) {
            (Some(schema), migrate_core::Backend::Postgres) => line(
                out,
                format_args!("database: {url} ({}, schema {schema})", status.backend),
            ),
            _ => line(out, format_args!("database: {url} ({})", status.backend)),
        }
        if status.current.is_empty() {
            line(out, "current:  base (no migration applied)");
        } else {
            line(out, format_args!("current:  {}", list(&status.current)));
        }
        line(out, format_args!("heads:    {}", list(&status.heads)));
        line(
            out,
            format_args!(
                "applied:  {} of {}",
                status.applied,
                status.applied + status.pending.len()
            ),
        );
        if status.pending.is_empty() {
            line(out, "pending:  none, the database is up to date");
        } else {
            line(
                out,
                format_args!(
                    "pending:  {} (run `upgrade` to apply)",
                    status.pending.len()
                ),
            );
            for r in &status.pending {
                line(out, format_args!("  {}  {}", r.id, r.message));
            }
        }
        if let Some(in_progress) = &status.in_progress {
            line(out, format_args!("in progress: {in_progress}"));
        }
        if status.problems.is_empty() {
            line(out, "problems: none");
        } else {
            line(out, format_args!("problems: {}", status.problems.len()));
            for problem in &status.problems {
                line(out, format_args!("  - {problem}"));
            }
        }
        if !status.lossy.is_empty() {
            line(
                out,
                format_args!("lossy changes allowed: {}", status.lossy.len()),
            );
            for change in &status.lossy {
                line(
                    out,
                    format_args!(
                        "  - {} ({}): {}: {}",
                        change.revision.id,
                        change.revision.message,
                        change.operation,
                        change.reason
                    ),
                );
            }
        }
    }
}
