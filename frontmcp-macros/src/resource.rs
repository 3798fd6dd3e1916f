//! `#[resource]` methods: a resource at a URI, or a family of them named by a URI template whose
//! variables are the method's parameters.

use darling::FromMeta;
use frontmcp_rules::uri::{RESOURCE_URI_RULE, UriTemplate, is_valid_resource_uri};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItemFn, LitStr, Type};

use crate::attrs::{StrList, check_scopes, doc_comment, error_at, error_at_span};

/// The options of `#[resource(...)]`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub(crate) struct ResourceArgs {
    uri: Option<LitStr>,
    template: Option<LitStr>,
    name: Option<LitStr>,
    title: Option<LitStr>,
    description: Option<LitStr>,
    mime_type: Option<LitStr>,
    scopes: Option<StrList>,
}

/// A validated resource method.
pub(crate) struct Resource {
    /// Its name inside the app, and where to report it.
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) scopes: Vec<LitStr>,
    /// The URI or the template, as written.
    pub(crate) uri: LitStr,
    /// The template's variables, when it is one.
    pub(crate) variables: Option<Vec<String>>,
    method: syn::Ident,
    takes_ctx: bool,
    /// `(variable, type)` for each parameter.
    params: Vec<(String, Type)>,
    output: Type,
    title: Option<LitStr>,
    description: Option<String>,
    mime_type: Option<LitStr>,
}

impl Resource {
    /// Validates a method carrying `#[resource(args)]`.
    pub(crate) fn parse(
        method: &ImplItemFn,
        args: ResourceArgs,
        attr_span: Span,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Self> {
        let shape = crate::method::shape(method, "a resource", errors);
        let mut ok = shape.is_some();
        let (uri, variables) = match (args.uri, args.template) {
            (Some(uri), None) => {
                if !is_valid_resource_uri(&uri.value()) {
                    ok = false;
                    errors.push(error_at(&uri, RESOURCE_URI_RULE));
                } else if UriTemplate::parse(&uri.value()).is_ok() {
                    ok = false;
                    errors.push(error_at(
                        &uri,
                        "this URI has `{variables}`: write `template = \"...\"` for a family of resources",
                    ));
                }
                (uri, None)
            }
            (None, Some(template)) => match UriTemplate::parse(&template.value()) {
                Ok(parsed) => {
                    let variables: Vec<String> = parsed.variables().map(str::to_owned).collect();
                    (template, Some(variables))
                }
                Err(e) => {
                    errors.push(error_at(&template, e));
                    return None;
                }
            },
            (Some(_), Some(template)) => {
                errors.push(error_at(
                    &template,
                    "give `uri = \"...\"` (one resource) or `template = \"...\"` (a family), not both",
                ));
                return None;
            }
            (None, None) => {
                errors.push(error_at_span(
                    attr_span,
                    "a resource needs `uri = \"scheme://...\"` or `template = \"scheme://.../{id}\"`",
                ));
                return None;
            }
        };
        let shape = shape?;
        let mut params = Vec::new();
        for param in &shape.params {
            let Some(name) = &param.name else {
                ok = false;
                errors.push(error_at(
                    &param.ty,
                    "name the parameter after a variable of the template",
                ));
                continue;
            };
            let variable = syn::ext::IdentExt::unraw(name).to_string();
            match &variables {
                None => {
                    ok = false;
                    errors.push(error_at(
                        name,
                        "a resource at a fixed URI takes no parameters (a template's variables are its parameters)",
                    ));
                }
                Some(vars) if !vars.contains(&variable) => {
                    ok = false;
                    errors.push(error_at(
                        name,
                        format!(
                            "`{variable}` is not a variable of the template (it has {})",
                            vars.iter()
                                .map(|v| format!("`{v}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                Some(_) => params.push((variable, param.ty.clone())),
            }
        }
        let (name, name_span) = match &args.name {
            Some(lit) => (lit.value(), lit.span()),
            None => (
                syn::ext::IdentExt::unraw(&method.sig.ident).to_string(),
                method.sig.ident.span(),
            ),
        };
        if name.is_empty() {
            ok = false;
            errors.push(error_at_span(name_span, "a resource's name is not empty"));
        }
        let scopes = args.scopes.unwrap_or_default();
        check_scopes(&scopes, errors);
        let description = args
            .description
            .map(|d| d.value())
            .or_else(|| doc_comment(&method.attrs));
        ok.then(|| Resource {
            name,
            name_span,
            scopes: scopes.0,
            uri,
            variables,
            method: method.sig.ident.clone(),
            takes_ctx: shape.takes_ctx,
            params,
            output: shape.output,
            title: args.title,
            description,
            mime_type: args.mime_type,
        })
    }

    /// `ResourceDescriptor::new(..)...` for the app's descriptor.
    pub(crate) fn descriptor(&self) -> TokenStream {
        let name = &self.name;
        let uri = &self.uri;
        let mut chain = if self.variables.is_some() {
            quote!(::frontmcp::__private::ResourceDescriptor::template(#name, #uri))
        } else {
            quote!(::frontmcp::__private::ResourceDescriptor::new(#name, #uri))
        };
        if let Some(title) = &self.title {
            chain.extend(quote!(.title(#title)));
        }
        if let Some(description) = &self.description {
            chain.extend(quote!(.description(#description)));
        }
        if let Some(mime_type) = &self.mime_type {
            chain.extend(quote!(.mime_type(#mime_type)));
        }
        if !self.scopes.is_empty() {
            let scopes = &self.scopes;
            chain.extend(quote!(.scopes([#(#scopes),*])));
        }
        chain
    }

    /// The `match` arm that parses the variables and calls the method.
    pub(crate) fn dispatch_arm(&self) -> TokenStream {
        let name = &self.name;
        let method = &self.method;
        let mut args = Vec::new();
        let mut parse = TokenStream::new();
        if self.takes_ctx {
            args.push(quote!(read.ctx));
        }
        for (variable, ty) in &self.params {
            let ident = syn::Ident::new(&format!("__{variable}"), Span::call_site());
            parse.extend(quote_spanned! {ty.span()=>
                let #ident = ::frontmcp::__private::variable::<#ty>(&read, #variable)?;
            });
            args.push(quote!(#ident));
        }
        let mime = match &self.mime_type {
            Some(m) => quote!(::frontmcp::__private::Some(#m)),
            None => quote!(::frontmcp::__private::None),
        };
        let convert = quote_spanned!(self.output.span()=> ::frontmcp::__private::resource_result);
        quote! {
            #name => {
                #parse
                #convert(self.#method(#(#args),*).await, read.uri, #mime)
            }
        }
    }
}
