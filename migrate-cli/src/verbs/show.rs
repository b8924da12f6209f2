//! `show REV`: each revision `REV` names, in full; JSON: one document,
//! `{"revisions": [...]}`, whatever their number.

use migrate_core::RevisionIdx;
use migrate_core::graph::Graph;
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::revision::{RevisionView, verbose};
use crate::output::{Report, line};

use super::Context;

pub(super) async fn run(cx: &Context<'_>, given: &str) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    // `current`, `+N`, `-N` and `<label>@±N` count from where the database
    // is.
    let found = cx.resolve(&migrator, given).await?;
    let graph = migrator.graph();
    cx.printer.report(&Show {
        revisions: found
            .iter()
            .map(|&i| RevisionView::new(graph, i).with_children(graph, i))
            .collect(),
        given,
        graph,
        found,
    });
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Show<'a> {
    revisions: Vec<RevisionView<'a>>,
    #[serde(skip)]
    given: &'a str,
    #[serde(skip)]
    graph: &'a Graph,
    #[serde(skip)]
    found: Vec<RevisionIdx>,
}

impl Report for Show<'_> {
    fn human(&self, out: &mut String) {
        if self.found.is_empty() {
            line(
                out,
                format_args!(
                    "{} is base: no revision",
                    migrate_core::text::one_line(self.given)
                ),
            );
        }
        for &index in &self.found {
            out.push_str(&verbose(self.graph, index, &[]));
        }
    }
}
