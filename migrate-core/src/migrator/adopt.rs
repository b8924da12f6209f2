//! Databases another migration tool manages: found, so that a database
//! with Alembic's, sqlx's, refinery's, diesel's, SeaORM's or Flyway's
//! version table and none of ours is not taken for an empty one (and
//! `upgrade` does not run every migration over tables that exist).

use crate::driver::Driver;
use crate::graph::Graph;
use crate::render::sql;

/// The version tables of other tools, with the tool's name and the column
/// that says where the database is.
const TOOLS: [(&str, &str, &str); 6] = [
    ("alembic_version", "Alembic", "version_num"),
    ("_sqlx_migrations", "sqlx", "version"),
    ("refinery_schema_history", "refinery", "version"),
    ("__diesel_schema_migrations", "diesel", "version"),
    ("seaql_migrations", "SeaORM", "version"),
    ("flyway_schema_history", "Flyway", "version"),
];

/// Another tool's version table in the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OtherTool {
    /// The tool, e.g. `Alembic`.
    pub tool: &'static str,
    /// Its table, e.g. `alembic_version`.
    pub table: &'static str,
    /// Where it says the database is: Alembic's heads, or the newest
    /// version of the others.
    pub versions: Vec<String>,
    /// Those of `versions` that are revisions of this build too (a history
    /// ported from Alembic with its ids kept).
    pub known: Vec<String>,
}

impl OtherTool {
    /// What it says, and how to adopt the database.
    pub fn advice(&self) -> String {
        let at = if self.versions.is_empty() {
            format!("{} is empty", self.table)
        } else {
            format!("{} says {}", self.table, self.versions.join(", "))
        };
        let adopt = if !self.known.is_empty() && self.known.len() == self.versions.len() {
            format!(
                "`stamp {}` records that the database is at that revision (this build has it: the ids were kept), then `upgrade` runs only what comes after",
                self.known.join(" ")
            )
        } else {
            "find the revision of this build whose schema the database has and record it with `stamp <revision>`; `upgrade` then runs only what comes after".to_owned()
        };
        format!(
            "the database is managed by {} ({at}) and has none of migrate's version tables, so it is not at base: `upgrade` would run every migration over tables that already exist. To adopt it, {adopt}",
            self.tool
        )
    }
}

/// The other tool whose version table the database has, if any. Reads only.
pub(crate) async fn other_tool(
    db: &mut dyn Driver,
    graph: &Graph,
) -> Result<Option<OtherTool>, sqlx::Error> {
    let names: Vec<&str> = TOOLS.iter().map(|(t, _, _)| *t).collect();
    let sql = sql::tables_named(db.backend(), &names);
    let found: Vec<String> = db
        .fetch_text(&sql)
        .await?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect();
    let Some(&(table, tool, column)) = TOOLS
        .iter()
        .find(|(t, _, _)| found.iter().any(|f| f.eq_ignore_ascii_case(t)))
    else {
        return Ok(None);
    };
    let text = sql::text_cast(db.backend(), column);
    // Alembic keeps one row per head; the others one per migration.
    let sql = if tool == "Alembic" {
        format!("SELECT {text} FROM {table} ORDER BY 1")
    } else {
        // Qualified: PostgreSQL names the cast column after `column`, and
        // an unqualified name would sort its text, "9" after "10".
        format!("SELECT {text} FROM {table} ORDER BY {table}.{column} DESC LIMIT 1")
    };
    let versions: Vec<String> = db
        .fetch_text(&sql)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect();
    let known = versions
        .iter()
        .filter(|v| graph.index_of(v).is_some())
        .cloned()
        .collect();
    Ok(Some(OtherTool {
        tool,
        table,
        versions,
        known,
    }))
}
