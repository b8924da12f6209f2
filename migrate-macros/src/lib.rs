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
mod ctxt;
mod expand;
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
