//! Small graphs for tests.

use super::{Graph, RevisionIdx, RevisionInfo};

/// A revision whose message is `message of <id>`.
pub(super) fn revision(id: &str, parents: &[&str]) -> RevisionInfo {
    RevisionInfo {
        id: id.to_owned(),
        parents: parents.iter().map(|&p| p.to_owned()).collect(),
        message: format!("message of {id}"),
        location: format!("migrations::{id} (src/{id}.rs:1)"),
        ..RevisionInfo::default()
    }
}

/// A graph of `(id, parents)`, indexed in this order.
pub(super) fn graph(revisions: &[(&str, &[&str])]) -> Graph {
    Graph::build(
        revisions
            .iter()
            .map(|&(id, parents)| revision(id, parents))
            .collect(),
    )
    .unwrap_or_else(|errors| panic!("{errors}"))
}

/// `indices` as revision indices.
pub(super) fn idx<const N: usize>(indices: [usize; N]) -> [RevisionIdx; N] {
    indices.map(RevisionIdx::new)
}

/// The ids of `indices`.
pub(super) fn ids<'g>(graph: &'g Graph, indices: &[RevisionIdx]) -> Vec<&'g str> {
    indices
        .iter()
        .map(|&i| graph.revision(i).id.as_str())
        .collect()
}

/// Two feature branches off a trunk, with a dependency across them and a
/// merge, and an independent labelled branch:
///
/// ```text
/// a001 ─ a002 ─┬─ s001 @search ─ s002 ─────┬─ m001
///              │                 ┆         │
///              └─ b001 @billing ┄┘ ─ b002 ─┘
/// x001 @audit ─ x002
/// ```
///
/// `s002` depends on `b001` (┆), by label.
pub(super) fn scenario() -> Graph {
    let with = |id: &str, parents: &[&str], labels: &[&str], deps: &[&str]| RevisionInfo {
        branch_labels: labels.iter().map(|&l| l.to_owned()).collect(),
        depends_on: deps.iter().map(|&d| d.to_owned()).collect(),
        ..revision(id, parents)
    };
    Graph::build(vec![
        with("a001", &[], &[], &[]),
        with("a002", &["a001"], &[], &[]),
        with("s001", &["a002"], &["search"], &[]),
        with("s002", &["s001"], &[], &["billing"]),
        with("b001", &["a002"], &["billing"], &[]),
        with("b002", &["b001"], &[], &[]),
        with("m001", &["s002", "b002"], &[], &[]),
        with("x001", &[], &["audit"], &[]),
        with("x002", &["x001"], &[], &[]),
    ])
    .unwrap_or_else(|errors| panic!("{errors}"))
}
