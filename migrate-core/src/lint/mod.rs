//! The linter: the schema changes that lock a busy table, rewrite it, or
//! lose data, found in the migrations before they run.
//!
//! It reads what the plans say, not SQL text alone: every revision's
//! upgrade is linted against the schema the history replays to just before
//! it ([`Replay`](crate::schema::Replay)), so a rule about an existing
//! table stays quiet for a table the same migration created, and a type
//! change is judged from the column's real type. Raw SQL is parsed (the
//! backend's dialect of sqlparser) and linted too; what does not parse is a
//! finding of its own.
//!
//! Each rule ([`RULES`]) has an id, the backends it applies to, a default
//! [`Severity`] and the safe alternative. A crate sets severities, the
//! revision before which nothing is linted and the server versions in
//! `migrate.toml` ([`LintConfig`]); a migration silences a rule for one
//! operation with [`Migration::allow`](crate::ops::Migration::allow), and a
//! reason.

mod config;
mod engine;
mod raw;
mod rules;

use serde::Serialize;

pub use config::{ConfigFile, DEFAULT_POSTGRES_VERSION, LintConfig};
pub use rules::{Lint, RULES, Rule, Severity};

pub(crate) use engine::lint_plan;

use crate::Backend;

/// What a rule found in one revision's upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule.
    pub lint: Lint,
    /// Its severity, as configured.
    pub severity: Severity,
    /// The revision id.
    pub revision: String,
    /// The migration's file.
    pub file: String,
    /// The line of its `#[migration]` attribute.
    pub line: u32,
    /// The backends it was found on.
    pub backends: Vec<Backend>,
    /// Which operation of the upgrade, counting from 1; `None` for the
    /// migration as a whole.
    pub operation: Option<usize>,
    /// What the operation does, e.g. `drop_column users.email`.
    pub describe: Option<String>,
    /// What was found.
    pub message: String,
    /// The safe alternative.
    pub fix: &'static str,
}

impl Finding {
    /// One line: `revision (file:line) operation N (..): rule: message; fix`.
    pub fn line(&self) -> String {
        let at = match (&self.operation, &self.describe) {
            (Some(n), Some(what)) => format!(" operation {n} ({what})"),
            (Some(n), None) => format!(" operation {n}"),
            _ => String::new(),
        };
        let on = if self.backends.len() == Backend::ALL.len() {
            String::new()
        } else {
            let names: Vec<String> = self.backends.iter().map(ToString::to_string).collect();
            format!(" on {}", names.join(", "))
        };
        crate::text::one_line(&format!(
            "{} ({}:{}){at}{on}: {} [{}]: {}; instead: {}",
            self.revision,
            self.file,
            self.line,
            self.severity.as_str(),
            self.lint,
            self.message,
            self.fix
        ))
        .into_owned()
    }
}

/// A rule hit in one plan, before severities and allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) lint: Lint,
    /// The operation's index in the plan.
    pub(crate) op: Option<usize>,
    pub(crate) message: String,
}

#[cfg(test)]
mod tests;
