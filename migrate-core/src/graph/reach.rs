//! Cheap answers to "does this revision descend from that one?".
//!
//! One depth-first walk down the graph numbers each revision when it is
//! finished (post-order). That gives two labels per revision:
//!
//! - the walk's *tree*: the descendants first reached through a revision are
//!   numbered just before it, so they fill the range
//!   `post - tree_size + 1 ..= post`. A revision in that range descends from
//!   it, certainly;
//! - `low`, the smallest number among all its descendants. A descendant's
//!   descendants are a subset, so a descendant `x` of `p` has
//!   `low[p] <= low[x]` and `post[x] < post[p]`. A revision without both
//!   certainly does not descend from `p`, nor does any of its ancestors.
//!
//! In a history that is mostly a line with short-lived branches, almost
//! every question is settled by the labels; the rest walk a few revisions
//! (this is GRAIL's idea, with a single labelling).

use super::RevisionIdx;

/// Reachability labels of every revision, indexed like the graph.
#[derive(Debug, Clone)]
pub(super) struct Reach {
    post: Vec<usize>,
    tree_size: Vec<usize>,
    low: Vec<usize>,
}

impl Reach {
    /// Labels a DAG given its children, its roots and a topological order.
    pub(super) fn new(
        children: &[Vec<RevisionIdx>],
        roots: &[RevisionIdx],
        topo_order: &[RevisionIdx],
    ) -> Self {
        let n = children.len();
        let mut post = vec![0; n];
        let mut tree_size = vec![1; n];
        let mut visited = vec![false; n];
        let mut next = 0;
        // The walk's stack: (revision, how many of its children were tried).
        let mut stack: Vec<(RevisionIdx, usize)> = Vec::new();
        for &root in roots {
            visited[root] = true;
            stack.push((root, 0));
            while let Some((node, tried)) = stack.last_mut() {
                let node = *node;
                if let Some(&child) = children[node].get(*tried) {
                    *tried += 1;
                    if !std::mem::replace(&mut visited[child], true) {
                        stack.push((child, 0));
                    }
                    continue;
                }
                stack.pop();
                post[node] = next;
                next += 1;
                if let Some(&(tree_parent, _)) = stack.last() {
                    tree_size[tree_parent] += tree_size[node];
                }
            }
        }
        let mut low = post.clone();
        for &node in topo_order.iter().rev() {
            for &child in &children[node] {
                low[node] = low[node].min(low[child]);
            }
        }
        Self {
            post,
            tree_size,
            low,
        }
    }

    /// Whether `x` is `p` or descends from it, when the labels can tell.
    pub(super) fn descends(&self, x: RevisionIdx, p: RevisionIdx) -> Option<bool> {
        let (post_x, post_p) = (self.post[x], self.post[p]);
        if post_x <= post_p && post_p - post_x < self.tree_size[p] {
            Some(true)
        } else if post_x > post_p || self.low[x] < self.low[p] {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::all_revisions;
    use super::super::fixtures::graph;
    use super::RevisionIdx;

    /// Whether `x` descends from `p`, by walking up from `x`.
    fn walks_to(g: &super::super::Graph, x: RevisionIdx, p: RevisionIdx) -> bool {
        g.ancestors_of(&[x])[p]
    }

    #[test]
    fn labels_never_lie() {
        // A diamond, a merge across branches, and a second root.
        let g = graph(&[
            ("aaaa", &[]),
            ("bbbb", &["aaaa"]),
            ("cccc", &["aaaa"]),
            ("dddd", &["bbbb", "cccc"]),
            ("eeee", &["cccc"]),
            ("ffff", &["dddd", "eeee"]),
            ("gggg", &[]),
            ("hhhh", &["gggg", "eeee"]),
        ]);
        let mut settled = 0;
        for x in all_revisions(g.len()) {
            for p in all_revisions(g.len()) {
                if let Some(answer) = g.reach.descends(x, p) {
                    assert_eq!(answer, walks_to(&g, x, p), "{x:?} from {p:?}");
                    settled += 1;
                }
            }
        }
        assert!(settled > g.len() * g.len() / 2, "only {settled} settled");
    }

    #[test]
    fn a_line_is_settled_entirely() {
        let g = graph(&[("aaaa", &[]), ("bbbb", &["aaaa"]), ("cccc", &["bbbb"])]);
        for x in all_revisions(3) {
            for p in all_revisions(3) {
                assert_eq!(g.reach.descends(x, p), Some(x >= p));
            }
        }
    }
}
