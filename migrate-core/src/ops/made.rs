//! The tables a plan has created so far: they hold no rows yet, whatever
//! the schema says next. What the linter and the online forms both ask.

use std::collections::BTreeSet;

use super::Operation;

/// The tables a plan created up to some operation, renames followed.
#[derive(Debug, Default)]
pub(crate) struct MadeHere(BTreeSet<String>);

impl MadeHere {
    /// Whether the plan created `table` before this point.
    pub(crate) fn contains(&self, table: &str) -> bool {
        self.0.contains(table)
    }

    /// Records that the plan created `table` (raw SQL did).
    pub(crate) fn insert(&mut self, table: String) {
        self.0.insert(table);
    }

    /// Moves past `op`: a table it creates is new, one it renames stays
    /// new under its new name, one it drops is gone.
    pub(crate) fn follow(&mut self, op: &Operation) {
        match op {
            Operation::CreateTable(table) => {
                self.0.insert(table.name.clone());
            }
            Operation::RenameTable { from, to } if self.0.remove(from) => {
                self.0.insert(to.clone());
            }
            Operation::DropTable { table, .. } => {
                self.0.remove(table.name());
            }
            _ => {}
        }
    }
}
