//! `history [-r RANGE]`: the revisions, newest first, on one line each, in
//! full (`--verbose`) or as a picture (`--graph`).

use migrate_core::Error;
use migrate_core::RevisionIdx;
use migrate_core::graph::{Graph, Range, draw};
use serde::Serialize;

use crate::exit;
use crate::failure::Failure;
use crate::output::revision::{RevisionView, one_line, verbose};
use crate::output::{Report, line};

use super::{Context, reads_current};

/// How `history` shows the revisions.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    pub(super) verbose: bool,
    pub(super) indicate_current: bool,
    pub(super) graph: bool,
}

pub(super) async fn run(
    cx: &Context<'_>,
    range: Option<&str>,
    options: Options,
) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    let range = match range {
        Some(given) => Range::parse(given).map_err(Error::from)?,
        None => Range {
            from: None,
            to: None,
        },
    };
    let needs_current = options.indicate_current
        || [&range.from, &range.to]
            .into_iter()
            .flatten()
            .any(reads_current);
    let current = if needs_current {
        Some(cx.read_current(&migrator).await?)
    } else {
        None
    };
    let graph = migrator.graph();
    let shown = graph
        .range(current.as_deref().unwrap_or(&[]), &range)
        .map_err(Error::from)?;
    // The database's heads are marked only when asked for.
    let marked = current.filter(|_| options.indicate_current);
    let history = shown
        .iter()
        .map(|&i| {
            let view = RevisionView::new(graph, i);
            match &marked {
                Some(current) => view.with_current(current.contains(&i)),
                None => view,
            }
        })
        .collect();
    cx.printer.report(&History {
        history,
        graph,
        shown: &shown,
        current: marked.as_deref().unwrap_or(&[]),
        options,
    });
    Ok(exit::OK)
}

#[derive(Serialize)]
struct History<'a> {
    history: Vec<RevisionView<'a>>,
    #[serde(skip)]
    graph: &'a Graph,
    #[serde(skip)]
    shown: &'a [RevisionIdx],
    #[serde(skip)]
    current: &'a [RevisionIdx],
    #[serde(skip)]
    options: Options,
}

impl Report for History<'_> {
    fn human(&self, out: &mut String) {
        let (graph, current) = (self.graph, self.current);
        if self.options.graph {
            for picture in draw::ascii(graph, self.shown, current) {
                line(out, picture);
            }
        } else if self.options.verbose {
            for &i in self.shown {
                line(out, verbose(graph, i, current));
            }
        } else {
            for &i in self.shown {
                line(out, one_line(graph, i, current));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use migrate_core::graph::{Graph, RevisionInfo};

    use super::*;
    use crate::args::Format;
    use crate::output::testing;

    fn graph() -> Graph {
        let revision = |id: &str, parents: &[&str], message: &str| RevisionInfo {
            id: id.to_owned(),
            parents: parents.iter().map(|p| (*p).to_owned()).collect(),
            message: message.to_owned(),
            location: format!("versions::{id}"),
            ..RevisionInfo::default()
        };
        Graph::build(vec![
            revision("a001", &[], "create users"),
            revision("a002", &["a001"], "add email"),
        ])
        .unwrap()
    }

    fn print(format: Format, options: Options, current: &[RevisionIdx]) -> String {
        let graph = graph();
        let shown = [1, 0].map(RevisionIdx::new);
        let (printer, out, err) = testing::printer(format);
        printer.report(&History {
            history: shown
                .iter()
                .map(|&i| RevisionView::new(&graph, i).with_current(current.contains(&i)))
                .collect(),
            graph: &graph,
            shown: &shown,
            current,
            options,
        });
        assert_eq!(err.text(), "");
        out.text()
    }

    #[test]
    fn history_prints_alembic_lines_or_one_json_document() {
        let plain = Options {
            verbose: false,
            indicate_current: true,
            graph: false,
        };
        assert_eq!(
            print(Format::Human, plain, &[RevisionIdx::new(0)]),
            "a001 -> a002 (head), add email\n<base> -> a001 (current), create users\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&print(Format::Json, plain, &[RevisionIdx::new(0)])).unwrap();
        assert_eq!(json["history"][0]["id"], "a002");
        assert_eq!(json["history"][0]["is_current"], false);
        assert_eq!(json["history"][1]["is_current"], true);
        assert_eq!(json["history"][1]["revises"], serde_json::json!([]));
        let verbose = Options {
            verbose: true,
            ..plain
        };
        assert!(print(Format::Human, verbose, &[]).starts_with(
            "Rev: a002 (head)\nParent: a001\nPath: versions::a002\n\n    add email\n\n"
        ));
    }
}
