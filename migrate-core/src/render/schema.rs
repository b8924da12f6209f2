//! Schema operations to SQL, through sea-query's schema builders.
//!
//! Every sea-query statement is built so that its backend cannot panic on it
//! (one alter option per `ALTER TABLE`, no `IF EXISTS` where MySQL has none):
//! what a backend cannot do is a [`RenderError`], found before any SQL runs.

use sea_query::{
    Alias, ColumnDef, Expr, ForeignKey as SqForeignKey, ForeignKeyAction, Index as SqIndex,
    IndexCreateStatement, MysqlQueryBuilder, PostgresQueryBuilder, SchemaStatementBuilder,
    SimpleExpr, SqliteQueryBuilder, Table as SqTable, Value,
};

use super::RenderError;
use crate::Backend;
use crate::ops::{
    Action, Column, ColumnDefault, ColumnType, Index, Literal, Migration, Operation, Table,
};

/// One SQL statement of a rendered plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, ready to run.
    pub sql: String,
    /// The position of the operation it came from in the plan.
    pub op: usize,
}

/// Renders every operation of `plan` for `backend`, in order.
///
/// An operation may render to several statements (a column with an inline
/// foreign key added on PostgreSQL) or to none (raw SQL written for another
/// backend only).
///
/// ```
/// use migrate_core::prelude::*;
/// use migrate_core::render::render;
///
/// let mut m = Migration::new();
/// m.add_column("users", Column::new("email").string(255).nullable());
/// let sql = |backend| render(&m, backend).unwrap()[0].sql.clone();
/// assert_eq!(sql(Backend::Postgres), r#"ALTER TABLE "users" ADD COLUMN "email" varchar(255) NULL"#);
/// assert_eq!(sql(Backend::MySql), "ALTER TABLE `users` ADD COLUMN `email` varchar(255) NULL");
/// assert_eq!(sql(Backend::Sqlite), r#"ALTER TABLE "users" ADD COLUMN "email" varchar(255) NULL"#);
/// ```
pub fn render(plan: &Migration, backend: Backend) -> Result<Vec<Statement>, RenderError> {
    let mut out = Vec::new();
    for (op, operation) in plan.operations().iter().enumerate() {
        for sql in render_operation(operation, backend)? {
            out.push(Statement { sql, op });
        }
    }
    Ok(out)
}

fn render_operation(op: &Operation, backend: Backend) -> Result<Vec<String>, RenderError> {
    let sql = |stmt: &dyn Build| stmt.sql(backend);
    Ok(match op {
        Operation::CreateTable(table) => vec![sql(&create_table(table, op)?)],
        Operation::DropTable { name, if_exists } => {
            let mut stmt = SqTable::drop();
            stmt.table(Alias::new(name));
            if *if_exists {
                stmt.if_exists();
            }
            vec![sql(&stmt)]
        }
        Operation::AddColumn { table, column } => add_column(table, column, op, backend)?,
        Operation::DropColumn { table, column } => {
            let stmt = SqTable::alter()
                .table(Alias::new(table))
                .drop_column(Alias::new(column))
                .to_owned();
            vec![sql(&stmt)]
        }
        Operation::CreateIndex(index) => vec![sql(&create_index(index, op, backend)?)],
        Operation::DropIndex { name, table } => {
            let mut stmt = SqIndex::drop();
            stmt.name(name);
            if backend == Backend::MySql {
                stmt.table(Alias::new(table));
            }
            vec![sql(&stmt)]
        }
        Operation::Execute(raw) => raw
            .for_backend(backend)
            .map(|text| vec![text.to_owned()])
            .unwrap_or_default(),
    })
}

/// A sea-query schema statement, rendered for one of our backends.
trait Build {
    fn sql(&self, backend: Backend) -> String;
}

impl<T: SchemaStatementBuilder> Build for T {
    fn sql(&self, backend: Backend) -> String {
        match backend {
            Backend::Postgres => self.to_string(PostgresQueryBuilder),
            Backend::MySql => self.to_string(MysqlQueryBuilder),
            Backend::Sqlite => self.to_string(SqliteQueryBuilder),
        }
    }
}

