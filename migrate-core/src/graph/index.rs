//! [`RevisionIdx`]: a revision's place in its [`Graph`](super::Graph).

use std::fmt;
use std::ops::{Index, IndexMut};

/// A revision's position in the [`Graph`](super::Graph) that gave it: the
/// position of its [`RevisionInfo`](super::RevisionInfo) in the `Vec` given
/// to [`Graph::build`](super::Graph::build), which for a
/// [`Migrator`](crate::Migrator) is the order the registrations were
/// collected in.
///
/// A `RevisionIdx` means something only for the graph it came from. Data
/// kept about revisions in a vector parallel to that graph's revisions can
/// be indexed with it directly (`vec[idx]`), as `petgraph`'s `NodeIndex`
/// does; [`index`](Self::index) gives the bare position.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RevisionIdx(usize);

impl RevisionIdx {
    /// The revision at position `index`.
    pub const fn new(index: usize) -> Self {
        Self(index)
    }

    /// The position this index stands for.
    pub const fn index(self) -> usize {
        self.0
    }
}

impl fmt::Debug for RevisionIdx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl<T> Index<RevisionIdx> for [T] {
    type Output = T;

    fn index(&self, idx: RevisionIdx) -> &T {
        &self[idx.0]
    }
}

impl<T> IndexMut<RevisionIdx> for [T] {
    fn index_mut(&mut self, idx: RevisionIdx) -> &mut T {
        &mut self[idx.0]
    }
}

impl<T> Index<RevisionIdx> for Vec<T> {
    type Output = T;

    fn index(&self, idx: RevisionIdx) -> &T {
        &self[idx.0]
    }
}

impl<T> IndexMut<RevisionIdx> for Vec<T> {
    fn index_mut(&mut self, idx: RevisionIdx) -> &mut T {
        &mut self[idx.0]
    }
}

/// Every index of a graph of `len` revisions, in registration order.
pub(crate) fn all(len: usize) -> impl DoubleEndedIterator<Item = RevisionIdx> + ExactSizeIterator {
    (0..len).map(RevisionIdx)
}

/// `items`, a vector parallel to a graph's revisions, with their indices.
pub(crate) fn enumerate<T>(items: &[T]) -> impl Iterator<Item = (RevisionIdx, &T)> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (RevisionIdx(i), item))
}
