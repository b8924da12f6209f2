//! Exit codes.

/// Everything went as asked.
pub(crate) const OK: u8 = 0;
/// The command ran and failed.
pub(crate) const FAILED: u8 = 1;
/// The command line itself was wrong.
pub(crate) const USAGE: u8 = 2;
