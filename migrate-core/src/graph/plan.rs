//! Resolving a [`Target`] into the revisions to apply or revert, and how the
//! heads table changes with each step.
//!
//! The database records where it is as its *current heads*: the applied
//! revisions that no applied revision revises. Everything they descend from
//! is applied, and nothing else. Plans take the current heads as graph
//! indices; an empty slice means nothing is applied.

use std::collections::{BTreeSet, HashSet};

use super::dag::Graph;
use super::error::TargetError;
use super::target::Target;

const UPGRADE: &str = "upgrade";
const DOWNGRADE: &str = "downgrade";

impl Graph {
    /// The revisions to apply to get from `current` to `target`, parents
    /// before children (in [topological order](Graph#order)).
    ///
    /// - `head`: up to the single head; `heads`: up to every head;
    /// - `base`: nothing;
    /// - an id or prefix: that revision and its ancestors that are not
    ///   applied, so nothing if it is applied already;
    /// - `+N`: N steps up from the single current head, or from base up to
    ///   the single root when nothing is applied; `<id>+N`: from `id`.
    ///   Whatever a step lands on is applied with its ancestors.
    ///
    /// # Errors
    ///
    /// [`MultipleHeads`] for `head` when the graph has several; for steps,
    /// [`AmbiguousStep`] at a branch point, [`PastHead`] beyond a head and
    /// [`MultipleCurrent`] with several current heads; [`WrongDirection`]
    /// for steps down; and what [`lookup`](Graph::lookup) returns.
    ///
    /// [`MultipleHeads`]: TargetError::MultipleHeads
    /// [`AmbiguousStep`]: TargetError::AmbiguousStep
    /// [`PastHead`]: TargetError::PastHead
    /// [`MultipleCurrent`]: TargetError::MultipleCurrent
    /// [`WrongDirection`]: TargetError::WrongDirection
    pub fn plan_upgrade(
        &self,
        current: &[usize],
        target: &Target,
    ) -> Result<Vec<usize>, TargetError> {
        let goals: Vec<usize> = match target {
            Target::Head => match self.heads() {
                [head] => vec![*head],
                heads => {
                    return Err(TargetError::MultipleHeads {
                        heads: self.described(heads),
                    });
                }
            },
            Target::Heads => self.heads().to_vec(),
            Target::Base => Vec::new(),
            Target::Revision(id) => vec![self.lookup(id)?],
            Target::Relative(step) => {
                let steps = up(target, *step)?;
                let from = self.single_current(current, target)?;
                self.walk_up(target, from, steps)?.into_iter().collect()
            }
            Target::RevisionRelative(id, step) => {
                let steps = up(target, *step)?;
                let from = self.lookup(id)?;
                self.walk_up(target, Some(from), steps)?
                    .into_iter()
                    .collect()
            }
        };
        let mut applied = self.ancestors_of(current);
        let mut plan = self.mark_ancestors(&goals, &mut applied);
        plan.sort_unstable_by_key(|&i| self.topo_position[i]);
        Ok(plan)
    }

    /// The revisions to revert to get from `current` down to `target`,
    /// children before parents (in reverse [topological order](Graph#order)).
    ///
    /// - `base`: everything applied;
    /// - an id or prefix: everything applied except that revision and its
    ///   ancestors;
    /// - `-N`: N steps down from the single current head, following the
    ///   single parent of each revision; stepping down from a root lands on
    ///   base. `<id>-N`: from `id`.
    ///
    /// # Errors
    ///
    /// [`NotApplied`] when the revision to go down to is not applied;
    /// for steps, [`AmbiguousStep`] at a merge point, [`PastBase`] beyond
    /// base, [`NoCurrent`] with nothing applied and [`MultipleCurrent`] with
    /// several current heads; [`WrongDirection`] for `head`, `heads` and
    /// steps up; and what [`lookup`](Graph::lookup) returns.
    ///
    /// [`NotApplied`]: TargetError::NotApplied
    /// [`AmbiguousStep`]: TargetError::AmbiguousStep
    /// [`PastBase`]: TargetError::PastBase
    /// [`NoCurrent`]: TargetError::NoCurrent
    /// [`MultipleCurrent`]: TargetError::MultipleCurrent
    /// [`WrongDirection`]: TargetError::WrongDirection
    pub fn plan_downgrade(
        &self,
        current: &[usize],
        target: &Target,
    ) -> Result<Vec<usize>, TargetError> {
        // `None` is base.
        let goal: Option<usize> = match target {
            Target::Head | Target::Heads => return Err(wrong_direction(target, DOWNGRADE)),
            Target::Base => None,
            Target::Revision(id) => Some(self.lookup(id)?),
            Target::Relative(step) => {
                let steps = down(target, *step)?;
                let from = self.single_current(current, target)?.ok_or_else(|| {
                    TargetError::NoCurrent {
                        given: target.to_string(),
                    }
                })?;
                self.walk_down(target, from, steps)?
            }
            Target::RevisionRelative(id, step) => {
                let steps = down(target, *step)?;
                let from = self.lookup(id)?;
                self.walk_down(target, from, steps)?
            }
        };
        let applied = self.ancestors_of(current);
        let kept = match goal {
            Some(goal) if !applied[goal] => {
                return Err(TargetError::NotApplied {
                    id: self.revision(goal).id.clone(),
                });
            }
            Some(goal) => self.ancestors_of(&[goal]),
            None => vec![false; self.len()],
        };
        Ok(self
            .topo_order()
            .iter()
            .rev()
            .copied()
            .filter(|&i| applied[i] && !kept[i])
            .collect())
    }

