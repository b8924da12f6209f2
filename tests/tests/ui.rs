//! Compile-time tests of `#[migration]`, `#[derive(Model)]` and
//! `#[derive(DbEnum)]` (and of `sql!` templates): what they accept, and how
//! they report what they reject.
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
    t.compile_fail("ui/model/fail/*.rs");
    t.pass("ui/model/pass/*.rs");
}
