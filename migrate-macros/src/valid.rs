//! What the attribute's strings and the module's functions must be.
//!
//! [`check`] turns the keys [as written](crate::attr::Args) and the
//! [module](crate::ast::Module) into a [`Migration`] that is known to be good,
//! recording every problem on the way.

use std::collections::HashSet;
use std::fmt;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{FnArg, Ident, ItemFn, LitStr, ReturnType, Signature, Type};

use crate::ast::Module;
use crate::attr::{Args, Revises};
use crate::ctxt::Ctxt;

/// A migration whose attribute and module passed every check: what
/// [`expand`](crate::expand) emits.
#[derive(Debug)]
pub(crate) struct Migration {
    pub(crate) id: LitStr,
    /// Empty for a root migration (`revises = "base"`).
    pub(crate) parents: Vec<LitStr>,
    pub(crate) message: Option<LitStr>,
    /// `branch_labels`, checked; empty when absent.
    pub(crate) branch_labels: Vec<LitStr>,
    /// `depends_on`, checked; empty when absent.
    pub(crate) depends_on: Vec<LitStr>,
    pub(crate) module: Module,
    /// The name of `fn upgrade`, spanned where the user wrote it.
    pub(crate) upgrade: Ident,
    /// The name of `fn downgrade`, when the module has one.
    pub(crate) downgrade: Option<Ident>,
}

/// Checks everything that [`attr`](crate::attr) and [`ast`](crate::ast) could
/// read; `None` when something is wrong, with every problem recorded in `cx`.
pub(crate) fn check(cx: &mut Ctxt, args: Args, module: Option<Module>) -> Option<Migration> {
    if let Some(id) = &args.id {
        check_id(cx, id, Role::Id);
    }
    let parents = args
        .revises
        .map(|revises| parents(cx, revises, args.id.as_ref()));
    let branch_labels = args.branch_labels.unwrap_or_default();
    check_labels(cx, &branch_labels);
    if let Some(message) = &args.message {
        check_message(cx, message);
    }
    let depends_on = args.depends_on.unwrap_or_default();
    check_dependencies(cx, &depends_on, args.id.as_ref(), parents.as_deref());
    let functions = module.as_ref().and_then(|module| functions(cx, module));

    let (upgrade, downgrade) = functions?;
    Some(Migration {
        id: args.id?,
        parents: parents?,
        message: args.message,
        branch_labels,
        depends_on,
        module: module?,
        upgrade,
        downgrade,
    })
}

/// The rules are `migrate_names`', which the runtime applies too.
use migrate_names::{
    IdError, MAX_ID_LEN, MAX_LABEL_LEN, MIN_ID_LEN, is_control, validate_id, validate_label,
};

/// Which string of the attribute an id is, for messages.
#[derive(Debug, Clone, Copy)]
enum Role {
    /// `id = "..."`.
    Id,
    /// An entry of `revises`.
    Parent,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Id => "revision id",
            Role::Parent => "parent id",
        })
    }
}

/// Records an error at `literal` unless it holds a valid revision id.
fn check_id(cx: &mut Ctxt, literal: &LitStr, role: Role) {
    let id = literal.value();
    let rule = format!("use {MIN_ID_LEN} to {MAX_ID_LEN} characters of `a-z`, `0-9` and `_`");
    let problem = match validate_id(&id) {
        Ok(()) => return,
        Err(IdError::Character { character, .. }) => {
            format!("{character:?} is not allowed; {rule}")
        }
        Err(IdError::Length { len: 0 }) => format!("it is empty; {rule}"),
        Err(IdError::Length { len }) => format!("it has {len} characters; {rule}"),
        Err(IdError::Reserved { .. } | _) => match role {
            Role::Id => format!("`{id}` is a reserved word; choose another id"),
            Role::Parent => format!("`{id}` is a reserved word; name the parent's revision id"),
        },
    };
    cx.error_spanned_by(literal, format!("invalid {role} {id:?}: {problem}"));
}

/// The parents named by `revises`; `"base"` alone means none.
fn parents(cx: &mut Ctxt, revises: Revises, own_id: Option<&LitStr>) -> Vec<LitStr> {
    let parents = match revises {
        Revises::One(parent) if parent.value() == "base" => return Vec::new(),
        Revises::One(parent) => vec![parent],
        Revises::Many(parents) => parents,
    };
    let own_id = own_id.map(LitStr::value);
    let mut seen = HashSet::new();
    for parent in &parents {
        let value = parent.value();
        if value == "base" {
            cx.error_spanned_by(
                parent,
                "\"base\" is not a parent: a root migration writes `revises = \"base\"`, \
                 without brackets",
            );
        } else if own_id.as_ref() == Some(&value) {
            cx.error_spanned_by(
                parent,
                format!(
                    "a migration cannot revise itself: {value:?} is this migration's own id; \
                     name its parent instead"
                ),
            );
        } else if !seen.insert(value) {
            cx.error_spanned_by(parent, "this parent is listed twice: list each parent once");
        } else {
            check_id(cx, parent, Role::Parent);
        }
    }
    parents
}

