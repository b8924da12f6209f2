use super::*;
use crate::models::column_of;
use crate::schema::model::{Column as SchemaColumn, EnumType, PrimaryKey, Table, Unique};

/// A shop: identity keys, strings with and without a length, a decimal, an
/// enum, defaults of every kind, a named and an unnamed foreign key with
/// actions, a composite key, a partial and an expression index, a check
/// and comments.
fn shop() -> ModelSet {
    let status = Enum::new("order_status", ["pending", "paid", "in_transit"]);
    ModelSet::new([
        (
            "customers".to_owned(),
            ModelDef::new("customers")
                .column(column_of::<i64>("id").primary_key().auto_increment())
                .column(column_of::<String>("email").string(255))
                .column(column_of::<Option<String>>("note"))
                .column(column_of::<bool>("vip").default(false))
                .column(
                    column_of::<chrono::DateTime<chrono::Utc>>("created_at")
                        .default_now()
                        .comment("when they signed up"),
                )
                .unique(None::<&str>, ["email"])
                .index(Index::new("ix_customers_lower_email").expr("lower(email)"))
                .comment("people who buy"),
        ),
        (
            "orders".to_owned(),
            ModelDef::new("orders")
                .column(column_of::<i64>("id").primary_key().auto_increment())
                .column(column_of::<i64>("customer_id").references("customers", "id"))
                .column(
                    Column::new("status")
                        .ty(ColumnType::Enum(status.clone()))
                        .default("pending"),
                )
                .column(column_of::<i32>("quantity").default(1))
                .column(column_of::<f64>("total").decimal(10, 2))
                .column(column_of::<Option<chrono::NaiveDate>>("shipped_on"))
                .check(Some("ck_orders_quantity"), "quantity > 0")
                .index(
                    Index::new("ix_orders_open")
                        .on("orders", ["customer_id"])
                        .partial("status = 'pending'"),
                ),
        ),
        (
            "order_lines".to_owned(),
            ModelDef::new("order_lines")
                .column(column_of::<i64>("order_id"))
                .column(column_of::<i32>("line"))
                .column(column_of::<String>("sku").string(32))
                .column(column_of::<serde_json::Value>("attributes"))
                .primary_key(["order_id", "line"])
                .foreign_key(
                    ForeignKey::new(Some("fk_lines_order"), ["order_id"], "orders", ["id"])
                        .on_delete(Action::Cascade),
                ),
        ),
    ])
}

#[test]
fn a_schema_made_by_models_is_adopted_as_models_that_make_it() {
    for b in Backend::ALL {
        let schema = shop().schema(b).unwrap();
        let adopted = adopt(&schema).unwrap();
        assert_eq!(
            adopted.differences,
            Vec::<String>::new(),
            "on {b}:\n{}",
            adopted.source
        );
        // The baseline is what autogenerate writes for the models.
        assert!(adopted.baseline.steps().count() >= 3, "on {b}");
        let source = &adopted.source;
        for expected in [
            "pub struct Customer {",
            "pub struct Order {",
            "pub struct OrderLine {",
            "#[model(primary_key, identity)]\n    pub id: i64,",
            "pub note: Option<String>,",
            "#[model(default = false)]\n    pub vip: bool,",
            "primary_key(\"order_id\", \"line\")",
            "references = \"orders.id\"",
            "on_delete = \"cascade\"",
            "check(expr = \"quantity > 0\", name = \"ck_orders_quantity\")",
            "#[model(length = 32)]\n    pub sku: String,",
        ] {
            assert!(
                source.contains(expected),
                "on {b}: no {expected:?} in\n{source}"
            );
        }
        // SQLite keeps no comments.
        assert_eq!(
            source.contains("comment = \"people who buy\""),
            b != Backend::Sqlite,
            "on {b}"
        );
        assert!(adopted.needs.chrono);
        // SQLite's JSON is text.
        assert_eq!(adopted.needs.serde_json, b != Backend::Sqlite, "on {b}");
    }
}

