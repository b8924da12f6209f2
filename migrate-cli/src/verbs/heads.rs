//! `heads`: the graph's heads, or with `--resolve-dependencies` those
//! nothing depends on either.

use migrate_core::RevisionIdx;
use migrate_core::graph::Graph;
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::revision::{RevisionView, one_line};
use crate::output::{Report, line};

use super::Context;

pub(super) fn run(cx: &Context<'_>, resolve_dependencies: bool) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let graph = migrator.graph();
    let heads = if resolve_dependencies {
        graph.heads_resolving_dependencies()
    } else {
        graph.heads().to_vec()
    };
    cx.printer.report(&Heads {
        heads: heads.iter().map(|&i| RevisionView::new(graph, i)).collect(),
        graph,
        indices: heads,
    });
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Heads<'a> {
    heads: Vec<RevisionView<'a>>,
    #[serde(skip)]
    graph: &'a Graph,
    #[serde(skip)]
    indices: Vec<RevisionIdx>,
}

impl Report for Heads<'_> {
    fn human(&self, out: &mut String) {
        for &i in &self.indices {
            line(out, one_line(self.graph, i, &[]));
        }
    }
}
