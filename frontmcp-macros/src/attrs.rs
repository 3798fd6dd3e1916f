//! Argument types shared by the macros, and the helpers they all use.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta};

/// `("a", "b")`: a list of string literals.
#[derive(Debug, Default, Clone)]
pub(crate) struct StrList(pub(crate) Vec<LitStr>);

impl FromMeta for StrList {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                NestedMeta::Lit(Lit::Str(s)) => out.push(s.clone()),
                other => errors.push(
                    darling::Error::custom("expected a string literal, like \"chat:write\"")
                        .with_span(other),
                ),
            }
        }
        errors.finish_with(StrList(out))
    }
}

/// Parses an attribute's arguments; raw identifiers (`r#type`) are read as plain ones (`type`),
/// so both spellings of keyword options work.
pub(crate) fn parse_args<T: FromMeta>(args: TokenStream) -> darling::Result<T> {
    let items = NestedMeta::parse_meta_list(unraw(args))?;
    T::from_list(&items)
}

fn unraw(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(ident) => TokenTree::Ident(proc_macro2::Ident::new(
                &ident.unraw().to_string(),
                ident.span(),
            )),
            TokenTree::Group(group) => {
                let mut g = proc_macro2::Group::new(group.delimiter(), unraw(group.stream()));
                g.set_span(group.span());
                TokenTree::Group(g)
            }
            other => other,
        })
        .collect()
}

/// The `///` comments of an item, as one description (common indentation removed).
pub(crate) fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|s| {
            s.split('\n')
                .map(|l| l.trim_end_matches('\r').to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let text: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim()
            }
        })
        .collect();
    let text = text.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// `Some(x)` as `::frontmcp::__private::Some(x.into())`, `None` as `None`.
pub(crate) fn opt_cow(value: Option<&LitStr>) -> TokenStream {
    match value {
        Some(v) => quote!(::frontmcp::__private::Some(::frontmcp::__private::Cow::Borrowed(#v))),
        None => quote!(::frontmcp::__private::None),
    }
}

/// A scope is a non-empty string without whitespace (RFC 6749 `scope-token`).
pub(crate) fn check_scopes(scopes: &StrList, errors: &mut darling::error::Accumulator) {
    for scope in &scopes.0 {
        let v = scope.value();
        if v.is_empty()
            || v.chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '\\' || c.is_control())
        {
            errors.push(
                darling::Error::custom(
                    "a scope is a non-empty token without spaces, quotes or backslashes",
                )
                .with_span(scope),
            );
        }
    }
}

/// The item as given, preceded by the collected errors: the user sees every mistake, and the
/// item itself still resolves, so no second wave of "not found" errors follows.
pub(crate) fn finish(errors: darling::error::Accumulator, input: TokenStream) -> TokenStream {
    let err = errors.finish().err().map(darling::Error::write_errors);
    quote!(#err #input)
}

/// An error spanning `tokens`.
pub(crate) fn error_at(tokens: impl ToTokens, message: impl std::fmt::Display) -> darling::Error {
    darling::Error::from(syn::Error::new_spanned(tokens, message.to_string()))
}

/// An error at `span`.
pub(crate) fn error_at_span(span: Span, message: impl std::fmt::Display) -> darling::Error {
    darling::Error::from(syn::Error::new(span, message.to_string()))
}
