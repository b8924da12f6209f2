//! Compile-time tests of `#[migration]` (and of `sql!` templates): what it accepts, and how it reports
//! what it rejects.
//!
//! The `.stderr` snapshots are generated, never written by hand:
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p migrate-tests --test ui
//! ```

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/migration/fail/*.rs");
    t.pass("ui/migration/pass/*.rs");
}
