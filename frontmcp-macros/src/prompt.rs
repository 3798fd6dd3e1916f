//! `#[prompt]` methods: messages for the model, built from arguments whose names, descriptions
//! and requiredness come from one struct.

use darling::FromMeta;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItemFn, LitStr, Type};

use crate::attrs::{StrList, check_scopes, doc_comment, error_at, error_at_span};

/// The options of `#[prompt(...)]`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct PromptArgs {
    name: Option<LitStr>,
    title: Option<LitStr>,
    description: Option<LitStr>,
    scopes: Option<StrList>,
}

/// A validated prompt method.
pub(crate) struct Prompt {
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) scopes: Vec<LitStr>,
    method: syn::Ident,
    takes_ctx: bool,
    arguments: Option<Type>,
    output: Type,
    title: Option<LitStr>,
    description: Option<String>,
}

impl Prompt {
    /// Validates a method carrying `#[prompt(args)]`.
    pub(crate) fn parse(
        method: &ImplItemFn,
        args: PromptArgs,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let shape = crate::method::shape(method, "a prompt", errors)?;
        let mut ok = true;
        let mut arguments = None;
        for param in &shape.params {
            match &param.ty {
                Type::Reference(r) => {
                    ok = false;
                    errors.push(error_at(
                        r,
                        "a prompt's arguments are taken by value (`args: MyArgs`), not by reference",
                    ));
                }
                ty if arguments.is_none() => arguments = Some(ty.clone()),
                ty => {
                    ok = false;
                    errors.push(error_at(
                        ty,
                        "a prompt takes its arguments as one struct deriving `Deserialize` and `JsonSchema` (each field an argument)",
                    ));
                }
            }
        }
        let (name, name_span) = match &args.name {
            Some(lit) => (lit.value(), lit.span()),
            None => (
                syn::ext::IdentExt::unraw(&method.sig.ident).to_string(),
                method.sig.ident.span(),
            ),
        };
        if !frontmcp_rules::is_valid_tool_name(&name) {
            ok = false;
            errors.push(error_at_span(
                name_span,
                frontmcp_rules::TOOL_NAME_RULE.replace("tool", "prompt"),
            ));
        }
        let scopes = args.scopes.unwrap_or_default();
        check_scopes(&scopes, errors);
        let description = args
            .description
            .map(|d| d.value())
            .or_else(|| doc_comment(&method.attrs));
        ok.then(|| Prompt {
            name,
            name_span,
            scopes: scopes.0,
            method: method.sig.ident.clone(),
            takes_ctx: shape.takes_ctx,
            arguments,
            output: shape.output,
            title: args.title,
            description,
        })
    }

    /// `PromptDescriptor::new(..)...` for the app's descriptor.
    pub(crate) fn descriptor(&self) -> TokenStream {
        let name = &self.name;
        let mut chain = quote!(::frontmcp::__private::PromptDescriptor::new(#name));
        if let Some(title) = &self.title {
            chain.extend(quote!(.title(#title)));
        }
        if let Some(description) = &self.description {
            chain.extend(quote!(.description(#description)));
        }
        if !self.scopes.is_empty() {
            let scopes = &self.scopes;
            chain.extend(quote!(.scopes([#(#scopes),*])));
        }
        if let Some(arguments) = &self.arguments {
            chain.extend(quote_spanned!(arguments.span()=> .arguments::<#arguments>()));
        }
        chain
    }

    /// The `match` arm that parses the arguments and calls the method.
    pub(crate) fn dispatch_arm(&self) -> TokenStream {
        let name = &self.name;
        let method = &self.method;
        let mut args = Vec::new();
        let mut parse = TokenStream::new();
        if self.takes_ctx {
            args.push(quote!(get.ctx));
        }
        if let Some(arguments) = &self.arguments {
            parse = quote_spanned! {arguments.span()=>
                let arguments = ::frontmcp::__private::parse_input::<#arguments>(get.arguments)?;
            };
            args.push(quote!(arguments));
        }
        let convert = quote_spanned!(self.output.span()=> ::frontmcp::__private::prompt_result);
        quote! {
            #name => {
                #parse
                #convert(self.#method(#(#args),*).await)
            }
        }
    }
}