/// Records an error when the message holds a control character.
///
/// A message is shown in offline SQL scripts (in a `--` comment), pictures,
/// terminals and new files: a newline there would end the comment and run
/// the rest as SQL.
fn check_message(cx: &mut Ctxt, literal: &LitStr) {
    let message = literal.value();
    if let Some((at, c)) = message.chars().enumerate().find(|&(_, c)| is_control(c)) {
        cx.error_spanned_by(
            literal,
            format!(
                "the message must be one line of plain text: it holds {:?} at character {}; \
                 keep the message a short summary and put details in the module's doc comment",
                c,
                at + 1
            ),
        );
    }
}

/// Records an error at each label that breaks the rule or repeats another.
fn check_labels(cx: &mut Ctxt, labels: &[LitStr]) {
    let rule = format!("use 1 to {MAX_LABEL_LEN} characters of `a-z`, `0-9` and `_`");
    let mut seen = HashSet::new();
    for literal in labels {
        let label = literal.value();
        let problem = match validate_label(&label) {
            Ok(()) if seen.insert(label.clone()) => continue,
            Ok(()) => "it is listed twice; list each label once".to_owned(),
            Err(IdError::Character { character, .. }) => {
                format!("{character:?} is not allowed; {rule}")
            }
            Err(IdError::Length { len }) => format!("it has {len} characters; {rule}"),
            Err(IdError::Reserved { .. } | _) => {
                format!("`{label}` is a reserved word; choose another label")
            }
        };
        cx.error_spanned_by(
            literal,
            format!("invalid branch label {label:?}: {problem}"),
        );
    }
}

/// Records an error at each dependency that cannot name a revision or a
/// label, names this migration, repeats another, or is a parent already.
fn check_dependencies(
    cx: &mut Ctxt,
    dependencies: &[LitStr],
    own_id: Option<&LitStr>,
    parents: Option<&[LitStr]>,
) {
    let own_id = own_id.map(LitStr::value);
    let parents: HashSet<String> = parents
        .unwrap_or_default()
        .iter()
        .map(LitStr::value)
        .collect();
    let mut seen = HashSet::new();
    for literal in dependencies {
        let value = literal.value();
        let problem = if validate_label(&value).is_err() {
            "it is neither a revision id nor a branch label; name the revision or the label \
             this migration needs"
        } else if own_id.as_ref() == Some(&value) {
            "a migration cannot depend on itself; name the revision it needs"
        } else if parents.contains(&value) {
            "this migration revises it already; remove it from `depends_on`"
        } else if !seen.insert(value.clone()) {
            "it is listed twice; list each dependency once"
        } else {
            continue;
        };
        cx.error_spanned_by(literal, format!("invalid dependency {value:?}: {problem}"));
    }
}

/// The names of `fn upgrade`, which must exist, and of `fn downgrade`, which
/// may; `None` when either is missing or malformed.
fn functions(cx: &mut Ctxt, module: &Module) -> Option<(Ident, Option<Ident>)> {
    let upgrade = module.function("upgrade");
    let downgrade = module.function("downgrade");
    if upgrade.is_none() {
        cx.error_spanned_by(
            module.name_tokens(),
            format!(
                "module `{}` has no `fn upgrade`: add `pub fn upgrade(m: &mut Migration) {{ ... }}`",
                module.ident()
            ),
        );
    }
    let upgrade_ok = upgrade.is_some_and(|f| check_signature(cx, f));
    let downgrade_ok = downgrade.is_none_or(|f| check_signature(cx, f));
    if !(upgrade_ok && downgrade_ok) {
        return None;
    }
    Some((
        upgrade?.sig.ident.clone(),
        downgrade.map(|f| f.sig.ident.clone()),
    ))
}

/// Checks that `function` is exactly `fn name(m: &mut Migration)`, recording
/// an error at each part that differs; `true` when it is.
fn check_signature(cx: &mut Ctxt, function: &ItemFn) -> bool {
    let problems = signature_problems(&function.sig);
    let ok = problems.is_empty();
    for (tokens, message) in problems {
        cx.error_spanned_by(tokens, message);
    }
    ok
}

