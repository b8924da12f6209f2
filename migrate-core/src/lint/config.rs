//! `migrate.toml`: the crate's lint configuration, compiled into its
//! binary by the crate's `build.rs`, so that `lint`, `check` and `upgrade`
//! judge the same way wherever the binary runs.
//!
//! ```toml
//! [lint]
//! # Migrations up to this one ran everywhere already: not linted.
//! start_after = "3f1c0a9b2d4e"
//! # The oldest server the migrations run on.
//! postgres_version = 14
//!
//! [lint.rules]
//! rename-column = "deny"
//! prefer-timestamptz = "warn"
//!
//! [run]
//! # How long a statement waits for a table lock before it gives its place
//! # in the queue up and the step runs again ("off": as long as it takes).
//! lock_timeout = "1s"
//! # How long a step keeps running again after lock timeouts.
//! lock_retry = "1m"
//! # How long a schema change may run on PostgreSQL ("off": no bound).
//! statement_timeout = "1m"
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::rules::{Lint, RULES, Severity};
use crate::migrator::Timeouts;

/// The PostgreSQL major version assumed when `migrate.toml` names none:
/// the oldest release its project still supported in 2025.
pub const DEFAULT_POSTGRES_VERSION: u32 = 13;

/// A crate's `migrate.toml`, as its `build.rs` registers it.
#[derive(Debug, Clone, Copy)]
pub struct ConfigFile {
    /// Where it was read from, for messages.
    pub path: &'static str,
    /// Its text.
    pub text: &'static str,
}

inventory::collect!(ConfigFile);

/// How the linter judges a crate's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintConfig {
    severities: BTreeMap<Lint, Severity>,
    /// The revision (id or prefix) up to which the history is not linted:
    /// it and its ancestors ran everywhere already.
    pub start_after: Option<String>,
    /// The oldest PostgreSQL major version the migrations run on (default
    /// [`DEFAULT_POSTGRES_VERSION`]: non-volatile defaults are cheap from 11
    /// on, and from 12 a validated check lets `SET NOT NULL` skip its scan).
    pub postgres_version: u32,
    /// What `[run]` says: the timeouts a run uses, which the rules about
    /// missing timeouts judge.
    pub timeouts: Timeouts,
    /// Where the configuration came from, for messages.
    pub source: Option<&'static str>,
}

impl Default for LintConfig {
    fn default() -> Self {
        Self {
            severities: BTreeMap::new(),
            start_after: None,
            postgres_version: DEFAULT_POSTGRES_VERSION,
            timeouts: Timeouts::default(),
            source: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    lint: Section,
    #[serde(default)]
    run: RunSection,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunSection {
    lock_timeout: Option<String>,
    lock_retry: Option<String>,
    statement_timeout: Option<String>,
}

impl RunSection {
    fn timeouts(&self, path: &str) -> Result<Timeouts, String> {
        let defaults = Timeouts::default();
        let read = |key: &str, value: &Option<String>, default: Option<Duration>| {
            let Some(text) = value else {
                return Ok(default);
            };
            if text == "off" {
                return Ok(None);
            }
            humantime::parse_duration(text).map(Some).map_err(|e| {
                format!(
                    "{path}: [run] {key} = {:?}: {e}; write a duration such as \"500ms\", \"2s\" or \"1m\", or \"off\"",
                    crate::text::one_line(text)
                )
            })
        };
        Ok(Timeouts {
            lock_timeout: read("lock_timeout", &self.lock_timeout, defaults.lock_timeout)?,
            retry_budget: read("lock_retry", &self.lock_retry, Some(defaults.retry_budget))?
                .unwrap_or_default(),
            statement_timeout: read(
                "statement_timeout",
                &self.statement_timeout,
                defaults.statement_timeout,
            )?,
        })
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    start_after: Option<String>,
    postgres_version: Option<u32>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
}

impl LintConfig {
    /// The severity of `lint`: configured, or the rule's default.
    pub fn severity(&self, lint: Lint) -> Severity {
        self.severities
            .get(&lint)
            .copied()
            .unwrap_or_else(|| lint.rule().severity)
    }

    /// Sets the severity of `lint`.
    pub fn set(mut self, lint: Lint, severity: Severity) -> Self {
        self.severities.insert(lint, severity);
        self
    }

    /// The configuration in `text` (a `migrate.toml`), read from `path`.
    ///
    /// # Errors
    ///
    /// A TOML error, an unknown key or rule id, a severity other than
    /// `deny`, `warn` and `off`: worded with the file and what to write.
    pub fn parse(path: &'static str, text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| {
            format!(
                "{path}: {}",
                crate::text::one_line(e.to_string().trim_end())
            )
        })?;
        let mut config = Self {
            start_after: file.lint.start_after,
            postgres_version: file
                .lint
                .postgres_version
                .unwrap_or(DEFAULT_POSTGRES_VERSION),
            timeouts: file.run.timeouts(path)?,
            source: Some(path),
            ..Self::default()
        };
        for (id, severity) in &file.lint.rules {
            let lint = Lint::from_id(id).ok_or_else(|| {
                format!(
                    "{path}: [lint.rules] names `{}`, which is no rule; the rules are listed by `lint --rules` and in docs/safety.md",
                    crate::text::one_line(id)
                )
            })?;
            let severity = Severity::parse(severity).ok_or_else(|| {
                format!(
                    "{path}: [lint.rules] {id} = {:?}: a severity is \"deny\", \"warn\" or \"off\"",
                    crate::text::one_line(severity)
                )
            })?;
            config.severities.insert(lint, severity);
        }
        Ok(config)
    }

    /// The configuration compiled into this binary (`migrate.toml` beside
    /// the crate's `Cargo.toml`), or the defaults.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse); two files registered.
    pub fn registered() -> Result<Self, String> {
        let files: Vec<&ConfigFile> = inventory::iter::<ConfigFile>.into_iter().collect();
        match files[..] {
            [] => Ok(Self::default()),
            [file] => Self::parse(file.path, file.text),
            _ => {
                let paths: Vec<&str> = files.iter().map(|f| f.path).collect();
                Err(format!(
                    "several migrate.toml files are linked into this binary ({}); keep the migrations crate's only",
                    paths.join(", ")
                ))
            }
        }
    }

    /// Every rule with its severity here.
    pub fn rules(&self) -> impl Iterator<Item = (Lint, Severity)> + '_ {
        RULES.iter().map(|r| (r.lint, self.severity(r.lint)))
    }
}
