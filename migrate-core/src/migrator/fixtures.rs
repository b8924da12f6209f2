//! Registrations built by hand, for the migrator's unit tests.

use crate::ops::Migration;
use crate::registry::Registration;

/// A registration as `#[migration]` would submit it, leaked for `'static`.
pub(super) fn registration(
    id: &'static str,
    revises: &'static [&'static str],
    upgrade: fn(&mut Migration),
    downgrade: Option<fn(&mut Migration)>,
) -> &'static Registration {
    Box::leak(Box::new(Registration {
        id,
        revises,
        branch_labels: &[],
        depends_on: &[],
        message: "m",
        module: "fixtures",
        file: "fixtures.rs",
        line: 1,
        upgrade,
        downgrade,
    }))
}
