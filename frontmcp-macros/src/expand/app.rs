//! The `impl App` of a checked `#[app]` block, and the placeholder emitted beside errors.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{LitStr, Type};

use super::opt_cow;
use crate::ast::{App, Completer, CompletionTarget, Method, Prompt, Resource, Tool};
use crate::attr::{AppAuthAttr, AppMode, RemoteAttr};

/// A local of the generated code: prefixed as serde's are, since a unit struct or a constant of
/// the same name would turn its binding into a pattern, and hygienic besides.
fn local(name: &str) -> syn::Ident {
    syn::Ident::new(&format!("__{name}"), Span::mixed_site())
}

/// The block as written (member attributes off), and its `impl App` and `impl AppStatic`.
pub(crate) fn app(app: &App) -> TokenStream {
    let attr = app.attr.as_ref().expect("checked: the options parsed");
    let item = &app.item;
    let self_ty = app.self_ty();
    let id = app.id().expect("checked: the app has an id");
    let uses_vault = app.uses_vault();
    let name = &attr.name;
    let built = local("app");
    let mut descriptor = quote!(::frontmcp::__private::AppDescriptor::new(#id, #name));
    if let Some(description) = &attr.description {
        descriptor.extend(quote!(.description(#description)));
    }
    if attr.standalone.is_some_and(|s| *s) {
        descriptor.extend(quote!(.standalone(true)));
    }
    if attr.exclude_from_parent.is_some_and(|s| *s) {
        descriptor.extend(quote!(.exclude_from_parent(true)));
    }
    if let Some(auth) = &attr.auth {
        let auth = app_auth(auth);
        descriptor.extend(quote!(.auth(#auth)));
    }
    let members = app
        .tools()
        .map(|(m, t)| (m, quote!(tool), tool_descriptor(m, t)))
        .chain(
            app.resources()
                .map(|(m, r)| (m, quote!(resource), resource_descriptor(r))),
        )
        .chain(
            app.prompts()
                .map(|(m, p)| (m, quote!(prompt), prompt_descriptor(m, p))),
        )
        .map(|(method, add, member)| {
            let cfgs = &method.cfgs;
            quote! {
                #(#cfgs)*
                let #built = #built.#add(#member);
            }
        });

    let call = local("call");
    let tool_arms = app.tools().map(|(m, t)| tool_arm(m, t, &call));
    let read_resource = (app.resources().next().is_some()).then(|| {
        let read = local("read");
        let arms = app.resources().map(|(m, r)| resource_arm(m, r, &read));
        quote! {
            fn read_resource<'a>(
                &'a self,
                #read: ::frontmcp::__private::ResourceRead<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::ReadResourceResult, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match #read.resource {
                        #(#arms)*
                        _ => ::frontmcp::__private::Err(::frontmcp::__private::CallError::UnknownResource(
                            ::frontmcp::__private::String::from(#read.uri),
                        )),
                    }
                })
            }
        }
    });
    let get_prompt = (app.prompts().next().is_some()).then(|| {
        let get = local("get");
        let other = local("other");
        let arms = app.prompts().map(|(m, p)| prompt_arm(m, p, &get));
        quote! {
            fn get_prompt<'a>(
                &'a self,
                #get: ::frontmcp::__private::PromptGet<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::GetPromptResult, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match #get.prompt {
                        #(#arms)*
                        #other => ::frontmcp::__private::Err(::frontmcp::__private::CallError::UnknownPrompt(
                            ::frontmcp::__private::String::from(#other),
                        )),
                    }
                })
            }
        }
    });
    let complete = (app.completers().next().is_some()).then(|| {
        let request = local("request");
        let arms = app.completers().map(|(m, c)| completer_arm(m, c, &request));
        quote! {
            fn complete<'a>(
                &'a self,
                #request: ::frontmcp::__private::CompletionRequest<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::Completion, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match #request.target {
                        #(#arms)*
                        _ => ::frontmcp::__private::Ok(::frontmcp::__private::Completion::default()),
                    }
                })
            }
        }
    });
    let other = local("other");

    quote! {
        #item

        impl ::frontmcp::__private::App for #self_ty {
            fn descriptor(&self) -> ::frontmcp::__private::AppDescriptor {
                let #built = #descriptor;
                #(#members)*
                #built
            }

            fn call_tool<'a>(
                &'a self,
                #call: ::frontmcp::__private::ToolCall<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::CallToolResult, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match #call.tool {
                        #(#tool_arms)*
                        #other => ::frontmcp::__private::Err(::frontmcp::__private::CallError::UnknownTool(
                            ::frontmcp::__private::String::from(#other),
                        )),
                    }
                })
            }

            #read_resource
            #get_prompt
            #complete
        }

        impl ::frontmcp::__private::AppStatic for #self_ty {
            const ID: &'static str = #id;
            const USES_VAULT: bool = #uses_vault;
        }
    }
}

