//! What `#[migration]` registers through `inventory`, and how it is gathered.
//!
//! `inventory` guarantees no order, so nothing here orders anything: the
//! [`graph`](crate::graph) does, after it has checked what was collected.

use crate::ops::Migration;

/// One migration module, as the `#[migration]` attribute registers it.
///
/// Built only by the macro; the fields are public so that tests and tools can
/// construct registrations by hand.
#[derive(Debug, Clone, Copy)]
pub struct Registration {
    /// The revision id, e.g. `"55296ad22e23"`.
    pub id: &'static str,
    /// The parents. Empty for a root migration (`revises = "base"`).
    pub revises: &'static [&'static str],
    /// The branch labels this revision declares, e.g. `["billing"]`: names
    /// for the branch that starts here, usable in targets as
    /// `billing@head`.
    pub branch_labels: &'static [&'static str],
    /// Revisions (ids or branch labels) that must be applied before this
    /// one, without this one revising them: ordering across branches.
    pub depends_on: &'static [&'static str],
    /// The human message, e.g. `"add email to users"`. May be empty.
    pub message: &'static str,
    /// `module_path!()` of the migration module.
    pub module: &'static str,
    /// `file!()` of the migration module.
    pub file: &'static str,
    /// `line!()` of the `#[migration]` attribute.
    pub line: u32,
    /// Records the upgrade operations.
    pub upgrade: fn(&mut Migration),
    /// Records the downgrade operations, when the module has a `downgrade`.
    pub downgrade: Option<fn(&mut Migration)>,
}

impl Registration {
    /// Where the migration was written, for error messages: `module (file:line)`.
    pub fn location(&self) -> String {
        format!("{} ({}:{})", self.module, self.file, self.line)
    }

    /// The message as every output shows it: one line, its control
    /// characters escaped (see [`text::one_line`](crate::text::one_line)).
    /// `#[migration]` refuses them; a registration written by hand may not.
    pub fn summary(&self) -> String {
        crate::text::one_line(self.message).into_owned()
    }
}

inventory::collect!(Registration);

/// Every migration registered in this process, in no particular order.
pub fn registered() -> Vec<&'static Registration> {
    inventory::iter::<Registration>.into_iter().collect()
}
