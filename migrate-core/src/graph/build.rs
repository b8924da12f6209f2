//! Checking the registered revisions and indexing them into a [`Graph`].

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use super::RevisionIdx;
use super::dag::Graph;
use super::error::{GraphError, GraphErrors};
use super::reach::Reach;
use super::revision::{RevisionInfo, validate_id, validate_label};
use super::suggest::suggest;

impl Graph {
    /// Checks `revisions` and indexes them. Their order does not matter,
    /// except that a revision's index is its position in `revisions`.
    ///
    /// # Errors
    ///
    /// Every problem found, not just the first: invalid or duplicate ids,
    /// parents that are not registered, invalid or duplicate branch labels
    /// and labels that are also ids, dependencies that name nothing, cycles
    /// (one error per cycle, naming all of its members, whether it runs
    /// through `revises` or `depends_on`), or no revisions at all.
    pub fn build(mut revisions: Vec<RevisionInfo>) -> Result<Graph, GraphErrors> {
        if revisions.is_empty() {
            return Err(GraphErrors(vec![GraphError::Empty]));
        }
        // A message is data in every output: one line, whoever wrote it.
        for revision in &mut revisions {
            if let Cow::Owned(inert) = crate::text::one_line(&revision.message) {
                revision.message = inert;
            }
        }
        let mut problems = Vec::new();

        for revision in &revisions {
            if let Err(reason) = validate_id(&revision.id) {
                problems.push(GraphError::InvalidId {
                    id: revision.id.clone(),
                    location: revision.location.clone(),
                    reason,
                });
            }
        }

        let by_id = index_by_id(&revisions, &mut problems);
        let labels = index_labels(&revisions, &by_id, &mut problems);
        let (parents, children) = link(&revisions, &by_id, &mut problems);
        let (dependencies, dependents) =
            link_dependencies(&revisions, &by_id, &labels, &mut problems);

        // Ordering follows both kinds of edge.
        let needs: Vec<Vec<RevisionIdx>> = parents
            .iter()
            .zip(&dependencies)
            .map(|(p, d)| p.iter().chain(d).copied().collect())
            .collect();
        let needed_by: Vec<Vec<RevisionIdx>> = children
            .iter()
            .zip(&dependents)
            .map(|(c, d)| c.iter().chain(d).copied().collect())
            .collect();
        let topo_order = topological_order(&revisions, &needs, &needed_by);
        if topo_order.len() < revisions.len() {
            let mut placed = vec![false; revisions.len()];
            for &i in &topo_order {
                placed[i] = true;
            }
            problems.extend(cycles(&revisions, &needs, &placed));
        }

        if !problems.is_empty() {
            return Err(GraphErrors(problems));
        }
        Ok(Self::index(Parts {
            revisions,
            parents,
            children,
            dependencies,
            dependents,
            by_id,
            labels,
            topo_order,
        }))
    }

    /// Assembles a graph from parts that passed every check.
    fn index(parts: Parts) -> Graph {
        let Parts {
            revisions,
            parents,
            mut children,
            dependencies,
            dependents,
            by_id,
            labels,
            topo_order,
        } = parts;
        let mut topo_position = vec![0; revisions.len()];
        for (position, &i) in topo_order.iter().enumerate() {
            topo_position[i] = position;
        }
        for list in &mut children {
            list.sort_unstable_by_key(|&child| topo_position[child]);
        }
        let in_order =
            |keep: fn(&[RevisionIdx]) -> bool, edges: &[Vec<RevisionIdx>]| -> Vec<RevisionIdx> {
                topo_order
                    .iter()
                    .copied()
                    .filter(|&i| keep(&edges[i]))
                    .collect()
            };
        let heads = in_order(<[RevisionIdx]>::is_empty, &children);
        let roots = in_order(<[RevisionIdx]>::is_empty, &parents);
        let reach = Reach::new(&children, &roots, &topo_order);
        // Parents come first in topological order, so each inherits from an
        // owner that is settled already.
        let mut labelled_by: Vec<Option<RevisionIdx>> = vec![None; revisions.len()];
        for &i in &topo_order {
            labelled_by[i] = if revisions[i].branch_labels.is_empty() {
                parents[i].first().and_then(|&parent| labelled_by[parent])
            } else {
                Some(i)
            };
        }
        let mut by_prefix: Vec<RevisionIdx> = super::all_revisions(revisions.len()).collect();
        by_prefix.sort_unstable_by(|&a, &b| revisions[a].id.cmp(&revisions[b].id));
        Graph {
            revisions,
            parents,
            children,
            dependencies,
            dependents,
            by_id,
            labels,
            labelled_by,
            by_prefix,
            topo_order,
            topo_position,
            heads,
            roots,
            reach,
        }
    }
}

