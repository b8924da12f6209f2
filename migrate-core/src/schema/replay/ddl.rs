//! Raw `CREATE TABLE` and `ALTER TABLE` as the typed operations they amount
//! to, when every part of them has one: the replay then folds them in as it
//! folds a plan's own, through the same model of what each backend reads
//! back. A part the typed operations have no word for (partitions, storage
//! options, generated columns, a sort order in a key, MySQL's `MODIFY`)
//! gives `None`, and the replay leaves the statement's tables uncertain.
//!
//! What the SQL leaves unnamed stays unnamed here (`Name::server()`): the
//! database names it, not the crate's naming convention.

use sqlparser::ast::helpers::stmt_create_table::CreateTableBuilder;
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, ColumnDef, ColumnOption, CreateTable,
    DataType, Expr, ForeignKeyConstraint, Ident, IndexColumn, ObjectName, ReferentialAction,
    RenameTableNameKind, TableConstraint, UnaryOperator, Value,
};
use sqlparser::tokenizer::Token;

use crate::Backend;
use crate::ops::{
    Action, AlterColumn, Column, ColumnDefault, ColumnType, Constraint, Dropped, ForeignKey, Index,
    Literal, Name, Operation, Table,
};

/// Identifiers as the database stores them.
pub(super) struct Names {
    pub(super) backend: Backend,
}

impl Names {
    /// An identifier: PostgreSQL folds an unquoted one to lower case.
    pub(super) fn ident(&self, ident: &Ident) -> String {
        match (ident.quote_style, self.backend) {
            (None, Backend::Postgres) => ident.value.to_lowercase(),
            _ => ident.value.clone(),
        }
    }

    /// The object a possibly qualified name names; a schema qualifier is
    /// dropped.
    pub(super) fn object(&self, name: &ObjectName) -> Option<String> {
        Some(self.ident(name.0.last()?.as_ident()?))
    }

    fn idents(&self, idents: &[Ident]) -> Vec<String> {
        idents.iter().map(|i| self.ident(i)).collect()
    }

    /// Key columns, when each is a plain column (no expression, order,
    /// operator class or prefix length).
    fn key(&self, columns: &[IndexColumn]) -> Option<Vec<String>> {
        columns
            .iter()
            .map(|c| match &c.column.expr {
                Expr::Identifier(ident)
                    if c.operator_class.is_none()
                        && c.column.options.sort.is_none()
                        && c.column.options.nulls_first.is_none()
                        && c.column.with_fill.is_none() =>
                {
                    Some(self.ident(ident))
                }
                _ => None,
            })
            .collect()
    }

    /// A table-level constraint, or MySQL's inline `KEY`/`INDEX` (an
    /// index of `table`).
    fn constraint(&self, table: &str, constraint: &TableConstraint) -> Option<Operation> {
        let name = |name: &Option<Ident>| -> Name {
            match name {
                Some(name) => Name::from(self.ident(name)),
                None => Name::server(),
            }
        };
        let constraint = match constraint {
            TableConstraint::PrimaryKey(pk)
                if pk.index_name.is_none()
                    && pk.index_type.is_none()
                    && pk.include.is_empty()
                    && pk.index_options.is_empty()
                    && pk.characteristics.is_none() =>
            {
                Constraint::primary_key(name(&pk.name), self.key(&pk.columns)?)
            }
            TableConstraint::Unique(unique)
                if unique.index_type.is_none()
                    && unique.include.is_empty()
                    && unique.index_options.is_empty()
                    && unique.characteristics.is_none()
                    && unique.nulls_distinct == sqlparser::ast::NullsDistinctOption::None =>
            {
                // MySQL's `UNIQUE KEY name (..)` names the index.
                let given = unique.name.as_ref().or(unique.index_name.as_ref());
                Constraint::unique(name(&given.cloned()), self.key(&unique.columns)?)
            }
            TableConstraint::ForeignKey(fk)
                if fk.index_name.is_none()
                    && fk.match_kind.is_none()
                    && fk.characteristics.is_none() =>
            {
                Constraint::from(self.foreign_key(name(&fk.name), self.idents(&fk.columns), fk)?)
            }
            TableConstraint::Check(check) if !check.no_inherit && check.enforced.is_none() => {
                Constraint::check(name(&check.name), check.expr.to_string())
            }
            TableConstraint::Index(index)
                if self.backend == Backend::MySql
                    && index.index_type.is_none()
                    && index.index_options.is_empty() =>
            {
                let columns = self.key(&index.columns)?;
                // Unnamed, MySQL names it after its first column.
                let name = match &index.name {
                    Some(name) => self.ident(name),
                    None => columns.first()?.clone(),
                };
                return Some(Operation::CreateIndex(Index::new(name).on(table, columns)));
            }
            _ => return None,
        };
        Some(Operation::AddConstraint {
            table: table.to_owned(),
            constraint,
        })
    }

