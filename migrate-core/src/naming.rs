//! Names for the constraints and indexes a migration leaves unnamed: the
//! crate's naming convention (SQLAlchemy's templates and tokens), or, by
//! default, the names each backend gives itself.
//!
//! A name is resolved when the plan is recorded for a backend
//! ([`Migration::push`](crate::ops::Migration::push)), so `--sql`,
//! checksums and derived downgrades all see the same name. Names given
//! explicitly are final, as Alembic's `op.f()` makes them.

use std::fmt::Write as _;
use std::sync::OnceLock;

use md5::{Digest, Md5};
use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::Backend;

/// How unnamed constraints and indexes are named, in SQLAlchemy's
/// `naming_convention` terms: one template per kind (`ix`, `uq`, `ck`,
/// `fk`, `pk`). A kind without a template gets the backend's own name.
///
/// A crate sets its convention once, with [`naming_convention!`](crate::naming_convention):
///
/// ```
/// migrate_core::naming_convention! {
///     ix: "ix_%(column_0_label)s",
///     uq: "uq_%(table_name)s_%(column_0_name)s",
///     ck: "ck_%(table_name)s_%(constraint_name)s",
///     fk: "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
///     pk: "pk_%(table_name)s",
/// }
/// ```
///
/// The tokens: `table_name`, `referred_table_name`, `constraint_name` (the
/// part given with [`Name::part`](crate::ops::Name::part)), and for the
/// columns `column_0_name`, `column_0_label` (`table_column`),
/// `column_0_key`, any other position (`column_1_name`), all of them joined
/// (`column_0N_name`) or joined with `_` (`column_0_N_name`), and the same
/// with `referred_column_` for a foreign key's referenced columns. A name
/// longer than the backend allows is cut and ends with four hex digits of
/// its MD5, as SQLAlchemy does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamingConvention {
    ix: Option<&'static str>,
    uq: Option<&'static str>,
    ck: Option<&'static str>,
    fk: Option<&'static str>,
    pk: Option<&'static str>,
    file: &'static str,
    line: u32,
}

inventory::collect!(NamingConvention);

/// What kind of object a name is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Index,
    Unique,
    Check,
    ForeignKey,
    PrimaryKey,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Self::Index => "ix",
            Self::Unique => "uq",
            Self::Check => "ck",
            Self::ForeignKey => "fk",
            Self::PrimaryKey => "pk",
        }
    }
}

/// What an unnamed object is on, for its name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub kind: Kind,
    pub table: &'a str,
    /// The columns, or for a check the columns its expression reads.
    pub columns: &'a [String],
    pub referred_table: &'a str,
    pub referred_columns: &'a [String],
    /// The part given with `Name::part`, for `%(constraint_name)s`.
    pub part: Option<&'a str>,
}

impl<'a> Subject<'a> {
    /// An object of `kind` on `table` over `columns`, referring to nothing.
    pub(crate) fn on(kind: Kind, table: &'a str, columns: &'a [String]) -> Self {
        Self {
            kind,
            table,
            columns,
            referred_table: "",
            referred_columns: &[],
            part: None,
        }
    }
}

/// A name that cannot be made; recording the plan panics with it, which
/// becomes an error naming the revision.
pub(crate) type Unnameable = String;

impl NamingConvention {
    /// No templates: every backend's own names.
    pub const fn native() -> Self {
        Self {
            ix: None,
            uq: None,
            ck: None,
            fk: None,
            pk: None,
            file: "",
            line: 0,
        }
    }

    /// The template for indexes.
    pub const fn ix(mut self, template: &'static str) -> Self {
        self.ix = Some(template);
        self
    }

    /// The template for unique constraints.
    pub const fn uq(mut self, template: &'static str) -> Self {
        self.uq = Some(template);
        self
    }

    /// The template for check constraints.
    pub const fn ck(mut self, template: &'static str) -> Self {
        self.ck = Some(template);
        self
    }

    /// The template for foreign keys.
    pub const fn fk(mut self, template: &'static str) -> Self {
        self.fk = Some(template);
        self
    }

    /// The template for primary keys.
    pub const fn pk(mut self, template: &'static str) -> Self {
        self.pk = Some(template);
        self
    }

    /// Where the convention is set, for error messages.
    #[doc(hidden)]
    pub const fn at(mut self, file: &'static str, line: u32) -> Self {
        self.file = file;
        self.line = line;
        self
    }

