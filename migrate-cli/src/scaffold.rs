//! Writing migration files: `revision`, and the first migration of `migrate init`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use migrate_core::RevisionIdx;
use migrate_core::graph::Target;
use migrate_core::{Error, Migrator, registry};

use crate::failure::Failure;

/// A fresh revision id: 12 random lowercase hex digits (48 bits from the
/// OS's random source), like Alembic's.
pub(crate) fn new_revision_id() -> Result<String, Failure> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| {
        Failure::Message(format!(
            "revision: the operating system gave no random bytes for a new revision id ({e}); pass one with `#[migration(id = ...)]` by hand"
        ))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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

/// Lays out a file the way `cargo fmt` would; where rustfmt is not
/// installed, the file stays as written (it builds either way).
pub(crate) fn rustfmt(path: &Path) {
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .arg(path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// What a new migration file declares.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewMigration {
    pub(crate) id: String,
    /// The parents; empty for a root (`revises = "base"`), several for a
    /// merge.
    pub(crate) revises: Vec<String>,
    pub(crate) message: String,
    pub(crate) branch_labels: Vec<String>,
    pub(crate) depends_on: Vec<String>,
    /// The module's functions, when autogenerate wrote them; else the
    /// template's.
    pub(crate) body: Option<String>,
}

impl NewMigration {
    /// A root migration, for `migrate init`.
    pub(crate) fn root(id: String, message: &str) -> Self {
        Self {
            id,
            message: message.to_owned(),
            ..Self::default()
        }
    }

    fn is_merge(&self) -> bool {
        self.revises.len() > 1
    }

    /// `"a"` or `["a", "b"]`.
    fn strings(values: &[String]) -> String {
        let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        match &quoted[..] {
            [one] => one.clone(),
            _ => format!("[{}]", quoted.join(", ")),
        }
    }

    /// The `#[migration(...)]` key list.
    fn attribute(&self) -> String {
        let revises = match &self.revises[..] {
            [] => "\"base\"".to_owned(),
            parents => Self::strings(parents),
        };
        let mut keys = vec![
            format!("id = {:?}", self.id),
            format!("revises = {revises}"),
            format!("message = {:?}", self.message),
        ];
        if !self.branch_labels.is_empty() {
            keys.push(format!(
                "branch_labels = {}",
                Self::strings(&self.branch_labels)
            ));
        }
        if !self.depends_on.is_empty() {
            keys.push(format!("depends_on = {}", Self::strings(&self.depends_on)));
        }
        keys.join(", ")
    }

    /// The file's name and text.
    pub(crate) fn file(&self, now: DateTime<Utc>) -> (String, String) {
        let slug = slug(&self.message);
        let name = format!("{}-{}_{slug}.rs", now.format("%Y_%m_%d_%H%M"), self.id);
        let revises = match &self.revises[..] {
            [] => "base".to_owned(),
            parents => parents.join(", "),
        };
        let body = if let Some(body) = &self.body {
            body.as_str()
        } else if self.is_merge() {
            "    // A merge point: it joins its parents' branches and runs nothing of
    // its own. Add steps here only if the branches need reconciling.
    pub fn upgrade(m: &mut Migration) {
        let _ = m;
    }

    pub fn downgrade(m: &mut Migration) {
        let _ = m;
    }
"
        } else {
            "    pub fn upgrade(m: &mut Migration) {
        // e.g. m.add_column(\"users\", Column::new(\"email\").string(255).nullable());
        let _ = m;
    }

    // Delete `downgrade` to run the upgrade reversed instead: every step
    // then needs an inverse (see docs/operations.md, \"Reversibility\").
    pub fn downgrade(m: &mut Migration) {
        // e.g. m.drop_column(\"users\", \"email\");
        let _ = m;
    }
"
        };
        let text = format!(
            r#"//! {message}
//!
//! Revision ID: {id}
//! Revises: {revises}
//! Create Date: {date}

use migrate_core::migration;

#[migration({attribute})]
pub mod {slug} {{
    use migrate_core::prelude::*;

{body}}}
"#,
            message = self.message,
            id = self.id,
            date = now.format("%Y-%m-%d %H:%M:%S UTC"),
            attribute = self.attribute(),
        );
        (name, text)
    }
}

/// What `revision` was asked for, beyond the message.
#[derive(Debug, Default)]
pub(crate) struct RevisionOptions {
    pub(crate) head: Option<String>,
    pub(crate) splice: bool,
    pub(crate) branch_label: Option<String>,
    pub(crate) depends_on: Vec<String>,
    pub(crate) rev_id: Option<String>,
    pub(crate) dir: Option<PathBuf>,
}

/// `revision -m MSG`: writes a migration that revises the single head, or
/// what `--head` names.
pub(crate) fn revision(message: &str, options: RevisionOptions) -> Result<Created, Failure> {
    new_revision(message, options)?.write(None)
}

/// A new migration, checked, not written yet.
pub(crate) struct Pending {
    pub(crate) migration: NewMigration,
    dir: Option<PathBuf>,
}

impl Pending {
    /// Writes it, with `body` as its functions when given.
    pub(crate) fn write(mut self, body: Option<String>) -> Result<Created, Failure> {
        self.migration.body = body;
        write_migration(&self.migration, self.dir)
    }
}

/// The migration `revision -m MSG` would write: its id and parents.
pub(crate) fn new_revision(message: &str, options: RevisionOptions) -> Result<Pending, Failure> {
    let id = chosen_or_new_id("revision", options.rev_id)?;
    let revises = if registry::registered().is_empty() {
        match options.head.as_deref() {
            None | Some("base") => Vec::new(),
            Some(other) => {
                return Err(Failure::Message(format!(
                    "revision: no migration is registered yet, so --head can only be `base`, not `{other}`"
                )));
            }
        }
    } else {
        let migrator = Migrator::from_registry()?;
        let revises = parent_of_new(&migrator, options.head.as_deref(), options.splice)?;
        for dependency in &options.depends_on {
            migrator
                .graph()
                .lookup_label_or_id(dependency)
                .map_err(Error::from)?;
        }
        revises
    };
    let migration = NewMigration {
        id,
        revises,
        message: message.to_owned(),
        branch_labels: options.branch_label.into_iter().collect(),
        depends_on: options.depends_on,
        body: None,
    };
    Ok(Pending {
        migration,
        dir: options.dir,
    })
}

/// The id `--rev-id` gives to `verb`'s new revision, once it is known to be
/// a valid id that no registered revision has, nor a branch label; a random
/// one without it.
fn chosen_or_new_id(verb: &str, rev_id: Option<String>) -> Result<String, Failure> {
    let Some(id) = rev_id else {
        return new_revision_id();
    };
    migrate_core::graph::validate_id(&id).map_err(|why| {
        Failure::Message(format!(
            "{verb}: --rev-id {:?} cannot be a revision id: {why}",
            migrate_core::text::one_line(&id)
        ))
    })?;
    for registration in registry::registered() {
        if registration.id == id {
            return Err(Failure::Message(format!(
                "{verb}: --rev-id {id} is already the id of {}; choose another, or leave --rev-id out for a random one",
                registration.location()
            )));
        }
        if registration.branch_labels.contains(&id.as_str()) {
            return Err(Failure::Message(format!(
                "{verb}: --rev-id {id} is a branch label of {}; an id must not be a label",
                registration.location()
            )));
        }
    }
    Ok(id)
}

/// The parents of a new revision: `base` (none), the head `--head` names,
/// any revision with `--splice`, or the single head.
fn parent_of_new(
    migrator: &Migrator,
    head: Option<&str>,
    splice: bool,
) -> Result<Vec<String>, Failure> {
    let graph = migrator.graph();
    let heads = graph.heads();
    let index = match head {
        Some("base") => return Ok(Vec::new()),
        Some(given) => {
            let target = Target::parse(given).map_err(Error::from)?;
            let found = graph.resolve(&[], &target).map_err(Error::from)?;
            let [index] = found[..] else {
                return Err(Failure::Message(format!(
                    "revision: --head {given} names {} revisions; name one",
                    found.len()
                )));
            };
            if !splice && !heads.contains(&index) {
                return Err(Failure::Message(format!(
                    "revision: {} is not a head; --head takes one of: {}, or `base` for a new root; \
                     add --splice to branch off {} anyway",
                    graph.revision(index).id,
                    ids(migrator, heads),
                    graph.revision(index).id,
                )));
            }
            index
        }
        None => match heads {
            [single] => *single,
            heads => {
                return Err(Failure::Message(format!(
                    "revision: the migrations have {} heads ({}); say which one the new migration revises with --head REV, or merge them with `merge heads`",
                    heads.len(),
                    ids(migrator, heads)
                )));
            }
        },
    };
    Ok(vec![graph.revision(index).id.clone()])
}

/// `merge REV... -m MSG`: writes a migration that revises every given
/// revision (`heads`: every head).
pub(crate) fn merge(
    revisions: &[String],
    message: &str,
    branch_label: Option<String>,
    rev_id: Option<String>,
    dir: Option<PathBuf>,
) -> Result<Created, Failure> {
    let id = chosen_or_new_id("merge", rev_id)?;
    let migrator = Migrator::from_registry()?;
    let graph = migrator.graph();
    let mut parents: Vec<RevisionIdx> = Vec::new();
    for given in revisions {
        let target = Target::parse(given).map_err(Error::from)?;
        for index in graph.resolve(&[], &target).map_err(Error::from)? {
            if !parents.contains(&index) {
                parents.push(index);
            }
        }
    }
    if parents.len() < 2 {
        return Err(Failure::Message(format!(
            "merge: {} names {} revision{}, and a merge needs two or more; there is nothing to merge",
            revisions.join(" "),
            parents.len(),
            if parents.len() == 1 { "" } else { "s" }
        )));
    }
    if let Some(&below) = parents.iter().find(|&&p| {
        parents
            .iter()
            .any(|&o| o != p && graph.ancestors_of(&[o])[p])
    }) {
        return Err(Failure::Message(format!(
            "merge: {} is already below another of the revisions given; merge only revisions on different branches",
            graph.revision(below).id
        )));
    }
    let migration = NewMigration {
        id,
        revises: parents
            .iter()
            .map(|&i| graph.revision(i).id.clone())
            .collect(),
        message: message.to_owned(),
        branch_labels: branch_label.into_iter().collect(),
        depends_on: Vec::new(),
        body: None,
    };
    write_migration(&migration, dir)
}

/// A migration file `revision` or `merge` wrote.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Created {
    /// The file.
    pub(crate) path: PathBuf,
    /// Its revision id.
    pub(crate) id: String,
    /// What it revises.
    pub(crate) revises: Vec<String>,
}

