//! Structured differences between two [`Schema`] snapshots.
//!
//! A [`SchemaDiff`] is a list of typed [`Change`]s, from `old` to `new`, in a
//! stable order (enums, tables, views; by name). Each change prints as lines
//! that read like a review comment:
//!
//! ```text
//! table users: column email: nullable true -> false
//! table users: index ix_users_email: added (unique on (email))
//! ```
//!
//! The changes carry whole definitions, not just text, so that tools (a
//! future autogenerate, drift detection) can act on them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::model::{
    Check, Column, EnumType, ForeignKey, Index, PrimaryKey, Schema, Table, Unique, View,
    quoted_list,
};

/// The differences between two snapshots; empty when they are equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SchemaDiff {
    /// What changed, from the old snapshot to the new one.
    pub changes: Vec<Change>,
}

impl SchemaDiff {
    /// Whether the two snapshots are equal.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// One line per difference.
    pub fn lines(&self) -> Vec<String> {
        self.changes.iter().flat_map(Change::lines).collect()
    }
}

impl fmt::Display for SchemaDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.lines().iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(line)?;
        }
        Ok(())
    }
}

/// A unique, check or foreign-key constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConstraintDef {
    /// A unique constraint.
    Unique(Unique),
    /// A check constraint.
    Check(Check),
    /// A foreign key.
    ForeignKey(ForeignKey),
}

impl ConstraintDef {
    /// What identifies the constraint across snapshots: its name when it
    /// has one, else its definition.
    fn key(&self) -> String {
        match self.name() {
            Some(name) => format!("{} {name}", self.kind()),
            None => self.label(),
        }
    }

