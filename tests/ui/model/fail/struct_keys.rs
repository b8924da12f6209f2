use migrate_core::Model;

#[derive(Model)]
#[model(tabel = "users", primary_key("id", "nope"), index(name = "ix"), unique(columns("ghost")), check(name = "ck"))]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(length = 10, sql_type = "text")]
    pub name: String,
    #[model(on_delete = "cascade")]
    pub owner: i64,
    #[model(references = "users", on_update = "explode")]
    pub parent: i64,
    #[model(default = some_value(), scale = 2)]
    pub total: i64,
    #[model(colour = "red", unique, unique)]
    pub email: String,
    #[model(name = "email")]
    pub email_again: String,
}

fn main() {}
