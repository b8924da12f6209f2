//! The checked revision graph and its queries.

use std::collections::HashMap;

use super::RevisionIdx;
use super::error::TargetError;
use super::reach::Reach;
use super::revision::{MIN_ID_LEN, RevisionInfo};
use super::suggest::suggest;

/// The registered revisions, checked and indexed: a DAG whose edges point
/// from a revision to the ones it revises.
///
/// Built by [`Graph::build`], which rejects duplicate ids, unknown parents
/// and cycles. A revision's index, a [`RevisionIdx`], is its position in the
/// `Vec` given to `build`, so callers can keep data about revisions in
/// parallel vectors and index them with it.
///
/// # Order
///
/// [`topo_order`](Self::topo_order) is fixed by the revisions alone, never by
/// the order they were registered in: it is Kahn's algorithm where, among the
/// revisions whose parents are all placed, the one with the smallest id comes
/// next. Parents always come before children. [`heads`](Self::heads),
/// [`roots`](Self::roots) and [`children`](Self::children) follow that order.
///
/// # Cost
///
/// Building is `O((V + E) log V)`. Lookups by id are `O(1)`, by prefix
/// `O(log V)`; [`ancestors_of`](Self::ancestors_of) and the plans are one
/// walk over the graph, `O(V + E)`. Nothing is quadratic.
#[derive(Debug, Clone)]
pub struct Graph {
    pub(super) revisions: Vec<RevisionInfo>,
    /// The parents of each revision, deduplicated, in declared order.
    pub(super) parents: Vec<Vec<RevisionIdx>>,
    /// The children of each revision, in topological order.
    pub(super) children: Vec<Vec<RevisionIdx>>,
    /// What each revision depends on (`depends_on`, labels resolved),
    /// deduplicated, in declared order.
    pub(super) dependencies: Vec<Vec<RevisionIdx>>,
    /// The revisions that depend on each revision.
    pub(super) dependents: Vec<Vec<RevisionIdx>>,
    /// Each branch label, with the revision that declares it.
    pub(super) labels: HashMap<String, RevisionIdx>,
    /// For each revision, the revision whose labels apply to it (see
    /// [`branch_of`](Self::branch_of)).
    pub(super) labelled_by: Vec<Option<RevisionIdx>>,
    pub(super) by_id: HashMap<String, RevisionIdx>,
    /// Every index, sorted by id, for prefix lookups.
    pub(super) by_prefix: Vec<RevisionIdx>,
    pub(super) topo_order: Vec<RevisionIdx>,
    /// The position of each revision in `topo_order`.
    pub(super) topo_position: Vec<usize>,
    pub(super) heads: Vec<RevisionIdx>,
    pub(super) roots: Vec<RevisionIdx>,
    pub(super) reach: Reach,
}

impl Graph {
    /// How many revisions the graph holds.
    pub fn len(&self) -> usize {
        self.revisions.len()
    }

    /// Whether the graph holds no revisions. Never true for a graph that
    /// [`build`](Self::build) returned.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }

    /// The revision at `index`.
    ///
    /// # Panics
    ///
    /// If `index` is out of range, like every method that takes an index.
    pub fn revision(&self, index: RevisionIdx) -> &RevisionInfo {
        &self.revisions[index]
    }

    /// The index of the revision with exactly this id.
    pub fn index_of(&self, id: &str) -> Option<RevisionIdx> {
        self.by_id.get(id).copied()
    }

    /// The revisions that `index` revises, in declared order. Empty for a
    /// root.
    pub fn parents(&self, index: RevisionIdx) -> &[RevisionIdx] {
        &self.parents[index]
    }

    /// The revisions that revise `index`, in topological order. Empty for a
    /// head.
    pub fn children(&self, index: RevisionIdx) -> &[RevisionIdx] {
        &self.children[index]
    }

    /// Every revision, parents before children; see [the order](Self#order).
    pub fn topo_order(&self) -> &[RevisionIdx] {
        &self.topo_order
    }

    /// The revisions that `index` depends on (`depends_on`, with labels
    /// resolved to the revisions that declare them), in declared order.
    pub fn dependencies(&self, index: RevisionIdx) -> &[RevisionIdx] {
        &self.dependencies[index]
    }

    /// The revisions that depend on `index`.
    pub fn dependents(&self, index: RevisionIdx) -> &[RevisionIdx] {
        &self.dependents[index]
    }

    /// The revisions that nothing revises, in topological order. A graph
    /// ready to upgrade to `head` has exactly one.
    ///
    /// As in Alembic, `depends_on` does not make a revision stop being a
    /// head: see [`heads_resolving_dependencies`](Self::heads_resolving_dependencies).
    pub fn heads(&self) -> &[RevisionIdx] {
        &self.heads
    }

    /// The heads that nothing depends on either (`heads
    /// --resolve-dependencies`): the revisions a database must reach for
    /// everything to be applied.
    pub fn heads_resolving_dependencies(&self) -> Vec<RevisionIdx> {
        self.heads
            .iter()
            .copied()
            .filter(|&head| self.dependents[head].is_empty())
            .collect()
    }