    /// A foreign key with the actions the SQL gives it.
    fn foreign_key(
        &self,
        name: Name,
        columns: Vec<String>,
        fk: &ForeignKeyConstraint,
    ) -> Option<ForeignKey> {
        let action = |action: ReferentialAction| match action {
            ReferentialAction::Restrict => Action::Restrict,
            ReferentialAction::Cascade => Action::Cascade,
            ReferentialAction::SetNull => Action::SetNull,
            ReferentialAction::NoAction => Action::NoAction,
            ReferentialAction::SetDefault => Action::SetDefault,
        };
        let mut key = ForeignKey::new(
            name,
            columns,
            self.object(&fk.foreign_table)?,
            self.idents(&fk.referred_columns),
        );
        if let Some(on_delete) = fk.on_delete {
            key = key.on_delete(action(on_delete));
        }
        if let Some(on_update) = fk.on_update {
            key = key.on_update(action(on_update));
        }
        Some(key)
    }

    /// A column definition, and the constraints its options declare that
    /// a typed column does not (named keys, references, checks).
    fn column(&self, table: &str, def: &ColumnDef) -> Option<(Column, Vec<Operation>)> {
        let name = self.ident(&def.name);
        let mut column = Column::new(name.clone()).nullable();
        column.ty = Some(self.column_type(&def.data_type, &mut column));
        let mut constraints = Vec::new();
        let mut add = |constraint: Constraint| {
            constraints.push(Operation::AddConstraint {
                table: table.to_owned(),
                constraint,
            });
        };
        for option in &def.options {
            let given = option.name.as_ref().map(|n| self.ident(n));
            match &option.option {
                ColumnOption::Null if given.is_none() => column.nullable = true,
                ColumnOption::NotNull if given.is_none() => column.nullable = false,
                ColumnOption::Default(expr) if given.is_none() => {
                    column.default = Some(self.default(expr)?);
                }
                ColumnOption::Comment(text) if self.backend != Backend::Sqlite => {
                    column.comment = Some(text.clone());
                }
                ColumnOption::PrimaryKey(pk)
                    if pk.index_type.is_none()
                        && pk.index_options.is_empty()
                        && pk.characteristics.is_none() =>
                {
                    column.primary_key = true;
                    if let Some(name) = given {
                        column = column.primary_key_named(name);
                    }
                }
                ColumnOption::Unique(unique)
                    if unique.index_type.is_none()
                        && unique.index_options.is_empty()
                        && unique.characteristics.is_none() =>
                {
                    match given {
                        Some(name) => add(Constraint::unique(name, [column.name.clone()])),
                        None => column.unique = true,
                    }
                }
                ColumnOption::ForeignKey(fk)
                    if fk.match_kind.is_none() && fk.characteristics.is_none() =>
                {
                    if fk.referred_columns.len() != 1 {
                        return None;
                    }
                    let name = given.map_or_else(Name::server, Name::from);
                    add(Constraint::from(self.foreign_key(
                        name,
                        vec![column.name.clone()],
                        fk,
                    )?));
                }
                // MariaDB names an unnamed column check after the column,
                // MySQL 8 after the table: which one runs is not known.
                ColumnOption::Check(check)
                    if !check.no_inherit
                        && check.enforced.is_none()
                        && (given.is_some() || self.backend != Backend::MySql) =>
                {
                    add(Constraint::check(
                        given.map_or_else(Name::server, Name::from),
                        check.expr.to_string(),
                    ));
                }
                ColumnOption::DialectSpecific(tokens)
                    if matches!(tokens.as_slice(), [Token::Word(w)]
                        if w.value.eq_ignore_ascii_case("AUTO_INCREMENT")
                            || w.value.eq_ignore_ascii_case("AUTOINCREMENT")) =>
                {
                    column.auto_increment = true;
                }
                ColumnOption::Generated {
                    generated_as: sqlparser::ast::GeneratedAs::ByDefault,
                    sequence_options,
                    generation_expr: None,
                    ..
                } if self.backend == Backend::Postgres
                    && sequence_options.as_ref().is_none_or(Vec::is_empty) =>
                {
                    column.auto_increment = true;
                }
                _ => return None,
            }
        }
        if column.primary_key && self.backend != Backend::Sqlite {
            column.nullable = false;
        }
        Some((column, constraints))
    }

