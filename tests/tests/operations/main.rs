//! Every operation, run through the real runtime (`Migrator::upgrade` and
//! `downgrade`, automatic downgrades included) on SQLite, PostgreSQL and
//! MariaDB, and checked by introspecting the database with plain SQL.
//!
//! Each topic is one `async fn(Ctx)` in a module below, run once per backend
//! by [`every_backend!`]: `cargo test -p migrate-tests --test operations
//! tables::` runs the table topics on all three. PostgreSQL and MariaDB run
//! when `MIGRATE_TEST_POSTGRES_URL` / `MIGRATE_TEST_MYSQL_URL` are set.

#[path = "../support/mod.rs"]
mod support;

#[macro_use]
mod harness;
mod introspect;

mod alter;
mod backends;
mod columns;
mod constraints;
mod data;
mod enums;
mod identifiers;
mod indexes;
mod irreversible;
mod models;
mod naming;
mod online;
mod raw_ddl;
mod rebuild;
mod replay;
mod tables;
