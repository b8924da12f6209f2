//! Table constraints: primary keys, unique, check and foreign keys.

/// What a foreign key does when the referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Refuse the change (`NO ACTION`, checked at the end of the statement).
    NoAction,
    /// Refuse the change at once.
    Restrict,
    /// Delete or update the referencing rows too.
    Cascade,
    /// Set the referencing columns to `NULL`.
    SetNull,
    /// Set the referencing columns to their default.
    SetDefault,
}

impl Action {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }
}

/// The name of a constraint or index: given in full (`"uq_users_email"`,
/// final, as Alembic's `op.f()` makes it), `None` for the crate's
/// [naming convention](crate::NamingConvention) or the backend's own name,
/// or a [`part`](Self::part) the convention completes.
///
/// It is resolved when the plan is recorded for a backend, so `--sql`,
/// checksums and downgrades see the final name.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let given = Constraint::unique("uq_users_email", ["email"]);
/// let by_convention = Constraint::unique(None, ["email"]);
/// let completed = Constraint::check(Name::part("adult"), "age >= 18");
/// # let _ = (given, by_convention, completed);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Name {
    text: String,
    state: NameState,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
enum NameState {
    /// Final: given, or resolved.
    #[default]
    Given,
    /// To be made by the convention or the backend.
    Unnamed,
    /// A part for the convention's `%(constraint_name)s`.
    Part,
    /// The backend names it when the statement runs (MySQL's numbered
    /// foreign keys and checks); `text` is empty.
    Server,
}

impl Name {
    /// A part the naming convention's `%(constraint_name)s` takes: with
    /// `ck: "ck_%(table_name)s_%(constraint_name)s"`, `Name::part("adult")`
    /// on `users` is `ck_users_adult` (SQLAlchemy's `name=` under a
    /// convention). Without a template that uses it, the part is the name.
    pub fn part(part: impl Into<String>) -> Self {
        Self {
            text: part.into(),
            state: NameState::Part,
        }
    }

    /// Left to the backend, whatever the naming convention says: how a
    /// plan recreates a constraint the database named itself.
    pub fn server() -> Self {
        Self {
            text: String::new(),
            state: NameState::Server,
        }
    }

    /// The name; empty while it is unresolved or left to the backend.
    pub fn as_str(&self) -> &str {
        match self.state {
            NameState::Given => &self.text,
            NameState::Unnamed | NameState::Part | NameState::Server => "",
        }
    }

    /// The Rust expression that makes this name, for generated code.
    #[cfg(feature = "schema")]
    pub(crate) fn code(&self) -> String {
        match self.state {
            NameState::Given => format!("{:?}", self.text),
            NameState::Unnamed => "None".to_owned(),
            NameState::Part => format!("Name::part({:?})", self.text),
            NameState::Server => "Name::server()".to_owned(),
        }
    }

    /// Whether the convention still has to make or complete the name.
    pub(crate) fn unresolved(&self) -> Option<Option<&str>> {
        match self.state {
            NameState::Unnamed => Some(None),
            NameState::Part => Some(Some(&self.text)),
            NameState::Given | NameState::Server => None,
        }
    }

    /// The resolved name: `None` leaves it to the backend.
    pub(crate) fn resolve(&mut self, name: Option<String>) {
        *self = match name {
            Some(text) => Self {
                text,
                state: NameState::Given,
            },
            None => Self::server(),
        };
    }
}

impl std::ops::Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.state {
            NameState::Given => f.write_str(&self.text),
            NameState::Unnamed => f.write_str("(unnamed)"),
            NameState::Part => write!(f, "(convention, {})", self.text),
            NameState::Server => f.write_str("(named by the server)"),
        }
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Self {
        name.to_owned().into()
    }
}

impl From<&String> for Name {
    fn from(name: &String) -> Self {
        name.clone().into()
    }
}

impl From<String> for Name {
    fn from(text: String) -> Self {
        Self {
            text,
            state: NameState::Given,
        }
    }
}

/// `None` leaves the name to the naming convention.
impl From<Option<&str>> for Name {
    fn from(name: Option<&str>) -> Self {
        match name {
            Some(name) => name.into(),
            None => Self {
                text: String::new(),
                state: NameState::Unnamed,
            },
        }
    }
}

