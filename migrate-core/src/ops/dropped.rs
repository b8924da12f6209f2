//! What a drop names: an object by name only, or with its whole
//! definition, which makes the drop reversible.

use super::{Column, Constraint, Enum, ForeignKey, Index, Table};

/// What a drop names: an object by name only, or with its whole
/// definition, which makes the drop reversible (its inverse creates the
/// object again).
///
/// Every `drop_*` builder takes `impl Into<Dropped<T>>`: a name (`&str`,
/// `String`) or a definition ([`Table`], [`Column`], [`Index`],
/// [`Constraint`], [`ForeignKey`], [`Enum`]). A definition that defines
/// nothing yet (a table without columns, a column without a type, an index
/// without parts, an enum without values) is only a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dropped<T> {
    /// The name only: the drop cannot be reversed.
    Name(String),
    /// The whole definition.
    Definition(T),
}

/// A schema object that has a name.
pub trait Named {
    /// Its name.
    fn name(&self) -> &str;
}

impl<T: Named> Dropped<T> {
    /// The object's name.
    pub fn name(&self) -> &str {
        match self {
            Dropped::Name(name) => name,
            Dropped::Definition(definition) => definition.name(),
        }
    }

    /// Its definition, when the drop has one.
    pub fn definition(&self) -> Option<&T> {
        match self {
            Dropped::Name(_) => None,
            Dropped::Definition(definition) => Some(definition),
        }
    }
}

impl<T> From<&str> for Dropped<T> {
    fn from(name: &str) -> Self {
        Dropped::Name(name.to_owned())
    }
}

impl<T> From<String> for Dropped<T> {
    fn from(name: String) -> Self {
        Dropped::Name(name)
    }
}

/// `Definition`, unless `defines` says the value defines nothing yet.
fn definition<T: Named>(value: T, defines: bool) -> Dropped<T> {
    if defines {
        Dropped::Definition(value)
    } else {
        Dropped::Name(value.name().to_owned())
    }
}

impl From<Table> for Dropped<Table> {
    fn from(table: Table) -> Self {
        let defines = !table.columns.is_empty();
        definition(table, defines)
    }
}

impl From<Column> for Dropped<Column> {
    fn from(column: Column) -> Self {
        let defines = column.ty.is_some();
        definition(column, defines)
    }
}

impl From<Index> for Dropped<Index> {
    fn from(index: Index) -> Self {
        let defines = !index.parts.is_empty();
        definition(index, defines)
    }
}

impl From<Constraint> for Dropped<Constraint> {
    fn from(constraint: Constraint) -> Self {
        Dropped::Definition(constraint)
    }
}

impl From<ForeignKey> for Dropped<Constraint> {
    fn from(fk: ForeignKey) -> Self {
        Dropped::Definition(fk.into())
    }
}

impl From<Enum> for Dropped<Enum> {
    fn from(definition: Enum) -> Self {
        let defines = !definition.values.is_empty();
        self::definition(definition, defines)
    }
}

macro_rules! named {
    ($($ty:ty),*) => {$(
        impl Named for $ty {
            fn name(&self) -> &str {
                &self.name
            }
        }
    )*};
}

named!(Table, Column, Index, Constraint, Enum);
