//! A schema for people: what `migrate schema` prints by default.

use std::fmt;

use super::model::{Column, Schema, Table};
use crate::text::one_line;

/// One block per enum, table and view, names in order. Every line is one
/// line whatever the names, defaults and comments hold.
///
/// ```text
/// table users
///   id     integer       not null  identity
///   email  varchar(100)  not null  default ''
///   primary key (id)
///   index ix_users_email unique on (email)
/// ```
impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = Vec::new();
        for e in self.enums.values() {
            let values: Vec<String> = e.values.iter().map(|v| quoted(v)).collect();
            lines.push(format!("enum {} ({})", e.name, values.join(", ")));
        }
        for table in self.tables.values() {
            if !lines.is_empty() {
                lines.push(String::new());
            }
            table_lines(table, &mut lines);
        }
        for view in self.views.values() {
            if !lines.is_empty() {
                lines.push(String::new());
            }
            lines.push(format!("view {}", view.name));
            lines.push(format!("  as {}", view.definition));
        }
        if lines.is_empty() {
            lines.push("no tables".to_owned());
        }
        for line in lines {
            writeln!(f, "{}", one_line(&line))?;
        }
        Ok(())
    }
}

fn table_lines(table: &Table, lines: &mut Vec<String>) {
    lines.push(format!("table {}", table.name));
    if let Some(comment) = &table.comment {
        lines.push(format!("  comment {}", quoted(comment)));
    }
    let cells: Vec<[String; 3]> = table.columns.iter().map(column_cells).collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (name_width, type_width) = (width(0), width(1));
    for [name, ty, rest] in cells {
        let line = format!("  {name:name_width$}  {ty:type_width$}  {rest}");
        lines.push(line.trim_end().to_owned());
    }
    if let Some(key) = &table.primary_key {
        lines.push(format!(
            "  primary key{} ({})",
            named(key.name.as_deref()),
            key.columns.join(", ")
        ));
    }
    for unique in &table.uniques {
        lines.push(format!(
            "  unique{} ({})",
            named(unique.name.as_deref()),
            unique.columns.join(", ")
        ));
    }
    for index in &table.indexes {
        lines.push(format!("  index {} {index}", index.name));
    }
    for fk in &table.foreign_keys {
        lines.push(format!("  foreign key{} {fk}", named(fk.name.as_deref())));
    }
    for check in &table.checks {
        lines.push(format!(
            "  check{} ({})",
            named(check.name.as_deref()),
            check.expr
        ));
    }
}

/// Name, type, and the rest: nullability, default, identity, comment.
fn column_cells(column: &Column) -> [String; 3] {
    let mut rest = vec![if column.nullable { "null" } else { "not null" }.to_owned()];
    if let Some(default) = &column.default {
        rest.push(format!("default {default}"));
    }
    if column.identity {
        rest.push("identity".to_owned());
    }
    if let Some(comment) = &column.comment {
        rest.push(format!("comment {}", quoted(comment)));
    }
    [column.name.clone(), column.ty.to_string(), rest.join("  ")]
}

fn named(name: Option<&str>) -> String {
    name.map(|n| format!(" {n}")).unwrap_or_default()
}

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
