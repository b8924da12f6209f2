//! Properties of the graph and its plans, on random DAGs.

use std::collections::BTreeSet;

use proptest::collection::vec;
use proptest::prelude::*;

use super::{Graph, RevisionIdx, RevisionInfo, Target, all_revisions};

/// Random DAGs of up to 48 revisions, given to `build` in a random order.
///
/// Revision `i` revises up to 3 revisions among `0..i`, and one in five
/// also depends on one of them, so the result is acyclic; ids are shuffled
/// so that their order says nothing of the edges.
fn dags() -> impl Strategy<Value = Vec<RevisionInfo>> {
    (1usize..48)
        .prop_flat_map(|n| {
            let indices: Vec<usize> = (0..n).collect();
            (
                vec(vec(any::<usize>(), 0..4), n),
                vec(proptest::option::weighted(0.2, any::<usize>()), n),
                Just(indices.clone()).prop_shuffle(),
                Just(indices).prop_shuffle(),
            )
        })
        .prop_map(|(picks, dependencies, names, input_order)| {
            let id = |i: usize| format!("r{:04}", names[i]);
            input_order
                .into_iter()
                .map(|i| RevisionInfo {
                    id: id(i),
                    parents: picks[i]
                        .iter()
                        .filter(|_| i > 0)
                        .map(|pick| id(pick % i))
                        .collect(),
                    depends_on: dependencies[i]
                        .iter()
                        .filter(|_| i > 0)
                        .map(|pick| id(pick % i))
                        .collect(),
                    message: String::new(),
                    location: format!("migrations::{} (src/x.rs:1)", id(i)),
                    ..RevisionInfo::default()
                })
                .collect()
        })
}

/// A random DAG, and random revisions in it.
fn dags_with_picks() -> impl Strategy<Value = (Vec<RevisionInfo>, Vec<RevisionIdx>, RevisionIdx)> {
    dags().prop_flat_map(|revisions| {
        let n = revisions.len();
        (Just(revisions), vec(revisions_of(n), 0..4), revisions_of(n))
    })
}

/// Any revision of a graph of `n`.
fn revisions_of(n: usize) -> impl Strategy<Value = RevisionIdx> {
    (0..n).prop_map(RevisionIdx::new)
}

/// The position of each revision in `order`, which must hold each once.
fn positions(graph: &Graph, order: &[RevisionIdx]) -> Vec<usize> {
    let mut position = vec![usize::MAX; graph.len()];
    for (at, &i) in order.iter().enumerate() {
        assert_eq!(position[i], usize::MAX, "{i:?} is in the order twice");
        position[i] = at;
    }
    position
}

/// Whether each edge (`revises` or `depends_on`) between revisions of
/// `order` goes from an earlier to a later position (`up`), or the other way.
fn respects_edges(graph: &Graph, order: &[RevisionIdx], up: bool) -> bool {
    let position = positions(graph, order);
    order.iter().all(|&child| {
        graph
            .parents(child)
            .iter()
            .chain(graph.dependencies(child))
            .filter(|&&parent| position[parent] != usize::MAX)
            .all(|&parent| (position[parent] < position[child]) == up)
    })
}

/// The graph's heads, as a set.
fn graph_heads(graph: &Graph) -> BTreeSet<RevisionIdx> {
    graph.heads().iter().copied().collect()
}

/// The applied revisions that no applied revision revises.
fn maximal(graph: &Graph, applied: &[bool]) -> BTreeSet<RevisionIdx> {
    all_revisions(graph.len())
        .filter(|&i| applied[i] && !graph.children(i).iter().any(|&c| applied[c]))
        .collect()
}

/// Applies or reverts `plan` step by step, checking after each step that the
/// heads are exactly the maximal applied revisions; returns the final heads.
fn replay(
    graph: &Graph,
    current: &BTreeSet<RevisionIdx>,
    plan: &[RevisionIdx],
    upgrade: bool,
) -> BTreeSet<RevisionIdx> {
    let mut heads = current.clone();
    let mut applied = graph.ancestors_of(&current.iter().copied().collect::<Vec<_>>());
    for &rev in plan {
        assert_eq!(applied[rev], !upgrade, "step {rev:?} is not runnable");
        applied[rev] = upgrade;
        if upgrade {
            graph.heads_after_upgrade(&mut heads, rev);
        } else {
            graph.heads_after_downgrade(&mut heads, rev);
        }
        assert_eq!(heads, maximal(graph, &applied), "heads after step {rev:?}");
    }
    heads
}