    /// The heads that share a branch with another head: several heads on
    /// the unlabelled trunk, or a labelled branch that split. Empty when
    /// every head is on a branch of its own, which is what labelling
    /// independent branches declares; `check` and the stairway test accept
    /// such heads.
    pub fn undeclared_heads(&self) -> Vec<RevisionIdx> {
        let mut by_branch: HashMap<Option<RevisionIdx>, Vec<RevisionIdx>> = HashMap::new();
        for &head in &self.heads {
            by_branch
                .entry(self.labelled_by[head])
                .or_default()
                .push(head);
        }
        let mut found: Vec<RevisionIdx> = self
            .heads
            .iter()
            .copied()
            .filter(|head| by_branch[&self.labelled_by[*head]].len() > 1)
            .collect();
        found.sort_unstable_by_key(|&h| self.topo_position[h]);
        found
    }

    /// The revision that declares branch label `label`.
    pub fn labelled(&self, label: &str) -> Option<RevisionIdx> {
        self.labels.get(label).copied()
    }

    /// Every branch label with the revision that declares it, sorted by
    /// label.
    pub fn labels(&self) -> Vec<(&str, RevisionIdx)> {
        let mut labels: Vec<(&str, RevisionIdx)> = self
            .labels
            .iter()
            .map(|(label, &index)| (label.as_str(), index))
            .collect();
        labels.sort_unstable();
        labels
    }

    /// The branch labels that apply to `index`: its own, and those of the
    /// nearest labelled ancestor on its line of first parents. Labels are
    /// declared on a branch's first revision and name everything built on
    /// it, up to the next labelled revision.
    pub fn branch_of(&self, index: RevisionIdx) -> &[String] {
        self.labelled_by[index].map_or(&[], |owner| &self.revisions[owner].branch_labels)
    }

    /// The revisions that revise nothing, in topological order.
    pub fn roots(&self) -> &[RevisionIdx] {
        &self.roots
    }

    /// Which revisions are `indices` or their ancestors, indexed by
    /// revision. For the current heads of a database, that is what is
    /// applied.
    pub fn ancestors_of(&self, indices: &[RevisionIdx]) -> Vec<bool> {
        let mut marked = vec![false; self.len()];
        self.mark_ancestors(indices, &mut marked);
        marked
    }

    /// The revision that `given` names: an exact id, else the only id that
    /// starts with `given`, a prefix of at least 4 characters.
    ///
    /// # Errors
    ///
    /// [`Ambiguous`](TargetError::Ambiguous) with every candidate when
    /// several ids start with `given`, [`PrefixTooShort`] when `given` is
    /// shorter than 4 characters, and [`Unknown`](TargetError::Unknown) with
    /// the closest ids when nothing matches.
    ///
    /// [`PrefixTooShort`]: TargetError::PrefixTooShort
    pub fn lookup(&self, given: &str) -> Result<RevisionIdx, TargetError> {
        if let Some(index) = self.index_of(given) {
            return Ok(index);
        }
        let start = self
            .by_prefix
            .partition_point(|&i| self.revisions[i].id.as_str() < given);
        let matches: Vec<RevisionIdx> = self.by_prefix[start..]
            .iter()
            .copied()
            .take_while(|&i| self.revisions[i].id.starts_with(given))
            .collect();
        match matches[..] {
            [] => Err(TargetError::Unknown {
                given: given.to_owned(),
                suggestions: suggest(given, self.revisions.iter().map(|r| r.id.as_str())),
            }),
            _ if given.len() < MIN_ID_LEN => Err(TargetError::PrefixTooShort {
                given: given.to_owned(),
            }),
            [index] => Ok(index),
            _ => Err(TargetError::Ambiguous {
                prefix: given.to_owned(),
                candidates: self.described(&matches),
            }),
        }
    }

    /// Which revisions descend from `starts` (inclusive), through `revises`
    /// and `depends_on` alike: what must go when `starts` are reverted.
    pub fn descendants_of(&self, starts: &[RevisionIdx]) -> Vec<bool> {
        let mut marked = vec![false; self.len()];
        let mut stack: Vec<RevisionIdx> = starts.to_vec();
        while let Some(index) = stack.pop() {
            if !std::mem::replace(&mut marked[index], true) {
                stack.extend(
                    self.children[index]
                        .iter()
                        .chain(&self.dependents[index])
                        .filter(|&&c| !marked[c]),
                );
            }
        }
        marked
    }

    /// Marks `starts` and their ancestors in `marked`, not walking past
    /// revisions that are marked already, and returns those it newly marked.
    /// Ancestors are reached through `revises` and `depends_on` alike: a
    /// revision needs what it depends on as much as what it revises.
    ///
    /// Since an ancestor of a marked revision is marked too when `marked` is
    /// an ancestor closure (such as what is applied), this walks only the
    /// new part.
    pub(super) fn mark_ancestors(
        &self,
        starts: &[RevisionIdx],
        marked: &mut [bool],
    ) -> Vec<RevisionIdx> {
        let mut newly = Vec::new();
        let mut stack: Vec<RevisionIdx> = starts.to_vec();
        while let Some(index) = stack.pop() {
            if !std::mem::replace(&mut marked[index], true) {
                newly.push(index);
                stack.extend(
                    self.parents[index]
                        .iter()
                        .chain(&self.dependencies[index])
                        .filter(|&&p| !marked[p]),
                );
            }
        }
        newly
    }

