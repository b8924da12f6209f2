//! Tests of branch labels and `depends_on`, on the scenario the CLI tests
//! and docs/branches.md use too.

use std::collections::BTreeSet;

use super::fixtures::{ids, revision, scenario};
use super::{Graph, GraphError, Range, RevisionIdx, RevisionInfo, Target, TargetError};

fn at(g: &Graph, current: &[&str]) -> Vec<RevisionIdx> {
    current.iter().map(|id| g.index_of(id).unwrap()).collect()
}

fn up<'g>(g: &'g Graph, current: &[&str], target: &str) -> Result<Vec<&'g str>, TargetError> {
    let plan = g.upgrade_route(&at(g, current), &Target::parse(target)?)?;
    Ok(ids(g, &plan))
}

fn down<'g>(g: &'g Graph, current: &[&str], target: &str) -> Result<Vec<&'g str>, TargetError> {
    let plan = g.downgrade_route(&at(g, current), &Target::parse(target)?)?;
    Ok(ids(g, &plan))
}

/// The heads after running the plan for `target` from `current`.
fn heads_after(g: &Graph, current: &[&str], target: &str, upgrade: bool) -> Vec<String> {
    let start = at(g, current);
    let target = Target::parse(target).unwrap();
    let mut heads: BTreeSet<RevisionIdx> = start.iter().copied().collect();
    if upgrade {
        for rev in g.upgrade_route(&start, &target).unwrap() {
            g.heads_after_upgrade(&mut heads, rev);
        }
    } else {
        for rev in g.downgrade_route(&start, &target).unwrap() {
            g.heads_after_downgrade(&mut heads, rev);
        }
    }
    let mut ids: Vec<String> = heads.iter().map(|&i| g.revision(i).id.clone()).collect();
    ids.sort();
    ids
}

#[test]
fn dependencies_order_the_graph_without_revising() {
    let g = scenario();
    let s002 = g.index_of("s002").unwrap();
    assert_eq!(ids(&g, g.dependencies(s002)), ["b001"]);
    assert_eq!(ids(&g, g.dependents(g.index_of("b001").unwrap())), ["s002"]);
    assert_eq!(
        ids(&g, g.topo_order()),
        [
            "a001", "a002", "b001", "b002", "s001", "s002", "m001", "x001", "x002"
        ]
    );
    // b001 stays a head-candidate: depending is not revising.
    assert_eq!(ids(&g, g.heads()), ["m001", "x002"]);
}

#[test]
fn labels_name_their_branch() {
    let g = scenario();
    assert_eq!(g.labelled("billing"), g.index_of("b001"));
    let labels: Vec<(&str, &str)> = g
        .labels()
        .into_iter()
        .map(|(label, i)| (label, g.revision(i).id.as_str()))
        .collect();
    assert_eq!(
        labels,
        [("audit", "x001"), ("billing", "b001"), ("search", "s001")]
    );
    let branch = |id: &str| g.branch_of(g.index_of(id).unwrap()).to_vec();
    assert_eq!(branch("b002"), ["billing"]);
    assert_eq!(branch("s002"), ["search"]);
    assert_eq!(branch("x002"), ["audit"]);
    assert!(branch("a002").is_empty());
    // The merge's first parent is s002.
    assert_eq!(branch("m001"), ["search"]);
}

#[test]
fn upgrading_a_branch_brings_its_dependencies() {
    let g = scenario();
    assert_eq!(
        up(&g, &[], "search@head"),
        Ok(vec!["a001", "a002", "b001", "b002", "s001", "s002", "m001"])
    );
    assert_eq!(up(&g, &[], "audit@head"), Ok(vec!["x001", "x002"]));
    assert_eq!(
        up(&g, &[], "s002"),
        Ok(vec!["a001", "a002", "b001", "s001", "s002"])
    );
    assert_eq!(up(&g, &["a002"], "billing@+1"), Ok(vec!["b001"]));
    assert_eq!(up(&g, &["b001"], "billing@+1"), Ok(vec!["b002"]));
    assert_eq!(up(&g, &[], "audit@+2"), Ok(vec!["x001", "x002"]));
    assert_eq!(up(&g, &["x002"], "x001@head"), Ok(vec![]));
}

