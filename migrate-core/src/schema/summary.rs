//! A schema for people: what `migrate schema` prints by default.

use std::fmt::{self, Write as _};

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
        let mut out = Inert(f);
        // A blank line before each table and view but the first block.
        let mut first = true;
        let gap = |out: &mut Inert<'_, '_>, first: &mut bool| {
            if std::mem::take(first) {
                Ok(())
            } else {
                out.0.write_char('\n')
            }
        };
        for e in self.enums.values() {
            first = false;
            write!(out, "enum {} (", e.name)?;
            comma_separated(&mut out, e.values.iter().map(|v| Quoted(v)))?;
            out.end_line(")")?;
        }
        let mut cells = Vec::new();
        for table in self.tables.values() {
            gap(&mut out, &mut first)?;
            table_lines(&mut out, table, &mut cells)?;
        }
        for view in self.views.values() {
            gap(&mut out, &mut first)?;
            write!(out, "view {}", view.name)?;
            out.end_line("")?;
            write!(out, "  as {}", view.definition)?;
            out.end_line("")?;
        }
        if first {
            out.end_line("no tables")?;
        }
        Ok(())
    }
}

/// Writes through to the formatter with control characters escaped
/// ([`one_line`]): nothing user text holds can start a line of its own.
/// Lines end only with [`end_line`](Self::end_line).
struct Inert<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl Inert<'_, '_> {
    fn end_line(&mut self, last: &str) -> fmt::Result {
        self.write_str(last)?;
        self.0.write_char('\n')
    }
}

impl fmt::Write for Inert<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.0.write_str(&one_line(text))
    }
}

/// The cells of one column line after its name: the type, and the rest
/// (never empty), formatted once to measure them.
struct Cells {
    ty: String,
    rest: String,
}

fn table_lines(out: &mut Inert<'_, '_>, table: &Table, cells: &mut Vec<Cells>) -> fmt::Result {
    write!(out, "table {}", table.name)?;
    out.end_line("")?;
    if let Some(comment) = &table.comment {
        write!(out, "  comment {}", Quoted(comment))?;
        out.end_line("")?;
    }
    cells.clear();
    cells.extend(table.columns.iter().map(column_cells));
    let name_width = table
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let type_width = cells
        .iter()
        .map(|c| c.ty.chars().count())
        .max()
        .unwrap_or(0);
    for (column, Cells { ty, rest }) in table.columns.iter().zip(cells.iter()) {
        write!(out, "  {:name_width$}  {ty:type_width$}  ", column.name)?;
        out.end_line(rest)?;
    }
    if let Some(key) = &table.primary_key {
        write!(out, "  primary key{} (", Named(key.name.as_deref()))?;
        comma_separated(out, key.columns.iter())?;
        out.end_line(")")?;
    }
    for unique in &table.uniques {
        write!(out, "  unique{} (", Named(unique.name.as_deref()))?;
        comma_separated(out, unique.columns.iter())?;
        out.end_line(")")?;
    }
    for index in &table.indexes {
        write!(out, "  index {} {index}", index.name)?;
        out.end_line("")?;
    }
    for fk in &table.foreign_keys {
        write!(out, "  foreign key{} {fk}", Named(fk.name.as_deref()))?;
        out.end_line("")?;
    }
    for check in &table.checks {
        write!(
            out,
            "  check{} ({})",
            Named(check.name.as_deref()),
            check.expr
        )?;
        out.end_line("")?;
    }
    Ok(())
}

/// The type, and the rest: nullability, default, identity, comment.
fn column_cells(column: &Column) -> Cells {
    let mut rest = String::from(if column.nullable { "null" } else { "not null" });
    if let Some(default) = &column.default {
        let _ = write!(rest, "  default {default}");
    }
    if column.identity {
        rest.push_str("  identity");
    }
    if let Some(comment) = &column.comment {
        let _ = write!(rest, "  comment {}", Quoted(comment));
    }
    Cells {
        ty: column.ty.to_string(),
        rest,
    }
}

fn comma_separated<T: fmt::Display>(
    out: &mut Inert<'_, '_>,
    items: impl Iterator<Item = T>,
) -> fmt::Result {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{item}")?;
    }
    Ok(())
}

/// ` name`, or nothing for a name the database made up.
struct Named<'a>(Option<&'a str>);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, " {name}"),
            None => Ok(()),
        }
    }
}

/// A string literal, quotes doubled.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('\'')?;
        for (i, part) in self.0.split('\'').enumerate() {
            if i > 0 {
                f.write_str("''")?;
            }
            f.write_str(part)?;
        }
        f.write_char('\'')
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{
        EnumType, FkAction, ForeignKey, Index, IndexPart, PrimaryKey, SqlType, Unique, View,
    };
    use super::*;
    use crate::Backend;

    fn column(name: &str, ty: SqlType, nullable: bool) -> Column {
        Column {
            name: name.to_owned(),
            ty,
            nullable,
            default: None,
            identity: false,
            comment: None,
        }
    }

    #[test]
    fn every_kind_of_object_in_aligned_lines_and_user_text_on_one_line() {
        let mut schema = Schema::new(Backend::Postgres);
        schema.enums.insert(
            "mood".into(),
            EnumType {
                name: "mood".into(),
                values: vec!["ok".into(), "it's".into()],
            },
        );
        let mut users = Table::new("users".to_owned());
        users.comment = Some("people\nDROP TABLE x;".into());
        users.columns.push(Column {
            identity: true,
            ..column("id", SqlType::BigInt, false)
        });
        users.columns.push(Column {
            default: Some("'none'".into()),
            comment: Some("shown as-is".into()),
            ..column("nickname", SqlType::VarChar(Some(40)), true)
        });
        users.primary_key = Some(PrimaryKey {
            name: Some("pk_users".into()),
            columns: vec!["id".into()],
        });
        users.uniques.push(Unique {
            name: None,
            columns: vec!["nickname".into(), "id".into()],
        });
        users.indexes.push(Index {
            name: "ix_users_nickname".into(),
            unique: false,
            parts: vec![IndexPart::Column("nickname".into())],
            predicate: Some("nickname IS NOT NULL".into()),
            valid: true,
        });
        users.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec!["id".into()],
            ref_table: "accounts".into(),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        });
        schema.tables.insert("users".into(), users);
        schema.views.insert(
            "v".into(),
            View {
                name: "v".into(),
                definition: "select id from users".into(),
            },
        );
        assert_eq!(
            schema.to_string(),
            "enum mood ('ok', 'it''s')\n\
             \n\
             table users\n  \
             comment 'people\\nDROP TABLE x;'\n  \
             id        bigint       not null  identity\n  \
             nickname  varchar(40)  null  default 'none'  comment 'shown as-is'\n  \
             primary key pk_users (id)\n  \
             unique (nickname, id)\n  \
             index ix_users_nickname on (nickname) where nickname IS NOT NULL\n  \
             foreign key (id) -> accounts(id) on delete cascade on update no action\n\
             \n\
             view v\n  \
             as select id from users\n"
        );
        assert_eq!(Schema::new(Backend::Sqlite).to_string(), "no tables\n");
    }
}
