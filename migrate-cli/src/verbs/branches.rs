//! `branches`: each branch point with the revisions that branch off it.

use migrate_core::RevisionIdx;
use migrate_core::graph::Graph;
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::revision::{RevisionView, markers, one_line};
use crate::output::{Report, line};

use super::Context;

pub(super) fn run(cx: &Context<'_>) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let graph = migrator.graph();
    let points: Vec<RevisionIdx> = graph
        .topo_order()
        .iter()
        .copied()
        .filter(|&i| graph.children(i).len() > 1)
        .collect();
    cx.printer.report(&Branches {
        branches: points
            .iter()
            .map(|&i| RevisionView::new(graph, i).with_children(graph, i))
            .collect(),
        graph,
        points,
    });
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Branches<'a> {
    branches: Vec<RevisionView<'a>>,
    #[serde(skip)]
    graph: &'a Graph,
    #[serde(skip)]
    points: Vec<RevisionIdx>,
}

impl Report for Branches<'_> {
    fn human(&self, out: &mut String) {
        let graph = self.graph;
        if self.points.is_empty() {
            line(out, "no branch points: the history is a line");
        }
        for &i in &self.points {
            line(out, one_line(graph, i, &[]));
            for &child in graph.children(i) {
                let r = graph.revision(child);
                line(
                    out,
                    format_args!(
                        "    -> {}{}, {}",
                        r.id,
                        markers(graph, child, &[]),
                        r.message
                    ),
                );
            }
        }
    }
}
