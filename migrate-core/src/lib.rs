//! The core of **migrate**: typed migrations for PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! A migration is a module annotated with [`#[migration]`](macro@migration). Its
//! `upgrade`/`downgrade` functions only *record* typed operations into a
//! [`Migration`](ops::Migration) plan; nothing touches a database while a plan is
//! built. The [`graph`] orders the registered migrations and checks them; the
//! [`migrator`] renders each plan for the connected backend and applies it.
//!
//! See `ARCHITECTURE.md` at the root of the repository for the code map.

mod backend;
mod direction;
pub mod driver;
pub mod error;
pub mod graph;
pub mod lint;
pub mod migrator;
pub mod models;
pub mod naming;
pub mod ops;
mod owner;
pub mod registry;
pub mod render;
pub mod schema;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

pub use migrate_macros::{DbEnum, Model, migration};

pub use crate::backend::{Backend, Backends};
pub use crate::direction::Direction;
pub use crate::error::Error;
pub use crate::graph::RevisionIdx;
pub use crate::migrator::Migrator;
pub use crate::naming::NamingConvention;
pub use crate::owner::{NotAnOwner, Owner};
pub use crate::registry::Registration;

/// A [`Query`](ops::Query) from a template: `{}` take names ([`ident`](ops::ident))
/// and values in order, `{{` and `}}` are braces. Names are quoted for the
/// backend, values bound as parameters; see [`Migration::execute_query`](ops::Migration::execute_query).
/// A template whose `{}` are not as many as the arguments, or with an
/// unmatched brace, does not compile.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let q = sql!("DELETE FROM {} WHERE {} < {}", ident("sessions"), ident("expires_at"), 1_700_000_000);
/// assert_eq!(q.to_string(), r#"DELETE FROM "sessions" WHERE "expires_at" < ?"#);
/// ```
#[macro_export]
macro_rules! sql {
    ($template:literal $(, $arg:expr)* $(,)?) => {{
        const _: () = $crate::ops::Query::check_template(
            $template,
            0 $(+ { let _ = ::core::stringify!($arg); 1 })*,
        );
        $crate::ops::Query::template($template, ::std::vec![$($crate::ops::SqlArg::from($arg)),*])
    }};
}

/// Sets the crate's [`NamingConvention`]: the names of the constraints and
/// indexes its migrations leave unnamed (`None`). Once per binary, in the
/// migrations crate; without it, every backend's own names.
///
/// ```
/// migrate_core::naming_convention! {
///     ix: "ix_%(column_0_label)s",
///     uq: "uq_%(table_name)s_%(column_0_name)s",
///     fk: "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
///     pk: "pk_%(table_name)s",
/// }
/// ```
#[macro_export]
macro_rules! naming_convention {
    ($($kind:ident : $template:literal),* $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::NamingConvention::native()
                $(.$kind($template))*
                .at(::core::file!(), ::core::line!())
        }
    };
}

/// Registers a crate's `migrate.toml` (its lint configuration): what the
/// crate's `build.rs` writes when the file exists. Not for hand use.
#[doc(hidden)]
#[macro_export]
macro_rules! lint_config {
    ($path:literal) => {
        $crate::__private::inventory::submit! {
            $crate::lint::ConfigFile {
                path: $path,
                text: ::core::include_str!($path),
            }
        }
    };
}

/// What a migration module needs: `use migrate_core::prelude::*;`.
pub mod prelude {
    pub use crate::backend::Backend;
    pub use crate::lint::Lint;
    pub use crate::ops::{
        Action, AddEnumValue, AlterColumn, Backfill, BackfillRow, Column, ColumnType, Constraint,
        Enum, ForeignKey, Index, Literal, Migration, Name, Query, RawSql, Rows, Table, ident,
    };
    pub use crate::{migration, sql};
    pub use sea_query::{self, Alias, Expr, Func, SimpleExpr};
}

/// Used by the code that `#[migration]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::Backend;
    pub use crate::models::{DbEnum, Model, ModelDef, ModelRegistration, SqlColumn, column_of};
    pub use crate::ops::Migration;
    pub use crate::ops::{Action, Column, ColumnType, Enum, ForeignKey, Index, Literal};
    pub use crate::registry::Registration;
    pub use inventory;
}
