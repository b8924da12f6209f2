//! How the current heads change as each step of a route is applied or
//! reverted: the bookkeeping that keeps the heads table equal to the
//! applied set.

use std::collections::{BTreeSet, HashSet};

use super::RevisionIdx;
use super::dag::Graph;
use crate::Direction;

impl Graph {
    /// Updates the current heads after `rev` moved in `direction`:
    /// [`heads_after_upgrade`](Graph::heads_after_upgrade) or
    /// [`heads_after_downgrade`](Graph::heads_after_downgrade).
    pub fn heads_after(
        &self,
        direction: Direction,
        heads: &mut BTreeSet<RevisionIdx>,
        rev: RevisionIdx,
    ) {
        match direction {
            Direction::Upgrade => self.heads_after_upgrade(heads, rev),
            Direction::Downgrade => self.heads_after_downgrade(heads, rev),
        }
    }

    /// Updates the current heads after `rev` was applied: the parents of
    /// `rev` stop being heads, and `rev` becomes one.
    pub fn heads_after_upgrade(&self, heads: &mut BTreeSet<RevisionIdx>, rev: RevisionIdx) {
        for parent in self.parents(rev) {
            heads.remove(parent);
        }
        heads.insert(rev);
    }

    /// Updates the current heads after `rev`, a current head, was reverted:
    /// `rev` stops being a head, and each of its parents becomes one unless
    /// it is still below another applied revision: an ancestor of another
    /// current head, or of another parent of `rev` (when `rev` merged a
    /// revision with one of its ancestors).
    ///
    /// Costs `O(log H)` for a parent that only `rev` revises, the usual
    /// case, where `H` is the number of current heads. A parent that is a
    /// branch point costs up to one check per current head, which the
    /// reachability labels computed by [`build`](Graph::build) almost always
    /// settle without walking the graph: linear over a whole plan unless the
    /// graph has both very many heads and very many branch points.
    pub fn heads_after_downgrade(&self, heads: &mut BTreeSet<RevisionIdx>, rev: RevisionIdx) {
        heads.remove(&rev);
        for &parent in self.parents(rev) {
            if !self.still_below_applied(heads, parent, rev) {
                heads.insert(parent);
            }
        }
        // A dependency stays applied when `rev` goes (a downgrade reverts
        // what needs a reverted revision, never what one needed). A heads
        // table may have let `rev`'s row stand for it (Alembic folds a
        // dependency into its dependent's row, and so does `stamp`): give
        // it a row of its own unless a remaining head still reaches it.
        // Only revisions with dependencies pay for the walk.
        let dependencies = self.dependencies(rev);
        if !dependencies.is_empty() {
            let tops: Vec<RevisionIdx> = heads.iter().copied().collect();
            let reached = self.ancestors_of(&tops);
            for &dependency in dependencies {
                if !reached[dependency] {
                    heads.insert(dependency);
                }
            }
        }
    }

    /// Whether `parent` is a proper ancestor of a revision that stays
    /// applied once `reverted` is not: one of the other `heads` or of the
    /// other parents of `reverted`.
    fn still_below_applied(
        &self,
        heads: &BTreeSet<RevisionIdx>,
        parent: RevisionIdx,
        reverted: RevisionIdx,
    ) -> bool {
        let mut others = self
            .children(parent)
            .iter()
            .filter(|&&child| child != reverted)
            .peekable();
        if others.peek().is_none() {
            return false;
        }
        // A branch that is itself a head is the common case: no need to look
        // further.
        if others.any(|child| heads.contains(child)) {
            return true;
        }
        let floor = self.topo_position[parent];
        let tops = heads
            .iter()
            .chain(self.parents(reverted))
            .copied()
            .filter(|&top| top != parent && top != reverted);
        let mut seen = HashSet::new();
        let mut stack = Vec::new();
        for top in tops {
            stack.push(top);
            while let Some(index) = stack.pop() {
                // Reached by walking down from a top, so below it.
                if index == parent {
                    return true;
                }
                // A descendant of `parent` comes after it in topological order.
                if index == reverted || self.topo_position[index] < floor {
                    continue;
                }
                match self.reach.descends(index, parent) {
                    Some(true) => return true,
                    Some(false) => {}
                    None if seen.insert(index) => stack.extend(self.parents(index)),
                    None => {}
                }
            }
        }
        false
    }
}
