//! The example application's database migrations: users, their posts and
//! tasks. One file per migration in `src/versions/`, wired in by `build.rs`,
//! so `cargo run -p migrations -- revision -m "..."` is all it takes to add one.
//!
//! Other crates use these migrations by depending on this library, e.g. the
//! `auto-migrate` example, which brings its database to head on start-up.

pub mod models;

pub mod versions {
    include!(concat!(env!("OUT_DIR"), "/versions.rs"));
}
