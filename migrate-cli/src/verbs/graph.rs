//! `graph`: the revision graph as Mermaid (the default) or Graphviz, or
//! its revisions as JSON.

use migrate_core::graph::draw;
use serde::Serialize;

use crate::args::Format;
use crate::exit;
use crate::failure::Failure;
use crate::output::revision::RevisionView;
use crate::output::{Report, line};

use super::Context;

pub(super) async fn run(cx: &Context<'_>, indicate_current: bool) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let current = if indicate_current {
        cx.read_current(&migrator).await?
    } else {
        Vec::new()
    };
    let graph = migrator.graph();
    match cx.printer.format() {
        Format::Dot => cx.printer.text(&draw::dot(graph, &current)),
        Format::Human | Format::Mermaid => cx.printer.text(&draw::mermaid(graph, &current)),
        Format::Sql | Format::Github => {
            unreachable!("`execute` refuses --format sql and github for `graph`")
        }
        Format::Json => {
            let revisions = graph
                .topo_order()
                .iter()
                .map(|&i| RevisionView::new(graph, i).with_current(current.contains(&i)))
                .collect();
            cx.printer.report(&Revisions { revisions });
        }
    }
    Ok(exit::OK)
}

/// The graph's revisions, oldest first, as JSON; for people, `graph`
/// prints a picture instead.
#[derive(Serialize)]
struct Revisions<'a> {
    revisions: Vec<RevisionView<'a>>,
}

impl Report for Revisions<'_> {
    fn human(&self, out: &mut String) {
        for revision in &self.revisions {
            line(out, revision.id());
        }
    }
}