    /// `(id, message)` of each revision, for error messages.
    pub(super) fn described(&self, indices: &[RevisionIdx]) -> Vec<(String, String)> {
        indices
            .iter()
            .map(|&i| {
                let revision = &self.revisions[i];
                (revision.id.clone(), revision.message.clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{graph, ids, idx};
    use super::*;

    /// ```text
    /// aaaa ─ bbbb ─┬─ cccc ─┬─ eeee
    ///              └─ dddd ─┘
    /// ffff (a second root)
    /// ```
    fn diamond() -> Graph {
        graph(&[
            ("eeee", &["cccc", "dddd"]),
            ("dddd", &["bbbb"]),
            ("cccc", &["bbbb"]),
            ("bbbb", &["aaaa"]),
            ("aaaa", &[]),
            ("ffff", &[]),
        ])
    }

    #[test]
    fn indexes_follow_the_input_order() {
        let g = diamond();
        assert_eq!(g.len(), 6);
        assert!(!g.is_empty());
        assert_eq!(g.index_of("eeee"), Some(RevisionIdx::new(0)));
        assert_eq!(g.index_of("ffff"), Some(RevisionIdx::new(5)));
        assert_eq!(g.index_of("eee"), None);
        assert_eq!(g.revision(RevisionIdx::new(3)).id, "bbbb");
    }

    #[test]
    fn exposes_edges_heads_and_roots() {
        let g = diamond();
        let [eeee, bbbb] = idx([0, 3]);
        assert_eq!(ids(&g, g.parents(eeee)), ["cccc", "dddd"]);
        assert_eq!(ids(&g, g.children(bbbb)), ["cccc", "dddd"]);
        assert_eq!(ids(&g, g.heads()), ["eeee", "ffff"]);
        assert_eq!(ids(&g, g.roots()), ["aaaa", "ffff"]);
    }

    #[test]
    fn topological_order_breaks_ties_by_smallest_id() {
        let g = diamond();
        assert_eq!(
            ids(&g, g.topo_order()),
            ["aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff"]
        );
    }

    #[test]
    fn ancestors_are_inclusive() {
        let g = diamond();
        let cccc = g.index_of("cccc").unwrap();
        let marked = g.ancestors_of(&[cccc]);
        let applied: Vec<RevisionIdx> = super::super::all_revisions(g.len())
            .filter(|&i| marked[i])
            .collect();
        assert_eq!(ids(&g, &applied), ["cccc", "bbbb", "aaaa"]);
        assert!(g.ancestors_of(&[]).iter().all(|&m| !m));
    }

    fn prefixed() -> Graph {
        graph(&[
            ("ae1f0000", &[]),
            ("ae1f0001", &["ae1f0000"]),
            ("ae2b0000", &["ae1f0001"]),
        ])
    }

    #[test]
    fn looks_up_exact_ids_and_unique_prefixes() {
        let g = prefixed();
        let [_, second, third] = idx([0, 1, 2]);
        assert_eq!(g.lookup("ae1f0001"), Ok(second));
        assert_eq!(g.lookup("ae2b"), Ok(third));
        assert_eq!(g.lookup("ae2b00"), Ok(third));
    }

    #[test]
    fn an_exact_id_wins_over_a_longer_id_it_starts() {
        let g = graph(&[("abcd", &[]), ("abcde", &["abcd"])]);
        let [abcd, abcde] = idx([0, 1]);
        assert_eq!(g.lookup("abcd"), Ok(abcd));
        assert_eq!(g.lookup("abcde"), Ok(abcde));
    }

    #[test]
    fn an_ambiguous_prefix_lists_the_candidates() {
        let g = prefixed();
        assert_eq!(
            g.lookup("ae1f"),
            Err(TargetError::Ambiguous {
                prefix: "ae1f".into(),
                candidates: vec![
                    ("ae1f0000".into(), "message of ae1f0000".into()),
                    ("ae1f0001".into(), "message of ae1f0001".into()),
                ],
            })
        );
    }

    #[test]
    fn a_short_prefix_is_refused() {
        assert_eq!(
            prefixed().lookup("ae2"),
            Err(TargetError::PrefixTooShort {
                given: "ae2".into()
            })
        );
    }

    #[test]
    fn an_unknown_id_gets_suggestions() {
        assert_eq!(
            prefixed().lookup("ae2c"),
            Err(TargetError::Unknown {
                given: "ae2c".into(),
                suggestions: vec!["ae2b0000".into()],
            })
        );
        assert_eq!(
            prefixed().lookup("zz"),
            Err(TargetError::Unknown {
                given: "zz".into(),
                suggestions: vec![],
            })
        );
    }
}