/// What [`Graph::index`] assembles.
struct Parts {
    revisions: Vec<RevisionInfo>,
    parents: Vec<Vec<RevisionIdx>>,
    children: Vec<Vec<RevisionIdx>>,
    dependencies: Vec<Vec<RevisionIdx>>,
    dependents: Vec<Vec<RevisionIdx>>,
    by_id: HashMap<String, RevisionIdx>,
    labels: HashMap<String, RevisionIdx>,
    topo_order: Vec<RevisionIdx>,
}

/// Maps each branch label to the revision that declares it, and reports
/// labels that break the rule, that several revisions declare, or that are
/// also ids.
fn index_labels(
    revisions: &[RevisionInfo],
    by_id: &HashMap<String, RevisionIdx>,
    problems: &mut Vec<GraphError>,
) -> HashMap<String, RevisionIdx> {
    let mut labels = HashMap::new();
    let mut duplicates: BTreeMap<&str, Vec<RevisionIdx>> = BTreeMap::new();
    for (i, revision) in super::enumerate_revisions(revisions) {
        for label in &revision.branch_labels {
            if validate_label(label).is_err() {
                problems.push(GraphError::InvalidLabel {
                    label: label.clone(),
                    location: revision.location.clone(),
                });
                continue;
            }
            if let Some(&owner) = by_id.get(label) {
                problems.push(GraphError::LabelIsId {
                    label: label.clone(),
                    location: revision.location.clone(),
                    id_location: revisions[owner].location.clone(),
                });
                continue;
            }
            first_wins(&mut labels, &mut duplicates, label, i);
        }
    }
    problems.extend(
        duplicates
            .into_iter()
            .map(|(label, indices)| GraphError::DuplicateLabel {
                label: label.to_owned(),
                locations: locations(revisions, indices),
            }),
    );
    labels
}

/// Maps `key` to revision `i` unless an earlier revision has it, in which
/// case both go into `duplicates` (sorted by key, so that reports do not
/// depend on hashing).
fn first_wins<'r>(
    map: &mut HashMap<String, RevisionIdx>,
    duplicates: &mut BTreeMap<&'r str, Vec<RevisionIdx>>,
    key: &'r str,
    i: RevisionIdx,
) {
    match map.entry(key.to_owned()) {
        Entry::Vacant(entry) => {
            entry.insert(i);
        }
        Entry::Occupied(entry) if *entry.get() == i => {}
        Entry::Occupied(entry) => duplicates
            .entry(key)
            .or_insert_with(|| vec![*entry.get()])
            .push(i),
    }
}

/// Where each of `indices` is declared.
fn locations(revisions: &[RevisionInfo], indices: Vec<RevisionIdx>) -> Vec<String> {
    indices
        .into_iter()
        .map(|i| revisions[i].location.clone())
        .collect()
}