    fn name(&self) -> Option<&str> {
        match self {
            Self::Unique(c) => c.name.as_deref(),
            Self::Check(c) => c.name.as_deref(),
            Self::ForeignKey(c) => c.name.as_deref(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Unique(_) => "unique",
            Self::Check(_) => "check",
            Self::ForeignKey(_) => "foreign key",
        }
    }

    /// `check (age >= 0)`, for unnamed constraints.
    fn label(&self) -> String {
        format!("{} {}", self.kind(), self.definition())
    }

    fn definition(&self) -> String {
        match self {
            Self::Unique(c) => format!("({})", c.columns.join(", ")),
            Self::Check(c) => format!("({})", c.expr),
            Self::ForeignKey(c) => c.to_string(),
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// A table only the new snapshot has.
    AddTable(Table),
    /// A table only the old snapshot has.
    DropTable(Table),
    /// A table's comment changed.
    AlterTableComment {
        /// The table.
        table: String,
        /// The old comment.
        from: Option<String>,
        /// The new comment.
        to: Option<String>,
    },
    /// A new column.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: Column,
    },
    /// A column that went away.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: Column,
    },
    /// A column whose type, nullability, default, identity or comment
    /// changed.
    AlterColumn {
        /// The table.
        table: String,
        /// The column before.
        from: Column,
        /// The column after.
        to: Column,
    },
    /// The primary key changed, appeared or went away.
    AlterPrimaryKey {
        /// The table.
        table: String,
        /// The key before.
        from: Option<PrimaryKey>,
        /// The key after.
        to: Option<PrimaryKey>,
    },
    /// A new index.
    AddIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// An index that went away.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// An index with the same name and another definition.
    AlterIndex {
        /// The table.
        table: String,
        /// The index before.
        from: Index,
        /// The index after.
        to: Index,
    },
    /// A new constraint.
    AddConstraint {
        /// The table.
        table: String,
        /// The constraint.
        constraint: ConstraintDef,
    },
    /// A constraint that went away.
    DropConstraint {
        /// The table.
        table: String,
        /// The constraint.
        constraint: ConstraintDef,
    },
    /// A named constraint with another definition.
    AlterConstraint {
        /// The table.
        table: String,
        /// The constraint before.
        from: ConstraintDef,
        /// The constraint after.
        to: ConstraintDef,
    },
    /// A new enum type.
    AddEnum(EnumType),
    /// An enum type that went away.
    DropEnum(EnumType),
    /// An enum type whose values changed.
    AlterEnum {
        /// The type before.
        from: EnumType,
        /// The type after.
        to: EnumType,
    },
    /// A new view.
    AddView(View),
    /// A view that went away.
    DropView(View),
    /// A view whose query changed.
    AlterView {
        /// The view before.
        from: View,
        /// The view after.
        to: View,
    },
}

fn or_none<T: fmt::Display>(value: Option<&T>) -> String {
    value.map_or_else(|| "none".to_owned(), ToString::to_string)
}

fn quoted(value: Option<&String>) -> String {
    value.map_or_else(
        || "none".to_owned(),
        |v| format!("'{}'", v.replace('\'', "''")),
    )
}

fn describe_column(column: &Column) -> String {
    let mut text = format!(
        "{} {}",
        column.ty,
        if column.nullable { "null" } else { "not null" }
    );
    if let Some(default) = &column.default {
        text.push_str(&format!(" default {default}"));
    }
    if column.identity {
        text.push_str(" identity");
    }
    text
}

fn describe_key(key: Option<&PrimaryKey>) -> String {
    match key {
        None => "none".to_owned(),
        Some(key) => {
            let columns = format!("({})", key.columns.join(", "));
            match &key.name {
                Some(name) => format!("{name} {columns}"),
                None => columns,
            }
        }
    }
}

impl Change {
    /// The lines that describe this change, e.g.
    /// `table users: column email: nullable true -> false`.
    pub fn lines(&self) -> Vec<String> {
        let on = |table: &str, what: String| format!("table {table}: {what}");
        match self {
            Self::AddTable(t) => {
                let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                vec![on(
                    &t.name,
                    format!("added (columns {})", columns.join(", ")),
                )]
            }
            Self::DropTable(t) => vec![on(&t.name, "removed".to_owned())],
            Self::AlterTableComment { table, from, to } => vec![on(
                table,
                format!(
                    "comment {} -> {}",
                    quoted(from.as_ref()),
                    quoted(to.as_ref())
                ),
            )],
            Self::AddColumn { table, column } => vec![on(
                table,
                format!(
                    "column {}: added ({})",
                    column.name,
                    describe_column(column)
                ),
            )],
            Self::DropColumn { table, column } => vec![on(
                table,
                format!(
                    "column {}: removed ({})",
                    column.name,
                    describe_column(column)
                ),
            )],
            Self::AlterColumn { table, from, to } => {
                let mut lines = Vec::new();
                let mut field = |name: &str, a: String, b: String| {
                    if a != b {
                        lines.push(on(
                            table,
                            format!("column {}: {name} {a} -> {b}", from.name),
                        ));
                    }
                };
                field("type", from.ty.to_string(), to.ty.to_string());
                field(
                    "nullable",
                    from.nullable.to_string(),
                    to.nullable.to_string(),
                );
                field(
                    "default",
                    or_none(from.default.as_ref()),
                    or_none(to.default.as_ref()),
                );
                field(
                    "identity",
                    from.identity.to_string(),
                    to.identity.to_string(),
                );
                field(
                    "comment",
                    quoted(from.comment.as_ref()),
                    quoted(to.comment.as_ref()),
                );
                lines
            }
            Self::AlterPrimaryKey { table, from, to } => vec![on(
                table,
                format!(
                    "primary key {} -> {}",
                    describe_key(from.as_ref()),
                    describe_key(to.as_ref())
                ),
            )],
            Self::AddIndex { table, index } => {
                vec![on(table, format!("index {}: added ({index})", index.name))]
            }
            Self::DropIndex { table, index } => vec![on(
                table,
                format!("index {}: removed ({index})", index.name),
            )],
            Self::AlterIndex { table, from, to } => {
                vec![on(table, format!("index {}: {from} -> {to}", from.name))]
            }
            Self::AddConstraint { table, constraint } => vec![match constraint.name() {
                Some(_) => on(
                    table,
                    format!("{}: added {}", constraint.key(), constraint.definition()),
                ),
                None => on(table, format!("{}: added", constraint.label())),
            }],
            Self::DropConstraint { table, constraint } => vec![match constraint.name() {
                Some(_) => on(
                    table,
                    format!("{}: removed {}", constraint.key(), constraint.definition()),
                ),
                None => on(table, format!("{}: removed", constraint.label())),
            }],
            Self::AlterConstraint { table, from, to } => vec![on(
                table,
                format!(
                    "{}: {} -> {}",
                    from.key(),
                    from.definition(),
                    to.definition()
                ),
            )],
            Self::AddEnum(e) => vec![format!(
                "enum {}: added ({})",
                e.name,
                quoted_list(&e.values)
            )],
            Self::DropEnum(e) => vec![format!("enum {}: removed", e.name)],
            Self::AlterEnum { from, to } => vec![format!(
                "enum {}: values ({}) -> ({})",
                from.name,
                quoted_list(&from.values),
                quoted_list(&to.values)
            )],
            Self::AddView(v) => vec![format!("view {}: added", v.name)],
            Self::DropView(v) => vec![format!("view {}: removed", v.name)],
            Self::AlterView { from, to } => vec![format!(
                "view {}: definition {} -> {}",
                from.name, from.definition, to.definition
            )],
        }
    }
}

impl Schema {
    /// What changed from `self` to `new`. Column order is not compared (see
    /// [`Table::columns`]).
    ///
    /// ```
    /// use migrate_core::Backend;
    /// use migrate_core::schema::{Column, Schema, SqlType, Table};
    ///
    /// let column = |nullable| Column {
    ///     name: "email".into(),
    ///     ty: SqlType::VarChar(Some(255)),
    ///     nullable,
    ///     default: None,
    ///     identity: false,
    ///     comment: None,
    /// };
    /// let mut old = Schema::new(Backend::Sqlite);
    /// let mut users = Table::new("users");
    /// users.columns.push(column(true));
    /// old.tables.insert("users".into(), users.clone());
    /// let mut new = old.clone();
    /// new.tables.get_mut("users").unwrap().columns[0] = column(false);
    ///
    /// assert_eq!(
    ///     old.diff(&new).to_string(),
    ///     "table users: column email: nullable true -> false"
    /// );
    /// assert!(old.diff(&old).is_empty());
    /// ```
    pub fn diff(&self, new: &Schema) -> SchemaDiff {
        let mut changes = Vec::new();
        pair_up(
            &self.enums,
            &new.enums,
            &mut changes,
            |e| Change::DropEnum(e.clone()),
            |e| Change::AddEnum(e.clone()),
            |a, b, out| {
                if a != b {
                    out.push(Change::AlterEnum {
                        from: a.clone(),
                        to: b.clone(),
                    });
                }
            },
        );
        pair_up(
            &self.tables,
            &new.tables,
            &mut changes,
            |t| Change::DropTable(t.clone()),
            |t| Change::AddTable(t.clone()),
            diff_table,
        );
        pair_up(
            &self.views,
            &new.views,
            &mut changes,
            |v| Change::DropView(v.clone()),
            |v| Change::AddView(v.clone()),
            |a, b, out| {
                if a != b {
                    out.push(Change::AlterView {
                        from: a.clone(),
                        to: b.clone(),
                    });
                }
            },
        );
        SchemaDiff { changes }
    }
}

/// Walks two maps by key: removed, added and common entries, in key order.
fn pair_up<T>(
    old: &BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    out: &mut Vec<Change>,
    removed: impl Fn(&T) -> Change,
    added: impl Fn(&T) -> Change,
    mut both: impl FnMut(&T, &T, &mut Vec<Change>),
) {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        match (old.get(key), new.get(key)) {
            (Some(a), Some(b)) => both(a, b, out),
            (Some(a), None) => out.push(removed(a)),
            (None, Some(b)) => out.push(added(b)),
            (None, None) => {}
        }
    }
}

