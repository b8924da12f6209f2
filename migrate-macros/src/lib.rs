//! The `#[migration]` attribute of the **migrate** framework.
//!
//! Use it through `migrate_core`, which re-exports it and provides what the
//! generated code needs; this crate does no I/O and holds no runtime logic.
//!
//! The macro runs in stages, each in its own module, all recording their
//! problems in one `ctxt::Ctxt` so that every problem is reported at once:
//!
//! 1. `attr` reads the key list as written,
//! 2. `ast` reads the item, which must be an inline module,
//! 3. `valid` checks the revision ids and the `upgrade`/`downgrade`
//!    signatures,
//! 4. `expand` runs the three above, then emits the module with its
//!    registration appended (or, on error, the item unchanged plus the errors).

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod model;
mod valid;

use proc_macro::TokenStream;

/// Registers a module as a migration.
///
/// ```ignore
/// #[migration(id = "55296ad22e23", revises = "3f1c0a9b2d4e", message = "add email to users")]
/// pub mod add_email_to_users {
///     use migrate_core::prelude::*;
///
///     pub fn upgrade(m: &mut Migration) {
///         m.execute("ALTER TABLE users ADD COLUMN email TEXT");
///     }
///
///     pub fn downgrade(m: &mut Migration) {
///         m.execute("ALTER TABLE users DROP COLUMN email");
///     }
/// }
/// ```
///
/// # Keys
///
/// - `id = "..."` (required): this migration's revision id, 4 to 32
///   characters of `a-z`, `0-9` and `_`. `base`, `head`, `heads` and
///   `current` are reserved.
/// - `revises = "..."` (required): the parent's id; `"base"` for a root
///   migration, or an array `["...", "..."]` for a merge point.
/// - `message = "..."` (optional): what the migration does, one line of
///   plain text (a control character is refused).
/// - `branch_labels = "..."` or `["...", ...]` (optional): names the branch
///   that starts at this migration, for targets such as `billing@head`.
///   1 to 32 characters of `a-z`, `0-9` and `_`, none of the reserved
///   words, and no revision's id.
/// - `depends_on = "..."` or `["...", ...]` (optional): ids or branch
///   labels this migration needs applied first, without revising them
///   (the heads table stays by `revises`, as in Alembic).
///
/// The id and label rules are `migrate_names`', the same the runtime
/// checks.
///
/// # The module
///
/// It must be inline (`mod name { ... }`) and contain
/// `fn upgrade(m: &mut Migration)`, and may contain
/// `fn downgrade(m: &mut Migration)`: not generic, not `async`, `const`,
/// `unsafe` or `extern`, returning nothing. `Migration` may be written with
/// any path, such as `migrate_core::ops::Migration`.
///
/// The module is emitted as written, plus a hidden registration that
/// `migrate_core::registry::registered()` returns at run time.
#[proc_macro_attribute]
pub fn migration(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::migration(attr.into(), item.into()).into()
}

/// Declares a table: a struct whose fields are its columns. It goes beside
/// `sqlx::FromRow`, so that one struct serves queries and the schema, and
/// registers the model for `revision --autogenerate` and `check`.
///
/// ```ignore
/// #[derive(sqlx::FromRow, Model)]
/// #[model(table = "users", index(columns("name", "created_at")))]
/// pub struct User {
///     #[model(primary_key, identity)]
///     pub id: i64,
///     #[model(length = 255, unique)]
///     pub email: String,
///     pub name: Option<String>,
///     #[model(default_now)]
///     pub created_at: chrono::DateTime<chrono::Utc>,
/// }
/// ```
///
/// A field's type gives the column's type (`migrate_core::models::SqlColumn`);
/// `Option<T>` is nullable. The keys of `#[model(..)]` are in
/// `docs/models.md`: on the struct `table`, `comment`, `renamed_from`,
/// `primary_key(..)`, `index(..)`, `unique(..)`, `check(..)`; on a field
/// `name`, `primary_key`, `identity`, `unique`, `index`, `length`,
/// `precision`/`scale`, `sql_type` and `<backend>_type`, `default`,
/// `default_sql`, `default_now`, `references` with `on_delete` and
/// `on_update`, `check`, `comment`, `renamed_from`, `skip`. sqlx's
/// `rename`, `rename_all` and `skip` are followed.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(item: TokenStream) -> TokenStream {
    model::model(item.into()).into()
}

/// Declares a database enum: a native type on PostgreSQL, an inline `ENUM`
/// on MySQL, a `CHECK` on SQLite. A model's field of this type is a column
/// of it.
///
/// ```ignore
/// #[derive(DbEnum)]
/// #[model(name = "post_status", rename_all = "snake_case")]
/// pub enum PostStatus { Draft, Published, #[model(rename = "gone")] Archived }
/// ```
///
/// Values are the variants' names as written unless `rename_all` or a
/// variant's `rename` says otherwise, as sqlx spells them (sqlx's
/// `type_name`, `rename_all` and `rename` are followed); the type's name
/// is the enum's in snake case unless `name` says otherwise.
#[proc_macro_derive(DbEnum, attributes(model))]
pub fn derive_db_enum(item: TokenStream) -> TokenStream {
    model::db_enum(item.into()).into()
}
