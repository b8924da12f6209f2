//! `check`: the CI gate; `ok`, or one line per problem and exit 1.

use std::path::Path;

use migrate_core::driver::Access;
use migrate_core::migrator::CheckProblem;
use serde::Serialize;

use crate::failure::Failure;
use crate::output::{Report, line};

use super::{Context, close, ok_unless};

pub(super) async fn run(cx: &Context<'_>, schema_snapshot: Option<&Path>) -> Result<u8, Failure> {
    let migrator = cx.migrator()?;
    // Only a URL given on purpose is checked: never the default file.
    let mut problems = if cx.database.given {
        let mut db = cx.connect(Access::ReadOnly).await?;
        let problems = migrator.check(Some(db.as_mut())).await;
        close(db).await;
        problems?
    } else {
        migrator.check(None).await?
    };
    if let Some(path) = schema_snapshot {
        let shown = path.display().to_string();
        let snapshot = std::fs::read_to_string(path).map_err(|error| {
            Failure::Usage(format!(
                "cannot read the schema snapshot {}: {error}; write it with `schema --format sql --backend <backend> > {0}`",
                migrate_core::text::one_line(&shown)
            ))
        })?;
        problems.extend(migrator.check_schema_snapshot(&shown, &snapshot)?);
    }
    let code = ok_unless(&problems);
    cx.printer.report(&Check {
        ok: problems.is_empty(),
        problems: problems.iter().map(Problem::from).collect(),
    });
    Ok(code)
}

#[derive(Serialize)]
struct Check<'a> {
    ok: bool,
    problems: Vec<Problem<'a>>,
}

/// A problem's fields, and its message as `check` prints it.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(flatten)]
    problem: &'a CheckProblem,
    message: String,
}

impl<'a> From<&'a CheckProblem> for Problem<'a> {
    fn from(problem: &'a CheckProblem) -> Self {
        Problem {
            problem,
            message: problem.to_string(),
        }
    }
}

impl Report for Check<'_> {
    fn human(&self, out: &mut String) {
        if self.problems.is_empty() {
            line(out, "ok");
        }
        for problem in &self.problems {
            line(out, format_args!("error: {}", problem.message));
        }
    }
}