proptest! {
    #[test]
    fn topological_order_respects_every_edge(revisions in dags()) {
        let graph = Graph::build(revisions).unwrap();
        prop_assert_eq!(graph.topo_order().len(), graph.len());
        prop_assert!(respects_edges(&graph, graph.topo_order(), true));
        prop_assert_eq!(graph_heads(&graph), maximal(&graph, &vec![true; graph.len()]));
    }

    #[test]
    fn reachability_labels_never_lie(revisions in dags()) {
        let graph = Graph::build(revisions).unwrap();
        for x in all_revisions(graph.len()) {
            // The labels follow `revises` only.
            let mut ancestors = vec![false; graph.len()];
            let mut stack = vec![x];
            while let Some(i) = stack.pop() {
                if !std::mem::replace(&mut ancestors[i], true) {
                    stack.extend(graph.parents(i));
                }
            }
            for (p, &truth) in super::enumerate_revisions(&ancestors) {
                if let Some(answer) = graph.reach.descends(x, p) {
                    prop_assert_eq!(answer, truth, "{:?} from {:?}", x, p);
                }
            }
        }
    }

    #[test]
    fn the_input_order_does_not_change_the_order_of_ids(revisions in dags()) {
        let mut sorted = revisions.clone();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let [shuffled, sorted] = [revisions, sorted].map(|r| Graph::build(r).unwrap());
        let ids = |g: &Graph| -> Vec<String> {
            g.topo_order().iter().map(|&i| g.revision(i).id.clone()).collect()
        };
        prop_assert_eq!(ids(&shuffled), ids(&sorted));
    }

    #[test]
    fn upgrading_then_downgrading_everything_round_trips(revisions in dags()) {
        let graph = Graph::build(revisions).unwrap();
        let up = graph.upgrade_route(&[], &Target::Heads).unwrap();
        prop_assert_eq!(up.len(), graph.len());
        prop_assert!(respects_edges(&graph, &up, true));
        let heads = replay(&graph, &BTreeSet::new(), &up, true);
        prop_assert_eq!(&heads, &graph_heads(&graph));

        let current: Vec<RevisionIdx> = heads.iter().copied().collect();
        let down = graph.downgrade_route(&current, &Target::Base).unwrap();
        prop_assert_eq!(down.len(), graph.len());
        prop_assert!(respects_edges(&graph, &down, false));
        prop_assert!(replay(&graph, &heads, &down, false).is_empty());
    }

    #[test]
    fn plans_from_any_state_keep_the_heads_right(
        (revisions, picks, target) in dags_with_picks(),
    ) {
        let graph = Graph::build(revisions).unwrap();
        let current = maximal(&graph, &graph.ancestors_of(&picks));
        let current_list: Vec<RevisionIdx> = current.iter().copied().collect();
        let applied = graph.ancestors_of(&current_list);
        let goal = Target::Revision(graph.revision(target).id.clone());

        // Up to a revision: exactly its missing ancestors, then it is applied.
        let up = graph.upgrade_route(&current_list, &goal).unwrap();
        let wanted = graph.ancestors_of(&[target]);
        let expected: Vec<RevisionIdx> = graph
            .topo_order()
            .iter()
            .copied()
            .filter(|&i| wanted[i] && !applied[i])
            .collect();
        prop_assert_eq!(&up, &expected);
        let heads = replay(&graph, &current, &up, true);
        let heads: Vec<RevisionIdx> = heads.into_iter().collect();
        prop_assert!(graph.ancestors_of(&heads)[target]);

        // Up to every head, from anywhere.
        let all = graph.upgrade_route(&current_list, &Target::Heads).unwrap();
        prop_assert!(respects_edges(&graph, &all, true));
        let heads = replay(&graph, &current, &all, true);
        prop_assert_eq!(heads, graph_heads(&graph));

        // Down to an applied revision: what revises its way up from it goes,
        // with whatever needs something that goes; the rest stays.
        let down = graph.downgrade_route(&current_list, &goal);
        if applied[target] {
            let down = down.unwrap();
            prop_assert!(respects_edges(&graph, &down, false));
            let heads = replay(&graph, &current, &down, false);
            let after = graph.ancestors_of(&heads.into_iter().collect::<Vec<_>>());
            let goes = reverted_by(&graph, &applied, target);
            for i in all_revisions(graph.len()) {
                prop_assert_eq!(after[i], applied[i] && !goes[i], "revision {:?}", i);
            }
            prop_assert!(after[target]);
        } else {
            prop_assert!(down.is_err());
        }
    }

    #[test]
    fn any_sequence_of_runs_and_stamps_keeps_the_applied_set(
        (revisions, actions) in dags().prop_flat_map(|revisions| {
            let n = revisions.len();
            (Just(revisions), vec((0..4u8, revisions_of(n)), 1..12))
        }),
    ) {
        let graph = Graph::build(revisions).unwrap();
        let mut heads: BTreeSet<RevisionIdx> = BTreeSet::new();
        let mut applied = vec![false; graph.len()];
        for (action, pick) in actions {
            let current: Vec<RevisionIdx> = heads.iter().copied().collect();
            let goal = Target::Revision(graph.revision(pick).id.clone());
            match action {
                0 => {
                    for rev in graph.upgrade_route(&current, &goal).unwrap() {
                        prop_assert!(!applied[rev]);
                        applied[rev] = true;
                        graph.heads_after_upgrade(&mut heads, rev);
                    }
                }
                1 if applied[pick] => {
                    let goes = reverted_by(&graph, &applied, pick);
                    let plan = graph.downgrade_route(&current, &goal).unwrap();
                    prop_assert!(respects_edges(&graph, &plan, false));
                    for rev in plan {
                        prop_assert!(goes[rev], "{:?} reverted, though it needs nothing that goes", rev);
                        applied[rev] = false;
                        graph.heads_after_downgrade(&mut heads, rev);
                    }
                    prop_assert!(applied[pick], "downgrade to {:?} reverted it", pick);
                }
                1 => prop_assert!(graph.downgrade_route(&current, &goal).is_err()),
                // A stamp writes the one row Alembic (and `stamp`) writes:
                // dependencies folded into it.
                2 => {
                    heads = BTreeSet::from([pick]);
                    applied = graph.ancestors_of(&[pick]);
                }
                _ => {
                    for rev in graph.downgrade_route(&current, &Target::Base).unwrap() {
                        applied[rev] = false;
                        graph.heads_after_downgrade(&mut heads, rev);
                    }
                    prop_assert!(heads.is_empty());
                }
            }
            let from_table = graph.ancestors_of(&heads.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(&from_table, &applied, "heads {:?}", heads);
        }
    }
}

/// What going down to `target` must revert, found by fixed point: the
/// applied revisions that revise their way up from it, and those that
/// revise or depend on one of them; never `target`.
fn reverted_by(graph: &Graph, applied: &[bool], target: RevisionIdx) -> Vec<bool> {
    let mut goes = vec![false; graph.len()];
    let mut stack = vec![target];
    while let Some(i) = stack.pop() {
        for &child in graph.children(i) {
            if !std::mem::replace(&mut goes[child], true) {
                stack.push(child);
            }
        }
    }
    for (gone, applied) in goes.iter_mut().zip(applied) {
        *gone &= applied;
    }
    loop {
        let mut changed = false;
        for i in all_revisions(graph.len()) {
            let needs_gone = graph
                .parents(i)
                .iter()
                .chain(graph.dependencies(i))
                .any(|&p| goes[p]);
            if applied[i] && !goes[i] && needs_gone {
                goes[i] = true;
                changed = true;
            }
        }
        if !changed {
            return goes;
        }
    }
}
