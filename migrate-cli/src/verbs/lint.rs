//! `lint [RANGE]`: the linter's findings (migrate_core::lint), as lines,
//! one JSON document, or GitHub Actions annotations; `lint --rules`: the
//! rules with the severity each has in this crate.

use migrate_core::Error;
use migrate_core::graph::Range;
use migrate_core::lint::{Finding, LintConfig, RULES, Severity};
use serde::Serialize;

use crate::args::Format;
use crate::exit;
use crate::failure::Failure;
use crate::output::{Report, line};

use super::Context;

/// The crate's `migrate.toml`, or the defaults.
pub(crate) fn config() -> Result<LintConfig, Failure> {
    LintConfig::registered().map_err(|e| Failure::Usage(format!("{e}; nothing was run")))
}

pub(super) fn run(cx: &Context<'_>, range: Option<&str>, rules: bool) -> Result<u8, Failure> {
    let config = config()?;
    if rules {
        cx.printer.report(&Rules::of(&config));
        return Ok(exit::OK);
    }
    let migrator = cx.migrator()?;
    let only = match range {
        Some(given) => {
            let range = Range::parse(given).map_err(Error::from)?;
            Some(migrator.graph().range(&[], &range).map_err(Error::from)?)
        }
        None => None,
    };
    let mut findings = migrator.lint(&config, only.as_deref())?;
    // Paths as the repository has them, for people and for annotations.
    if let Ok(cwd) = std::env::current_dir() {
        for finding in &mut findings {
            if let Ok(relative) = std::path::Path::new(&finding.file).strip_prefix(&cwd) {
                finding.file = relative.display().to_string();
            }
        }
    }
    let denied = findings.iter().any(|f| f.severity == Severity::Deny);
    if cx.printer.format() == Format::Github {
        cx.printer.text(&annotations(&findings));
    } else {
        cx.printer.report(&Lints { findings });
    }
    Ok(if denied { exit::FAILED } else { exit::OK })
}

/// What `lint` found.
#[derive(Serialize)]
struct Lints {
    findings: Vec<Finding>,
}

impl Report for Lints {
    fn human(&self, out: &mut String) {
        if self.findings.is_empty() {
            line(out, "ok: no findings");
            return;
        }
        for finding in &self.findings {
            line(out, finding.line());
        }
        let denied = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Deny)
            .count();
        line(
            out,
            format_args!(
                "{} finding{}, {denied} at deny; silence one with `.allow(Lint::..., \"why\")` after its operation, or set its severity in migrate.toml (docs/safety.md)",
                self.findings.len(),
                if self.findings.len() == 1 { "" } else { "s" }
            ),
        );
    }
}

/// GitHub Actions workflow commands: `::error file=..,line=..,title=..::..`.
/// The properties and the message are escaped as the runner reads them.
fn annotations(findings: &[Finding]) -> String {
    let property = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
            .replace(':', "%3A")
            .replace(',', "%2C")
    };
    let message = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut out = String::new();
    for f in findings {
        let level = if f.severity == Severity::Deny {
            "error"
        } else {
            "warning"
        };
        out.push_str(&format!(
            "::{level} file={},line={},title={}::{}\n",
            property(&f.file),
            f.line,
            property(&format!("{} in {}", f.lint, f.revision)),
            message(&f.line())
        ));
    }
    out
}

/// `lint --rules`.
#[derive(Serialize)]
struct Rules {
    rules: Vec<RuleRow>,
}

#[derive(Serialize)]
struct RuleRow {
    id: &'static str,
    severity: Severity,
    backends: Vec<String>,
    summary: &'static str,
    fix: &'static str,
}

impl Rules {
    fn of(config: &LintConfig) -> Self {
        Self {
            rules: RULES
                .iter()
                .map(|r| RuleRow {
                    id: r.id,
                    severity: config.severity(r.lint),
                    backends: r.backends.iter().map(ToString::to_string).collect(),
                    summary: r.summary,
                    fix: r.fix,
                })
                .collect(),
        }
    }
}

impl Report for Rules {
    fn human(&self, out: &mut String) {
        for r in &self.rules {
            line(
                out,
                format_args!(
                    "{:<32} {:<5} {}: {} (instead: {})",
                    r.id,
                    r.severity.as_str(),
                    r.backends.join(", "),
                    r.summary,
                    r.fix
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrate_core::Backend;
    use migrate_core::lint::Lint;

    #[test]
    fn annotations_escape_what_the_runner_reads() {
        let finding = Finding {
            lint: Lint::DropColumn,
            severity: Severity::Deny,
            revision: "a002".to_owned(),
            file: "src/versions/a,b:c.rs".to_owned(),
            line: 9,
            backends: vec![Backend::Postgres],
            operation: Some(1),
            describe: Some("drop_column users.note".to_owned()),
            message: "drops `users.note`\n::error::injected".to_owned(),
            fix: Lint::DropColumn.rule().fix,
        };
        let out = annotations(std::slice::from_ref(&finding));
        assert!(
            out.starts_with(
                "::error file=src/versions/a%2Cb%3Ac.rs,line=9,title=drop-column in a002::a002 "
            ),
            "{out}"
        );
        assert_eq!(out.lines().count(), 1, "{out}");
    }
}