fn keyed<T: Clone>(items: &[T], key: impl Fn(&T) -> String) -> BTreeMap<String, T> {
    items.iter().map(|i| (key(i), i.clone())).collect()
}

fn diff_table(old: &Table, new: &Table, out: &mut Vec<Change>) {
    let table = || old.name.clone();
    if old.comment != new.comment {
        out.push(Change::AlterTableComment {
            table: table(),
            from: old.comment.clone(),
            to: new.comment.clone(),
        });
    }
    pair_up(
        &keyed(&old.columns, |c| c.name.clone()),
        &keyed(&new.columns, |c| c.name.clone()),
        out,
        |c| Change::DropColumn {
            table: table(),
            column: c.clone(),
        },
        |c| Change::AddColumn {
            table: table(),
            column: c.clone(),
        },
        |a, b, out| {
            if a != b {
                out.push(Change::AlterColumn {
                    table: table(),
                    from: a.clone(),
                    to: b.clone(),
                });
            }
        },
    );
    if old.primary_key != new.primary_key {
        out.push(Change::AlterPrimaryKey {
            table: table(),
            from: old.primary_key.clone(),
            to: new.primary_key.clone(),
        });
    }
    pair_up(
        &keyed(&old.indexes, |i| i.name.clone()),
        &keyed(&new.indexes, |i| i.name.clone()),
        out,
        |i| Change::DropIndex {
            table: table(),
            index: i.clone(),
        },
        |i| Change::AddIndex {
            table: table(),
            index: i.clone(),
        },
        |a, b, out| {
            if a != b {
                out.push(Change::AlterIndex {
                    table: table(),
                    from: a.clone(),
                    to: b.clone(),
                });
            }
        },
    );
    let constraints = |t: &Table| {
        let all: Vec<ConstraintDef> = t
            .uniques
            .iter()
            .cloned()
            .map(ConstraintDef::Unique)
            .chain(t.checks.iter().cloned().map(ConstraintDef::Check))
            .chain(
                t.foreign_keys
                    .iter()
                    .cloned()
                    .map(ConstraintDef::ForeignKey),
            )
            .collect();
        keyed(&all, ConstraintDef::key)
    };
    pair_up(
        &constraints(old),
        &constraints(new),
        out,
        |c| Change::DropConstraint {
            table: table(),
            constraint: c.clone(),
        },
        |c| Change::AddConstraint {
            table: table(),
            constraint: c.clone(),
        },
        |a, b, out| {
            if a != b {
                out.push(Change::AlterConstraint {
                    table: table(),
                    from: a.clone(),
                    to: b.clone(),
                });
            }
        },
    );
}