#[test]
fn the_heads_table_follows_alembic() {
    let g = scenario();
    // A new branch inserts a row; a linear step updates it.
    assert_eq!(heads_after(&g, &["a002"], "b001", true), ["b001"]);
    assert_eq!(heads_after(&g, &["b001"], "b002", true), ["b002"]);
    // Both feature branches, then the merge: two rows become one.
    assert_eq!(heads_after(&g, &["a002"], "s002", true), ["b001", "s002"]);
    assert_eq!(heads_after(&g, &["s002", "b002"], "m001", true), ["m001"]);
    // An independent branch adds its own row.
    assert_eq!(
        heads_after(&g, &["m001"], "audit@head", true),
        ["m001", "x002"]
    );
    // Unmerging gives both rows back.
    assert_eq!(heads_after(&g, &["m001"], "-1", false), ["b002", "s002"]);
}

#[test]
fn downgrading_a_branch_leaves_the_others_alone() {
    let g = scenario();
    let everything = ["m001", "x002"];
    assert_eq!(
        down(&g, &everything, "audit@base"),
        Ok(vec!["x002", "x001"])
    );
    assert_eq!(down(&g, &everything, "audit@-1"), Ok(vec!["x002"]));
    assert_eq!(heads_after(&g, &everything, "audit@base", false), ["m001"]);
    // Reverting billing reverts what depends on it: the merge and s002.
    assert_eq!(
        down(&g, &everything, "billing@base"),
        Ok(vec!["m001", "s002", "b002", "b001"])
    );
    assert_eq!(
        heads_after(&g, &everything, "billing@base", false),
        ["s001", "x002"]
    );
    assert_eq!(
        heads_after(&g, &["s001", "b002"], "billing@-1", false),
        ["b001", "s001"]
    );
    // Down to a revision: only what descends from it goes.
    assert_eq!(down(&g, &everything, "x001"), Ok(vec!["x002"]));
}

#[test]
fn a_branch_step_stops_at_the_branch_base() {
    let g = scenario();
    assert_eq!(
        down(&g, &["b002", "s001"], "billing@-2"),
        Ok(vec!["b002", "b001"])
    );
    assert_eq!(
        down(&g, &["b002", "s001"], "billing@-3"),
        Err(TargetError::PastBase {
            given: "billing@-3".into(),
            available: 2
        })
    );
    assert_eq!(
        down(&g, &["a002"], "billing@-1"),
        Err(TargetError::NoCurrent {
            given: "billing@-1".into()
        })
    );
}

#[test]
fn branch_targets_explain_what_is_wrong() {
    let g = scenario();
    assert_eq!(
        up(&g, &[], "biling@head"),
        Err(TargetError::Unknown {
            given: "biling".into(),
            suggestions: vec!["billing".into()],
        })
    );
    assert_eq!(
        up(&g, &[], "biling@+1"),
        Err(TargetError::UnknownLabel {
            given: "biling".into(),
            suggestions: vec!["billing".into()],
        })
    );
    // a002 leads to the merge and nowhere else, but a001's graph has one
    // head too; a root with two heads above it is ambiguous.
    let split = Graph::build(vec![
        revision("aaaa", &[]),
        revision("bbbb", &["aaaa"]),
        revision("cccc", &["aaaa"]),
    ])
    .unwrap();
    let error = split
        .upgrade_route(&[], &Target::parse("aaaa@head").unwrap())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`aaaa@head` is ambiguous: the branch has 2 heads: `bbbb` (message of bbbb) and `cccc` \
         (message of cccc); target one of them by id, or merge them with `merge`"
    );
    assert_eq!(
        down(&g, &["m001"], "search@head"),
        Err(TargetError::WrongDirection {
            given: "search@head".into(),
            direction: crate::Direction::Downgrade
        })
    );
    // With several heads, `-1` says what to type instead.
    let message = down(&g, &["m001", "x002"], "-1").unwrap_err().to_string();
    assert!(
        message.contains("type `m001-1` or `x002-1` to step from one of them"),
        "{message}"
    );
}

