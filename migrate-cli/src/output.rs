//! What the verbs print: human-readable by default, JSON on request.

use std::time::Duration;

use migrate_core::Migrator;
use migrate_core::driver::{AuditRow, Direction, Outcome};
use migrate_core::graph::{Graph, draw};
use migrate_core::migrator::{CheckProblem, RevisionRef, Stamped, Status, StepReport};
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

    /// `heads`: the graph's heads, or with `resolve_dependencies` those
    /// nothing depends on either.
    pub(crate) fn heads(&self, migrator: &Migrator, resolve_dependencies: bool) {
        let graph = migrator.graph();
        let heads = if resolve_dependencies {
            graph.heads_resolving_dependencies()
        } else {
            graph.heads().to_vec()
        };
        if self.format == Format::Json {
            let heads: Vec<_> = heads.iter().map(|&i| revision_json(graph, i)).collect();
            return self.json(json!({ "heads": heads }));
        }
        for &i in &heads {
            println!("{}", one_line(graph, i, &[]));
        }
    }

    /// `history`: the `shown` revisions, newest first; `current` marks the
    /// database's heads when it was read.
    pub(crate) fn history(&self, migrator: &Migrator, view: &HistoryView<'_>) {
        let graph = migrator.graph();
        let current = view.current.unwrap_or(&[]);
        if self.format == Format::Json {
            let revisions: Vec<_> = view
                .shown
                .iter()
                .map(|&i| {
                    let mut value = revision_json(graph, i);
                    if view.current.is_some() {
                        value["is_current"] = current.contains(&i).into();
                    }
                    value
                })
                .collect();
            return self.json(json!({ "history": revisions }));
        }
        let mut out = String::new();
        if view.graph {
            for line in draw::ascii(graph, view.shown, current) {
                out.push_str(&line);
                out.push('\n');
            }
        } else if view.verbose {
            for &i in view.shown {
                out.push_str(&verbose(graph, i, current));
                out.push('\n');
            }
        } else {
            for &i in view.shown {
                out.push_str(&one_line(graph, i, current));
                out.push('\n');
            }
        }
        print!("{out}");
    }

    /// `branches`: each branch point with the revisions that branch off it.
    pub(crate) fn branches(&self, migrator: &Migrator) {
        let graph = migrator.graph();
        let points: Vec<usize> = graph
            .topo_order()
            .iter()
            .copied()
            .filter(|&i| graph.children(i).len() > 1)
            .collect();
        if self.format == Format::Json {
            let points: Vec<_> = points
                .iter()
                .map(|&i| revision_with_children(graph, i))
                .collect();
            return self.json(json!({ "branches": points }));
        }
        if points.is_empty() {
            println!("no branch points: the history is a line");
        }
        for &i in &points {
            println!("{}", one_line(graph, i, &[]));
            for &child in graph.children(i) {
                let r = graph.revision(child);
                println!(
                    "    -> {}{}, {}",
                    r.id,
                    markers(graph, child, &[]),
                    r.message
                );
            }
        }
    }

    /// `show`: one revision in full.
    /// `show`: each revision `given` names, in full; JSON: one document,
    /// `{"revisions": [...]}`, whatever their number.
    pub(crate) fn show(&self, migrator: &Migrator, given: &str, found: &[usize]) {
        let graph = migrator.graph();
        if self.format == Format::Json {
            let revisions: Vec<_> = found
                .iter()
                .map(|&index| revision_with_children(graph, index))
                .collect();
            return self.json(json!({ "revisions": revisions }));
        }
        if found.is_empty() {
            println!(
                "{} is base: no revision",
                migrate_core::text::one_line(given)
            );
        }
        for &index in found {
            print!("{}", verbose(graph, index, &[]));
        }
    }

    /// `graph`: Mermaid (the default) or Graphviz.
    pub(crate) fn graph(&self, migrator: &Migrator, current: &[usize]) {
        let graph = migrator.graph();
        match self.format {
            Format::Dot => print!("{}", draw::dot(graph, current)),
            Format::Json => {
                let revisions: Vec<_> = graph
                    .topo_order()
                    .iter()
                    .map(|&i| {
                        let mut value = revision_json(graph, i);
                        value["is_current"] = current.contains(&i).into();
                        value
                    })
                    .collect();
                self.json(json!({ "revisions": revisions }));
            }
            Format::Human | Format::Mermaid => print!("{}", draw::mermaid(graph, current)),
        }
    }

    /// `stamp`: the heads table before and after.
    pub(crate) fn stamp(&self, stamped: &Stamped) {
        if self.format == Format::Json {
            return self.json(json!({ "stamped": stamped }));
        }
        let list = |ids: &[String]| match ids {
            [] => "base".to_owned(),
            ids => ids.join(", "),
        };
        println!(
            "stamped: {} -> {} (no migration ran)",
            list(&stamped.before),
            list(&stamped.after)
        );
    }

    /// `repair`: what was recorded.
    pub(crate) fn repaired(&self, row: &AuditRow) {
        if self.format == Format::Json {
            return self.json(json!({ "repaired": row }));
        }
        let what = match row.outcome {
            Outcome::MarkedDone => {
                "applied (finished by hand); the heads table moved as the migration would have moved it"
            }
            _ => "never run (undone by hand); the heads table is unchanged",
        };
        println!(
            "repaired: {} {} recorded as {what}",
            row.direction, row.revision
        );
    }

    /// `accept`: the checksums recorded.
    pub(crate) fn accepted(&self, rows: &[AuditRow]) {
        if self.format == Format::Json {
            return self.json(json!({ "accepted": rows }));
        }
        for row in rows {
            println!(
                "accepted: {} now has checksum {} (no migration ran)",
                row.revision,
                row.checksum.get(..12).unwrap_or(&row.checksum)
            );
        }
    }

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
        match (&status.schema, status.backend) {
            (Some(schema), migrate_core::Backend::Postgres) => {
                println!("database: {url} ({}, schema {schema})", status.backend);
            }
            _ => println!("database: {url} ({})", status.backend),
        }
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
        if let Some(in_progress) = &status.in_progress {
            println!("in progress: {in_progress}");
        }
        if status.problems.is_empty() {
            println!("problems: none");
        } else {
            println!("problems: {}", status.problems.len());
            for problem in &status.problems {
                println!("  - {problem}");
            }
        }
        if !status.lossy.is_empty() {
            println!("lossy changes allowed: {}", status.lossy.len());
            for change in &status.lossy {
                println!(
                    "  - {} ({}): {}: {}",
                    change.revision.id, change.revision.message, change.operation, change.reason
                );
            }
        }
    }
}