fn create_table(
    table: &Table,
    op: &Operation,
) -> Result<sea_query::TableCreateStatement, RenderError> {
    if table.columns.is_empty() {
        return Err(RenderError::EmptyTable { op: op.describe() });
    }
    let mut stmt = SqTable::create();
    stmt.table(Alias::new(&table.name));
    if table.if_not_exists {
        stmt.if_not_exists();
    }

    // A single primary-key column is declared inline, which SQLite needs for
    // `INTEGER PRIMARY KEY AUTOINCREMENT`; several make a table constraint.
    let mut pk: Vec<&str> = table.primary_key.iter().map(String::as_str).collect();
    if pk.is_empty() {
        pk = table
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.as_str())
            .collect();
    }
    let inline_pk = match pk.as_slice() {
        [single] => Some(*single),
        _ => None,
    };

    for column in &table.columns {
        let mut def = column_def(column, op)?;
        if inline_pk == Some(column.name.as_str()) {
            def.primary_key();
        }
        stmt.col(&mut def);
        if let Some((ref_table, ref_column)) = &column.references {
            let name = format!("fk_{}_{}", table.name, column.name);
            stmt.foreign_key(
                SqForeignKey::create()
                    .name(name)
                    .from(Alias::new(&table.name), Alias::new(&column.name))
                    .to(Alias::new(ref_table), Alias::new(ref_column)),
            );
        }
    }
    if inline_pk.is_none() && !pk.is_empty() {
        let mut index = SqIndex::create();
        for column in pk {
            index.col(Alias::new(column));
        }
        stmt.primary_key(&mut index);
    }
    for fk in &table.foreign_keys {
        let mut create = SqForeignKey::create();
        create.name(&fk.name);
        for (from, to) in fk.columns.iter().zip(&fk.ref_columns) {
            create
                .from(Alias::new(&table.name), Alias::new(from))
                .to(Alias::new(&fk.ref_table), Alias::new(to));
        }
        if let Some(action) = fk.on_delete {
            create.on_delete(fk_action(action));
        }
        if let Some(action) = fk.on_update {
            create.on_update(fk_action(action));
        }
        stmt.foreign_key(&mut create);
    }
    Ok(stmt)
}