/// What each revision depends on and what depends on it, with labels
/// resolved, and an error for each dependency that names nothing. A
/// dependency listed twice, or on a parent, counts once.
fn link_dependencies(
    revisions: &[RevisionInfo],
    by_id: &HashMap<String, RevisionIdx>,
    labels: &HashMap<String, RevisionIdx>,
    problems: &mut Vec<GraphError>,
) -> (Vec<Vec<RevisionIdx>>, Vec<Vec<RevisionIdx>>) {
    edges(
        revisions,
        |revision| &revision.depends_on,
        |dependency| by_id.get(dependency).or_else(|| labels.get(dependency)),
        |revision, dependency| {
            problems.push(GraphError::UnknownDependency {
                id: revision.id.clone(),
                dependency: dependency.to_owned(),
                location: revision.location.clone(),
                suggestions: suggest(
                    dependency,
                    by_id.keys().chain(labels.keys()).map(String::as_str),
                ),
            });
        },
    )
}

/// Maps each id to the first revision that declares it, and reports ids
/// that several revisions declare.
fn index_by_id(
    revisions: &[RevisionInfo],
    problems: &mut Vec<GraphError>,
) -> HashMap<String, RevisionIdx> {
    let mut by_id = HashMap::with_capacity(revisions.len());
    let mut duplicates: BTreeMap<&str, Vec<RevisionIdx>> = BTreeMap::new();
    for (i, revision) in super::enumerate_revisions(revisions) {
        first_wins(&mut by_id, &mut duplicates, &revision.id, i);
    }
    problems.extend(
        duplicates
            .into_iter()
            .map(|(id, indices)| GraphError::DuplicateId {
                id: id.to_owned(),
                locations: locations(revisions, indices),
            }),
    );
    by_id
}

/// The parents and children of each revision, and an error for each parent
/// that is not registered. A parent listed twice counts once.
fn link(
    revisions: &[RevisionInfo],
    by_id: &HashMap<String, RevisionIdx>,
    problems: &mut Vec<GraphError>,
) -> (Vec<Vec<RevisionIdx>>, Vec<Vec<RevisionIdx>>) {
    // A missing revision is often revised by several; suggest once per id.
    let mut suggestions: HashMap<&str, Vec<String>> = HashMap::new();
    edges(
        revisions,
        |revision| &revision.parents,
        |parent| by_id.get(parent),
        |revision, parent| {
            problems.push(GraphError::UnknownParent {
                id: revision.id.clone(),
                parent: parent.to_owned(),
                location: revision.location.clone(),
                suggestions: suggestions
                    .entry(parent)
                    .or_insert_with(|| suggest(parent, by_id.keys().map(String::as_str)))
                    .clone(),
            });
        },
    )
}