/// What `history` shows.
#[derive(Debug)]
pub(crate) struct HistoryView<'a> {
    /// The revisions, newest first.
    pub(crate) shown: &'a [usize],
    /// The database's heads, when they were read.
    pub(crate) current: Option<&'a [usize]>,
    pub(crate) verbose: bool,
    pub(crate) graph: bool,
}

/// [`revision_json`] with the revisions that revise it.
fn revision_with_children(graph: &Graph, index: usize) -> serde_json::Value {
    let mut value = revision_json(graph, index);
    value["children"] = graph
        .children(index)
        .iter()
        .map(|&c| graph.revision(c).id.clone())
        .collect::<Vec<_>>()
        .into();
    value
}

/// A revision as JSON: id, message, parents, labels, dependencies, head,
/// location.
fn revision_json(graph: &Graph, index: usize) -> serde_json::Value {
    let r = graph.revision(index);
    json!({
        "id": r.id,
        "message": r.message,
        "revises": r.parents,
        "branch_labels": r.branch_labels,
        "branch": graph.branch_of(index),
        "depends_on": graph
            .dependencies(index)
            .iter()
            .map(|&d| graph.revision(d).id.clone())
            .collect::<Vec<_>>(),
        "is_head": graph.children(index).is_empty(),
        "location": r.location,
    })
}

/// `(head)`, `(branchpoint)`, `(mergepoint)`, `(current)`, as Alembic
/// writes them, then `@label`s.
fn markers(graph: &Graph, index: usize, current: &[usize]) -> String {
    let mut out = String::new();
    if graph.children(index).is_empty() {
        out.push_str(" (head)");
    }
    if graph.children(index).len() > 1 {
        out.push_str(" (branchpoint)");
    }
    if graph.parents(index).len() > 1 {
        out.push_str(" (mergepoint)");
    }
    if current.contains(&index) {
        out.push_str(" (current)");
    }
    for label in graph.branch_of(index) {
        out.push_str(&format!(" @{label}"));
    }
    out
}

/// `parents -> id (markers), message`, as Alembic's `history` prints.
fn one_line(graph: &Graph, index: usize, current: &[usize]) -> String {
    let r = graph.revision(index);
    let parents = if r.parents.is_empty() {
        "<base>".to_owned()
    } else {
        r.parents.join(", ")
    };
    format!(
        "{parents} -> {}{}, {}",
        r.id,
        markers(graph, index, current),
        r.message
    )
}

/// A revision in full, as `show` and `history --verbose` print it.
fn verbose(graph: &Graph, index: usize, current: &[usize]) -> String {
    let r = graph.revision(index);
    let ids = |indices: &[usize]| {
        indices
            .iter()
            .map(|&i| graph.revision(i).id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!("Rev: {}{}\n", r.id, markers(graph, index, current));
    let parents = graph.parents(index);
    match parents.len() {
        0 => out.push_str("Parent: <base>\n"),
        1 => out.push_str(&format!("Parent: {}\n", ids(parents))),
        _ => out.push_str(&format!("Merges: {}\n", ids(parents))),
    }
    if graph.children(index).len() > 1 {
        out.push_str(&format!("Branches into: {}\n", ids(graph.children(index))));
    }
    if !graph.branch_of(index).is_empty() {
        out.push_str(&format!(
            "Branch names: {}\n",
            graph.branch_of(index).join(", ")
        ));
    }
    if !graph.dependencies(index).is_empty() {
        out.push_str(&format!("Depends on: {}\n", ids(graph.dependencies(index))));
    }
    out.push_str(&format!("Path: {}\n\n    {}\n", r.location, r.message));
    out
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