/// Writes `migration` in `dir` (or the default directory).
fn write_migration(migration: &NewMigration, dir: Option<PathBuf>) -> Result<Created, Failure> {
    let dir = dir.unwrap_or_else(default_dir);
    if !dir.is_dir() {
        return Err(Failure::Message(format!(
            "revision: {} is not a directory; run from the migrations crate or pass --dir",
            dir.display()
        )));
    }
    let (name, text) = migration.file(Utc::now());
    let path = dir.join(name);
    write_new(&path, &text)?;
    Ok(Created {
        path,
        id: migration.id.clone(),
        revises: migration.revises.clone(),
    })
}

fn ids(migrator: &Migrator, indexes: &[RevisionIdx]) -> String {
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
        let id = new_revision_id().unwrap();
        assert_eq!(id.len(), 12);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(id, new_revision_id().unwrap());
    }

    #[test]
    fn file_names_follow_the_convention() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T09:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let migration = NewMigration {
            id: "55296ad22e23".into(),
            revises: vec!["3f1c0a9b2d4e".into()],
            message: "say \"hi\"".into(),
            ..NewMigration::default()
        };
        let (name, text) = migration.file(now);
        assert_eq!(name, "2026_11_22_0905-55296ad22e23_say_hi.rs");
        assert!(text.contains(r#"revises = "3f1c0a9b2d4e", message = "say \"hi\"""#));
        assert!(text.contains("pub mod say_hi {"));
    }

    #[test]
    fn merges_labels_and_dependencies_are_written_as_attribute_keys() {
        let migration = NewMigration {
            id: "9a0b1c2d3e4f".into(),
            revises: vec!["aaaa".into(), "bbbb".into()],
            message: "merge".into(),
            branch_labels: vec!["main".into()],
            depends_on: vec!["billing".into()],
            body: None,
        };
        assert_eq!(
            migration.attribute(),
            r#"id = "9a0b1c2d3e4f", revises = ["aaaa", "bbbb"], message = "merge", branch_labels = "main", depends_on = "billing""#
        );
        let (_, text) = migration.file(Utc::now());
        assert!(text.contains("A merge point"), "{text}");
        let root = NewMigration::root("0000aaaa".into(), "initial");
        assert!(root.attribute().contains(r#"revises = "base""#));
    }
}
