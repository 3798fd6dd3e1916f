//! `#[complete]` methods: suggestions for the arguments of a prompt, or the variables of a
//! resource template, of the same app.

use darling::FromMeta;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItemFn, LitStr, Type};

use crate::attrs::{error_at, error_at_span};
use crate::method::is_named;

/// The options of `#[complete(...)]`: what it completes, by its name in the app.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct CompleteArgs {
    prompt: Option<LitStr>,
    resource: Option<LitStr>,
}

/// A validated completer.
pub(crate) struct Completer {
    /// The prompt (`true`) or the resource template it completes, and its name.
    pub(crate) prompt: bool,
    pub(crate) target: LitStr,
    method: syn::Ident,
    takes_ctx: bool,
    takes_context: bool,
    output: Type,
}

impl Completer {
    /// Validates a method carrying `#[complete(args)]`.
    pub(crate) fn parse(
        method: &ImplItemFn,
        args: CompleteArgs,
        attr_span: Span,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let shape = crate::method::shape(method, "a completer", errors);
        let (prompt, target) = match (args.prompt, args.resource) {
            (Some(prompt), None) => (true, prompt),
            (None, Some(resource)) => (false, resource),
            (Some(_), Some(resource)) => {
                errors.push(error_at(
                    &resource,
                    "a completer completes one prompt or one resource template, not both",
                ));
                return None;
            }
            (None, None) => {
                errors.push(error_at_span(
                    attr_span,
                    "say what this completes: `#[complete(prompt = \"name\")]` or `#[complete(resource = \"name\")]` (names in this app)",
                ));
                return None;
            }
        };
        let shape = shape?;
        let mut ok = true;
        let mut params = shape.params.iter();
        match params.next() {
            Some(p) if is_named(&p.ty, "CompletionArgument") => {}
            Some(p) => {
                ok = false;
                errors.push(error_at(
                    &p.ty,
                    "a completer takes the argument being completed: `argument: CompletionArgument`",
                ));
            }
            None => {
                ok = false;
                errors.push(error_at_span(
                    method.sig.ident.span(),
                    "a completer takes the argument being completed: `argument: CompletionArgument`",
                ));
            }
        }
        let mut takes_context = false;
        if let Some(p) = params.next() {
            if is_named(&p.ty, "CompletionContext") {
                takes_context = true;
            } else {
                ok = false;
                errors.push(error_at(
                    &p.ty,
                    "after the argument, a completer may take the arguments already given: `context: CompletionContext`",
                ));
            }
        }
        for p in params {
            ok = false;
            errors.push(error_at(&p.ty, "a completer takes no more parameters"));
        }
        ok.then(|| Completer {
            prompt,
            target,
            method: method.sig.ident.clone(),
            takes_ctx: shape.takes_ctx,
            takes_context,
            output: shape.output,
        })
    }

    /// The `match` arm that calls the method.
    pub(crate) fn dispatch_arm(&self) -> TokenStream {
        let target = &self.target;
        let method = &self.method;
        let pattern = if self.prompt {
            quote!(::frontmcp::__private::CompletionTarget::Prompt(#target))
        } else {
            quote!(::frontmcp::__private::CompletionTarget::Template(#target))
        };
        let mut args = Vec::new();
        if self.takes_ctx {
            args.push(quote!(request.ctx));
        }
        args.push(quote!(::frontmcp::__private::Clone::clone(
            request.argument
        )));
        if self.takes_context {
            args.push(quote!(::frontmcp::__private::Clone::clone(request.context)));
        }
        let convert = quote_spanned!(self.output.span()=> ::frontmcp::__private::completion_result);
        quote! {
            #pattern => #convert(self.#method(#(#args),*).await),
        }
    }
}