/// A foreign key; `None` for a name by the naming convention.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let fk = ForeignKey::new("fk_posts_author", ["author_id"], "users", ["id"])
///     .on_delete(Action::Cascade);
/// let unnamed = ForeignKey::new(None, ["author_id"], "users", ["id"]);
/// # let _ = (fk, unnamed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForeignKey {
    pub(crate) name: Name,
    pub(crate) columns: Vec<String>,
    pub(crate) ref_table: String,
    pub(crate) ref_columns: Vec<String>,
    pub(crate) on_delete: Option<Action>,
    pub(crate) on_update: Option<Action>,
}

impl ForeignKey {
    /// `CONSTRAINT name FOREIGN KEY (columns) REFERENCES ref_table (ref_columns)`.
    pub fn new<C, R>(
        name: impl Into<Name>,
        columns: C,
        ref_table: impl Into<String>,
        ref_columns: R,
    ) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
        R: IntoIterator,
        R::Item: Into<String>,
    {
        Self {
            name: name.into(),
            columns: strings(columns),
            ref_table: ref_table.into(),
            ref_columns: strings(ref_columns),
            on_delete: None,
            on_update: None,
        }
    }

    /// `ON DELETE action`.
    pub fn on_delete(mut self, action: Action) -> Self {
        self.on_delete = Some(action);
        self
    }

    /// `ON UPDATE action`.
    pub fn on_update(mut self, action: Action) -> Self {
        self.on_update = Some(action);
        self
    }
}

/// A table constraint; `None` for a name by the naming convention.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let adult = Constraint::check("ck_users_age", "age >= 0");
/// let one_email = Constraint::unique("uq_users_email", ["email"]);
/// let owner = Constraint::from(ForeignKey::new("fk_pets_owner", ["owner_id"], "users", ["id"]))
///     .not_valid();
/// # let _ = (adult, one_email, owner);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Constraint {
    pub(crate) name: Name,
    pub(crate) kind: ConstraintKind,
    pub(crate) not_valid: bool,
}

/// What a [`Constraint`] enforces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// `PRIMARY KEY (columns)`.
    PrimaryKey(Vec<String>),
    /// `UNIQUE (columns)`.
    Unique(Vec<String>),
    /// `CHECK (expression)`; the expression is SQL, written as-is.
    Check(String),
    /// `FOREIGN KEY ... REFERENCES ...`.
    ForeignKey(ForeignKey),
}

impl Constraint {
    /// `CONSTRAINT name PRIMARY KEY (columns)`.
    pub fn primary_key<C>(name: impl Into<Name>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        Self::new(name, ConstraintKind::PrimaryKey(strings(columns)))
    }

    /// `CONSTRAINT name UNIQUE (columns)`.
    pub fn unique<C>(name: impl Into<Name>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        Self::new(name, ConstraintKind::Unique(strings(columns)))
    }

    /// `CONSTRAINT name CHECK (expr)`. The expression is SQL, written as-is.
    pub fn check(name: impl Into<Name>, expr: impl Into<String>) -> Self {
        Self::new(name, ConstraintKind::Check(expr.into()))
    }

    fn new(name: impl Into<Name>, kind: ConstraintKind) -> Self {
        Self {
            name: name.into(),
            kind,
            not_valid: false,
        }
    }

    /// PostgreSQL: add a check or foreign key `NOT VALID`, so that existing
    /// rows are not scanned under a lock; check them later with
    /// [`validate_constraint`](super::Migration::validate_constraint). Other
    /// backends add the constraint normally and skip the validation step.
    pub fn not_valid(mut self) -> Self {
        self.not_valid = true;
        self
    }

    /// The constraint's name; empty until a plan recorded for a backend
    /// resolves an unnamed one, or when the backend names it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it enforces.
    pub fn kind(&self) -> &ConstraintKind {
        &self.kind
    }
}

impl From<ForeignKey> for Constraint {
    fn from(fk: ForeignKey) -> Self {
        Self::new(fk.name.clone(), ConstraintKind::ForeignKey(fk))
    }
}

pub(crate) fn strings<C>(items: C) -> Vec<String>
where
    C: IntoIterator,
    C::Item: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}