/// `impl App` and `impl AppStatic` for a type whose `#[app]` has errors: they keep a server that
/// lists it from adding "not an app" to the real error. The ID cannot clash with a real one.
pub(crate) fn placeholder(self_ty: &Type) -> TokenStream {
    let id = format!("#placeholder:{}", quote!(#self_ty));
    quote! {
        impl ::frontmcp::__private::App for #self_ty {
            fn descriptor(&self) -> ::frontmcp::__private::AppDescriptor {
                ::frontmcp::__private::placeholder()
            }

            fn call_tool<'a>(
                &'a self,
                _: ::frontmcp::__private::ToolCall<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::CallToolResult, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::placeholder()
            }
        }

        impl ::frontmcp::__private::AppStatic for #self_ty {
            const ID: &'static str = #id;
            const USES_VAULT: bool = false;
        }
    }
}

/// `<T as Trait>`, every token at `ty`'s span: the compiler reports a missing impl at the type,
/// and the same diagnostic from two places in the expansion once.
fn as_trait(ty: &Type, path: TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as ::frontmcp::__private::#path>)
}

/// The values of a tool's or prompt's parameters, read from the call by their types.
fn params(
    method: &Method,
    ctx: TokenStream,
    arguments: TokenStream,
) -> (TokenStream, Vec<syn::Ident>) {
    let mut reads = TokenStream::new();
    let mut names = Vec::new();
    if let [a, b] = method.params.as_slice() {
        let (a, b) = (&a.ty, &b.ty);
        reads.extend(
            quote_spanned!(b.span()=> ::frontmcp::__private::context_and_input::<#a, #b>();),
        );
    }
    for (i, param) in method.params.iter().enumerate() {
        let name = format_ident!("__p{}", i, span = Span::mixed_site());
        let param = as_trait(&param.ty, quote!(Param));
        reads.extend(quote!(let #name = #param::extract(#ctx, #arguments)?;));
        names.push(name);
    }
    (reads, names)
}

fn tool_descriptor(method: &Method, tool: &Tool) -> TokenStream {
    let built = local("tool");
    let name = &tool.name.value;
    let mut chain = quote!(::frontmcp::__private::ToolDescriptor::new(#name));
    if let Some(title) = &tool.attr.title {
        chain.extend(quote!(.title(#title)));
    }
    if let Some(description) = description(&tool.attr.description, method) {
        chain.extend(quote!(.description(#description)));
    }
    let scopes = &tool.attr.scopes.0;
    if !scopes.is_empty() {
        chain.extend(quote!(.scopes([#(#scopes),*])));
    }
    for (annotation, value) in tool.attr.annotations() {
        let method = syn::Ident::new(annotation, Span::call_site());
        chain.extend(quote!(.#method(#value)));
    }
    let params = method.params.iter().map(|p| {
        let param = as_trait(&p.ty, quote!(Param));
        quote!(let #built = #param::describe_tool(#built);)
    });
    let output = as_trait(&method.output, quote!(IntoToolResult));
    quote!({
        let #built = #chain;
        #(#params)*
        ::frontmcp::__private::output_schema(#built, #output::output_schema())
    })
}

fn tool_arm(method: &Method, tool: &Tool, call: &syn::Ident) -> TokenStream {
    let name = &tool.name.value;
    let ident = &method.sig.ident;
    let cfgs = &method.cfgs;
    let (reads, args) = params(method, quote!(#call.ctx), quote!(#call.arguments));
    let output = as_trait(&method.output, quote!(IntoToolResult));
    quote! {
        #(#cfgs)*
        #name => {
            #reads
            ::frontmcp::__private::Ok(#output::into_tool_result(self.#ident(#(#args),*).await))
        }
    }
}

fn resource_descriptor(resource: &Resource) -> TokenStream {
    let name = &resource.name.value;
    let uri = resource
        .uri()
        .expect("checked: a resource has a URI or a template");
    let mut chain = if resource.variables.is_some() {
        quote!(::frontmcp::__private::ResourceDescriptor::template(#name, #uri))
    } else {
        quote!(::frontmcp::__private::ResourceDescriptor::new(#name, #uri))
    };
    let attr = &resource.attr;
    if let Some(title) = &attr.title {
        chain.extend(quote!(.title(#title)));
    }
    if let Some(description) = &attr.description {
        chain.extend(quote!(.description(#description)));
    }
    if let Some(mime_type) = &attr.mime_type {
        chain.extend(quote!(.mime_type(#mime_type)));
    }
    let scopes = &attr.scopes.0;
    if !scopes.is_empty() {
        chain.extend(quote!(.scopes([#(#scopes),*])));
    }
    chain
}

/// A resource's parameters are its template's variables, by name; any other is the context.
fn resource_arm(method: &Method, resource: &Resource, read: &syn::Ident) -> TokenStream {
    let name = &resource.name.value;
    let ident = &method.sig.ident;
    let cfgs = &method.cfgs;
    let mut reads = TokenStream::new();
    let mut args = Vec::new();
    for (i, param) in method.params.iter().enumerate() {
        let arg = format_ident!("__p{}", i, span = Span::mixed_site());
        let ty = &param.ty;
        let variable = param
            .name
            .as_ref()
            .map(ToString::to_string)
            .filter(|n| resource.variables.as_ref().is_some_and(|v| v.contains(n)));
        reads.extend(match variable {
            Some(variable) => quote_spanned! {ty.span()=>
                let #arg = ::frontmcp::__private::variable::<#ty>(&#read, #variable)?;
            },
            None => {
                let context = as_trait(ty, quote!(ContextParam));
                quote!(let #arg = #context::context(#read.ctx);)
            }
        });
        args.push(arg);
    }
    let mime = match &resource.attr.mime_type {
        Some(m) => quote!(::frontmcp::__private::Some(#m)),
        None => quote!(::frontmcp::__private::None),
    };
    let convert = quote_spanned!(method.output.span()=> ::frontmcp::__private::resource_result);
    quote! {
        #(#cfgs)*
        #name => {
            #reads
            #convert(self.#ident(#(#args),*).await, #read.uri, #mime)
        }
    }
}

fn prompt_descriptor(method: &Method, prompt: &Prompt) -> TokenStream {
    let built = local("prompt");
    let name = &prompt.name.value;
    let mut chain = quote!(::frontmcp::__private::PromptDescriptor::new(#name));
    if let Some(title) = &prompt.attr.title {
        chain.extend(quote!(.title(#title)));
    }
    if let Some(description) = description(&prompt.attr.description, method) {
        chain.extend(quote!(.description(#description)));
    }
    let scopes = &prompt.attr.scopes.0;
    if !scopes.is_empty() {
        chain.extend(quote!(.scopes([#(#scopes),*])));
    }
    if method.params.is_empty() {
        return chain;
    }
    let params = method.params.iter().map(|p| {
        let param = as_trait(&p.ty, quote!(Param));
        quote!(let #built = #param::describe_prompt(#built);)
    });
    quote!({
        let #built = #chain;
        #(#params)*
        #built
    })
}

fn prompt_arm(method: &Method, prompt: &Prompt, get: &syn::Ident) -> TokenStream {
    let name = &prompt.name.value;
    let ident = &method.sig.ident;
    let cfgs = &method.cfgs;
    let (reads, args) = params(method, quote!(#get.ctx), quote!(#get.arguments));
    let convert = quote_spanned!(method.output.span()=> ::frontmcp::__private::prompt_result);
    quote! {
        #(#cfgs)*
        #name => {
            #reads
            #convert(self.#ident(#(#args),*).await)
        }
    }
}

fn completer_arm(method: &Method, completer: &Completer, request: &syn::Ident) -> TokenStream {
    let ident = &method.sig.ident;
    let cfgs = &method.cfgs;
    let pattern = match completer
        .target()
        .expect("checked: a completer has one target")
    {
        CompletionTarget::Prompt(name) => {
            quote!(::frontmcp::__private::CompletionTarget::Prompt(#name))
        }
        CompletionTarget::Template(name) => {
            quote!(::frontmcp::__private::CompletionTarget::Template(#name))
        }
    };
    let args = method.params.iter().map(|p| {
        let param = as_trait(&p.ty, quote!(CompletionParam));
        quote!(#param::extract(&#request))
    });
    let convert = quote_spanned!(method.output.span()=> ::frontmcp::__private::completion_result);
    quote! {
        #(#cfgs)*
        #pattern => #convert(self.#ident(#(#args),*).await),
    }
}

/// The description given in the options, else the doc comment.
fn description(given: &Option<LitStr>, method: &Method) -> Option<String> {
    given
        .as_ref()
        .map(LitStr::value)
        .or_else(|| method.docs.clone())
}

/// The `AppAuth` of an app's or an adapter's `auth(...)`.
pub(crate) fn app_auth(auth: &AppAuthAttr) -> TokenStream {
    let mode = match *auth.mode {
        AppMode::Transparent => quote!(::frontmcp::__private::AppAuthMode::Transparent),
        AppMode::Inherit => quote!(::frontmcp::__private::AppAuthMode::Inherit),
    };
    let remote = remote(auth.remote.as_deref());
    quote!(::frontmcp::__private::AppAuth { mode: #mode, remote: #remote })
}

/// The `Option<RemoteProvider>` of a `remote(...)`.
pub(crate) fn remote(remote: Option<&RemoteAttr>) -> TokenStream {
    let Some(r) = remote else {
        return quote!(::frontmcp::__private::None);
    };
    let provider = &r.provider;
    let scopes = r.scopes.0.iter();
    let client_id = opt_cow(r.client_id.as_ref());
    let client_id_env = opt_cow(r.client_id_env.as_ref());
    let client_secret_env = opt_cow(r.client_secret_env.as_ref());
    let authorization_endpoint = opt_cow(r.authorization_endpoint.as_ref());
    let token_endpoint = opt_cow(r.token_endpoint.as_ref());
    quote! {
        ::frontmcp::__private::Some(::frontmcp::__private::RemoteProvider {
            provider: ::frontmcp::__private::Cow::Borrowed(#provider),
            scopes: ::frontmcp::__private::Vec::from([#(::frontmcp::__private::Cow::Borrowed(#scopes)),*]),
            client_id: #client_id,
            client_id_env: #client_id_env,
            client_secret_env: #client_secret_env,
            authorization_endpoint: #authorization_endpoint,
            token_endpoint: #token_endpoint,
        })
    }
}