/// Each part of `sig` that differs from `fn name(m: &mut Migration)`, with
/// the message to show there.
fn signature_problems(sig: &Signature) -> Vec<(TokenStream, String)> {
    let name = &sig.ident;
    let mut problems = Vec::new();
    let mut problem = |tokens: &dyn ToTokens, message: String| {
        problems.push((tokens.to_token_stream(), message));
    };

    if let Some(token) = &sig.constness {
        problem(token, format!("`{name}` cannot be `const`: remove `const`"));
    }
    if let Some(token) = &sig.asyncness {
        problem(
            token,
            format!(
                "`{name}` cannot be `async`: remove `async` \
                 (it only records operations; the runtime applies them)"
            ),
        );
    }
    if let Some(token) = &sig.unsafety {
        problem(
            token,
            format!("`{name}` cannot be `unsafe`: remove `unsafe`"),
        );
    }
    if let Some(abi) = &sig.abi {
        let abi_text = abi.to_token_stream().to_string();
        problem(
            abi,
            format!("`{name}` cannot be `extern`: remove `{abi_text}`"),
        );
    }
    if !sig.generics.params.is_empty() {
        problem(
            &sig.generics,
            format!("`{name}` cannot be generic: remove the generic parameters"),
        );
    }
    if let Some(clause) = &sig.generics.where_clause {
        problem(
            clause,
            format!("`{name}` cannot have a `where` clause: remove it"),
        );
    }

    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        None => {
            // Point at `upgrade()`: the parentheses alone are not tokens.
            let mut empty_call = name.to_token_stream();
            sig.paren_token.surround(&mut empty_call, |_| {});
            problem(
                &empty_call,
                format!("`{name}` takes the migration plan: write `fn {name}(m: &mut Migration)`"),
            );
        }
        Some(FnArg::Receiver(receiver)) => problem(
            receiver,
            format!("`{name}` is a free function, not a method: write `m: &mut Migration`"),
        ),
        Some(FnArg::Typed(input)) if !is_mut_migration(&input.ty) => problem(
            &input.ty,
            format!(
                "the parameter of `{name}` must be `&mut Migration`: write `m: &mut Migration`"
            ),
        ),
        Some(FnArg::Typed(_)) => {}
    }
    for extra in inputs {
        problem(
            extra,
            format!("`{name}` takes one parameter, `m: &mut Migration`: remove this one"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        problem(
            variadic,
            format!("`{name}` cannot be variadic: remove `...`"),
        );
    }

    if let ReturnType::Type(_, ty) = &sig.output {
        if !is_unit(ty) {
            problem(
                &sig.output,
                format!("`{name}` cannot return a value: remove the return type"),
            );
        }
    }
    problems
}

/// `&mut Migration`, `&'_ mut Migration` or `&mut path::to::Migration`.
fn is_mut_migration(ty: &Type) -> bool {
    let Type::Reference(reference) = ungroup(ty) else {
        return false;
    };
    let Type::Path(path) = ungroup(&reference.elem) else {
        return false;
    };
    reference.mutability.is_some()
        && reference.lifetime.as_ref().is_none_or(|l| l.ident == "_")
        && path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "Migration" && last.arguments.is_none())
}

/// `()`.
fn is_unit(ty: &Type) -> bool {
    matches!(ungroup(ty), Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// `ty` seen through parentheses and invisible groups.
fn ungroup(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn problems(function: TokenStream) -> Vec<String> {
        let function: ItemFn = syn::parse2(function).unwrap();
        signature_problems(&function.sig)
            .into_iter()
            .map(|(_, message)| message)
            .collect()
    }

    #[test]
    fn accepts_the_migration_signature_with_any_binding_and_path() {
        for function in [
            quote!(
                fn upgrade(m: &mut Migration) {}
            ),
            quote!(
                pub fn upgrade(mut _plan: &mut Migration) -> () {}
            ),
            quote!(
                fn upgrade(_: &'_ mut migrate_core::ops::Migration) {}
            ),
            quote!(
                fn downgrade(m: &mut ::migrate_core::prelude::Migration) {}
            ),
        ] {
            assert_eq!(
                problems(function.clone()),
                Vec::<String>::new(),
                "{function}"
            );
        }
    }

    #[test]
    fn rejects_each_deviation_of_the_signature() {
        let messages = problems(quote! {
            const async unsafe extern "C" fn upgrade<T>(m: &Migration, extra: T) -> bool
            where
                T: Copy,
            {
                true
            }
        });
        assert_eq!(
            messages,
            [
                "`upgrade` cannot be `const`: remove `const`",
                "`upgrade` cannot be `async`: remove `async` \
                 (it only records operations; the runtime applies them)",
                "`upgrade` cannot be `unsafe`: remove `unsafe`",
                "`upgrade` cannot be `extern`: remove `extern \"C\"`",
                "`upgrade` cannot be generic: remove the generic parameters",
                "`upgrade` cannot have a `where` clause: remove it",
                "the parameter of `upgrade` must be `&mut Migration`: write `m: &mut Migration`",
                "`upgrade` takes one parameter, `m: &mut Migration`: remove this one",
                "`upgrade` cannot return a value: remove the return type",
            ]
        );
    }

    #[test]
    fn rejects_a_missing_parameter_or_a_wrong_type() {
        assert_eq!(
            problems(quote!(
                fn downgrade() {}
            )),
            ["`downgrade` takes the migration plan: write `fn downgrade(m: &mut Migration)`"]
        );
        for ty in [
            quote!(Migration),
            quote!(&Migration),
            quote!(&mut Plan),
            quote!(&'static mut Migration),
            quote!(&mut Migration<u8>),
        ] {
            assert_eq!(problems(quote!(fn upgrade(m: #ty) {})).len(), 1, "{ty}");
        }
    }
}
