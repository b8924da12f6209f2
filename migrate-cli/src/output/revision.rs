//! A revision as the verbs show it: as JSON, on one line (as Alembic's
//! `history`), or in full (as `show`).

use migrate_core::RevisionIdx;
use migrate_core::graph::Graph;
use serde::Serialize;

/// A revision as JSON: id, message, parents, labels, dependencies, head,
/// location; with its children where a verb shows them, and whether the
/// database is at it where the verb read that.
#[derive(Debug, Serialize)]
pub(crate) struct RevisionView<'a> {
    id: &'a str,
    message: &'a str,
    revises: &'a [String],
    branch_labels: &'a [String],
    branch: &'a [String],
    depends_on: Vec<&'a str>,
    is_head: bool,
    location: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_current: Option<bool>,
}

impl<'a> RevisionView<'a> {
    pub(crate) fn new(graph: &'a Graph, index: RevisionIdx) -> Self {
        let r = graph.revision(index);
        RevisionView {
            id: &r.id,
            message: &r.message,
            revises: &r.parents,
            branch_labels: &r.branch_labels,
            branch: graph.branch_of(index),
            depends_on: ids(graph, graph.dependencies(index)),
            is_head: graph.children(index).is_empty(),
            location: &r.location,
            children: None,
            is_current: None,
        }
    }

    pub(crate) fn id(&self) -> &str {
        self.id
    }

    /// With the revisions that revise it.
    pub(crate) fn with_children(mut self, graph: &'a Graph, index: RevisionIdx) -> Self {
        self.children = Some(ids(graph, graph.children(index)));
        self
    }

    /// With whether the database is at it.
    pub(crate) fn with_current(mut self, current: bool) -> Self {
        self.is_current = Some(current);
        self
    }
}

fn ids<'a>(graph: &'a Graph, indices: &[RevisionIdx]) -> Vec<&'a str> {
    indices
        .iter()
        .map(|&i| graph.revision(i).id.as_str())
        .collect()
}

/// `(head)`, `(branchpoint)`, `(mergepoint)`, `(current)`, as Alembic
/// writes them, then `@label`s.
pub(crate) fn markers(graph: &Graph, index: RevisionIdx, current: &[RevisionIdx]) -> String {
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
pub(crate) fn one_line(graph: &Graph, index: RevisionIdx, current: &[RevisionIdx]) -> String {
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
pub(crate) fn verbose(graph: &Graph, index: RevisionIdx, current: &[RevisionIdx]) -> String {
    let r = graph.revision(index);
    let ids = |indices: &[RevisionIdx]| ids(graph, indices).join(", ");
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