    /// Updates the current heads after `rev` was applied: the parents of
    /// `rev` stop being heads, and `rev` becomes one.
    pub fn heads_after_upgrade(&self, heads: &mut BTreeSet<usize>, rev: usize) {
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
    pub fn heads_after_downgrade(&self, heads: &mut BTreeSet<usize>, rev: usize) {
        heads.remove(&rev);
        for &parent in self.parents(rev) {
            if !self.still_below_applied(heads, parent, rev) {
                heads.insert(parent);
            }
        }
    }

    /// Whether `parent` is a proper ancestor of a revision that stays
    /// applied once `reverted` is not: one of the other `heads` or of the
    /// other parents of `reverted`.
    fn still_below_applied(&self, heads: &BTreeSet<usize>, parent: usize, reverted: usize) -> bool {
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

    /// The one current head, or `None` when nothing is applied.
    fn single_current(
        &self,
        current: &[usize],
        target: &Target,
    ) -> Result<Option<usize>, TargetError> {
        match current {
            [] => Ok(None),
            [head] => Ok(Some(*head)),
            heads => Err(TargetError::MultipleCurrent {
                given: target.to_string(),
                heads: self.described(heads),
            }),
        }
    }

    /// Where `steps` steps up from `from` (`None`: base) land, following the
    /// single child of each revision.
    fn walk_up(
        &self,
        target: &Target,
        from: Option<usize>,
        steps: u64,
    ) -> Result<Option<usize>, TargetError> {
        let mut at = from;
        for taken in 0..steps {
            let next = match at {
                Some(index) => self.children(index),
                None => self.roots(),
            };
            at = match next {
                [only] => Some(*only),
                [] => {
                    return Err(TargetError::PastHead {
                        given: target.to_string(),
                        available: step_count(taken),
                    });
                }
                several => return Err(self.ambiguous_step(target, at, several)),
            };
        }
        Ok(at)
    }

    /// Where `steps` steps down from `from` land (`None`: base), following
    /// the single parent of each revision.
    fn walk_down(
        &self,
        target: &Target,
        from: usize,
        steps: u64,
    ) -> Result<Option<usize>, TargetError> {
        let mut at = Some(from);
        for taken in 0..steps {
            let Some(index) = at else {
                return Err(TargetError::PastBase {
                    given: target.to_string(),
                    available: step_count(taken),
                });
            };
            at = match self.parents(index) {
                [] => None,
                [only] => Some(*only),
                several => return Err(self.ambiguous_step(target, at, several)),
            };
        }
        Ok(at)
    }

    fn ambiguous_step(
        &self,
        target: &Target,
        from: Option<usize>,
        candidates: &[usize],
    ) -> TargetError {
        TargetError::AmbiguousStep {
            given: target.to_string(),
            from: from.map_or_else(|| "base".to_owned(), |i| self.revision(i).id.clone()),
            candidates: self.described(candidates),
        }
    }
}

/// The number of steps of a target that goes up.
fn up(target: &Target, step: i64) -> Result<u64, TargetError> {
    u64::try_from(step).map_err(|_| wrong_direction(target, UPGRADE))
}

/// The number of steps of a target that goes down.
fn down(target: &Target, step: i64) -> Result<u64, TargetError> {
    if step > 0 {
        return Err(wrong_direction(target, DOWNGRADE));
    }
    Ok(step.unsigned_abs())
}

fn wrong_direction(target: &Target, direction: &'static str) -> TargetError {
    TargetError::WrongDirection {
        given: target.to_string(),
        direction,
    }
}

/// Steps taken, bounded by the graph's size, so always fits.
fn step_count(taken: u64) -> usize {
    usize::try_from(taken).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::RevisionInfo;
    use super::super::fixtures::{graph, ids};
    use super::*;

    /// ```text
    /// aaaa ─ bbbb ─┬─ cccc ─┬─ eeee ─ ffff
    ///              └─ dddd ─┘
    /// ```
    fn diamond() -> Graph {
        graph(&[
            ("aaaa", &[]),
            ("bbbb", &["aaaa"]),
            ("cccc", &["bbbb"]),
            ("dddd", &["bbbb"]),
            ("eeee", &["cccc", "dddd"]),
            ("ffff", &["eeee"]),
        ])
    }

    /// ```text
    /// aaaa ─ bbbb ─┬─ cccc
    ///              └─ dddd ─ eeee
    /// ```
    fn branched() -> Graph {
        graph(&[
            ("aaaa", &[]),
            ("bbbb", &["aaaa"]),
            ("cccc", &["bbbb"]),
            ("dddd", &["bbbb"]),
            ("eeee", &["dddd"]),
        ])
    }

    /// Two roots: `aaaa ─ bbbb` and `xxxx ─ yyyy`.
    fn two_roots() -> Graph {
        graph(&[
            ("aaaa", &[]),
            ("bbbb", &["aaaa"]),
            ("xxxx", &[]),
            ("yyyy", &["xxxx"]),
        ])
    }

    fn at(g: &Graph, current: &[&str]) -> Vec<usize> {
        current.iter().map(|id| g.index_of(id).unwrap()).collect()
    }

    fn up_ids<'g>(
        g: &'g Graph,
        current: &[&str],
        target: &str,
    ) -> Result<Vec<&'g str>, TargetError> {
        let plan = g.plan_upgrade(&at(g, current), &Target::parse(target)?)?;
        Ok(ids(g, &plan))
    }