#[test]
fn enums_are_rust_enums_on_every_backend() {
    for b in Backend::ALL {
        let adopted = adopt(&shop().schema(b).unwrap()).unwrap();
        let source = &adopted.source;
        assert!(
            source.contains("pub enum ") && source.contains("    Pending,\n    Paid,\n"),
            "on {b}:\n{source}"
        );
        // `in_transit` is the snake case of `InTransit`.
        assert!(
            source.contains("#[model(rename_all = \"snake_case\")]"),
            "on {b}:\n{source}"
        );
        assert!(
            source.contains("#[model(default = \"pending\")]"),
            "on {b}:\n{source}"
        );
    }
    let postgres = adopt(&shop().schema(Backend::Postgres).unwrap()).unwrap();
    assert!(
        postgres.source.contains("pub enum OrderStatus {"),
        "{}",
        postgres.source
    );
}

#[test]
fn names_become_identifiers_and_stay_the_names() {
    let mut schema = Schema::new(Backend::Postgres);
    let mut table = Table::new("strings");
    for name in ["type", "Order Id", "2fa", "type_", "self"] {
        table.columns.push(text_column(name));
    }
    schema.tables.insert(table.name.clone(), table);
    let mut categories = Table::new("categories");
    categories.columns.push(text_column("name"));
    schema.tables.insert(categories.name.clone(), categories);
    let adopted = adopt(&schema).unwrap();
    let source = &adopted.source;
    for expected in [
        "pub struct StringRow {",
        "pub struct Category {",
        "#[model(name = \"type\")]\n    pub type_: String,",
        "#[model(name = \"Order Id\")]\n    pub order_id: String,",
        "#[model(name = \"2fa\")]\n    pub c_2fa: String,",
        "#[model(name = \"type_\")]\n    pub type__2: String,",
        "#[model(name = \"self\")]\n    pub self_: String,",
    ] {
        assert!(source.contains(expected), "no {expected:?} in\n{source}");
    }
    assert!(adopted.differences.is_empty(), "{:?}", adopted.differences);
}

#[test]
fn hostile_names_and_comments_stay_in_literals() {
    let hostile = "x\"); } fn evil() { (\"\n*/ //";
    let mut schema = Schema::new(Backend::Postgres);
    let mut table = Table::new(hostile);
    let mut column = text_column(hostile);
    column.comment = Some(format!("{hostile}\nDROP TABLE users;"));
    column.default = Some("'it''s \"quoted\"'".to_owned());
    table.columns.push(column);
    let mut kind = text_column("kind");
    kind.ty = SqlType::Enum(hostile.to_owned());
    table.columns.push(kind);
    table.comment = Some(hostile.to_owned());
    table.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec![hostile.to_owned()],
    });
    table.uniques.push(Unique {
        name: Some(hostile.to_owned()),
        columns: vec![hostile.to_owned()],
    });
    schema.tables.insert(table.name.clone(), table);
    schema.enums.insert(
        hostile.to_owned(),
        EnumType {
            name: hostile.to_owned(),
            values: vec![hostile.to_owned(), "ok".to_owned()],
        },
    );
    let adopted = adopt(&schema).unwrap();
    let source = &adopted.source;
    // The hostile text is only ever inside an attribute's string literal
    // or on a doc comment's one line: never code.
    for line in source
        .lines()
        .filter(|l| l.contains("evil()") || l.contains("DROP"))
    {
        let line = line.trim_start();
        assert!(
            line.starts_with("#[model(") || line.starts_with("///"),
            "{line}\nin\n{source}"
        );
    }
    for line in source.lines().filter(|l| l.trim_start().starts_with("///")) {
        assert!(!line.contains('\n'), "{line}");
    }
    assert!(source.contains(&format!("table = {hostile:?}")), "{source}");
    assert!(
        source.contains("default = \"it's \\\"quoted\\\"\""),
        "{source}"
    );
    assert!(adopted.differences.is_empty(), "{:?}", adopted.differences);
}

