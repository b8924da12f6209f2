//! What the verbs print: human-readable by default, JSON on request.

use std::time::Duration;

use migrate_core::Migrator;
use migrate_core::driver::Direction;
use migrate_core::migrator::{CheckProblem, RevisionRef, Status, StepReport};
use serde_json::json;

use crate::args::Format;

/// Prints results in the chosen format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer {
    format: Format,
}

impl Printer {
    pub(crate) fn new(format: Format) -> Self {
        Self { format }
    }

    fn json(&self, value: serde_json::Value) {
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }

    /// `current`: the database's heads.
    pub(crate) fn current(&self, migrator: &Migrator, current: &[usize]) {
        let graph = migrator.graph();
        let is_head = |i: &usize| graph.children(*i).is_empty();
        if self.format == Format::Json {
            let revisions: Vec<_> = current
                .iter()
                .map(|i| {
                    let r = graph.revision(*i);
                    json!({"id": r.id, "message": r.message, "is_head": is_head(i)})
                })
                .collect();
            return self.json(json!({ "current": revisions }));
        }
        if current.is_empty() {
            println!("base (no migration applied)");
        }
        for i in current {
            let r = graph.revision(*i);
            let marker = if is_head(i) { " (head)" } else { "" };
            println!("{}{marker}  {}", r.id, r.message);
        }
    }

    /// `heads`: the graph's heads.
    pub(crate) fn heads(&self, migrator: &Migrator) {
        let graph = migrator.graph();
        if self.format == Format::Json {
            let heads: Vec<_> = graph
                .heads()
                .iter()
                .map(|i| {
                    let r = graph.revision(*i);
                    json!({"id": r.id, "message": r.message, "location": r.location})
                })
                .collect();
            return self.json(json!({ "heads": heads }));
        }
        for i in graph.heads() {
            let r = graph.revision(*i);
            println!("{} (head)  {}", r.id, r.message);
        }
    }

    /// `history`: every revision, newest first.
    pub(crate) fn history(&self, migrator: &Migrator) {
        let graph = migrator.graph();
        let order = graph.topo_order().iter().rev();
        if self.format == Format::Json {
            let revisions: Vec<_> = order
                .map(|i| {
                    let r = graph.revision(*i);
                    json!({
                        "id": r.id,
                        "message": r.message,
                        "revises": r.parents,
                        "is_head": graph.children(*i).is_empty(),
                        "location": r.location,
                    })
                })
                .collect();
            return self.json(json!({ "history": revisions }));
        }
        let mut out = String::new();
        for i in order {
            let r = graph.revision(*i);
            let parents = if r.parents.is_empty() {
                "<base>".to_owned()
            } else {
                r.parents.join(", ")
            };
            let head = if graph.children(*i).is_empty() {
                " (head)"
            } else {
                ""
            };
            out.push_str(&format!("{parents} -> {}{head}, {}\n", r.id, r.message));
        }
        print!("{out}");
    }

    /// `status`.
    /// `check`: `ok`, or one line per problem.
    pub(crate) fn check(&self, problems: &[CheckProblem]) {
        if self.format == Format::Json {
            self.json(json!({
                "ok": problems.is_empty(),
                "problems": problems
                    .iter()
                    .map(|p| {
                        let mut value = serde_json::to_value(p).unwrap_or_default();
                        value["message"] = p.to_string().into();
                        value
                    })
                    .collect::<Vec<_>>(),
            }));
            return;
        }
        if problems.is_empty() {
            println!("ok");
        }
        for problem in problems {
            println!("error: {problem}");
        }
    }

    pub(crate) fn status(&self, url: &str, status: &Status) {
        if self.format == Format::Json {
            return self.json(json!({ "database": url, "status": status }));
        }
        let list = |refs: &[RevisionRef]| {
            refs.iter()
                .map(|r| format!("{} ({})", r.id, r.message))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!("database: {url} ({})", status.backend);
        if status.current.is_empty() {
            println!("current:  base (no migration applied)");
        } else {
            println!("current:  {}", list(&status.current));
        }
        println!("heads:    {}", list(&status.heads));
        println!(
            "applied:  {} of {}",
            status.applied,
            status.applied + status.pending.len()
        );
        if status.pending.is_empty() {
            println!("pending:  none, the database is up to date");
        } else {
            println!(
                "pending:  {} (run `upgrade` to apply)",
                status.pending.len()
            );
            for r in &status.pending {
                println!("  {}  {}", r.id, r.message);
            }
        }
        if status.problems.is_empty() {
            println!("problems: none");
        } else {
            println!("problems: {}", status.problems.len());
            for problem in &status.problems {
                println!("  - {problem}");
            }
        }
    }
}

/// One line per applied step, as it lands.
pub(crate) fn print_step(report: &StepReport) {
    let arrow = match report.direction {
        Direction::Upgrade => "upgrade  ",
        Direction::Downgrade => "downgrade",
    };
    println!(
        "{arrow} {}  {}  ({} statement{}, {})",
        report.revision,
        report.message,
        report.statements,
        if report.statements == 1 { "" } else { "s" },
        human_duration(report.duration)
    );
}

/// The closing line of `upgrade` / `downgrade`.
pub(crate) fn print_summary(
    migrator: &Migrator,
    direction: Direction,
    reports: &[StepReport],
    current: Option<&[usize]>,
    elapsed: Duration,
) {
    let at = match current {
        Some([]) => "base".to_owned(),
        Some(heads) => heads
            .iter()
            .map(|i| migrator.graph().revision(*i).id.clone())
            .collect::<Vec<_>>()
            .join(", "),
        None => "unknown".to_owned(),
    };
    if reports.is_empty() {
        println!("nothing to {direction}: the database is at {at}");
    } else {
        let verb = match direction {
            Direction::Upgrade => "applied",
            Direction::Downgrade => "reverted",
        };
        println!(
            "{verb} {} migration{} in {}; the database is at {at}",
            reports.len(),
            if reports.len() == 1 { "" } else { "s" },
            human_duration(elapsed)
        );
    }
}

fn human_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