    /// `file:line` of the [`naming_convention!`](crate::naming_convention) that set it.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    fn template(&self, kind: Kind) -> Option<&'static str> {
        match kind {
            Kind::Index => self.ix,
            Kind::Unique => self.uq,
            Kind::Check => self.ck,
            Kind::ForeignKey => self.fk,
            Kind::PrimaryKey => self.pk,
        }
    }

    /// Whether the kind has a template.
    pub(crate) fn has_template(&self, kind: Kind) -> bool {
        self.template(kind).is_some()
    }

    /// Whether the kind's template takes a part, `%(constraint_name)s`.
    pub(crate) fn takes_part(&self, kind: Kind) -> bool {
        self.template(kind)
            .is_some_and(|t| t.contains("%(constraint_name)s"))
    }

    /// Every template's tokens are known ones.
    pub fn validate(&self) -> Result<(), String> {
        for kind in [
            Kind::Index,
            Kind::Unique,
            Kind::Check,
            Kind::ForeignKey,
            Kind::PrimaryKey,
        ] {
            let Some(template) = self.template(kind) else {
                continue;
            };
            for token in tokens(template)? {
                if Placeholder::parse(token).is_none() {
                    return Err(format!(
                        "the `{}` template `{template}` has the unknown token `%({token})s`; the tokens are table_name, referred_table_name, constraint_name, column_0_name, column_0_label, column_0_key, column_0N_name, column_0_N_name and the same with referred_column_",
                        kind.key()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The name of an unnamed object on `backend`: the template's, else the
    /// backend's own. `None` when the backend names it itself and the name
    /// cannot be known before it runs (MySQL's numbered foreign keys and
    /// checks).
    pub(crate) fn name(
        &self,
        backend: Backend,
        subject: &Subject<'_>,
    ) -> Result<Option<String>, Unnameable> {
        match self.template(subject.kind) {
            Some(template) => {
                expand(template, subject).map(|name| Some(truncated(name, max_identifier(backend))))
            }
            None => native(backend, subject),
        }
    }
}

/// The convention the crate registered, or the backends' own names. Two
/// registrations are an error [`registered`] reports; this takes the first
/// by location meanwhile.
pub(crate) fn convention() -> &'static NamingConvention {
    static NATIVE: NamingConvention = NamingConvention::native();
    static CURRENT: OnceLock<&'static NamingConvention> = OnceLock::new();
    CURRENT.get_or_init(|| {
        inventory::iter::<NamingConvention>
            .into_iter()
            .min_by_key(|c| (c.file, c.line))
            .unwrap_or(&NATIVE)
    })
}

/// The registered convention, checked: at most one, with known tokens.
pub fn registered() -> Result<Option<&'static NamingConvention>, String> {
    the_one(inventory::iter::<NamingConvention>.into_iter().collect())
}

fn the_one(
    mut all: Vec<&'static NamingConvention>,
) -> Result<Option<&'static NamingConvention>, String> {
    all.sort_by_key(|c| (c.file, c.line));
    match all.as_slice() {
        [] => Ok(None),
        [one] => one
            .validate()
            .map(|()| Some(*one))
            .map_err(|e| format!("naming convention at {}: {e}", one.location())),
        many => Err(format!(
            "{} naming conventions are set ({}); a binary has one: keep the one in the migrations crate",
            many.len(),
            many.iter()
                .map(|c| c.location())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The longest name each backend keeps (PostgreSQL cuts at 63 bytes).
fn max_identifier(backend: Backend) -> usize {
    match backend {
        Backend::Postgres => 63,
        Backend::MySql => 64,
        Backend::Sqlite => usize::MAX,
    }
}

/// SQLAlchemy's cut for a convention's name that is too long: the first
/// `max - 8` characters, `_`, and the last four hex digits of its MD5.
fn truncated(name: String, max: usize) -> String {
    if name.len() <= max {
        return name;
    }
    let digest = Md5::digest(name.as_bytes());
    let mut hex = String::with_capacity(32);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    let keep = floor_char_boundary(&name, max - 8);
    format!("{}_{}", &name[..keep], &hex[hex.len() - 4..])
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    (0..=at.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

/// The `%(token)s` names in a template.
fn tokens(template: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("%(") {
        let after = &rest[start + 2..];
        let end = after
            .find(")s")
            .ok_or_else(|| format!("`{template}` opens `%(` without a closing `)s`"))?;
        out.push(&after[..end]);
        rest = &after[end + 2..];
    }
    Ok(out)
}

/// One parsed token.
enum Placeholder {
    Table,
    ReferredTable,
    ConstraintName,
    Column {
        referred: bool,
        which: Which,
        attr: Attr,
    },
}

enum Which {
    At(usize),
    /// `0N`: all, joined.
    All,
    /// `0_N`: all, joined with `_`.
    AllUnderscored,
}

#[derive(Clone, Copy)]
enum Attr {
    Name,
    Label,
    Key,
}

impl Placeholder {
    fn parse(token: &str) -> Option<Self> {
        match token {
            "table_name" => return Some(Self::Table),
            "referred_table_name" => return Some(Self::ReferredTable),
            "constraint_name" => return Some(Self::ConstraintName),
            _ => {}
        }
        let (referred, rest) = match token.strip_prefix("referred_column_") {
            Some(rest) => (true, rest),
            None => (false, token.strip_prefix("column_")?),
        };
        let (which, attr) = rest.rsplit_once('_')?;
        let attr = match attr {
            "name" => Attr::Name,
            "label" => Attr::Label,
            "key" => Attr::Key,
            _ => return None,
        };
        let which = match which {
            "0N" => Which::All,
            "0_N" => Which::AllUnderscored,
            n => Which::At(n.parse().ok()?),
        };
        Some(Self::Column {
            referred,
            which,
            attr,
        })
    }
}

fn expand(template: &str, s: &Subject<'_>) -> Result<String, Unnameable> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("%(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find(")s")
            .ok_or_else(|| format!("`{template}` opens `%(` without a closing `)s`"))?;
        let token = &after[..end];
        out.push_str(&value(token, template, s)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn value(token: &str, template: &str, s: &Subject<'_>) -> Result<String, Unnameable> {
    let what = || {
        format!(
            "the naming convention's `{}` template `{template}`",
            s.kind.key()
        )
    };
    let parsed = Placeholder::parse(token)
        .ok_or_else(|| format!("{} has the unknown token `%({token})s`", what()))?;
    match parsed {
        Placeholder::Table => Ok(s.table.to_owned()),
        Placeholder::ReferredTable => Ok(s.referred_table.to_owned()),
        Placeholder::ConstraintName => s.part.map(str::to_owned).ok_or_else(|| {
            format!(
                "{} needs `%(constraint_name)s`: give the {} on `{}` a part to complete, `Name::part(\"...\")`, or its whole name",
                what(),
                describe(s.kind),
                s.table
            )
        }),
        Placeholder::Column {
            referred,
            which,
            attr,
        } => {
            let (table, columns) = if referred {
                (s.referred_table, s.referred_columns)
            } else {
                (s.table, s.columns)
            };
            let one = |column: &String| match attr {
                Attr::Name | Attr::Key => column.clone(),
                Attr::Label => format!("{table}_{column}"),
            };
            let missing = |at: usize| {
                format!(
                    "{} needs column {at} of the {} on `{}`, which has {}: name it",
                    what(),
                    describe(s.kind),
                    s.table,
                    columns.len()
                )
            };
            match which {
                Which::At(at) => columns.get(at).map(one).ok_or_else(|| missing(at)),
                Which::All | Which::AllUnderscored if columns.is_empty() => Err(missing(0)),
                Which::All => Ok(columns.iter().map(one).collect()),
                Which::AllUnderscored => {
                    Ok(columns.iter().map(one).collect::<Vec<_>>().join("_"))
                }
            }
        }
    }
}

fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Index => "index",
        Kind::Unique => "unique constraint",
        Kind::Check => "check constraint",
        Kind::ForeignKey => "foreign key",
        Kind::PrimaryKey => "primary key",
    }
}

/// The name each backend gives an unnamed object.
///
/// - Indexes: `ix_<table>_<column>` everywhere, SQLAlchemy's default
///   convention (no backend names a `CREATE INDEX` itself, but MySQL).
/// - PostgreSQL: `<table>_pkey`, `<table>_<columns>_key`,
///   `<table>_<columns>_fkey`, `<table>_<column>_check` for a check on one
///   column and `<table>_check` otherwise, cut to 63 bytes as PostgreSQL
///   cuts them. SQLite, which keeps no name, gets the same names, so that a
///   later drop can find the constraint.
/// - MySQL: `PRIMARY`; a unique key is named after its first column; foreign
///   keys and checks are numbered by the server (`posts_ibfk_1`), so they
///   are left for it to name.
fn native(backend: Backend, s: &Subject<'_>) -> Result<Option<String>, Unnameable> {
    if s.kind == Kind::Index {
        let Some(column) = s.columns.first() else {
            return Err(format!(
                "an index on `{}` over expressions only needs a name",
                s.table
            ));
        };
        return Ok(Some(truncated(
            format!("ix_{}_{column}", s.table),
            max_identifier(backend),
        )));
    }
    if backend == Backend::MySql {
        return Ok(match s.kind {
            Kind::PrimaryKey => Some("PRIMARY".to_owned()),
            Kind::Unique => s.columns.first().cloned(),
            _ => None,
        });
    }
    let (columns, label) = match s.kind {
        Kind::PrimaryKey => (None, "pkey"),
        Kind::Unique => (Some(s.columns.join("_")), "key"),
        Kind::ForeignKey => (Some(s.columns.join("_")), "fkey"),
        Kind::Check => match s.columns {
            [one] => (Some(one.clone()), "check"),
            _ => (None, "check"),
        },
        Kind::Index => unreachable!("named above"),
    };
    Ok(Some(pg_object_name(s.table, columns.as_deref(), label)))
}

/// The name PostgreSQL gives an unnamed key, unique constraint, foreign
/// key or check on `table` over `columns` (for a check, the columns it
/// reads): what the replay records, as the database would.
pub(crate) fn postgres_name(kind: Kind, table: &str, columns: &[String]) -> Option<String> {
    native(Backend::Postgres, &Subject::on(kind, table, columns))
        .ok()
        .flatten()
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the
/// first two parts cut a character at a time until it fits in 63 bytes.
fn pg_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    const MAX: usize = 63;
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 = floor_char_boundary(name1, n1 - 1);
        } else if let Some(name2) = name2 {
            n2 = floor_char_boundary(name2, n2 - 1);
        }
    }
    match name2 {
        Some(name2) => format!("{}_{}_{label}", &name1[..n1], &name2[..n2]),
        None => format!("{}_{label}", &name1[..n1]),
    }
}

/// The distinct columns a check's expression reads, in order of first use:
/// words that are neither keywords of an expression nor function names nor
/// types. An approximation, as PostgreSQL's own (which counts the columns
/// of the parsed expression) is.
pub(crate) fn columns_read(expr: &str) -> Vec<String> {
    const NOT_COLUMNS: &[&str] = &[
        "all",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "between",
        "case",
        "cast",
        "collate",
        "current_date",
        "current_time",
        "current_timestamp",
        "desc",
        "distinct",
        "else",
        "end",
        "escape",
        "exists",
        "false",
        "from",
        "glob",
        "ilike",
        "in",
        "interval",
        "is",
        "like",
        "localtime",
        "localtimestamp",
        "match",
        "not",
        "null",
        "or",
        "regexp",
        "similar",
        "some",
        "then",
        "to",
        "true",
        "unknown",
        "when",
    ];
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, expr).tokenize() else {
        return Vec::new();
    };
    let tokens: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Word(word) = token else { continue };
        let previous = i.checked_sub(1).map(|p| tokens[p]);
        let next = tokens.get(i + 1);
        let typed = matches!(previous, Some(Token::DoubleColon))
            || matches!(previous, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("as"));
        let called = matches!(next, Some(Token::LParen));
        let qualifier = matches!(next, Some(Token::Period));
        let keyword = word.quote_style.is_none()
            && NOT_COLUMNS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&word.value));
        if typed || called || qualifier || keyword {
            continue;
        }
        if !out.contains(&word.value) {
            out.push(word.value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn postgres_names_as_postgres_does() {
        let conv = NamingConvention::native();
        let pg = |kind, table, columns: &[&str]| {
            let columns = cols(columns);
            conv.name(Backend::Postgres, &Subject::on(kind, table, &columns))
                .unwrap()
                .unwrap()
        };
        assert_eq!(pg(Kind::PrimaryKey, "users", &["id"]), "users_pkey");
        assert_eq!(
            pg(Kind::Unique, "users", &["org", "email"]),
            "users_org_email_key"
        );
        assert_eq!(
            pg(Kind::ForeignKey, "posts", &["user_id"]),
            "posts_user_id_fkey"
        );
        assert_eq!(pg(Kind::Check, "users", &["age"]), "users_age_check");
        assert_eq!(pg(Kind::Check, "users", &["a", "b"]), "users_check");
        assert_eq!(pg(Kind::Index, "users", &["email"]), "ix_users_email");
        // makeObjectName: the longer part is cut first, to 63 bytes in all.
        let long_table = "t".repeat(40);
        let long_column = "c".repeat(40);
        let name = pg(Kind::Unique, &long_table, &[&long_column]);
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_{}_key", "t".repeat(29), "c".repeat(29)));
    }

    #[test]
    fn mysql_leaves_numbered_names_to_the_server() {
        let conv = NamingConvention::native();
        let columns = cols(&["user_id"]);
        let my = |kind| {
            conv.name(Backend::MySql, &Subject::on(kind, "posts", &columns))
                .unwrap()
        };
        assert_eq!(my(Kind::PrimaryKey).as_deref(), Some("PRIMARY"));
        assert_eq!(my(Kind::Unique).as_deref(), Some("user_id"));
        assert_eq!(my(Kind::ForeignKey), None);
        assert_eq!(my(Kind::Check), None);
    }

    #[test]
    fn templates_expand_sqlalchemy_tokens() {
        let conv = NamingConvention::native()
            .ix("ix_%(column_0_label)s")
            .uq("uq_%(table_name)s_%(column_0_N_name)s")
            .ck("ck_%(table_name)s_%(constraint_name)s")
            .fk("fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s")
            .pk("pk_%(table_name)s");
        conv.validate().unwrap();
        let columns = cols(&["org", "email"]);
        let referred = cols(&["id"]);
        let name = |kind, part| {
            conv.name(
                Backend::Sqlite,
                &Subject {
                    kind,
                    table: "users",
                    columns: &columns,
                    referred_table: "orgs",
                    referred_columns: &referred,
                    part,
                },
            )
        };
        assert_eq!(name(Kind::Index, None).unwrap().unwrap(), "ix_users_org");
        assert_eq!(
            name(Kind::Unique, None).unwrap().unwrap(),
            "uq_users_org_email"
        );
        assert_eq!(
            name(Kind::ForeignKey, None).unwrap().unwrap(),
            "fk_users_org_orgs"
        );
        assert_eq!(name(Kind::PrimaryKey, None).unwrap().unwrap(), "pk_users");
        assert_eq!(
            name(Kind::Check, Some("positive")).unwrap().unwrap(),
            "ck_users_positive"
        );
        let error = name(Kind::Check, None).unwrap_err();
        assert!(error.contains("%(constraint_name)s"), "{error}");
        assert!(error.contains("Name::part"), "{error}");
    }

    #[test]
    fn a_binary_has_one_convention() {
        static A: NamingConvention = NamingConvention::native()
            .pk("pk_%(table_name)s")
            .at("a.rs", 3);
        static B: NamingConvention = NamingConvention::native().at("b.rs", 7);
        static BAD: NamingConvention = NamingConvention::native()
            .ix("ix_%(colum_0_name)s")
            .at("c.rs", 1);
        assert_eq!(the_one(vec![]), Ok(None));
        assert_eq!(the_one(vec![&A]), Ok(Some(&A)));
        let error = the_one(vec![&B, &A]).unwrap_err();
        assert!(
            error.starts_with("2 naming conventions are set (a.rs:3, b.rs:7)"),
            "{error}"
        );
        let error = the_one(vec![&BAD]).unwrap_err();
        assert!(
            error.starts_with("naming convention at c.rs:1: the `ix` template"),
            "{error}"
        );
    }

    #[test]
    fn unknown_tokens_are_refused() {
        let conv = NamingConvention::native().uq("uq_%(tabel_name)s");
        let error = conv.validate().unwrap_err();
        assert!(error.contains("`%(tabel_name)s`"), "{error}");
    }

    #[test]
    fn long_convention_names_end_with_an_md5_as_sqlalchemy_cuts_them() {
        // SQLAlchemy: name[:max - 8] + "_" + md5_hex(name)[-4:].
        let name = format!("uq_{}", "x".repeat(70));
        let cut = truncated(name.clone(), 63);
        assert_eq!(cut.len(), 60);
        assert!(cut.starts_with(&name[..55]));
        let digest = Md5::digest(name.as_bytes());
        assert_eq!(&cut[56..], &format!("{:02x}{:02x}", digest[14], digest[15]));
    }

    #[test]
    fn a_check_reads_its_columns() {
        assert_eq!(columns_read("age >= 0"), ["age"]);
        assert_eq!(
            columns_read("length(name) > 0 AND name IS NOT NULL"),
            ["name"]
        );
        assert_eq!(columns_read("status IN ('a', 'b')"), ["status"]);
        assert_eq!(
            columns_read("CAST(total AS integer) > \"min\""),
            ["total", "min"]
        );
        assert_eq!(columns_read("t.a < t.b"), ["a", "b"]);
        assert_eq!(columns_read("flag::int in (0, 1)"), ["flag"]);
    }
}
