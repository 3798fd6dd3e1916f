//! `#[tool]` methods: their options, their signature rules, and the code that calls them.

use darling::FromMeta;
use darling::util::SpannedValue;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItemFn, LitStr, Type};

use crate::attrs::{StrList, check_scopes, doc_comment, error_at, error_at_span};

/// The options of `#[tool(...)]`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct ToolArgs {
    name: Option<LitStr>,
    title: Option<LitStr>,
    description: Option<LitStr>,
    scopes: Option<StrList>,
    read_only: Option<SpannedValue<bool>>,
    destructive: Option<SpannedValue<bool>>,
    idempotent: Option<SpannedValue<bool>>,
    open_world: Option<SpannedValue<bool>>,
}

/// A validated tool method.
pub(crate) struct Tool {
    /// The tool's name inside its app, and the token to report it at.
    pub(crate) name: String,
    pub(crate) name_span: proc_macro2::Span,
    pub(crate) scopes: Vec<LitStr>,
    method: syn::Ident,
    takes_ctx: bool,
    input: Option<Type>,
    output: Type,
    title: Option<LitStr>,
    description: Option<String>,
    annotations: Vec<(&'static str, bool)>,
}

/// `#[tool]` (or `#[resource]`, `#[prompt]`, `#[complete]`: `attribute`) reached on its own:
/// it was not inside an `#[app]` impl block.
pub(crate) fn outside_app(attribute: &str, input: TokenStream) -> TokenStream {
    let span = syn::parse2::<syn::ItemFn>(input.clone())
        .map_or_else(|_| input.span(), |f| f.sig.ident.span());
    let err = syn::Error::new(
        span,
        format!(
            "`#[{attribute}]` only works on a method inside an `impl` block marked `#[app(...)]`"
        ),
    )
    .to_compile_error();
    quote!(#err #input)
}

impl Tool {
    /// Validates a method carrying `#[tool(args)]`; every problem goes to `errors`.
    pub(crate) fn parse(
        method: &ImplItemFn,
        args: ToolArgs,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let sig = &method.sig;
        let shape = crate::method::shape(method, "a tool", errors);
        let mut ok = shape.is_some();
        let mut input = None;
        if let Some(shape) = &shape {
            for param in &shape.params {
                match &param.ty {
                    Type::Reference(r) => {
                        ok = false;
                        errors.push(error_at(
                            r,
                            "a tool's input is taken by value (`input: MyInput`), not by reference",
                        ));
                    }
                    ty if input.is_none() => input = Some(ty.clone()),
                    ty => {
                        ok = false;
                        errors.push(error_at(
                            ty,
                            "a tool takes at most one input value: put every argument in one struct deriving `Deserialize` and `JsonSchema`",
                        ));
                    }
                }
            }
        }
        let (name, name_span) = match &args.name {
            Some(lit) => (lit.value(), lit.span()),
            None => (
                syn::ext::IdentExt::unraw(&sig.ident).to_string(),
                sig.ident.span(),
            ),
        };
        if !frontmcp_rules::is_valid_tool_name(&name) {
            ok = false;
            errors.push(error_at_span(name_span, frontmcp_rules::TOOL_NAME_RULE));
        }
        let scopes = args.scopes.unwrap_or_default();
        check_scopes(&scopes, errors);
        let annotations = [
            ("read_only", args.read_only),
            ("destructive", args.destructive),
            ("idempotent", args.idempotent),
            ("open_world", args.open_world),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, *v)))
        .collect();
        let description = args
            .description
            .map(|d| d.value())
            .or_else(|| doc_comment(&method.attrs));
        let shape = shape?;
        ok.then(|| Tool {
            name,
            name_span,
            scopes: scopes.0,
            method: sig.ident.clone(),
            takes_ctx: shape.takes_ctx,
            input,
            output: shape.output,
            title: args.title,
            description,
            annotations,
        })
    }

    /// `ToolDescriptor::new("name").description(..)...` for the app's descriptor.
    pub(crate) fn descriptor(&self) -> TokenStream {
        let name = &self.name;
        let mut chain = quote!(::frontmcp::__private::ToolDescriptor::new(#name));
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
        for (annotation, value) in &self.annotations {
            let method = syn::Ident::new(annotation, proc_macro2::Span::call_site());
            chain.extend(quote!(.#method(#value)));
        }
        if let Some(input) = &self.input {
            chain.extend(quote_spanned!(input.span()=> .input::<#input>()));
        }
        let output = &self.output;
        chain.extend(quote_spanned!(output.span()=> .output::<#output>()));
        chain
    }

    /// The `match` arm that parses the input and calls the method.
    pub(crate) fn dispatch_arm(&self) -> TokenStream {
        let name = &self.name;
        let method = &self.method;
        let mut args = Vec::new();
        let mut parse = TokenStream::new();
        if self.takes_ctx {
            args.push(quote!(call.ctx));
        }
        if let Some(input) = &self.input {
            parse = quote_spanned! {input.span()=>
                let input = ::frontmcp::__private::parse_input::<#input>(call.arguments)?;
            };
            args.push(quote!(input));
        }
        let convert = quote_spanned!(self.output.span()=> ::frontmcp::__private::into_tool_result);
        quote! {
            #name => {
                #parse
                ::frontmcp::__private::Ok(#convert(self.#method(#(#args),*).await))
            }
        }
    }
}