    fn down_ids<'g>(
        g: &'g Graph,
        current: &[&str],
        target: &str,
    ) -> Result<Vec<&'g str>, TargetError> {
        let plan = g.plan_downgrade(&at(g, current), &Target::parse(target)?)?;
        Ok(ids(g, &plan))
    }

    fn described(pairs: &[&str]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|&id| (id.to_owned(), format!("message of {id}")))
            .collect()
    }

    #[test]
    fn upgrades_to_head() {
        let g = diamond();
        let all = ["aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff"];
        assert_eq!(up_ids(&g, &[], "head"), Ok(all.to_vec()));
        assert_eq!(
            up_ids(&g, &["cccc"], "head"),
            Ok(vec!["dddd", "eeee", "ffff"])
        );
        assert_eq!(up_ids(&g, &["ffff"], "head"), Ok(vec![]));
    }

    #[test]
    fn head_refuses_several_heads() {
        assert_eq!(
            up_ids(&branched(), &[], "head"),
            Err(TargetError::MultipleHeads {
                heads: described(&["cccc", "eeee"])
            })
        );
    }

    #[test]
    fn upgrades_to_every_head() {
        let g = branched();
        assert_eq!(
            up_ids(&g, &[], "heads"),
            Ok(vec!["aaaa", "bbbb", "cccc", "dddd", "eeee"])
        );
        assert_eq!(up_ids(&g, &["cccc"], "heads"), Ok(vec!["dddd", "eeee"]));
    }

    #[test]
    fn upgrading_to_base_does_nothing() {
        assert_eq!(up_ids(&diamond(), &["bbbb"], "base"), Ok(vec![]));
    }

    #[test]
    fn upgrades_to_a_revision_with_its_missing_ancestors() {
        let g = diamond();
        assert_eq!(up_ids(&g, &["cccc"], "eeee"), Ok(vec!["dddd", "eeee"]));
        assert_eq!(up_ids(&g, &[], "dddd"), Ok(vec!["aaaa", "bbbb", "dddd"]));
        assert_eq!(up_ids(&g, &["eeee"], "cccc"), Ok(vec![]));
        assert_eq!(up_ids(&g, &["eeee"], "eeee"), Ok(vec![]));
    }

    #[test]
    fn upgrades_by_prefix_and_reports_lookup_errors() {
        let g = graph(&[("ae1f0000", &[]), ("ae1f0001", &["ae1f0000"])]);
        assert_eq!(up_ids(&g, &[], "ae1f0000"), Ok(vec!["ae1f0000"]));
        assert!(matches!(
            up_ids(&g, &[], "ae1f"),
            Err(TargetError::Ambiguous { .. })
        ));
        assert!(matches!(
            up_ids(&g, &[], "ae1"),
            Err(TargetError::PrefixTooShort { .. })
        ));
        assert!(matches!(
            up_ids(&g, &[], "ffff"),
            Err(TargetError::Unknown { .. })
        ));
    }

    #[test]
    fn steps_up_from_the_current_head() {
        let g = diamond();
        assert_eq!(up_ids(&g, &["aaaa"], "+1"), Ok(vec!["bbbb"]));
        // Landing on a merge applies its other parents too.
        assert_eq!(up_ids(&g, &["cccc"], "+1"), Ok(vec!["dddd", "eeee"]));
        assert_eq!(
            up_ids(&g, &["cccc"], "+2"),
            Ok(vec!["dddd", "eeee", "ffff"])
        );
    }

    #[test]
    fn steps_up_from_base_through_the_single_root() {
        let g = diamond();
        assert_eq!(up_ids(&g, &[], "+1"), Ok(vec!["aaaa"]));
        assert_eq!(up_ids(&g, &[], "+2"), Ok(vec!["aaaa", "bbbb"]));
        assert_eq!(
            up_ids(&two_roots(), &[], "+1"),
            Err(TargetError::AmbiguousStep {
                given: "+1".into(),
                from: "base".into(),
                candidates: described(&["aaaa", "xxxx"]),
            })
        );
    }

    #[test]
    fn steps_up_from_a_revision() {
        let g = diamond();
        assert_eq!(up_ids(&g, &[], "aaaa+1"), Ok(vec!["aaaa", "bbbb"]));
        assert_eq!(up_ids(&g, &["ffff"], "aaaa+1"), Ok(vec![]));
    }

    #[test]
    fn a_step_up_stops_at_a_branch_point() {
        assert_eq!(
            up_ids(&branched(), &["aaaa"], "+2"),
            Err(TargetError::AmbiguousStep {
                given: "+2".into(),
                from: "bbbb".into(),
                candidates: described(&["cccc", "dddd"]),
            })
        );
    }

    #[test]
    fn a_step_up_cannot_pass_the_head() {
        let g = diamond();
        assert_eq!(
            up_ids(&g, &["eeee"], "+2"),
            Err(TargetError::PastHead {
                given: "+2".into(),
                available: 1
            })
        );
        assert_eq!(
            up_ids(&g, &[], "ffff+1"),
            Err(TargetError::PastHead {
                given: "ffff+1".into(),
                available: 0
            })
        );
    }

    #[test]
    fn a_step_up_needs_a_single_current_head() {
        assert_eq!(
            up_ids(&branched(), &["cccc", "eeee"], "+1"),
            Err(TargetError::MultipleCurrent {
                given: "+1".into(),
                heads: described(&["cccc", "eeee"]),
            })
        );
    }

    #[test]
    fn an_upgrade_does_not_step_down() {
        let g = diamond();
        for target in ["-1", "bbbb-1"] {
            assert_eq!(
                up_ids(&g, &["cccc"], target),
                Err(TargetError::WrongDirection {
                    given: target.into(),
                    direction: "upgrade"
                })
            );
        }
    }

    #[test]
    fn downgrades_to_base() {
        let g = diamond();
        assert_eq!(
            down_ids(&g, &["ffff"], "base"),
            Ok(vec!["ffff", "eeee", "dddd", "cccc", "bbbb", "aaaa"])
        );
        assert_eq!(down_ids(&g, &[], "base"), Ok(vec![]));
    }

    #[test]
    fn downgrades_to_a_revision() {
        let g = diamond();
        assert_eq!(
            down_ids(&g, &["ffff"], "cccc"),
            Ok(vec!["ffff", "eeee", "dddd"])
        );
        assert_eq!(down_ids(&g, &["ffff"], "ffff"), Ok(vec![]));
        // Everything that does not lead to the target goes, other branches
        // included.
        assert_eq!(
            down_ids(&branched(), &["cccc", "eeee"], "cccc"),
            Ok(vec!["eeee", "dddd"])
        );
    }

    #[test]
    fn downgrades_only_to_an_applied_revision() {
        assert_eq!(
            down_ids(&diamond(), &["cccc"], "dddd"),
            Err(TargetError::NotApplied { id: "dddd".into() })
        );
    }

    #[test]
    fn steps_down_from_the_current_head() {
        let g = diamond();
        assert_eq!(down_ids(&g, &["ffff"], "-1"), Ok(vec!["ffff"]));
        assert_eq!(down_ids(&g, &["cccc"], "-2"), Ok(vec!["cccc", "bbbb"]));
    }

    #[test]
    fn steps_down_from_a_revision() {
        let g = diamond();
        assert_eq!(down_ids(&g, &["ffff"], "ffff-1"), Ok(vec!["ffff"]));
        // cccc-1 is bbbb: dddd goes, although it is on another branch.
        assert_eq!(down_ids(&g, &["dddd"], "cccc-1"), Ok(vec!["dddd"]));
        assert_eq!(
            down_ids(&g, &["aaaa"], "cccc-1"),
            Err(TargetError::NotApplied { id: "bbbb".into() })
        );
    }

    #[test]
    fn a_step_down_from_a_root_lands_on_base_then_stops() {
        let g = diamond();
        assert_eq!(down_ids(&g, &["bbbb"], "-2"), Ok(vec!["bbbb", "aaaa"]));
        assert_eq!(
            down_ids(&g, &["bbbb"], "-3"),
            Err(TargetError::PastBase {
                given: "-3".into(),
                available: 2
            })
        );
        assert_eq!(
            down_ids(&g, &["cccc"], "bbbb-2"),
            Ok(vec!["cccc", "bbbb", "aaaa"])
        );
    }

    #[test]
    fn a_step_down_stops_at_a_merge_point() {
        assert_eq!(
            down_ids(&diamond(), &["ffff"], "-2"),
            Err(TargetError::AmbiguousStep {
                given: "-2".into(),
                from: "eeee".into(),
                candidates: described(&["cccc", "dddd"]),
            })
        );
    }

    #[test]
    fn a_step_down_needs_a_single_current_head() {
        let g = branched();
        assert_eq!(
            down_ids(&g, &[], "-1"),
            Err(TargetError::NoCurrent { given: "-1".into() })
        );
        assert_eq!(
            down_ids(&g, &["cccc", "eeee"], "-1"),
            Err(TargetError::MultipleCurrent {
                given: "-1".into(),
                heads: described(&["cccc", "eeee"]),
            })
        );
    }

    #[test]
    fn a_downgrade_does_not_go_up() {
        let g = diamond();
        for target in ["head", "heads", "+1", "aaaa+1"] {
            assert_eq!(
                down_ids(&g, &["cccc"], target),
                Err(TargetError::WrongDirection {
                    given: target.into(),
                    direction: "downgrade"
                })
            );
        }
    }

    #[test]
    fn zero_steps_stay_put() {
        let g = diamond();
        let cccc = g.index_of("cccc").unwrap();
        assert_eq!(g.plan_upgrade(&[cccc], &Target::Relative(0)), Ok(vec![]));
        assert_eq!(g.plan_downgrade(&[cccc], &Target::Relative(0)), Ok(vec![]));
        assert_eq!(
            g.plan_upgrade(&[], &Target::RevisionRelative("cccc".into(), 0)),
            Ok(at(&g, &["aaaa", "bbbb", "cccc"]))
        );
    }

    fn replay_up(g: &Graph, current: &[&str], target: &str) -> Vec<String> {
        let mut heads: BTreeSet<usize> = at(g, current).into_iter().collect();
        let plan = g
            .plan_upgrade(&at(g, current), &Target::parse(target).unwrap())
            .unwrap();
        for rev in plan {
            g.heads_after_upgrade(&mut heads, rev);
        }
        heads.iter().map(|&i| g.revision(i).id.clone()).collect()
    }

    fn replay_down(g: &Graph, current: &[&str], target: &str) -> Vec<String> {
        let mut heads: BTreeSet<usize> = at(g, current).into_iter().collect();
        let plan = g
            .plan_downgrade(&at(g, current), &Target::parse(target).unwrap())
            .unwrap();
        for rev in plan {
            g.heads_after_downgrade(&mut heads, rev);
        }
        heads.iter().map(|&i| g.revision(i).id.clone()).collect()
    }

    #[test]
    fn heads_follow_upgrades_across_branches_and_merges() {
        let g = diamond();
        assert_eq!(replay_up(&g, &[], "cccc"), ["cccc"]);
        assert_eq!(replay_up(&g, &["cccc"], "dddd"), ["cccc", "dddd"]);
        assert_eq!(replay_up(&g, &["cccc"], "eeee"), ["eeee"]);
        assert_eq!(replay_up(&branched(), &[], "heads"), ["cccc", "eeee"]);
    }

    #[test]
    fn heads_follow_downgrades_across_branches_and_merges() {
        let g = diamond();
        assert_eq!(replay_down(&g, &["ffff"], "cccc"), ["cccc"]);
        assert_eq!(replay_down(&g, &["ffff"], "bbbb"), ["bbbb"]);
        assert_eq!(replay_down(&g, &["ffff"], "base"), Vec::<String>::new());
        assert_eq!(
            replay_down(&branched(), &["cccc", "eeee"], "cccc"),
            ["cccc"]
        );
        assert_eq!(
            replay_down(&branched(), &["cccc", "eeee"], "bbbb"),
            ["bbbb"]
        );
    }

    #[test]
    fn reverting_one_branch_keeps_the_shared_parent_off_the_heads() {
        let g = branched();
        let mut heads: BTreeSet<usize> = at(&g, &["cccc", "eeee"]).into_iter().collect();
        let [eeee, dddd] = [g.index_of("eeee").unwrap(), g.index_of("dddd").unwrap()];
        g.heads_after_downgrade(&mut heads, eeee);
        g.heads_after_downgrade(&mut heads, dddd);
        // bbbb is still below cccc, so it does not become a head.
        assert_eq!(ids(&g, &heads.into_iter().collect::<Vec<_>>()), ["cccc"]);
    }

    /// A graph of `n` revisions named `r0000000`, `r0000001`, ..., where
    /// revision `i` revises `parents(i)`.
    fn generated(n: usize, parents: impl Fn(usize) -> Vec<usize>) -> Graph {
        let id = |i: usize| format!("r{i:07}");
        Graph::build(
            (0..n)
                .map(|i| RevisionInfo {
                    id: id(i),
                    parents: parents(i).into_iter().map(id).collect(),
                    message: String::new(),
                    location: String::new(),
                })
                .collect(),
        )
        .unwrap()
    }

    /// Upgrades from base to every head then downgrades to base, following
    /// the heads step by step.
    fn round_trip(g: &Graph) {
        let plan = g.plan_upgrade(&[], &Target::Heads).unwrap();
        assert_eq!(plan.len(), g.len());
        let mut heads = BTreeSet::new();
        for &rev in &plan {
            g.heads_after_upgrade(&mut heads, rev);
        }
        assert!(
            heads
                .iter()
                .eq(BTreeSet::from_iter(g.heads().iter().copied()).iter())
        );

        let current: Vec<usize> = heads.iter().copied().collect();
        let plan = g.plan_downgrade(&current, &Target::Base).unwrap();
        assert_eq!(plan.len(), g.len());
        for &rev in &plan {
            g.heads_after_downgrade(&mut heads, rev);
        }
        assert!(heads.is_empty());
    }

    #[test]
    fn a_long_history_is_planned_in_linear_time() {
        let n = 100_000;
        let g = generated(n, |i| if i == 0 { vec![] } else { vec![i - 1] });
        assert_eq!(g.heads(), [n - 1]);
        let current = g.heads().to_vec();
        assert_eq!(g.ancestors_of(&current).iter().filter(|&&a| a).count(), n);
        assert_eq!(g.lookup("r0050000"), Ok(50_000));
        assert_eq!(g.plan_upgrade(&[], &Target::Head).unwrap().len(), n);
        round_trip(&g);
    }

    #[test]
    fn wide_histories_are_replayed_in_linear_time() {
        let n = 50_000;
        // Every revision branches off the root.
        round_trip(&generated(n, |i| if i == 0 { vec![] } else { vec![0] }));
        // A line with a side branch every 100 revisions, each left unmerged.
        let side = |i: usize| i % 100 == 50;
        let comb = |i: usize| match i {
            0 => vec![],
            _ if side(i - 1) => vec![i - 2],
            _ => vec![i - 1],
        };
        round_trip(&generated(n, comb));
        // The same, with every branch merged at the end.
        round_trip(&generated(n, |i| match i {
            _ if i == n - 1 => (0..n - 1).filter(|&j| side(j)).chain([n - 2]).collect(),
            _ => comb(i),
        }));
        // Diamonds in a row: a branch and a merge every three revisions.
        round_trip(&generated(n, |i| match i % 3 {
            _ if i == 0 => vec![],
            1 | 2 => vec![i - i % 3],
            _ => vec![i - 2, i - 1],
        }));
    }
}
