//! Resolving a [`Target`] into a route, the revisions to apply or revert
//! in order, and how the heads table changes with each step.
//!
//! The database records where it is as its *current heads*: the applied
//! revisions that no applied revision revises. Everything they descend from,
//! through `revises` and `depends_on`, is applied, and nothing else. Plans
//! take the current heads as graph indices; an empty slice means nothing is
//! applied.
//!
//! # Branches
//!
//! A branch label names the revision that declares it and everything that
//! revises it, directly or not. `<label>@head` is the single head among
//! those; the branch's *current* revisions are the current heads among
//! them. Going down never touches what does not descend from the revision
//! gone down to, so other branches stay as they are, as in Alembic.

use super::RevisionIdx;
use super::dag::Graph;
use super::error::TargetError;
use super::target::{Range, Target};
use crate::Direction;

/// Where a downgrade goes down to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DownTo {
    /// Nothing stays applied.
    Base,
    /// This revision stays applied, with its ancestors; its descendants go.
    Revision(RevisionIdx),
    /// This revision goes, with its descendants: the base of its branch.
    Below(RevisionIdx),
}

impl Graph {
    /// The route of a move in `direction` from `current` to `target`:
    /// [`upgrade_route`](Graph::upgrade_route) or
    /// [`downgrade_route`](Graph::downgrade_route).
    ///
    /// # Errors
    ///
    /// What those return.
    pub fn route(
        &self,
        direction: Direction,
        current: &[RevisionIdx],
        target: &Target,
    ) -> Result<Vec<RevisionIdx>, TargetError> {
        match direction {
            Direction::Upgrade => self.upgrade_route(current, target),
            Direction::Downgrade => self.downgrade_route(current, target),
        }
    }

