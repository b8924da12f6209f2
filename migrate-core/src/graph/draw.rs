//! Pictures of the revision graph: Mermaid and Graphviz for documents, and
//! an ASCII drawing for the terminal, as `git log --graph` draws.
//!
//! Every picture marks heads, merge points, branch labels (`@label`),
//! `depends_on` edges (dashed) and the revisions the database is at.
//! Pure: each function returns text.

use std::fmt::Write as _;

use super::Graph;
use super::RevisionIdx;

/// What a picture says of one revision beside its id: `(head)`,
/// `(current)`, `@label` and `(depends on x)`.
fn markers(graph: &Graph, index: RevisionIdx, current: &[RevisionIdx]) -> String {
    let mut out = String::new();
    if graph.children(index).is_empty() {
        out.push_str(" (head)");
    }
    if current.contains(&index) {
        out.push_str(" (current)");
    }
    for label in &graph.revision(index).branch_labels {
        let _ = write!(out, " @{label}");
    }
    let dependencies = graph.dependencies(index);
    if !dependencies.is_empty() {
        let ids: Vec<&str> = dependencies
            .iter()
            .map(|&d| graph.revision(d).id.as_str())
            .collect();
        let _ = write!(out, " (depends on {})", ids.join(", "));
    }
    out
}

/// A Mermaid flowchart, base at the bottom: an edge goes from a revision
/// to each revision it revises (solid) or depends on (dashed); merges are
/// hexagons, heads have a thick border, current revisions are filled.
pub fn mermaid(graph: &Graph, current: &[RevisionIdx]) -> String {
    let mut out = String::from("flowchart BT\n    base((base))\n");
    // Mermaid reads entity codes in labels; HTML in a message stays text.
    let escape = |text: &str| {
        text.replace('&', "#amp;")
            .replace('"', "#quot;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
    };
    for &i in graph.topo_order() {
        let revision = &graph.revision(i);
        let mut text = revision.id.clone();
        for label in &revision.branch_labels {
            let _ = write!(text, " @{label}");
        }
        if !revision.message.is_empty() {
            let _ = write!(text, "<br/>{}", escape(&revision.message));
        }
        let (open, close) = if graph.parents(i).len() > 1 {
            ("{{", "}}")
        } else {
            ("[", "]")
        };
        let _ = writeln!(out, "    {id}{open}\"{text}\"{close}", id = revision.id);
    }
    for &i in graph.topo_order() {
        let id = &graph.revision(i).id;
        if graph.parents(i).is_empty() {
            let _ = writeln!(out, "    {id} --> base");
        }
        for &p in graph.parents(i) {
            let _ = writeln!(out, "    {id} --> {}", graph.revision(p).id);
        }
        for &d in graph.dependencies(i) {
            let _ = writeln!(out, "    {id} -. depends on .-> {}", graph.revision(d).id);
        }
    }
    let class = |out: &mut String, name: &str, members: &[RevisionIdx]| {
        if !members.is_empty() {
            let ids: Vec<&str> = members
                .iter()
                .map(|&i| graph.revision(i).id.as_str())
                .collect();
            let _ = writeln!(out, "    class {} {name}", ids.join(","));
        }
    };
    out.push_str("    classDef head stroke-width:3px\n");
    out.push_str("    classDef current fill:#fde68a,stroke:#b45309\n");
    class(&mut out, "head", graph.heads());
    class(&mut out, "current", current);
    out
}

/// A Graphviz digraph with the same conventions as [`mermaid`]: render
/// with `dot -Tsvg`.
pub fn dot(graph: &Graph, current: &[RevisionIdx]) -> String {
    // In a quoted Graphviz string a backslash starts an escape (`\N` is
    // the node's name): every backslash and quote of the text is escaped.
    let quote = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from(
        "digraph migrations {\n    rankdir=BT;\n    node [shape=box, fontname=\"monospace\"];\n    \
         base [shape=circle];\n",
    );
    for &i in graph.topo_order() {
        let revision = graph.revision(i);
        let mut label = revision.id.clone();
        for branch in &revision.branch_labels {
            let _ = write!(label, " @{branch}");
        }
        if !revision.message.is_empty() {
            let _ = write!(label, "\n{}", revision.message);
        }
        // Graphviz reads `\n` in a quoted string as a line break.
        let mut attributes = vec![format!("label={}", quote(&label).replace('\n', "\\n"))];
        if graph.parents(i).len() > 1 {
            attributes.push("shape=hexagon".to_owned());
        }
        if graph.children(i).is_empty() {
            attributes.push("penwidth=3".to_owned());
        }
        if current.contains(&i) {
            attributes.push("style=filled, fillcolor=\"#fde68a\"".to_owned());
        }
        let _ = writeln!(
            out,
            "    {} [{}];",
            quote(&revision.id),
            attributes.join(", ")
        );
    }
    for &i in graph.topo_order() {
        let id = quote(&graph.revision(i).id);
        if graph.parents(i).is_empty() {
            let _ = writeln!(out, "    {id} -> base;");
        }
        for &p in graph.parents(i) {
            let _ = writeln!(out, "    {id} -> {};", quote(&graph.revision(p).id));
        }
        for &d in graph.dependencies(i) {
            let _ = writeln!(
                out,
                "    {id} -> {} [style=dashed, label=\"depends on\"];",
                quote(&graph.revision(d).id)
            );
        }
    }
    out.push_str("}\n");
    out
}

/// The revisions of `shown` (newest first, each after its children) drawn
/// as `git log --graph` does: one line per revision, `*` in its lane, `|`
/// for the lanes that pass by, `|/` where a branch joins the revision it
/// started from and `|\` below a merge. Parents outside `shown` end their
/// lane.
///
/// ```text
/// *   m001 (head) merge billing and search
/// |\
/// | * b002 add payments
/// * | s002 (depends on b001) add ranking
/// ...
/// ```
pub fn ascii(graph: &Graph, shown: &[RevisionIdx], current: &[RevisionIdx]) -> Vec<String> {
    let mut in_view = vec![false; graph.len()];
    for &i in shown {
        in_view[i] = true;
    }
    // Each lane waits for the revision that continues it.
    let mut lanes: Vec<RevisionIdx> = Vec::new();
    let mut lines = Vec::with_capacity(shown.len() * 2);
    for &rev in shown {
        let waiting: Vec<usize> = (0..lanes.len()).filter(|&l| lanes[l] == rev).collect();
        let column = match waiting.first() {
            Some(&first) => first,
            None => {
                lanes.push(rev);
                lanes.len() - 1
            }
        };
        // Lanes that end here join the revision's lane from the right.
        if waiting.len() > 1 {
            let joining = &waiting[1..];
            let mut line = String::new();
            for l in 0..lanes.len() {
                let cell = if joining.contains(&l) { "/ " } else { "| " };
                line.push_str(cell);
            }
            // `/` sits between the lanes it joins.
            lines.push(tidy(&line.replace("| / ", "|/ ")));
            for &l in joining.iter().rev() {
                lanes.remove(l);
            }
        }
        let parents: Vec<RevisionIdx> = graph
            .parents(rev)
            .iter()
            .copied()
            .filter(|&p| in_view[p])
            .collect();
        let mut line = String::new();
        for l in 0..lanes.len() {
            line.push_str(if l == column { "* " } else { "| " });
        }
        if parents.len() > 1 {
            line.push_str(&"  ".repeat(parents.len() - 1));
        }
        let revision = graph.revision(rev);
        let message = if revision.message.is_empty() {
            String::new()
        } else {
            format!(" {}", revision.message)
        };
        lines.push(format!(
            "{line}{}{}{message}",
            revision.id,
            markers(graph, rev, current)
        ));
        match parents.split_first() {
            None => {
                lanes.remove(column);
            }
            Some((&first, others)) => {
                lanes[column] = first;
                for (offset, &other) in others.iter().enumerate() {
                    lanes.insert(column + 1 + offset, other);
                }
                if !others.is_empty() {
                    // `|\` for each lane the merge opens; lanes to the
                    // right move over.
                    let right = lanes.len() - others.len() - column - 1;
                    let line = "| ".repeat(column)
                        + "|"
                        + &"\\ ".repeat(others.len())
                        + &"\\ ".repeat(right);
                    lines.push(tidy(&line));
                }
            }
        }
    }
    lines
}

/// Drops trailing spaces.
fn tidy(line: &str) -> String {
    line.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{idx, revision, scenario};
    use super::super::{Graph, RevisionInfo};
    use super::*;

    fn newest_first(graph: &Graph) -> Vec<RevisionIdx> {
        graph.topo_order().iter().rev().copied().collect()
    }

    #[test]
    fn draws_branches_merges_and_labels_like_git() {
        let g = scenario();
        let current = [g.index_of("b002").unwrap(), g.index_of("x001").unwrap()];
        insta::assert_snapshot!(ascii(&g, &newest_first(&g), &current).join("\n"));
    }

    #[test]
    fn draws_a_line_and_a_subset() {
        let g = Graph::build(vec![
            revision("aaaa", &[]),
            revision("bbbb", &["aaaa"]),
            revision("cccc", &["bbbb"]),
        ])
        .unwrap();
        let lines = ascii(&g, &idx([2, 1]), &[]);
        assert_eq!(
            lines,
            ["* cccc (head) message of cccc", "* bbbb message of bbbb"]
        );
    }

    #[test]
    fn draws_an_octopus_merge() {
        let g = Graph::build(vec![
            revision("aaaa", &[]),
            revision("bbbb", &["aaaa"]),
            revision("cccc", &["aaaa"]),
            revision("dddd", &["aaaa"]),
            revision("eeee", &["bbbb", "cccc", "dddd"]),
        ])
        .unwrap();
        insta::assert_snapshot!(ascii(&g, &newest_first(&g), &[]).join("\n"));
    }

    #[test]
    fn mermaid_and_dot_mark_everything() {
        let g = scenario();
        let current = [g.index_of("m001").unwrap()];
        insta::assert_snapshot!("mermaid", mermaid(&g, &current));
        insta::assert_snapshot!("dot", dot(&g, &current));
    }

    #[test]
    fn quotes_messages() {
        let g = Graph::build(vec![RevisionInfo {
            message: "say \"hi\" \\ [now]".into(),
            ..revision("aaaa", &[])
        }])
        .unwrap();
        assert!(mermaid(&g, &[]).contains("say #quot;hi#quot; \\ [now]"));
        assert!(dot(&g, &[]).contains(r#"say \"hi\" \\ [now]"#));
    }

    /// A message is one inert line in every picture, whatever it holds.
    #[test]
    fn messages_stay_text_in_every_picture() {
        let g = Graph::build(vec![RevisionInfo {
            message: "a\n    aaaa --> evil\r\n<img src=x onerror=alert(1)>\u{1b}[2J \\N".into(),
            ..revision("aaaa", &[])
        }])
        .unwrap();
        let mermaid = mermaid(&g, &[]);
        assert!(
            mermaid.contains(r#"aaaa["aaaa<br/>a\n    aaaa --#gt; evil\r\n#lt;img src=x onerror=alert(1)#gt;\u{1b}[2J \N"]"#),
            "{mermaid}"
        );
        assert!(!mermaid.contains("\n    aaaa --> evil"), "{mermaid}");
        let dot = dot(&g, &[]);
        assert!(
            dot.contains(r#"label="aaaa\na\\n    aaaa --> evil\\r\\n<img src=x onerror=alert(1)>\\u{1b}[2J \\N""#),
            "{dot}"
        );
        let lines = ascii(&g, &idx([0]), &[]);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(!lines[0].contains(['\n', '\u{1b}']), "{lines:?}");
    }

    #[test]
    fn a_long_history_draws_one_line_per_revision_and_join() {
        let n = 10_000;
        let id = |i: usize| format!("r{i:07}");
        // A line with a side branch every 200 revisions, merged 100 later.
        let g = Graph::build(
            (0..n)
                .map(|i| {
                    let parents = match i {
                        0 => vec![],
                        _ if i % 200 == 100 && i >= 200 => vec![id(i - 1), id(i - 100)],
                        _ => vec![id(i - 1)],
                    };
                    RevisionInfo {
                        id: id(i),
                        parents,
                        ..RevisionInfo::default()
                    }
                })
                .collect(),
        )
        .unwrap();
        let lines = ascii(&g, &newest_first(&g), &[]);
        assert!(lines.len() >= n, "{}", lines.len());
    }
}
