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

/// A named foreign key.
///
/// ```
/// use migrate_core::prelude::*;
///
/// let fk = ForeignKey::new("fk_posts_author", ["author_id"], "users", ["id"])
///     .on_delete(Action::Cascade);
/// # let _ = fk;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForeignKey {
    pub(crate) name: String,
    pub(crate) columns: Vec<String>,
    pub(crate) ref_table: String,
    pub(crate) ref_columns: Vec<String>,
    pub(crate) on_delete: Option<Action>,
    pub(crate) on_update: Option<Action>,
}

impl ForeignKey {
    /// `CONSTRAINT name FOREIGN KEY (columns) REFERENCES ref_table (ref_columns)`.
    pub fn new<C, R>(
        name: impl Into<String>,
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

/// A named table constraint.
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
    pub(crate) name: String,
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
    pub fn primary_key<C>(name: impl Into<String>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        Self::new(name, ConstraintKind::PrimaryKey(strings(columns)))
    }

    /// `CONSTRAINT name UNIQUE (columns)`.
    pub fn unique<C>(name: impl Into<String>, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<String>,
    {
        Self::new(name, ConstraintKind::Unique(strings(columns)))
    }

    /// `CONSTRAINT name CHECK (expr)`. The expression is SQL, written as-is.
    pub fn check(name: impl Into<String>, expr: impl Into<String>) -> Self {
        Self::new(name, ConstraintKind::Check(expr.into()))
    }

    fn new(name: impl Into<String>, kind: ConstraintKind) -> Self {
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

    /// The constraint's name.
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