    /// The revisions to apply to get from `current` to `target`, parents and
    /// dependencies before the revisions that need them (in [topological
    /// order](Graph#order)).
    ///
    /// - `head`: up to the single head; `heads`: up to every head;
    /// - `base`, `current` and `<label>@base`: nothing;
    /// - an id or prefix: that revision with what it needs that is not
    ///   applied, so nothing if it is applied already;
    /// - `<label>@head`, `<id>@head`: up to the single head of that branch,
    ///   and whatever it depends on;
    /// - `+N`: N steps up from the single current head, or from base up to
    ///   the single root when nothing is applied; `<id>+N`: from `id`;
    ///   `<label>@+N`: from the branch's current revision, or from its base.
    ///   Whatever a step lands on is applied with what it needs.
    ///
    /// # Errors
    ///
    /// [`MultipleHeads`] for `head` when the graph has several;
    /// [`BranchHeads`] when a branch has several; [`UnknownLabel`]; for
    /// steps, [`AmbiguousStep`] at a branch point, [`PastHead`] beyond a head
    /// and [`MultipleCurrent`] with several current heads; [`WrongDirection`]
    /// for steps down; and what [`lookup`](Graph::lookup) returns.
    ///
    /// [`MultipleHeads`]: TargetError::MultipleHeads
    /// [`BranchHeads`]: TargetError::BranchHeads
    /// [`UnknownLabel`]: TargetError::UnknownLabel
    /// [`AmbiguousStep`]: TargetError::AmbiguousStep
    /// [`PastHead`]: TargetError::PastHead
    /// [`MultipleCurrent`]: TargetError::MultipleCurrent
    /// [`WrongDirection`]: TargetError::WrongDirection
    pub fn upgrade_route(
        &self,
        current: &[RevisionIdx],
        target: &Target,
    ) -> Result<Vec<RevisionIdx>, TargetError> {
        let goals: Vec<RevisionIdx> = match target {
            Target::Head => vec![self.single_head()?],
            Target::Heads => self.heads().to_vec(),
            Target::Base | Target::Current => Vec::new(),
            Target::BranchBase(label) => {
                self.label(label)?;
                Vec::new()
            }
            Target::Revision(id) => vec![self.lookup_label_or_id(id)?],
            Target::BranchHead(branch) => vec![self.branch_head(target, branch)?],
            Target::Relative(step) => {
                let steps = up(target, *step)?;
                let from = self.single_current(current, target)?;
                self.walk_up(target, from, self.roots(), steps)?
                    .into_iter()
                    .collect()
            }
            Target::RevisionRelative(id, step) => {
                let steps = up(target, *step)?;
                let from = self.lookup(id)?;
                self.walk_up(target, Some(from), &[], steps)?
                    .into_iter()
                    .collect()
            }
            Target::BranchRelative(label, step) => {
                let steps = up(target, *step)?;
                let owner = self.label(label)?;
                let from = self.branch_current(owner, current, target)?;
                self.walk_up(target, from, &[owner], steps)?
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
    /// revisions before what they need (in reverse [topological
    /// order](Graph#order)).
    ///
    /// Only what descends from where the target goes down to is reverted;
    /// other branches stay applied.
    ///
    /// - `base`: everything applied; `current`: nothing;
    /// - an id or prefix: what is applied on top of that revision;
    /// - `<label>@base`: the branch, from its labelled revision up;
    /// - `-N`: N steps down from the single current head: it and the N - 1
    ///   revisions below it, following the single parent of each, are
    ///   reverted, with what descends from them. `<id>-N`: from `id`, which
    ///   must be applied (one step down from one of several heads reverts
    ///   just that head). `<label>@-N`: from the branch's single current
    ///   revision, down to the branch's base at most.
    ///
    /// # Errors
    ///
    /// [`NotApplied`] when the revision to go down to is not applied;
    /// [`UnknownLabel`]; for steps, [`AmbiguousStep`] at a merge point,
    /// [`PastBase`] beyond base (or the branch's base), [`NoCurrent`] with
    /// nothing applied and [`MultipleCurrent`] with several current heads;
    /// [`WrongDirection`] for `head`, `heads`, `<branch>@head` and steps up;
    /// and what [`lookup`](Graph::lookup) returns.
    ///
    /// [`NotApplied`]: TargetError::NotApplied
    /// [`UnknownLabel`]: TargetError::UnknownLabel
    /// [`AmbiguousStep`]: TargetError::AmbiguousStep
    /// [`PastBase`]: TargetError::PastBase
    /// [`NoCurrent`]: TargetError::NoCurrent
    /// [`MultipleCurrent`]: TargetError::MultipleCurrent
    /// [`WrongDirection`]: TargetError::WrongDirection
    pub fn downgrade_route(
        &self,
        current: &[RevisionIdx],
        target: &Target,
    ) -> Result<Vec<RevisionIdx>, TargetError> {
        let no_current = || TargetError::NoCurrent {
            given: target.to_string(),
        };
        let down_to = match target {
            Target::Head | Target::Heads | Target::BranchHead(_) => {
                return Err(wrong_direction(target, Direction::Downgrade));
            }
            Target::Current => return Ok(Vec::new()),
            Target::Base => DownTo::Base,
            Target::Revision(id) => DownTo::Revision(self.lookup_label_or_id(id)?),
            Target::BranchBase(label) => DownTo::Below(self.label(label)?),
            Target::Relative(step) => {
                let steps = down(target, *step)?;
                let from = self
                    .single_current(current, target)?
                    .ok_or_else(no_current)?;
                self.walk_down(target, from, None, steps)?
            }
            Target::RevisionRelative(id, step) => {
                let steps = down(target, *step)?;
                let from = self.lookup(id)?;
                if !self.ancestors_of(current)[from] {
                    return Err(TargetError::NotApplied {
                        id: self.revision(from).id.clone(),
                    });
                }
                self.walk_down(target, from, None, steps)?
            }
            Target::BranchRelative(label, step) => {
                let steps = down(target, *step)?;
                let owner = self.label(label)?;
                let from = self
                    .branch_current(owner, current, target)?
                    .ok_or_else(no_current)?;
                self.walk_down(target, from, Some(owner), steps)?
            }
        };
        let applied = self.ancestors_of(current);
        // What the target reverts by itself: what revises its way up from
        // where it goes down to.
        let mut reverted = match down_to {
            DownTo::Base => vec![true; self.len()],
            DownTo::Revision(goal) if !applied[goal] => {
                return Err(TargetError::NotApplied {
                    id: self.revision(goal).id.clone(),
                });
            }
            DownTo::Revision(goal) => {
                let mut above = self.branch_members(goal);
                above[goal] = false;
                above
            }
            DownTo::Below(first) => self.branch_members(first),
        };
        // Then whatever is applied and needs (revises or depends on)
        // something reverted, and nothing else: a revision that only
        // depends on what stays, stays. Parents and dependencies come first
        // in topological order, so one pass settles it.
        for &i in self.topo_order() {
            reverted[i] = applied[i]
                && (reverted[i]
                    || self
                        .parents(i)
                        .iter()
                        .chain(self.dependencies(i))
                        .any(|&p| reverted[p]));
        }
        Ok(self
            .topo_order()
            .iter()
            .rev()
            .copied()
            .filter(|&i| reverted[i])
            .collect())
    }

    /// The revisions `target` names, as `stamp`, `show` and the ends of a
    /// range take them: `head`, `heads`, `base` (none), `current` (the
    /// current heads), an id or prefix, `<branch>@head`, `<label>@base`
    /// (none), or a step from a revision or from the current one.
    ///
    /// # Errors
    ///
    /// As [`upgrade_route`](Self::upgrade_route) and
    /// [`downgrade_route`](Self::downgrade_route) for the same target.
    pub fn resolve(
        &self,
        current: &[RevisionIdx],
        target: &Target,
    ) -> Result<Vec<RevisionIdx>, TargetError> {
        let landed = |down_to: DownTo| match down_to {
            DownTo::Revision(index) => vec![index],
            DownTo::Base => Vec::new(),
            DownTo::Below(first) => self.parents(first).to_vec(),
        };
        Ok(match target {
            Target::Head => vec![self.single_head()?],
            Target::Heads => self.heads().to_vec(),
            Target::Base => Vec::new(),
            Target::Current => current.to_vec(),
            Target::Revision(id) => vec![self.lookup_label_or_id(id)?],
            Target::BranchHead(branch) => vec![self.branch_head(target, branch)?],
            Target::BranchBase(label) => self.parents(self.label(label)?).to_vec(),
            Target::Relative(step) | Target::RevisionRelative(_, step) => {
                let from = match target {
                    Target::RevisionRelative(id, _) => Some(self.lookup(id)?),
                    _ => self.single_current(current, target)?,
                };
                match (from, *step >= 0) {
                    (from, true) => self
                        .walk_up(target, from, self.roots(), step.unsigned_abs())?
                        .into_iter()
                        .collect(),
                    (Some(from), false) => {
                        landed(self.walk_down(target, from, None, step.unsigned_abs())?)
                    }
                    (None, false) => {
                        return Err(TargetError::NoCurrent {
                            given: target.to_string(),
                        });
                    }
                }
            }
            Target::BranchRelative(label, step) => {
                let owner = self.label(label)?;
                let from = self.branch_current(owner, current, target)?;
                match (from, *step >= 0) {
                    (from, true) => self
                        .walk_up(target, from, &[owner], step.unsigned_abs())?
                        .into_iter()
                        .collect(),
                    (Some(from), false) => {
                        landed(self.walk_down(target, from, Some(owner), step.unsigned_abs())?)
                    }
                    (None, false) => {
                        return Err(TargetError::NoCurrent {
                            given: target.to_string(),
                        });
                    }
                }
            }
        })
    }

    /// The revisions of `range`, newest first (reverse [topological
    /// order](Graph#order)): those at or below its end (the heads when left
    /// out) and at or above its start (base when left out), both ends
    /// included, as `history -r` shows them.
    ///
    /// # Errors
    ///
    /// What [`resolve`](Self::resolve) returns for either end.
    pub fn range(
        &self,
        current: &[RevisionIdx],
        range: &Range,
    ) -> Result<Vec<RevisionIdx>, TargetError> {
        let to = match &range.to {
            Some(target) => self.resolve(current, target)?,
            None => self.heads().to_vec(),
        };
        let below = self.ancestors_of(&to);
        let above = match &range.from {
            Some(Target::Base) | None => vec![true; self.len()],
            Some(Target::BranchBase(label)) => self.descendants_of(&[self.label(label)?]),
            Some(target) => self.descendants_of(&self.resolve(current, target)?),
        };
        Ok(self
            .topo_order()
            .iter()
            .rev()
            .copied()
            .filter(|&i| below[i] && above[i])
            .collect())
    }

    /// The revision that declares `label`.
    fn label(&self, label: &str) -> Result<RevisionIdx, TargetError> {
        self.labelled(label)
            .ok_or_else(|| TargetError::UnknownLabel {
                given: label.to_owned(),
                suggestions: super::suggest::suggest(label, self.labels.keys().map(String::as_str)),
            })
    }

    /// The graph's single head.
    fn single_head(&self) -> Result<RevisionIdx, TargetError> {
        match self.heads() {
            [head] => Ok(*head),
            heads => Err(TargetError::MultipleHeads {
                heads: self.described(heads),
            }),
        }
    }

    /// The revision that declares `branch` as a label, else the revision
    /// it names by id or prefix: where a branch starts, or what a
    /// `depends_on` names.
    ///
    /// # Errors
    ///
    /// What [`lookup`](Self::lookup) returns, with labels among the
    /// suggestions.
    pub fn lookup_label_or_id(&self, branch: &str) -> Result<RevisionIdx, TargetError> {
        match self.labelled(branch) {
            Some(owner) => Ok(owner),
            None => self.lookup(branch).map_err(|error| match error {
                TargetError::Unknown {
                    given,
                    mut suggestions,
                } => {
                    let labels = self.labels.keys().map(String::as_str);
                    suggestions.extend(super::suggest::suggest(&given, labels));
                    TargetError::Unknown { given, suggestions }
                }
                other => other,
            }),
        }
    }

    /// The revisions that revise `start`, directly or not, and `start`:
    /// the branch it begins.
    fn branch_members(&self, start: RevisionIdx) -> Vec<bool> {
        let mut members = vec![false; self.len()];
        let mut stack = vec![start];
        while let Some(index) = stack.pop() {
            if !std::mem::replace(&mut members[index], true) {
                stack.extend(self.children(index).iter().filter(|&&c| !members[c]));
            }
        }
        members
    }

    /// The single head of the branch that `branch` (a label, an id or a
    /// prefix) starts.
    fn branch_head(&self, target: &Target, branch: &str) -> Result<RevisionIdx, TargetError> {
        let members = self.branch_members(self.lookup_label_or_id(branch)?);
        let heads: Vec<RevisionIdx> = self
            .heads()
            .iter()
            .copied()
            .filter(|&h| members[h])
            .collect();
        match heads[..] {
            [head] => Ok(head),
            _ => Err(TargetError::BranchHeads {
                given: target.to_string(),
                heads: self.described(&heads),
            }),
        }
    }

    /// The current head of the branch that `owner` starts, or `None` when
    /// none of the branch is applied.
    fn branch_current(
        &self,
        owner: RevisionIdx,
        current: &[RevisionIdx],
        target: &Target,
    ) -> Result<Option<RevisionIdx>, TargetError> {
        let members = self.branch_members(owner);
        let on_branch: Vec<RevisionIdx> = current.iter().copied().filter(|&h| members[h]).collect();
        self.single_current(&on_branch, target)
    }

    /// The one current head, or `None` when nothing is applied.
    fn single_current(
        &self,
        current: &[RevisionIdx],
        target: &Target,
    ) -> Result<Option<RevisionIdx>, TargetError> {
        match current {
            [] => Ok(None),
            [head] => Ok(Some(*head)),
            heads => Err(TargetError::MultipleCurrent {
                given: target.to_string(),
                heads: self.described(heads),
            }),
        }
    }

    /// Where `steps` steps up from `from` land, following the single child
    /// of each revision; from `None` (base, or a branch's base) the first
    /// step goes to the single revision of `first`.
    fn walk_up(
        &self,
        target: &Target,
        from: Option<RevisionIdx>,
        first: &[RevisionIdx],
        steps: u64,
    ) -> Result<Option<RevisionIdx>, TargetError> {
        let mut at = from;
        for taken in 0..steps {
            let next = match at {
                Some(index) => self.children(index),
                None => first,
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

    /// Where `steps` steps down from `from` go: `from` and the `steps - 1`
    /// revisions below it, following the single parent of each, are
    /// reverted with what descends from them. So one step down from a merge
    /// unmerges it, and one step down from one of several heads leaves the
    /// others alone. No step goes below a root, nor below `floor` (the
    /// first revision of a branch).
    fn walk_down(
        &self,
        target: &Target,
        from: RevisionIdx,
        floor: Option<RevisionIdx>,
        steps: u64,
    ) -> Result<DownTo, TargetError> {
        if steps == 0 {
            return Ok(DownTo::Revision(from));
        }
        let mut at = from;
        for taken in 1..steps {
            at = match self.parents(at) {
                _ if Some(at) == floor => None,
                [] => None,
                [only] => Some(*only),
                several => return Err(self.ambiguous_step(target, Some(at), several)),
            }
            .ok_or_else(|| TargetError::PastBase {
                given: target.to_string(),
                available: step_count(taken),
            })?;
        }
        Ok(DownTo::Below(at))
    }

    fn ambiguous_step(
        &self,
        target: &Target,
        from: Option<RevisionIdx>,
        candidates: &[RevisionIdx],
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
    u64::try_from(step).map_err(|_| wrong_direction(target, Direction::Upgrade))
}

/// The number of steps of a target that goes down.
fn down(target: &Target, step: i64) -> Result<u64, TargetError> {
    if step > 0 {
        return Err(wrong_direction(target, Direction::Downgrade));
    }
    Ok(step.unsigned_abs())
}

fn wrong_direction(target: &Target, direction: Direction) -> TargetError {
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
    use std::collections::BTreeSet;

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

    fn at(g: &Graph, current: &[&str]) -> Vec<RevisionIdx> {
        current.iter().map(|id| g.index_of(id).unwrap()).collect()
    }

    fn up_ids<'g>(
        g: &'g Graph,
        current: &[&str],
        target: &str,
    ) -> Result<Vec<&'g str>, TargetError> {
        let plan = g.upgrade_route(&at(g, current), &Target::parse(target)?)?;
        Ok(ids(g, &plan))
    }

    fn down_ids<'g>(
        g: &'g Graph,
        current: &[&str],
        target: &str,
    ) -> Result<Vec<&'g str>, TargetError> {
        let plan = g.downgrade_route(&at(g, current), &Target::parse(target)?)?;
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
                    direction: Direction::Upgrade
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
        // What descends from cccc goes; dddd does not, so it stays.
        assert_eq!(down_ids(&g, &["ffff"], "cccc"), Ok(vec!["ffff", "eeee"]));
        assert_eq!(down_ids(&g, &["ffff"], "ffff"), Ok(vec![]));
        // Other branches stay, as in Alembic.
        assert_eq!(down_ids(&branched(), &["cccc", "eeee"], "cccc"), Ok(vec![]));
        assert_eq!(
            down_ids(&branched(), &["cccc", "eeee"], "bbbb"),
            Ok(vec!["eeee", "dddd", "cccc"])
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
        // One step down from one of two heads reverts just that head.
        assert_eq!(down_ids(&g, &["cccc", "dddd"], "cccc-1"), Ok(vec!["cccc"]));
        assert_eq!(
            down_ids(&g, &["cccc", "dddd"], "cccc-2"),
            Ok(vec!["dddd", "cccc", "bbbb"])
        );
        assert_eq!(
            down_ids(&g, &["dddd"], "cccc-1"),
            Err(TargetError::NotApplied { id: "cccc".into() })
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
        // Reverting the merge itself is one step down.
        assert_eq!(down_ids(&diamond(), &["eeee"], "-1"), Ok(vec!["eeee"]));
        assert_eq!(
            down_ids(&diamond(), &["ffff"], "-2"),
            Ok(vec!["ffff", "eeee"])
        );
        assert_eq!(
            down_ids(&diamond(), &["ffff"], "-3"),
            Err(TargetError::AmbiguousStep {
                given: "-3".into(),
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
                    direction: Direction::Downgrade
                })
            );
        }
    }

    #[test]
    fn zero_steps_stay_put() {
        let g = diamond();
        let cccc = g.index_of("cccc").unwrap();
        assert_eq!(g.upgrade_route(&[cccc], &Target::Relative(0)), Ok(vec![]));
        assert_eq!(g.downgrade_route(&[cccc], &Target::Relative(0)), Ok(vec![]));
        assert_eq!(
            g.upgrade_route(&[], &Target::RevisionRelative("cccc".into(), 0)),
            Ok(at(&g, &["aaaa", "bbbb", "cccc"]))
        );
    }

    fn replay_up(g: &Graph, current: &[&str], target: &str) -> Vec<String> {
        let mut heads: BTreeSet<RevisionIdx> = at(g, current).into_iter().collect();
        let plan = g
            .upgrade_route(&at(g, current), &Target::parse(target).unwrap())
            .unwrap();
        for rev in plan {
            g.heads_after_upgrade(&mut heads, rev);
        }
        heads.iter().map(|&i| g.revision(i).id.clone()).collect()
    }

    fn replay_down(g: &Graph, current: &[&str], target: &str) -> Vec<String> {
        let mut heads: BTreeSet<RevisionIdx> = at(g, current).into_iter().collect();
        let plan = g
            .downgrade_route(&at(g, current), &Target::parse(target).unwrap())
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
        assert_eq!(replay_down(&g, &["ffff"], "cccc"), ["cccc", "dddd"]);
        assert_eq!(replay_down(&g, &["ffff"], "bbbb"), ["bbbb"]);
        assert_eq!(replay_down(&g, &["ffff"], "base"), Vec::<String>::new());
        assert_eq!(
            replay_down(&branched(), &["cccc", "eeee"], "dddd"),
            ["cccc", "dddd"]
        );
        assert_eq!(
            replay_down(&branched(), &["cccc", "eeee"], "bbbb"),
            ["bbbb"]
        );
    }

    #[test]
    fn reverting_one_branch_keeps_the_shared_parent_off_the_heads() {
        let g = branched();
        let mut heads: BTreeSet<RevisionIdx> = at(&g, &["cccc", "eeee"]).into_iter().collect();
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
                    ..RevisionInfo::default()
                })
                .collect(),
        )
        .unwrap()
    }

    /// Upgrades from base to every head then downgrades to base, following
    /// the heads step by step.
    fn round_trip(g: &Graph) {
        let plan = g.upgrade_route(&[], &Target::Heads).unwrap();
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

        let current: Vec<RevisionIdx> = heads.iter().copied().collect();
        let plan = g.downgrade_route(&current, &Target::Base).unwrap();
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
        assert_eq!(g.heads(), [RevisionIdx::new(n - 1)]);
        let current = g.heads().to_vec();
        assert_eq!(g.ancestors_of(&current).iter().filter(|&&a| a).count(), n);
        assert_eq!(g.lookup("r0050000"), Ok(RevisionIdx::new(50_000)));
        assert_eq!(g.upgrade_route(&[], &Target::Head).unwrap().len(), n);
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