#[test]
fn other_tools_version_tables_are_left_out_and_views_are_created_as_they_are() {
    let mut schema = shop().schema(Backend::Postgres).unwrap();
    let mut alembic = Table::new("alembic_version");
    alembic.columns.push(text_column("version_num"));
    schema.tables.insert(alembic.name.clone(), alembic);
    schema.views.insert(
        "big_orders".to_owned(),
        crate::schema::View {
            name: "big_orders".to_owned(),
            definition: "SELECT id FROM orders WHERE total > 100".to_owned(),
        },
    );
    let adopted = adopt(&schema).unwrap();
    assert_eq!(adopted.left_out, ["alembic_version"]);
    assert!(!adopted.source.contains("alembic"), "{}", adopted.source);
    let functions = adopted.baseline.functions();
    assert!(
        functions.contains(
            "m.execute(RawSql::for_backend(Backend::Postgres, \"CREATE VIEW \\\"big_orders\\\" AS SELECT id FROM orders WHERE total > 100\").reverse_with(RawSql::new(\"DROP VIEW \\\"big_orders\\\"\")));"
        ),
        "{functions}"
    );
    assert!(adopted.differences.is_empty(), "{:?}", adopted.differences);
}

#[test]
fn what_the_models_cannot_say_is_reported() {
    let mut schema = shop().schema(Backend::Postgres).unwrap();
    schema.enums.insert(
        "unused".to_owned(),
        EnumType {
            name: "unused".to_owned(),
            values: vec!["a".to_owned()],
        },
    );
    let adopted = adopt(&schema).unwrap();
    assert!(
        adopted.differences.iter().any(|d| d.contains("unused")),
        "{:?}",
        adopted.differences
    );
}

#[test]
fn a_type_no_rust_type_gives_keeps_the_databases_spelling() {
    let mut schema = Schema::new(Backend::Postgres);
    let mut table = Table::new("hosts");
    let mut address = text_column("address");
    address.ty = SqlType::Other("inet".to_owned());
    table.columns.push(address);
    let mut code = text_column("code");
    code.ty = SqlType::Char(Some(2));
    table.columns.push(code);
    schema.tables.insert(table.name.clone(), table);
    let adopted = adopt(&schema).unwrap();
    assert!(
        adopted
            .source
            .contains("#[model(postgres_type = \"inet\")]\n    pub address: String,"),
        "{}",
        adopted.source
    );
    assert!(
        adopted
            .source
            .contains("#[model(postgres_type = \"char(2)\")]\n    pub code: String,"),
        "{}",
        adopted.source
    );
    assert!(adopted.differences.is_empty(), "{:?}", adopted.differences);
}

#[test]
fn words_are_singular_and_pascal_cased() {
    assert_eq!(singular("users"), "user");
    assert_eq!(singular("categories"), "category");
    assert_eq!(singular("addresses"), "address");
    assert_eq!(singular("boxes"), "box");
    assert_eq!(singular("status"), "status");
    assert_eq!(singular("analysis"), "analysis");
    assert_eq!(pascal("order_lines"), "OrderLines");
    assert_eq!(snake("PostStatus"), "post_status");
    assert_eq!(quoted("'it''s'"), Some("it's".to_owned()));
    assert_eq!(quoted("'a' || 'b'"), None);
    assert_eq!(
        split_values("'a', 'b''c','d'"),
        Some(vec!["a".to_owned(), "b'c".to_owned(), "d".to_owned()])
    );
}

fn text_column(name: &str) -> SchemaColumn {
    SchemaColumn {
        name: name.to_owned(),
        ty: SqlType::Text,
        nullable: false,
        default: None,
        identity: false,
        comment: None,
    }
}