fn add_column(
    table: &str,
    column: &Column,
    op: &Operation,
    backend: Backend,
) -> Result<Vec<String>, RenderError> {
    let mut def = column_def(column, op)?;
    let Some((ref_table, ref_column)) = &column.references else {
        let stmt = SqTable::alter()
            .table(Alias::new(table))
            .add_column(&mut def)
            .to_owned();
        return Ok(vec![stmt.sql(backend)]);
    };
    if backend == Backend::Sqlite {
        // SQLite cannot add a constraint to an existing table, but it accepts
        // an inline reference on the added column.
        def.extra(format!(r#"REFERENCES "{ref_table}" ("{ref_column}")"#));
        let stmt = SqTable::alter()
            .table(Alias::new(table))
            .add_column(&mut def)
            .to_owned();
        return Ok(vec![stmt.sql(backend)]);
    }
    let add = SqTable::alter()
        .table(Alias::new(table))
        .add_column(&mut def)
        .to_owned();
    let fk = SqForeignKey::create()
        .name(format!("fk_{table}_{}", column.name))
        .from(Alias::new(table), Alias::new(&column.name))
        .to(Alias::new(ref_table), Alias::new(ref_column))
        .to_owned();
    Ok(vec![add.sql(backend), fk.sql(backend)])
}

fn create_index(
    index: &Index,
    op: &Operation,
    backend: Backend,
) -> Result<IndexCreateStatement, RenderError> {
    if index.table.is_empty() || index.columns.is_empty() {
        return Err(RenderError::EmptyIndex { op: op.describe() });
    }
    if index.if_not_exists && backend == Backend::MySql {
        return Err(RenderError::Unsupported {
            op: op.describe(),
            backend,
            why: "MySQL has no CREATE INDEX IF NOT EXISTS; drop `.if_not_exists()`".to_owned(),
        });
    }
    let mut stmt = SqIndex::create();
    stmt.name(&index.name).table(Alias::new(&index.table));
    for column in &index.columns {
        stmt.col(Alias::new(column));
    }
    if index.unique {
        stmt.unique();
    }
    if index.if_not_exists {
        stmt.if_not_exists();
    }
    Ok(stmt)
}

fn column_def(column: &Column, op: &Operation) -> Result<ColumnDef, RenderError> {
    let Some(ty) = &column.ty else {
        return Err(RenderError::ColumnWithoutType {
            op: op.describe(),
            column: column.name.clone(),
        });
    };
    let mut def = ColumnDef::new(Alias::new(&column.name));
    match ty {
        ColumnType::SmallInteger => def.small_integer(),
        ColumnType::Integer => def.integer(),
        ColumnType::BigInteger => def.big_integer(),
        ColumnType::String(len) => def.string_len(*len),
        ColumnType::Text => def.text(),
        ColumnType::Boolean => def.boolean(),
        ColumnType::TimestampTz => def.timestamp_with_time_zone(),
        ColumnType::Raw(sql) => def.custom(Alias::new(sql)),
    };
    if column.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if column.auto_increment {
        def.auto_increment();
    }
    if column.unique {
        def.unique_key();
    }
    if let Some(default) = &column.default {
        def.default(default_expr(default));
    }
    Ok(def)
}

fn default_expr(default: &ColumnDefault) -> SimpleExpr {
    match default {
        ColumnDefault::Literal(literal) => literal_expr(literal),
        ColumnDefault::CurrentTimestamp => Expr::current_timestamp().into(),
        ColumnDefault::Expr(sql) => Expr::cust(sql),
    }
}

pub(crate) fn literal_expr(literal: &Literal) -> SimpleExpr {
    let value = match literal {
        Literal::Null => Value::String(None),
        Literal::Bool(b) => Value::Bool(Some(*b)),
        Literal::Int(i) => Value::BigInt(Some(*i)),
        Literal::String(s) => Value::String(Some(Box::new(s.clone()))),
    };
    SimpleExpr::Value(value)
}

fn fk_action(action: Action) -> ForeignKeyAction {
    match action {
        Action::NoAction => ForeignKeyAction::NoAction,
        Action::Restrict => ForeignKeyAction::Restrict,
        Action::Cascade => ForeignKeyAction::Cascade,
        Action::SetNull => ForeignKeyAction::SetNull,
        Action::SetDefault => ForeignKeyAction::SetDefault,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::ForeignKey;

    /// The example schema's operations, rendered for one backend, one
    /// statement per line.
    fn rendered(backend: Backend) -> String {
        let mut m = Migration::new();
        m.create_table(
            Table::new("users")
                .column(Column::new("id").big_integer().auto_increment())
                .column(Column::new("email").string(255).unique())
                .column(Column::new("is_admin").boolean().default(false))
                .column(Column::new("nickname").text().nullable().default("it's"))
                .column(Column::new("created_at").timestamptz().default_now()),
        );
        m.create_table(
            Table::new("memberships")
                .column(Column::new("user_id").big_integer())
                .column(Column::new("team_id").integer())
                .column(Column::new("role").string(20).default_sql("'member'"))
                .primary_key(["user_id", "team_id"])
                .foreign_key(
                    ForeignKey::new("fk_memberships_user", ["user_id"], "users", ["id"])
                        .on_delete(Action::Cascade)
                        .on_update(Action::Restrict),
                ),
        );
        m.add_column("users", Column::new("bio").text().nullable());
        m.add_column(
            "users",
            Column::new("team_id")
                .integer()
                .nullable()
                .references("teams", "id"),
        );
        m.drop_column("users", "bio");
        m.create_index(Index::new("ix_users_created").on("users", ["created_at", "id"]));
        m.create_index(Index::new("uq_users_email").on("users", ["email"]).unique());
        m.drop_index("uq_users_email", "users");
        m.drop_table("memberships");
        m.drop_table_if_exists("users");
        m.execute("SELECT 1");
        m.execute_for(Backend::Postgres, "SELECT 'pg'");
        m.execute_for(Backend::Sqlite, "SELECT 'sqlite'");
        render(&m, backend)
            .unwrap()
            .into_iter()
            .map(|s| format!("[{}] {}", s.op, s.sql))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn postgres() {
        insta::assert_snapshot!(rendered(Backend::Postgres));
    }

    #[test]
    fn mysql() {
        insta::assert_snapshot!(rendered(Backend::MySql));
    }

    #[test]
    fn sqlite() {
        insta::assert_snapshot!(rendered(Backend::Sqlite));
    }

    #[test]
    fn what_cannot_render_is_an_error_not_a_panic() {
        let mut m = Migration::new();
        m.add_column("users", Column::new("untyped"));
        let error = render(&m, Backend::Postgres).unwrap_err().to_string();
        assert!(error.contains("column `untyped` has no type"), "{error}");

        let mut m = Migration::new();
        m.create_table(Table::new("empty"));
        assert!(matches!(
            render(&m, Backend::Sqlite),
            Err(RenderError::EmptyTable { .. })
        ));

        let mut m = Migration::new();
        m.create_index(Index::new("ix"));
        assert!(matches!(
            render(&m, Backend::MySql),
            Err(RenderError::EmptyIndex { .. })
        ));

        let mut m = Migration::new();
        m.create_index(Index::new("ix").on("t", ["a"]).if_not_exists());
        assert!(matches!(
            render(&m, Backend::MySql),
            Err(RenderError::Unsupported { .. })
        ));
        assert!(render(&m, Backend::Postgres).is_ok());
    }
}
