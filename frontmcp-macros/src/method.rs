//! The shape every method of an `#[app]` impl block that the runtime calls must have (`#[tool]`,
//! `#[resource]`, `#[prompt]`, `#[complete]`): `async`, not generic, `&self` first, then
//! optionally `&ToolContext`, then the method's own parameters.

use syn::{FnArg, ImplItemFn, Pat, ReturnType, Type};

use crate::attrs::{error_at, error_at_span};

/// A parameter after `&self` and the context.
pub(crate) struct Param {
    /// Its name, when it is a plain identifier.
    pub(crate) name: Option<syn::Ident>,
    pub(crate) ty: Type,
}

/// What a method's signature says, once checked.
pub(crate) struct Shape {
    pub(crate) takes_ctx: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Type,
}

/// Checks the common rules; every problem goes to `errors`, naming `what` (`a tool`, ...).
/// `None` when the signature is unusable.
pub(crate) fn shape(
    method: &ImplItemFn,
    what: &str,
    errors: &mut darling::error::Accumulator,
) -> Option<Shape> {
    let sig = &method.sig;
    let mut ok = true;
    let mut fail = |e: darling::Error| {
        errors.push(e);
        ok = false;
    };
    if sig.asyncness.is_none() {
        fail(error_at_span(
            sig.fn_token.span,
            format!("{what} must be an `async fn`"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        fail(error_at(
            &sig.generics,
            format!("{what} cannot be generic: its parameter and return types must be known"),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        fail(error_at(variadic, format!("{what} cannot be variadic")));
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
        Some(FnArg::Receiver(r)) => fail(error_at(
            r,
            format!("{what} takes `&self`: apps are shared by concurrent requests"),
        )),
        Some(other) => fail(error_at(
            other,
            format!("{what}'s first parameter must be `&self`"),
        )),
        None => fail(error_at_span(
            sig.ident.span(),
            format!("{what}'s first parameter must be `&self`"),
        )),
    }
    let mut takes_ctx = false;
    let mut params = Vec::new();
    for (position, arg) in inputs.enumerate() {
        let FnArg::Typed(pat) = arg else { continue };
        if let Type::Reference(r) = &*pat.ty {
            if is_named(&r.elem, "ToolContext") {
                if position != 0 || takes_ctx {
                    fail(error_at(
                        &pat.ty,
                        "`&ToolContext` must come right after `&self`, once",
                    ));
                }
                takes_ctx = true;
                continue;
            }
        }
        let name = match &*pat.pat {
            Pat::Ident(ident) => Some(ident.ident.clone()),
            _ => None,
        };
        params.push(Param {
            name,
            ty: (*pat.ty).clone(),
        });
    }
    let output = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    ok.then_some(Shape {
        takes_ctx,
        params,
        output,
    })
}

/// Whether `ty` is a path ending in `name`, however it is imported.
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == name))
}
