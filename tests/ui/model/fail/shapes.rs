use migrate_core::{DbEnum, Model};

#[derive(Model)]
pub struct Wrapper<T>(T);

#[derive(Model)]
pub enum NotATable {
    A,
}

#[derive(Model)]
pub struct Empty {
    #[model(skip)]
    pub nothing: i32,
}

#[derive(Model)]
pub struct Flattened {
    #[sqlx(flatten)]
    pub inner: Empty,
}

#[derive(DbEnum)]
pub struct NotAnEnum {
    pub a: i32,
}

#[derive(DbEnum)]
#[model(rename_all = "snake_case", colour = "red")]
pub enum Status {
    Active(i32),
    #[model(rename = "active")]
    Other,
}

#[derive(DbEnum)]
pub enum Nothing {}

#[derive(DbEnum)]
#[model(rename_all = "Title Case")]
pub enum Titled {
    A,
}

fn main() {}
