//! The round-trip kit: `cargo test` proves that every migration goes up,
//! down and up again, leaving the schema (and seeded data) as it found it.
//!
//! ```no_run
//! // tests/migrations.rs of a migrations crate
//! use my_migrations as _; // links the crate's migrations into the test
//! # mod my_migrations {}
//!
//! #[test]
//! fn migrations_round_trip() {
//!     migrate_core::testing::Stairway::new().assert();
//! }
//! ```
//!
//! See [`Stairway`] for what it checks and its options (backend, seeded
//! rows, range), and [`ScratchDatabase`] for throwaway databases of your own.

mod database;
mod error;
mod stairway;

pub use database::ScratchDatabase;
pub use error::{Move, RevisionLabel, StairwayError};
pub use stairway::{Stairway, StairwayReport};
