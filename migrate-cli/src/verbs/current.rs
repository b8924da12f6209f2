//! `current`: the database's heads.

use migrate_core::RevisionIdx;
use migrate_core::graph::Graph;
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::{Report, line};

use super::Context;

pub(super) async fn run(cx: &Context<'_>) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let current = cx.read_current(&migrator).await?;
    cx.printer.report(&Current::new(migrator.graph(), &current));
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Current<'a> {
    current: Vec<Head<'a>>,
}

#[derive(Serialize)]
struct Head<'a> {
    id: &'a str,
    message: &'a str,
    is_head: bool,
}

impl<'a> Current<'a> {
    fn new(graph: &'a Graph, current: &[RevisionIdx]) -> Self {
        let current = current
            .iter()
            .map(|&i| {
                let r = graph.revision(i);
                Head {
                    id: &r.id,
                    message: &r.message,
                    is_head: graph.children(i).is_empty(),
                }
            })
            .collect();
        Current { current }
    }
}

impl Report for Current<'_> {
    fn human(&self, out: &mut String) {
        if self.current.is_empty() {
            line(out, "base (no migration applied)");
        }
        for head in &self.current {
            let marker = if head.is_head { " (head)" } else { "" };
            line(out, format_args!("{}{marker}  {}", head.id, head.message));
        }
    }
}