    /// The type as written, for the same normalisation a typed column's
    /// type goes through; PostgreSQL's `serial` types are integers with a
    /// sequence, read back as identity columns.
    fn column_type(&self, ty: &DataType, column: &mut Column) -> ColumnType {
        let written = ty.to_string();
        if self.backend == Backend::Postgres {
            let serial = match written.to_ascii_lowercase().as_str() {
                "smallserial" | "serial2" => Some("smallint"),
                "serial" | "serial4" => Some("integer"),
                "bigserial" | "serial8" => Some("bigint"),
                _ => None,
            };
            if let Some(integer) = serial {
                column.auto_increment = true;
                return ColumnType::Raw(integer.to_owned());
            }
        }
        ColumnType::Raw(written)
    }

    /// A default: a literal, `CURRENT_TIMESTAMP`, or (not on MySQL, where
    /// an expression default is a kind of its own) an expression.
    fn default(&self, expr: &Expr) -> Option<ColumnDefault> {
        let literal = match expr {
            Expr::Value(value) => match &value.value {
                Value::SingleQuotedString(text) => Some(Literal::String(text.clone())),
                Value::Number(number, false) => number.parse().ok().map(Literal::Int),
                Value::Boolean(b) => Some(Literal::Bool(*b)),
                Value::Null => Some(Literal::Null),
                _ => None,
            },
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                Expr::Value(value) => match &value.value {
                    Value::Number(number, false) => {
                        number.parse::<i64>().ok().map(|n| Literal::Int(-n))
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if let Some(literal) = literal {
            return Some(ColumnDefault::Literal(literal));
        }
        let text = expr.to_string();
        let now = match expr {
            // With or without a precision: `CURRENT_TIMESTAMP(6)`.
            Expr::Function(f) => f
                .name
                .0
                .last()
                .and_then(|part| part.as_ident())
                .is_some_and(|name| name.value.eq_ignore_ascii_case("current_timestamp")),
            _ => text.eq_ignore_ascii_case("current_timestamp"),
        };
        if now {
            return Some(ColumnDefault::CurrentTimestamp);
        }
        (self.backend != Backend::MySql).then_some(ColumnDefault::Expr(text))
    }

    /// `CREATE TABLE` as typed operations: the table, then what its
    /// definition holds that a typed table does not (named keys,
    /// references, checks, MySQL's inline indexes).
    pub(super) fn create_table(&self, create: &CreateTable) -> Option<Vec<Operation>> {
        // Nothing but columns and constraints: the statement must print
        // back as one built from those alone.
        let plain = CreateTableBuilder::new(create.name.clone())
            .if_not_exists(create.if_not_exists)
            .columns(create.columns.clone())
            .constraints(create.constraints.clone())
            .build();
        if plain.to_string() != create.to_string() {
            return None;
        }
        let name = self.object(&create.name)?;
        let mut table = Table::new(name.clone());
        table.if_not_exists = create.if_not_exists;
        let mut after = Vec::new();
        for def in &create.columns {
            let (column, constraints) = self.column(&name, def)?;
            table = table.column(column);
            after.extend(constraints);
        }
        for constraint in &create.constraints {
            after.push(self.constraint(&name, constraint)?);
        }
        // Keys and checks belong to the table as it is created; MySQL's
        // inline indexes follow it.
        let mut ops = Vec::new();
        for op in after {
            match op {
                Operation::AddConstraint { constraint, .. } => {
                    table = table.constraint(constraint);
                }
                index => ops.push(index),
            }
        }
        ops.insert(0, Operation::CreateTable(table));
        Some(ops)
    }

    /// `ALTER TABLE` as typed operations, each action in order.
    pub(super) fn alter_table(&self, alter: &AlterTable) -> Option<Vec<Operation>> {
        if alter.only
            || alter.location.is_some()
            || alter.on_cluster.is_some()
            || alter.table_type.is_some()
        {
            return None;
        }
        let mut table = self.object(&alter.name)?;
        let mut ops = Vec::new();
        for action in &alter.operations {
            match action {
                AlterTableOperation::AddColumn {
                    if_not_exists,
                    column_def,
                    column_position: None,
                    ..
                } => {
                    let (column, constraints) = self.column(&table, column_def)?;
                    ops.push(Operation::AddColumn {
                        table: table.clone(),
                        column,
                        if_not_exists: *if_not_exists,
                    });
                    ops.extend(constraints);
                }
                AlterTableOperation::DropColumn {
                    column_names,
                    if_exists: false,
                    drop_behavior: None,
                    ..
                } => {
                    for column in column_names {
                        ops.push(Operation::DropColumn {
                            table: table.clone(),
                            column: Dropped::Name(self.ident(column)),
                        });
                    }
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => ops.push(Operation::AlterColumn(
                    AlterColumn::new(table.clone(), self.ident(old_column_name))
                        .rename_to(self.ident(new_column_name)),
                )),
                AlterTableOperation::RenameTable { table_name } => {
                    let (RenameTableNameKind::To(to) | RenameTableNameKind::As(to)) = table_name;
                    let to = self.object(to)?;
                    ops.push(Operation::RenameTable {
                        from: table.clone(),
                        to: to.clone(),
                    });
                    table = to;
                }
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid: false,
                } => ops.push(self.constraint(&table, constraint)?),
                AlterTableOperation::DropConstraint {
                    if_exists,
                    name,
                    drop_behavior: None,
                } => ops.push(Operation::DropConstraint {
                    table: table.clone(),
                    constraint: Dropped::Name(self.ident(name)),
                    if_exists: *if_exists,
                }),
                // PostgreSQL changes one property at a time; MySQL's
                // `ALTER COLUMN` sets or drops only the default.
                AlterTableOperation::AlterColumn { column_name, op }
                    if self.backend != Backend::Sqlite =>
                {
                    let alter = AlterColumn::new(table.clone(), self.ident(column_name));
                    let alter = match op {
                        AlterColumnOperation::SetNotNull if self.backend == Backend::Postgres => {
                            alter.set_not_null()
                        }
                        AlterColumnOperation::DropNotNull if self.backend == Backend::Postgres => {
                            alter.set_nullable()
                        }
                        AlterColumnOperation::SetDefault { value } => {
                            let mut alter = alter;
                            alter.default = Some(Some(self.default(value)?));
                            alter
                        }
                        AlterColumnOperation::DropDefault => {
                            let mut alter = alter;
                            alter.default = Some(None);
                            alter
                        }
                        _ => return None,
                    };
                    ops.push(Operation::AlterColumn(alter));
                }
                _ => return None,
            }
        }
        Some(ops)
    }
}
