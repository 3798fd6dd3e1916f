//! `#[app(...)]` on an impl block: parse, validate, emit `impl App`.

use darling::FromMeta;
use darling::util::SpannedValue;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{ImplItem, Item, LitStr, Meta};

use crate::attrs::{StrList, check_scopes, error_at, error_at_span, finish, opt_cow, parse_args};
use crate::complete::{CompleteArgs, Completer};
use crate::prompt::{Prompt, PromptArgs};
use crate::resource::{Resource, ResourceArgs};
use crate::tool::{Tool, ToolArgs};

#[derive(Debug, FromMeta)]
struct AppArgs {
    name: LitStr,
    #[darling(default)]
    id: Option<LitStr>,
    #[darling(default)]
    description: Option<LitStr>,
    #[darling(default)]
    standalone: Option<SpannedValue<bool>>,
    #[darling(default)]
    exclude_from_parent: Option<SpannedValue<bool>>,
    #[darling(default)]
    auth: Option<AppAuthArgs>,
}

#[derive(Debug, FromMeta)]
pub(crate) struct AppAuthArgs {
    pub(crate) mode: SpannedValue<AppMode>,
    #[darling(default)]
    remote: Option<SpannedValue<RemoteArgs>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
pub(crate) enum AppMode {
    #[darling(rename = "transparent")]
    Transparent,
    #[darling(rename = "inherit")]
    Inherit,
}

#[derive(Debug, FromMeta)]
pub(crate) struct RemoteArgs {
    provider: LitStr,
    #[darling(default)]
    scopes: StrList,
    #[darling(default)]
    client_id: Option<LitStr>,
    #[darling(default)]
    client_id_env: Option<LitStr>,
    #[darling(default)]
    client_secret_env: Option<LitStr>,
    #[darling(default)]
    pub(crate) authorization_endpoint: Option<LitStr>,
    #[darling(default)]
    pub(crate) token_endpoint: Option<LitStr>,
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let args = errors.handle(parse_args::<AppArgs>(args));
    let mut item_impl = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(item)) if item.trait_.is_none() => item,
        Ok(Item::Struct(s)) => {
            errors.push(error_at(
                &s.ident,
                "put `#[app(...)]` on the `impl` block that holds the `#[tool]` methods, not on the struct",
            ));
            return finish(errors, input);
        }
        Ok(other) => {
            errors.push(error_at(
                other,
                "`#[app(...)]` goes on an inherent `impl` block: `impl MyApp { ... }`",
            ));
            return finish(errors, input);
        }
        Err(e) => {
            errors.push(e.into());
            return finish(errors, input);
        }
    };
    if !item_impl.generics.params.is_empty() {
        errors.push(error_at(
            &item_impl.generics,
            "an app cannot be generic: list a concrete type in `apps(...)`",
        ));
    }

    // Collect the tools, resources, prompts and completers, stripping their attributes so the
    // impl block compiles as plain Rust.
    let mut members = Members::default();
    let mut saw_member = false;
    for item in &mut item_impl.items {
        let ImplItem::Fn(method) = item else { continue };
        let mut found = Vec::new();
        method.attrs.retain(|a| match member_kind(a) {
            Some(kind) => {
                found.push((kind, a.clone()));
                false
            }
            None => true,
        });
        let Some((kind, attr)) = found.first() else {
            continue;
        };
        saw_member = true;
        if let Some((_, extra)) = found.get(1) {
            errors.push(error_at(
                extra,
                "a method carries one of `#[tool]`, `#[resource]`, `#[prompt]` and `#[complete]`, once",
            ));
        }
        members.add(*kind, attr, method, &mut errors);
    }
    let Members {
        tools,
        resources,
        prompts,
        completers,
    } = members;
    for completer in &completers {
        let name = completer.target.value();
        let known = if completer.prompt {
            prompts.iter().any(|p| p.name == name)
        } else {
            resources
                .iter()
                .any(|r| r.name == name && r.variables.is_some())
        };
        if !known {
            let what = if completer.prompt {
                "no `#[prompt]` of this app is named"
            } else {
                "no `#[resource(template = ...)]` of this app is named"
            };
            errors.push(error_at(&completer.target, format!("{what} `{name}`")));
        }
    }

    let Some(args) = args else {
        return finish(errors, quote!(#item_impl));
    };
    if !saw_member {
        errors.push(error_at(
            &item_impl.self_ty,
            "an app needs at least one `#[tool]`, `#[resource]` or `#[prompt]` method",
        ));
    }
    let id = app_id(&args, &mut errors);
    let remote_scopes = validate_auth(&args, &mut errors);
    if let Some(scopes) = &remote_scopes {
        let needed = tools
            .iter()
            .flat_map(|t| &t.scopes)
            .chain(resources.iter().flat_map(|r| &r.scopes))
            .chain(prompts.iter().flat_map(|p| &p.scopes));
        {
            for scope in needed {
                if !scopes.contains(&scope.value()) {
                    errors.push(error_at(
                        scope,
                        format!(
                            "scope `{}` is not among the app's remote scopes ({})",
                            scope.value(),
                            scopes.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if let Err(e) = errors.finish() {
        let err = e.write_errors();
        return quote!(#err #item_impl);
    }

    let self_ty = &item_impl.self_ty;
    let name = &args.name;
    let mut descriptor = quote!(::frontmcp::__private::AppDescriptor::new(#id, #name));
    if let Some(description) = &args.description {
        descriptor.extend(quote!(.description(#description)));
    }
    if args.standalone.is_some_and(|s| *s) {
        descriptor.extend(quote!(.standalone(true)));
    }
    if args.exclude_from_parent.is_some_and(|s| *s) {
        descriptor.extend(quote!(.exclude_from_parent(true)));
    }
    let uses_vault = args
        .auth
        .as_ref()
        .is_some_and(|a| *a.mode == AppMode::Transparent);
    if let Some(auth) = &args.auth {
        let auth = auth_tokens(auth);
        descriptor.extend(quote!(.auth(#auth)));
    }
    for tool in &tools {
        let tool = tool.descriptor();
        descriptor.extend(quote!(.tool(#tool)));
    }
    for resource in &resources {
        let resource = resource.descriptor();
        descriptor.extend(quote!(.resource(#resource)));
    }
    for prompt in &prompts {
        let prompt = prompt.descriptor();
        descriptor.extend(quote!(.prompt(#prompt)));
    }
    let arms = tools.iter().map(Tool::dispatch_arm);
    let read_resource = (!resources.is_empty()).then(|| {
        let arms = resources.iter().map(Resource::dispatch_arm);
        quote! {
            fn read_resource<'a>(
                &'a self,
                read: ::frontmcp::__private::ResourceRead<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::ReadResourceResult, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match read.resource {
                        #(#arms)*
                        _ => ::frontmcp::__private::Err(::frontmcp::__private::CallError::UnknownResource(
                            ::frontmcp::__private::String::from(read.uri),
                        )),
                    }
                })
            }
        }
    });
    let get_prompt = (!prompts.is_empty()).then(|| {
        let arms = prompts.iter().map(Prompt::dispatch_arm);
        quote! {
            fn get_prompt<'a>(
                &'a self,
                get: ::frontmcp::__private::PromptGet<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::GetPromptResult, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match get.prompt {
                        #(#arms)*
                        other => ::frontmcp::__private::Err(::frontmcp::__private::CallError::UnknownPrompt(
                            ::frontmcp::__private::String::from(other),
                        )),
                    }
                })
            }
        }
    });
    let complete = (!completers.is_empty()).then(|| {
        let arms = completers.iter().map(Completer::dispatch_arm);
        quote! {
            fn complete<'a>(
                &'a self,
                request: ::frontmcp::__private::CompletionRequest<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::Completion, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match request.target {
                        #(#arms)*
                        _ => ::frontmcp::__private::Ok(::frontmcp::__private::Completion::default()),
                    }
                })
            }
        }
    });

    quote! {
        #item_impl

        impl ::frontmcp::__private::App for #self_ty {
            fn descriptor(&self) -> ::frontmcp::__private::AppDescriptor {
                #descriptor
            }

            fn call_tool<'a>(
                &'a self,
                call: ::frontmcp::__private::ToolCall<'a>,
            ) -> ::frontmcp::__private::BoxFuture<
                'a,
                ::frontmcp::__private::Result<::frontmcp::__private::CallToolResult, ::frontmcp::__private::CallError>,
            > {
                ::frontmcp::__private::Box::pin(async move {
                    match call.tool {
                        #(#arms)*
                        other => ::frontmcp::__private::Err(::frontmcp::__private::CallError::UnknownTool(
                            ::frontmcp::__private::String::from(other),
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

/// Which member attribute `attr` is, however it is imported (`tool`, `frontmcp::tool`).
fn member_kind(attr: &syn::Attribute) -> Option<Kind> {
    let last = attr.path().segments.last()?;
    match last.ident.to_string().as_str() {
        "tool" => Some(Kind::Tool),
        "resource" => Some(Kind::Resource),
        "prompt" => Some(Kind::Prompt),
        "complete" => Some(Kind::Complete),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Tool,
    Resource,
    Prompt,
    Complete,
}

/// What an app serves, as its methods declare it.
#[derive(Default)]
struct Members {
    tools: Vec<Tool>,
    resources: Vec<Resource>,
    prompts: Vec<Prompt>,
    completers: Vec<Completer>,
}

impl Members {
    /// Parses the member `attr` of `method`; a name given twice is an error at the second.
    fn add(
        &mut self,
        kind: Kind,
        attr: &syn::Attribute,
        method: &syn::ImplItemFn,
        errors: &mut darling::error::Accumulator,
    ) {
        let span = syn::spanned::Spanned::span(attr);
        let tokens = match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                errors.push(error_at(
                    nv,
                    "write `#[kind]` or `#[kind(option = ..., ...)]`",
                ));
                return;
            }
        };
        match kind {
            Kind::Tool => {
                let Some(tool) = errors
                    .handle(parse_args::<ToolArgs>(tokens))
                    .and_then(|a| Tool::parse(method, a, errors))
                else {
                    return;
                };
                if self.tools.iter().any(|t| t.name == tool.name) {
                    errors.push(error_at_span(
                        tool.name_span,
                        format!("this app already has a tool named `{}`", tool.name),
                    ));
                    return;
                }
                self.tools.push(tool);
            }
            Kind::Resource => {
                let Some(resource) = errors
                    .handle(parse_args::<ResourceArgs>(tokens))
                    .and_then(|a| Resource::parse(method, a, span, errors))
                else {
                    return;
                };
                if self.resources.iter().any(|r| r.name == resource.name) {
                    errors.push(error_at_span(
                        resource.name_span,
                        format!("this app already has a resource named `{}`", resource.name),
                    ));
                    return;
                }
                if self
                    .resources
                    .iter()
                    .any(|r| r.uri.value() == resource.uri.value())
                {
                    errors.push(error_at(
                        &resource.uri,
                        "this app already has a resource at this URI",
                    ));
                    return;
                }
                self.resources.push(resource);
            }
            Kind::Prompt => {
                let Some(prompt) = errors
                    .handle(parse_args::<PromptArgs>(tokens))
                    .and_then(|a| Prompt::parse(method, a, errors))
                else {
                    return;
                };
                if self.prompts.iter().any(|p| p.name == prompt.name) {
                    errors.push(error_at_span(
                        prompt.name_span,
                        format!("this app already has a prompt named `{}`", prompt.name),
                    ));
                    return;
                }
                self.prompts.push(prompt);
            }
            Kind::Complete => {
                let Some(completer) = errors
                    .handle(parse_args::<CompleteArgs>(tokens))
                    .and_then(|a| Completer::parse(method, a, span, errors))
                else {
                    return;
                };
                if self.completers.iter().any(|c| {
                    c.prompt == completer.prompt && c.target.value() == completer.target.value()
                }) {
                    errors.push(error_at(
                        &completer.target,
                        "another `#[complete]` of this app already completes it",
                    ));
                    return;
                }
                self.completers.push(completer);
            }
        }
    }
}

/// The explicit `id`, or one derived from the name: `"GitHub"` → `github`, `"My CRM"` → `my-crm`.
fn app_id(args: &AppArgs, errors: &mut darling::error::Accumulator) -> String {
    let (id, span) = match &args.id {
        Some(id) => {
            let v = id.value();
            if !frontmcp_rules::is_valid_app_id(&v) {
                errors.push(error_at(id, frontmcp_rules::APP_ID_RULE));
            }
            (v, id.span())
        }
        None => match frontmcp_rules::derive_app_id(&args.name.value()) {
            Some(id) => (id, args.name.span()),
            None => {
                errors.push(error_at(
                    &args.name,
                    "cannot derive an app id from this name: add `id = \"...\"`",
                ));
                return String::new();
            }
        },
    };
    if frontmcp_rules::is_reserved_app_id(&id) {
        errors.push(crate::attrs::error_at_span(
            span,
            format!("the app id `{id}` is the server's own (its sign-in): choose another `id`"),
        ));
    }
    id
}

/// Checks the app's options; returns the remote scopes tools must draw from, if any.
fn validate_auth(args: &AppArgs, errors: &mut darling::error::Accumulator) -> Option<Vec<String>> {
    if let Some(exclude) = &args.exclude_from_parent {
        if **exclude && !args.standalone.is_some_and(|s| *s) {
            errors.push(crate::attrs::error_at_span(
                exclude.span(),
                "an app excluded from the parent is only reachable on its own: add `standalone = true`",
            ));
        }
    }
    validate_app_auth(args.auth.as_ref()?, errors)
}

/// Checks an `auth(...)` of an app or an adapter; returns its remote scopes, if any.
pub(crate) fn validate_app_auth(
    auth: &AppAuthArgs,
    errors: &mut darling::error::Accumulator,
) -> Option<Vec<String>> {
    match (*auth.mode, &auth.remote) {
        (AppMode::Transparent, None) => {
            errors.push(crate::attrs::error_at_span(
                auth.mode.span(),
                "`mode = \"transparent\"` needs `remote(provider = \"https://...\", scopes(...))`",
            ));
            None
        }
        (AppMode::Inherit, Some(remote)) => {
            errors.push(crate::attrs::error_at_span(
                remote.span(),
                "`remote(...)` is only used with `mode = \"transparent\"`",
            ));
            None
        }
        (AppMode::Inherit, None) => None,
        (AppMode::Transparent, Some(remote)) => {
            check_remote(remote, errors);
            Some(remote.scopes.0.iter().map(LitStr::value).collect())
        }
    }
}

/// Checks a `remote(...)`: URLs, environment variable names, one client ID, scope names.
pub(crate) fn check_remote(remote: &RemoteArgs, errors: &mut darling::error::Accumulator) {
    for url in [
        Some(&remote.provider),
        remote.authorization_endpoint.as_ref(),
        remote.token_endpoint.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if !frontmcp_rules::is_acceptable_provider_url(&url.value()) {
            errors.push(error_at(
                url,
                "expected an absolute https:// URL (http:// only for localhost)",
            ));
        }
    }
    for env in [&remote.client_id_env, &remote.client_secret_env]
        .into_iter()
        .flatten()
    {
        if !frontmcp_rules::is_valid_env_var_name(&env.value()) {
            errors.push(error_at(env, frontmcp_rules::ENV_VAR_RULE));
        }
    }
    if let (Some(_), Some(env)) = (&remote.client_id, &remote.client_id_env) {
        errors.push(error_at(
            env,
            "give `client_id` or `client_id_env`, not both",
        ));
    }
    check_scopes(&remote.scopes, errors);
}

pub(crate) fn auth_tokens(auth: &AppAuthArgs) -> TokenStream {
    let mode = match *auth.mode {
        AppMode::Transparent => quote!(::frontmcp::__private::AppAuthMode::Transparent),
        AppMode::Inherit => quote!(::frontmcp::__private::AppAuthMode::Inherit),
    };
    let remote = remote_tokens(auth.remote.as_deref());
    quote!(::frontmcp::__private::AppAuth { mode: #mode, remote: #remote })
}

/// The `Option<RemoteProvider>` of a `remote(...)`.
pub(crate) fn remote_tokens(remote: Option<&RemoteArgs>) -> TokenStream {
    match remote {
        None => quote!(::frontmcp::__private::None),
        Some(r) => {
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
    }
}
