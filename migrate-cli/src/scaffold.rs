//! Writing migration files: `revision`, and the first migration of `migrate init`.

use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use migrate_core::{Error, Migrator, registry};

use crate::commands::Failure;

/// A fresh revision id: 12 random lowercase hex digits, like Alembic's.
pub(crate) fn new_revision_id() -> String {
    // std's RandomState is seeded from the OS's randomness.
    let random = RandomState::new().hash_one(std::time::SystemTime::now());
    format!("{:012x}", random & 0xffff_ffff_ffff)
}

/// The module name a message gives: lowercase words joined by `_`.
pub(crate) fn slug(message: &str) -> String {
    let words: Vec<String> = message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut slug = words.join("_");
    slug.truncate(48);
    let slug = slug.trim_end_matches('_').to_owned();
    match slug.chars().next() {
        None => "migration".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("m_{slug}"),
        Some(_) if is_keyword(&slug) => format!("{slug}_migration"),
        Some(_) => slug,
    }
}

fn is_keyword(word: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "try", "type", "unsafe", "use", "where", "while", "yield",
    ];
    KEYWORDS.contains(&word)
}

/// A migration file: its name and its text.
pub(crate) fn migration_file(
    id: &str,
    revises: &str,
    message: &str,
    now: DateTime<Utc>,
) -> (String, String) {
    let slug = slug(message);
    let name = format!("{}-{id}_{slug}.rs", now.format("%Y_%m_%d_%H%M"));
    let escaped = message.replace('\\', "\\\\").replace('"', "\\\"");
    let text = format!(
        r#"//! {message}
//!
//! Revision ID: {id}
//! Revises: {revises}
//! Create Date: {date}

use migrate_core::migration;

#[migration(id = "{id}", revises = "{revises}", message = "{escaped}")]
pub mod {slug} {{
    use migrate_core::prelude::*;

    pub fn upgrade(m: &mut Migration) {{
        // e.g. m.add_column("users", Column::new("email").string(255).nullable());
        let _ = m;
    }}

    // Delete `downgrade` to run the upgrade reversed instead: every step
    // then needs an inverse (see docs/operations.md, "Reversibility").
    pub fn downgrade(m: &mut Migration) {{
        // e.g. m.drop_column("users", "email");
        let _ = m;
    }}
}}
"#,
        date = now.format("%Y-%m-%d %H:%M:%S UTC"),
    );
    (name, text)
}

/// `revision -m MSG`: writes a migration that revises the single head.
pub(crate) fn revision(
    message: &str,
    head: Option<&str>,
    dir: Option<PathBuf>,
) -> Result<(), Failure> {
    let revises = if registry::registered().is_empty() {
        "base".to_owned()
    } else {
        let migrator = Migrator::from_registry()?;
        let graph = migrator.graph();
        match (head, graph.heads()) {
            (Some(given), heads) => {
                let index = graph.lookup(given).map_err(Error::from)?;
                if !heads.contains(&index) {
                    return Err(Failure::Message(format!(
                        "revision: {} is not a head; --head takes one of: {}",
                        graph.revision(index).id,
                        ids(&migrator, heads)
                    )));
                }
                graph.revision(index).id.clone()
            }
            (None, [single]) => graph.revision(*single).id.clone(),
            (None, heads) => {
                return Err(Failure::Message(format!(
                    "revision: the migrations have {} heads ({}); say which one the new migration revises with --head ID",
                    heads.len(),
                    ids(&migrator, heads)
                )));
            }
        }
    };
    let dir = dir.unwrap_or_else(default_dir);
    if !dir.is_dir() {
        return Err(Failure::Message(format!(
            "revision: {} is not a directory; run from the migrations crate or pass --dir",
            dir.display()
        )));
    }
    let id = new_revision_id();
    let (name, text) = migration_file(&id, &revises, message, Utc::now());
    let path = dir.join(name);
    write_new(&path, &text)?;
    println!("created {} (revises {revises})", path.display());
    println!("it is picked up on the next build; fill in upgrade and downgrade");
    Ok(())
}

fn ids(migrator: &Migrator, indexes: &[usize]) -> String {
    indexes
        .iter()
        .map(|i| migrator.graph().revision(*i).id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$CARGO_MANIFEST_DIR/src/versions` under `cargo run`, else `./src/versions`.
fn default_dir() -> PathBuf {
    let base = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("src").join("versions")
}

/// Creates a file that must not exist yet.
pub(crate) fn write_new(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Failure::Message(format!("write {}: {e}", path.display())))?;
    file.write_all(text.as_bytes())
        .map_err(|e| Failure::Message(format!("write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_identifiers() {
        assert_eq!(slug("add email to users"), "add_email_to_users");
        assert_eq!(slug("  Add E-mail!! "), "add_e_mail");
        assert_eq!(slug("2fa codes"), "m_2fa_codes");
        assert_eq!(slug("type"), "type_migration");
        assert_eq!(slug("!!!"), "migration");
    }

    #[test]
    fn ids_are_twelve_hex_digits() {
        let id = new_revision_id();
        assert_eq!(id.len(), 12);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(id, new_revision_id());
    }

    #[test]
    fn file_names_follow_the_convention() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T09:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (name, text) = migration_file("55296ad22e23", "3f1c0a9b2d4e", "say \"hi\"", now);
        assert_eq!(name, "2026_11_22_0905-55296ad22e23_say_hi.rs");
        assert!(text.contains(r#"revises = "3f1c0a9b2d4e", message = "say \"hi\"""#));
        assert!(text.contains("pub mod say_hi {"));
    }
}
