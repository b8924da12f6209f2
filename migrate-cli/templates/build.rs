//! Wires every migration file in `src/versions/` into the crate as a module,
//! so that a new file is picked up on the next build with no hand edit, and
//! compiles in `migrate.toml` (the lint configuration) when there is one.
//!
//! Written by `migrate init`; the same file builds the example `migrations`
//! crate of the migrate repository.

use std::path::Path;
use std::{env, fs};

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let versions = Path::new(&manifest_dir).join("src").join("versions");
    // A directory here makes cargo rerun this script when any file in it is
    // added, removed or changed.
    println!("cargo::rerun-if-changed={}", versions.display());

    let mut files: Vec<_> = fs::read_dir(&versions)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", versions.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();

    let mut modules = String::new();
    for path in &files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let ident: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        modules.push_str(&format!(
            "#[path = {:?}]\npub mod v{ident};\n",
            path.display().to_string()
        ));
    }
    // The crate's lint configuration, compiled in: `lint`, `check` and
    // `upgrade` judge the same way wherever the binary runs. (A file created
    // later is picked up once this script runs again: add a migration, or
    // touch build.rs.)
    let config = Path::new(&manifest_dir).join("migrate.toml");
    if config.is_file() {
        println!("cargo::rerun-if-changed={}", config.display());
        modules.push_str(&format!(
            "::migrate_core::lint_config!({:?});\n",
            config.display().to_string()
        ));
    }
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("versions.rs");
    fs::write(&out, modules).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
