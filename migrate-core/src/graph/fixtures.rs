//! Small graphs for tests.

use super::{Graph, RevisionInfo};

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

/// The ids of `indices`.
pub(super) fn ids<'g>(graph: &'g Graph, indices: &[usize]) -> Vec<&'g str> {
    indices
        .iter()
        .map(|&i| graph.revision(i).id.as_str())
        .collect()
}