#[test]
fn heads_can_resolve_dependencies() {
    let with_dep = |id: &str, parents: &[&str], deps: &[&str]| RevisionInfo {
        depends_on: deps.iter().map(|&d| d.to_owned()).collect(),
        ..revision(id, parents)
    };
    let g = Graph::build(vec![
        with_dep("aaaa", &[], &[]),
        with_dep("bbbb", &[], &["aaaa"]),
    ])
    .unwrap();
    assert_eq!(ids(&g, g.heads()), ["aaaa", "bbbb"]);
    assert_eq!(ids(&g, &g.heads_resolving_dependencies()), ["bbbb"]);
}

#[test]
fn resolves_targets_to_revisions() {
    let g = scenario();
    let resolve = |current: &[&str], target: &str| {
        let found = g
            .resolve(&at(&g, current), &Target::parse(target).unwrap())
            .unwrap();
        ids(&g, &found).join(" ")
    };
    assert_eq!(resolve(&[], "heads"), "m001 x002");
    assert_eq!(resolve(&["b002", "x001"], "current"), "b002 x001");
    assert_eq!(resolve(&[], "billing@head"), "m001");
    assert_eq!(resolve(&[], "audit@base"), "");
    assert_eq!(resolve(&[], "billing@base"), "a002");
    assert_eq!(resolve(&["b002"], "billing@-1"), "b001");
    assert_eq!(resolve(&[], "s001+1"), "s002");
    assert_eq!(resolve(&["x002"], "-2"), "");
}

#[test]
fn ranges_cover_both_ends() {
    let g = scenario();
    let range = |current: &[&str], given: &str| {
        let found = g
            .range(&at(&g, current), &Range::parse(given).unwrap())
            .unwrap();
        ids(&g, &found).join(" ")
    };
    assert_eq!(range(&[], "b001:m001"), "m001 s002 b002 b001");
    assert_eq!(range(&[], ":a002"), "a002 a001");
    assert_eq!(range(&[], "audit@base:"), "x002 x001");
    assert_eq!(range(&["x001"], "current:"), "x002 x001");
    assert_eq!(range(&[], "billing@head:heads"), "m001");
}