/// Each revision's references (its parents, or what it depends on) resolved
/// to edges, in declared order with repeats dropped, and the same edges the
/// other way; `unknown` hears of each reference that `resolve` cannot place.
fn edges<'r, 'm>(
    revisions: &'r [RevisionInfo],
    references: impl Fn(&'r RevisionInfo) -> &'r [String],
    resolve: impl Fn(&str) -> Option<&'m RevisionIdx>,
    mut unknown: impl FnMut(&'r RevisionInfo, &'r str),
) -> (Vec<Vec<RevisionIdx>>, Vec<Vec<RevisionIdx>>) {
    let mut forward = vec![Vec::new(); revisions.len()];
    let mut backward = vec![Vec::new(); revisions.len()];
    for (i, revision) in super::enumerate_revisions(revisions) {
        for reference in references(revision) {
            match resolve(reference) {
                Some(target) if forward[i].contains(target) => {}
                Some(&target) => {
                    forward[i].push(target);
                    backward[target].push(i);
                }
                None => unknown(revision, reference),
            }
        }
    }
    (forward, backward)
}

/// Kahn's algorithm, taking the smallest id among the revisions whose
/// parents and dependencies (`needs`) are all placed. Revisions in or after
/// a cycle are left out.
fn topological_order(
    revisions: &[RevisionInfo],
    needs: &[Vec<RevisionIdx>],
    needed_by: &[Vec<RevisionIdx>],
) -> Vec<RevisionIdx> {
    let key = |i: RevisionIdx| Reverse((revisions[i].id.as_str(), i));
    let mut waiting: Vec<usize> = needs.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<_> = super::all_revisions(revisions.len())
        .filter(|&i| waiting[i] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(revisions.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &child in &needed_by[i] {
            waiting[child] -= 1;
            if waiting[child] == 0 {
                ready.push(key(child));
            }
        }
    }
    order
}

/// One error per cycle among the revisions that are not `placed`: each
/// strongly connected component with more than one member, or one member
/// that revises itself.
fn cycles(
    revisions: &[RevisionInfo],
    parents: &[Vec<RevisionIdx>],
    placed: &[bool],
) -> Vec<GraphError> {
    let mut found: Vec<Vec<(String, String)>> = strongly_connected(parents, placed)
        .into_iter()
        .filter(|component| match component[..] {
            [single] => parents[single].contains(&single),
            _ => true,
        })
        .map(|component| {
            let mut members: Vec<_> = component
                .into_iter()
                .map(|i| (revisions[i].id.clone(), revisions[i].location.clone()))
                .collect();
            members.sort();
            members
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|members| GraphError::Cycle { members })
        .collect()
}

/// Tarjan's algorithm over the revisions that are not `skip`ped, without
/// recursion so that long chains cannot overflow the stack.
fn strongly_connected(edges: &[Vec<RevisionIdx>], skip: &[bool]) -> Vec<Vec<RevisionIdx>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next_order = 0;
    // The explicit call stack: (node, how many of its edges were followed).
    let mut calls: Vec<(RevisionIdx, usize)> = Vec::new();

    for root in super::all_revisions(n) {
        if skip[root] || order[root] != UNSEEN {
            continue;
        }
        calls.push((root, 0));
        while let Some(&mut (node, ref mut followed)) = calls.last_mut() {
            if *followed == 0 && order[node] == UNSEEN {
                order[node] = next_order;
                low[node] = next_order;
                next_order += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = edges[node].get(*followed) {
                *followed += 1;
                if skip[next] {
                    continue;
                }
                if order[next] == UNSEEN {
                    calls.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(caller, _)) = calls.last() {
                low[caller] = low[caller].min(low[node]);
            }
            if low[node] == order[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::super::error::IdError;
    use super::super::fixtures::{graph, ids, idx, revision};
    use super::*;

    fn errors(revisions: Vec<RevisionInfo>) -> Vec<GraphError> {
        Graph::build(revisions).unwrap_err().0
    }

    fn location(id: &str) -> String {
        revision(id, &[]).location
    }

    #[test]
    fn an_empty_registry_is_an_error() {
        assert_eq!(errors(vec![]), [GraphError::Empty]);
    }

    #[test]
    fn builds_a_single_revision() {
        let g = graph(&[("aaaa", &[])]);
        assert_eq!(g.heads(), idx([0]));
        assert_eq!(g.roots(), idx([0]));
        assert_eq!(g.topo_order(), idx([0]));
    }

    #[test]
    fn the_input_order_does_not_change_the_topological_order() {
        let forward = graph(&[("aaaa", &[]), ("bbbb", &["aaaa"]), ("cccc", &["aaaa"])]);
        let backward = graph(&[("cccc", &["aaaa"]), ("bbbb", &["aaaa"]), ("aaaa", &[])]);
        assert_eq!(
            ids(&forward, forward.topo_order()),
            ["aaaa", "bbbb", "cccc"]
        );
        assert_eq!(
            ids(&backward, backward.topo_order()),
            ["aaaa", "bbbb", "cccc"]
        );
    }

    #[test]
    fn a_parent_listed_twice_counts_once() {
        let g = graph(&[("aaaa", &[]), ("bbbb", &["aaaa", "aaaa"])]);
        let [aaaa, bbbb] = idx([0, 1]);
        assert_eq!(g.parents(bbbb), [aaaa]);
        assert_eq!(g.children(aaaa), [bbbb]);
    }

    #[test]
    fn reports_invalid_ids() {
        assert_eq!(
            errors(vec![revision("abc", &[]), revision("Abcd", &["abc"])]),
            [
                GraphError::InvalidId {
                    id: "abc".into(),
                    location: location("abc"),
                    reason: IdError::Length { len: 3 },
                },
                GraphError::InvalidId {
                    id: "Abcd".into(),
                    location: location("Abcd"),
                    reason: IdError::Character {
                        character: 'A',
                        position: 1
                    },
                },
            ]
        );
    }

    #[test]
    fn reports_each_duplicate_id_with_every_location() {
        let mut second = revision("aaaa", &[]);
        second.location = "migrations::again (src/again.rs:9)".into();
        assert_eq!(
            errors(vec![
                revision("aaaa", &[]),
                revision("bbbb", &["aaaa"]),
                second
            ]),
            [GraphError::DuplicateId {
                id: "aaaa".into(),
                locations: vec![
                    location("aaaa"),
                    "migrations::again (src/again.rs:9)".into()
                ],
            }]
        );
    }

    #[test]
    fn reports_unknown_parents_with_suggestions() {
        assert_eq!(
            errors(vec![
                revision("3f1c0a9b2d4e", &[]),
                revision("55296ad22e23", &["3f1c0a9b2d4f", "zzzzzzzz"]),
            ]),
            [
                GraphError::UnknownParent {
                    id: "55296ad22e23".into(),
                    parent: "3f1c0a9b2d4f".into(),
                    location: location("55296ad22e23"),
                    suggestions: vec!["3f1c0a9b2d4e".into()],
                },
                GraphError::UnknownParent {
                    id: "55296ad22e23".into(),
                    parent: "zzzzzzzz".into(),
                    location: location("55296ad22e23"),
                    suggestions: vec![],
                },
            ]
        );
    }

    #[test]
    fn reports_a_revision_that_revises_itself() {
        assert_eq!(
            errors(vec![
                revision("aaaa", &[]),
                revision("bbbb", &["aaaa", "bbbb"])
            ]),
            [GraphError::Cycle {
                members: vec![("bbbb".into(), location("bbbb"))],
            }]
        );
    }

    #[test]
    fn reports_each_cycle_once_with_all_its_members() {
        // Two cycles, cccc → dddd → eeee → cccc and gggg ↔ hhhh, and ffff,
        // which comes after a cycle but is not part of one.
        let found = errors(vec![
            revision("aaaa", &[]),
            revision("cccc", &["eeee", "aaaa"]),
            revision("dddd", &["cccc"]),
            revision("eeee", &["dddd"]),
            revision("ffff", &["eeee"]),
            revision("hhhh", &["gggg"]),
            revision("gggg", &["hhhh"]),
        ]);
        let members = |names: &[&str]| {
            names
                .iter()
                .map(|&id| (id.to_owned(), location(id)))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found,
            [
                GraphError::Cycle {
                    members: members(&["cccc", "dddd", "eeee"])
                },
                GraphError::Cycle {
                    members: members(&["gggg", "hhhh"])
                },
            ]
        );
    }

    #[test]
    fn reports_every_problem_at_once() {
        let found = errors(vec![
            revision("aaaa", &[]),
            revision("aaaa", &[]),
            revision("no", &["aaaa"]),
            revision("cccc", &["missing"]),
            revision("dddd", &["dddd"]),
        ]);
        let kinds: Vec<_> = found
            .iter()
            .map(|error| match error {
                GraphError::InvalidId { .. } => "invalid",
                GraphError::DuplicateId { .. } => "duplicate",
                GraphError::UnknownParent { .. } => "unknown parent",
                GraphError::Cycle { .. } => "cycle",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["invalid", "duplicate", "unknown parent", "cycle"]);
    }

    #[test]
    fn a_long_cycle_does_not_overflow_the_stack() {
        let n = 100_000;
        let id = |i: usize| format!("r{i:07}");
        let revisions: Vec<_> = (0..n)
            .map(|i| revision(&id(i), &[&id((i + 1) % n)]))
            .collect();
        match &errors(revisions)[..] {
            [GraphError::Cycle { members }] => assert_eq!(members.len(), n),
            other => panic!("expected one cycle, got {other:?}"),
        }
    }
}