#[test]
fn bad_labels_and_dependencies_are_reported_together() {
    let with = |id: &str, labels: &[&str], deps: &[&str]| RevisionInfo {
        branch_labels: labels.iter().map(|&l| l.to_owned()).collect(),
        depends_on: deps.iter().map(|&d| d.to_owned()).collect(),
        ..revision(id, &[])
    };
    let errors = Graph::build(vec![
        with("aaaa", &["Bad", "shared"], &[]),
        with("bbbb", &["shared", "cccc"], &["zzzz"]),
        with("cccc", &[], &["dddd"]),
        with("dddd", &[], &["cccc"]),
    ])
    .unwrap_err()
    .0;
    let kinds: Vec<String> = errors
        .iter()
        .map(|e| match e {
            GraphError::InvalidLabel { label, .. } => format!("invalid {label}"),
            GraphError::LabelIsId { label, .. } => format!("is id {label}"),
            GraphError::DuplicateLabel { label, .. } => format!("duplicate {label}"),
            GraphError::UnknownDependency { dependency, .. } => format!("unknown {dependency}"),
            GraphError::Cycle { members } => format!("cycle of {}", members.len()),
            other => format!("{other}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "invalid Bad",
            "is id cccc",
            "duplicate shared",
            "unknown zzzz",
            "cycle of 2"
        ]
    );
    let text = errors[3].to_string();
    assert!(
        text.starts_with("revision `bbbb` in migrations::bbbb (src/bbbb.rs:1) depends on `zzzz`"),
        "{text}"
    );
}

/// Alembic's "Working with Branches" example (docs/build/branches.rst):
/// `1975ea83b712` branches into `ae1027a6acf` and `27c6a30d7c24`, labelled
/// `shoppingcart`. What Alembic documents, and what we do instead where we
/// differ (docs/branches.md has the side-by-side).
#[test]
fn alembics_documented_example() {
    let g = Graph::build(vec![
        revision("1975ea83b712", &[]),
        revision("ae1027a6acf", &["1975ea83b712"]),
        RevisionInfo {
            branch_labels: vec!["shoppingcart".into()],
            ..revision("27c6a30d7c24", &["1975ea83b712"])
        },
    ])
    .unwrap();
    // `upgrade head`: both refuse, naming the way out.
    assert!(matches!(
        up(&g, &[], "head"),
        Err(TargetError::MultipleHeads { .. })
    ));
    // `upgrade heads` from empty: the same three, in a fixed order.
    assert_eq!(
        up(&g, &[], "heads"),
        Ok(vec!["1975ea83b712", "27c6a30d7c24", "ae1027a6acf"])
    );
    // `upgrade 27c6a`, then `upgrade ae102`: nothing more than needed.
    assert_eq!(
        up(&g, &[], "27c6a"),
        Ok(vec!["1975ea83b712", "27c6a30d7c24"])
    );
    assert_eq!(up(&g, &["27c6a30d7c24"], "ae102"), Ok(vec!["ae1027a6acf"]));
    // A label is an alias for the revision that declares it.
    assert_eq!(
        up(&g, &[], "shoppingcart"),
        Ok(vec!["1975ea83b712", "27c6a30d7c24"])
    );
    // `downgrade -1` with two heads: Alembic picks `ae1027a6acf`; we refuse
    // and say what to type.
    let both = ["ae1027a6acf", "27c6a30d7c24"];
    assert!(matches!(
        down(&g, &both, "-1"),
        Err(TargetError::MultipleCurrent { .. })
    ));
    assert_eq!(down(&g, &both, "ae1027a6acf-1"), Ok(vec!["ae1027a6acf"]));
    assert_eq!(
        heads_after(&g, &both, "ae1027a6acf-1", false),
        ["27c6a30d7c24"]
    );
    assert_eq!(
        heads_after(&g, &["27c6a30d7c24"], "-1", false),
        ["1975ea83b712"]
    );
    assert_eq!(
        heads_after(&g, &["1975ea83b712"], "-1", false),
        Vec::<String>::new()
    );
    // `shoppingcart@-1` takes down that branch only.
    assert_eq!(down(&g, &both, "shoppingcart@-1"), Ok(vec!["27c6a30d7c24"]));
}

#[test]
fn heads_on_branches_of_their_own_are_declared() {
    let g = scenario();
    assert_eq!(ids(&g, g.heads()), ["m001", "x002"]);
    assert!(g.undeclared_heads().is_empty());

    let unlabelled = Graph::build(vec![
        revision("aaaa", &[]),
        revision("bbbb", &["aaaa"]),
        revision("cccc", &["aaaa"]),
    ])
    .unwrap();
    assert_eq!(
        ids(&unlabelled, &unlabelled.undeclared_heads()),
        ["bbbb", "cccc"]
    );

    // A labelled branch that split in two is not declared either.
    let split = Graph::build(vec![
        revision("aaaa", &[]),
        RevisionInfo {
            branch_labels: vec!["billing".into()],
            ..revision("bbbb", &[])
        },
        revision("cccc", &["bbbb"]),
        revision("dddd", &["bbbb"]),
    ])
    .unwrap();
    assert_eq!(ids(&split, &split.undeclared_heads()), ["cccc", "dddd"]);
}
