//! `#[front_mcp(...)]` on a struct: parse, validate, emit the server's constructors.

use darling::FromMeta;
use darling::util::{Flag, PathList, SpannedValue};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Item, LitStr};

use crate::app::{AppAuthArgs, AppMode, auth_tokens as app_auth_tokens, validate_app_auth};
use crate::attrs::{StrList, error_at, error_at_span, finish, opt_cow, parse_args};

#[derive(Debug, FromMeta)]
struct ServerArgs {
    info: InfoArgs,
    #[darling(default)]
    apps: PathList,
    #[darling(default)]
    auth: Option<ServerAuthArgs>,
    #[darling(default)]
    http: Option<HttpArgs>,
    #[darling(default)]
    tool_naming: Option<NamingArgs>,
    #[darling(default)]
    adapters: Option<AdaptersArgs>,
}

/// `adapters(openapi(...), openapi(...))`.
#[derive(Debug, Default, FromMeta)]
struct AdaptersArgs {
    #[darling(multiple)]
    openapi: Vec<OpenApiArgs>,
}

#[derive(Debug, FromMeta)]
struct OpenApiArgs {
    spec: LitStr,
    #[darling(default)]
    id: Option<LitStr>,
    #[darling(default)]
    name: Option<LitStr>,
    #[darling(default)]
    description: Option<LitStr>,
    #[darling(default)]
    base_url: Option<LitStr>,
    #[darling(default)]
    allow_private_network: Option<bool>,
    #[darling(default)]
    timeout_secs: Option<SpannedValue<u64>>,
    #[darling(default)]
    auth: Option<AppAuthArgs>,
}

#[derive(Debug, FromMeta)]
struct InfoArgs {
    name: LitStr,
    version: LitStr,
    #[darling(default)]
    title: Option<LitStr>,
    #[darling(default)]
    website_url: Option<LitStr>,
    #[darling(default)]
    instructions: Option<LitStr>,
}

#[derive(Debug, FromMeta)]
struct ServerAuthArgs {
    mode: SpannedValue<ServerMode>,
    #[darling(default, rename = "type")]
    kind: Option<SpannedValue<AuthType>>,
    #[darling(default)]
    consent: Option<SpannedValue<ConsentArgs>>,
    #[darling(default)]
    session_mode: Option<SpannedValue<SessionModeArg>>,
    #[darling(default)]
    token_storage: Option<SpannedValue<StorageArgs>>,
    #[darling(default)]
    remote: Option<SpannedValue<crate::app::RemoteArgs>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
enum ServerMode {
    #[darling(rename = "public")]
    Public,
    #[darling(rename = "orchestrated")]
    Orchestrated,
    #[darling(rename = "transparent")]
    Transparent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
enum AuthType {
    #[darling(rename = "local")]
    Local,
    #[darling(rename = "remote")]
    Remote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
enum SessionModeArg {
    #[darling(rename = "stateful")]
    Stateful,
    #[darling(rename = "stateless")]
    Stateless,
}

#[derive(Debug, FromMeta)]
struct ConsentArgs {
    #[darling(default)]
    enabled: bool,
}

#[derive(Debug, FromMeta)]
struct StorageArgs {
    #[darling(default)]
    memory: Flag,
    #[darling(default)]
    redis: Option<RedisArgs>,
}

#[derive(Debug, FromMeta)]
struct RedisArgs {
    #[darling(default)]
    url: Option<LitStr>,
    #[darling(default)]
    url_env: Option<LitStr>,
    #[darling(default)]
    key_prefix: Option<LitStr>,
}

#[derive(Debug, FromMeta)]
struct HttpArgs {
    #[darling(default)]
    host: Option<LitStr>,
    #[darling(default)]
    port: Option<u16>,
    #[darling(default)]
    allowed_origins: Option<StrList>,
    #[darling(default)]
    max_body_bytes: Option<SpannedValue<usize>>,
    #[darling(default)]
    response_mode: Option<ResponseModeArg>,
    #[darling(default)]
    session_idle_timeout_secs: Option<SpannedValue<u64>>,
    #[darling(default)]
    max_sessions: Option<SpannedValue<usize>>,
    #[darling(default)]
    shutdown_grace_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromMeta)]
enum ResponseModeArg {
    #[darling(rename = "json")]
    Json,
    #[darling(rename = "sse")]
    Sse,
}

#[derive(Debug, FromMeta)]
struct NamingArgs {
    #[darling(default)]
    namespaced: Option<bool>,
    #[darling(default)]
    separator: Option<LitStr>,
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let args = errors.handle(parse_args::<ServerArgs>(args));
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Struct(s)) => s,
        Ok(other) => {
            errors.push(error_at(
                other,
                "`#[front_mcp(...)]` goes on a struct: `struct Server;`",
            ));
            return finish(errors, input);
        }
        Err(e) => {
            errors.push(e.into());
            return finish(errors, input);
        }
    };
    if !item.generics.params.is_empty() {
        errors.push(error_at(
            &item.generics,
            "a server struct cannot be generic",
        ));
    }
    let Some(args) = args else {
        return finish(errors, quote!(#item));
    };

    for lit in [&args.info.name, &args.info.version] {
        if lit.value().trim().is_empty() {
            errors.push(error_at(lit, "must not be empty"));
        }
    }
    if args.apps.is_empty() && args.adapters.as_ref().is_none_or(|a| a.openapi.is_empty()) {
        errors.push(error_at_span(
            proc_macro2::Span::call_site(),
            "`apps(...)` lists at least one app (or `adapters(openapi(...))` at least one spec)",
        ));
    }
    for (i, app) in args.apps.iter().enumerate() {
        if args.apps[..i].iter().any(|earlier| earlier == app) {
            errors.push(error_at(app, "this app is already listed in `apps(...)`"));
        }
    }
    let auth = args.auth.as_ref().map(|a| auth_tokens(a, &mut errors));
    let http = args.http.as_ref().map(|h| http_tokens(h, &mut errors));
    let naming = args
        .tool_naming
        .as_ref()
        .map(|n| naming_tokens(n, &mut errors));
    let orchestrated = args
        .auth
        .as_ref()
        .is_some_and(|a| *a.mode == ServerMode::Orchestrated);
    let adapters: Vec<TokenStream> = args
        .adapters
        .iter()
        .flat_map(|a| &a.openapi)
        .map(|adapter| openapi_tokens(adapter, orchestrated, &mut errors))
        .collect();
    if let Err(e) = errors.finish() {
        let err = e.write_errors();
        return quote!(#err #item);
    }

    let ident = &item.ident;
    let InfoArgs { name, version, .. } = &args.info;
    let mut builder = quote!(::frontmcp::__private::ServerBuilder::new(#name, #version));
    for (method, value) in [
        ("title", &args.info.title),
        ("website_url", &args.info.website_url),
        ("instructions", &args.info.instructions),
    ] {
        if let Some(value) = value {
            let method = syn::Ident::new(method, proc_macro2::Span::call_site());
            builder.extend(quote!(.#method(#value)));
        }
    }
    if let Some((http, addr)) = http {
        builder.extend(quote!(.http(#http)));
        if let Some(addr) = addr {
            builder.extend(quote!(.default_addr(::frontmcp::__private::socket_addr(#addr))));
        }
    }
    if let Some(naming) = naming {
        builder.extend(quote!(.tool_naming(#naming)));
    }
    if let Some(auth) = auth {
        builder.extend(quote!(.auth(#auth)));
    }
    for adapter in adapters {
        builder.extend(quote!(.openapi(#adapter)));
    }
    let apps: Vec<_> = args.apps.iter().collect();
    for app in &apps {
        builder
            .extend(quote_spanned!(app.span()=> .app(::frontmcp::__private::listed_app::<#app>())));
    }
    let stateless = args
        .auth
        .as_ref()
        .and_then(|a| a.session_mode.as_ref())
        .is_some_and(|m| **m == SessionModeArg::Stateless);
    let vault_check = if !orchestrated {
        Some(quote! {
            const _: () = ::frontmcp::__private::assert_no_vault_without_orchestration(&[
                #(<#apps as ::frontmcp::__private::AppStatic>::USES_VAULT),*
            ]);
        })
    } else if stateless {
        Some(quote! {
            const _: () = ::frontmcp::__private::assert_no_vault(&[
                #(<#apps as ::frontmcp::__private::AppStatic>::USES_VAULT),*
            ]);
        })
    } else {
        None
    };

    quote! {
        #item

        impl #ident {
            /// The server as declared by `#[front_mcp]`, ready for more settings or apps.
            pub fn builder() -> ::frontmcp::__private::ServerBuilder {
                #builder
            }

            /// Serves over Streamable HTTP on `addr` until Ctrl-C or SIGTERM.
            pub async fn serve(addr: ::frontmcp::__private::SocketAddr) -> ::frontmcp::__private::Result<()> {
                Self::builder().serve(addr).await
            }

            /// Serves as the environment says (`FRONTMCP_ADDR`, `FRONTMCP_TRANSPORT`, `RUST_LOG`, ...).
            pub async fn serve_from_env() -> ::frontmcp::__private::Result<()> {
                Self::builder().serve_from_env().await
            }

            /// Serves one client over stdin and stdout.
            pub async fn serve_stdio() -> ::frontmcp::__private::Result<()> {
                Self::builder().build_async().await?.serve_stdio().await
            }
        }

        const _: () = ::frontmcp::__private::assert_distinct_app_ids(&[
            #(<#apps as ::frontmcp::__private::AppStatic>::ID),*
        ]);
        #vault_check
    }
}

fn auth_tokens(auth: &ServerAuthArgs, errors: &mut darling::error::Accumulator) -> TokenStream {
    let orchestrated = *auth.mode == ServerMode::Orchestrated;
    if let Some(consent) = &auth.consent {
        if consent.enabled && !orchestrated {
            errors.push(error_at_span(
                consent.span(),
                "the consent screen needs `mode = \"orchestrated\"`",
            ));
        }
    }
    if let Some(kind) = &auth.kind {
        if !orchestrated {
            errors.push(error_at_span(
                kind.span(),
                "`type` only applies to `mode = \"orchestrated\"`",
            ));
        }
    }
    let remote_kind = auth.kind.as_deref() == Some(&AuthType::Remote);
    match &auth.remote {
        None if remote_kind => errors.push(error_at_span(
            auth.kind.as_ref().map_or(auth.mode.span(), SpannedValue::span),
            "`type = \"remote\"` signs users in at an OpenID provider: add `remote(provider = \"https://...\", client_id_env = \"...\")`",
        )),
        Some(remote) if !remote_kind => errors.push(error_at_span(
            remote.span(),
            "`remote(...)` names the OpenID provider of `type = \"remote\"`",
        )),
        Some(remote) => {
            crate::app::check_remote(remote, errors);
            for endpoint in [&remote.authorization_endpoint, &remote.token_endpoint]
                .into_iter()
                .flatten()
            {
                errors.push(error_at(
                    endpoint,
                    "the identity provider's endpoints and keys come from its discovery document: give only `provider`",
                ));
            }
        }
        None => {}
    }
    let remote = crate::app::remote_tokens(auth.remote.as_deref());
    let mode = match *auth.mode {
        ServerMode::Public => quote!(Public),
        ServerMode::Orchestrated => quote!(Orchestrated),
        ServerMode::Transparent => quote!(Transparent),
    };
    let kind = match auth.kind.as_deref() {
        Some(AuthType::Remote) => quote!(Remote),
        _ => quote!(Local),
    };
    let session_mode = match auth.session_mode.as_deref() {
        Some(SessionModeArg::Stateless) => quote!(Stateless),
        _ => quote!(Stateful),
    };
    let enabled = auth.consent.as_ref().is_some_and(|c| c.enabled);
    let storage = match &auth.token_storage {
        None => quote!(::frontmcp::__private::TokenStorage::Auto),
        Some(storage) => storage_tokens(storage, errors),
    };
    quote! {
        ::frontmcp::__private::ServerAuth {
            mode: ::frontmcp::__private::ServerAuthMode::#mode,
            kind: ::frontmcp::__private::ServerAuthType::#kind,
            consent: ::frontmcp::__private::ConsentConfig { enabled: #enabled },
            session_mode: ::frontmcp::__private::SessionMode::#session_mode,
            token_storage: #storage,
            remote: #remote,
        }
    }
}

fn storage_tokens(
    storage: &SpannedValue<StorageArgs>,
    errors: &mut darling::error::Accumulator,
) -> TokenStream {
    match (storage.memory.is_present(), &storage.redis) {
        (true, None) => quote!(::frontmcp::__private::TokenStorage::Memory),
        (false, Some(redis)) => {
            if let (Some(_), Some(env)) = (&redis.url, &redis.url_env) {
                errors.push(error_at(env, "give `url` or `url_env`, not both"));
            }
            if let Some(url) = &redis.url {
                let v = url.value();
                if !(v.starts_with("redis://")
                    || v.starts_with("rediss://")
                    || v.starts_with("redis+unix://"))
                {
                    errors.push(error_at(
                        url,
                        "a Redis URL starts with redis://, rediss:// or redis+unix://",
                    ));
                }
            }
            if let Some(env) = &redis.url_env {
                if !frontmcp_rules::is_valid_env_var_name(&env.value()) {
                    errors.push(error_at(env, frontmcp_rules::ENV_VAR_RULE));
                }
            }
            let url = opt_cow(redis.url.as_ref());
            let url_env = redis.url_env.as_ref().map_or_else(
                || frontmcp_rules::DEFAULT_REDIS_URL_ENV.to_owned(),
                LitStr::value,
            );
            let prefix = redis.key_prefix.as_ref().map_or_else(
                || frontmcp_rules::DEFAULT_KEY_PREFIX.to_owned(),
                LitStr::value,
            );
            quote! {
                ::frontmcp::__private::TokenStorage::Redis {
                    url: #url,
                    url_env: ::frontmcp::__private::Cow::Borrowed(#url_env),
                    key_prefix: ::frontmcp::__private::Cow::Borrowed(#prefix),
                }
            }
        }
        _ => {
            errors.push(error_at_span(
                storage.span(),
                "choose one store: `token_storage(memory)` or `token_storage(redis(...))`",
            ));
            TokenStream::new()
        }
    }
}

/// The `HttpConfig` expression, and the default listen address if `host`/`port` are given.
fn http_tokens(
    http: &HttpArgs,
    errors: &mut darling::error::Accumulator,
) -> (TokenStream, Option<String>) {
    let mut sets = TokenStream::new();
    if let Some(origins) = &http.allowed_origins {
        for origin in &origins.0 {
            if !is_origin(&origin.value()) {
                errors.push(error_at(
                    origin,
                    "an origin is `scheme://host[:port]`, without path or trailing slash",
                ));
            }
        }
        let origins = origins.0.iter();
        sets.extend(quote!(allowed_origins: ::frontmcp::__private::Vec::from([#(::frontmcp::__private::String::from(#origins)),*]),));
    }
    let positive = |value: u64, span, errors: &mut darling::error::Accumulator| {
        if value == 0 {
            errors.push(error_at_span(span, "must be greater than zero"));
        }
    };
    if let Some(max) = &http.max_body_bytes {
        positive(**max as u64, max.span(), errors);
        let max = **max;
        sets.extend(quote!(max_body_bytes: #max,));
    }
    if let Some(mode) = http.response_mode {
        let mode = match mode {
            ResponseModeArg::Json => quote!(Json),
            ResponseModeArg::Sse => quote!(Sse),
        };
        sets.extend(quote!(response_mode: ::frontmcp::__private::ResponseMode::#mode,));
    }
    if let Some(secs) = &http.session_idle_timeout_secs {
        positive(**secs, secs.span(), errors);
        let secs = **secs;
        sets.extend(
            quote!(session_idle_timeout: ::frontmcp::__private::Duration::from_secs(#secs),),
        );
    }
    if let Some(max) = &http.max_sessions {
        positive(**max as u64, max.span(), errors);
        let max = **max;
        sets.extend(quote!(max_sessions: #max,));
    }
    if let Some(secs) = http.shutdown_grace_secs {
        sets.extend(quote!(shutdown_grace: ::frontmcp::__private::Duration::from_secs(#secs),));
    }
    let addr = match (&http.host, http.port) {
        (None, None) => None,
        (host, port) => {
            let ip = match host {
                Some(h) => match h.value().parse::<std::net::IpAddr>() {
                    Ok(ip) => ip,
                    Err(_) => {
                        errors.push(error_at(
                            h,
                            "`host` is an IP address such as \"127.0.0.1\" or \"0.0.0.0\"",
                        ));
                        frontmcp_rules::DEFAULT_HOST.into()
                    }
                },
                None => frontmcp_rules::DEFAULT_HOST.into(),
            };
            Some(
                std::net::SocketAddr::new(ip, port.unwrap_or(frontmcp_rules::DEFAULT_PORT))
                    .to_string(),
            )
        }
    };
    let config = quote! {
        ::frontmcp::__private::HttpConfig {
            #sets
            ..::frontmcp::__private::HttpConfig::default()
        }
    };
    (config, addr)
}

fn naming_tokens(naming: &NamingArgs, errors: &mut darling::error::Accumulator) -> TokenStream {
    let namespaced = naming
        .namespaced
        .unwrap_or(frontmcp_rules::DEFAULT_NAMESPACED);
    let separator = match &naming.separator {
        Some(sep) => {
            let v = sep.value();
            if !frontmcp_rules::is_valid_separator(&v) {
                errors.push(error_at(sep, frontmcp_rules::SEPARATOR_RULE));
            }
            v
        }
        None => frontmcp_rules::DEFAULT_SEPARATOR.to_owned(),
    };
    quote! {
        ::frontmcp::__private::ToolNaming {
            namespaced: #namespaced,
            separator: ::frontmcp::__private::String::from(#separator),
        }
    }
}

fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty() && !rest.contains(['/', '?', '#', ' '])
}

/// One `openapi(...)`: checked, then `OpenApi::new(spec)` with its settings.
fn openapi_tokens(
    args: &OpenApiArgs,
    orchestrated: bool,
    errors: &mut darling::error::Accumulator,
) -> TokenStream {
    let spec = &args.spec;
    let value = spec.value();
    let allow_private = args.allow_private_network.unwrap_or(false);
    if value.trim().is_empty() {
        errors.push(error_at(spec, "give the spec's file path or https:// URL"));
    } else if value.starts_with("http://") && !allow_private {
        errors.push(error_at(
            spec,
            "specs are fetched over https:// (http:// only with `allow_private_network = true`, for local specs)",
        ));
    }
    if let Some(id) = &args.id {
        let id_value = id.value();
        if !frontmcp_rules::is_valid_app_id(&id_value) {
            errors.push(error_at(id, frontmcp_rules::APP_ID_RULE));
        } else if frontmcp_rules::is_reserved_app_id(&id_value) {
            errors.push(error_at(
                id,
                format!(
                    "the app id `{id_value}` is the server's own (its sign-in): choose another"
                ),
            ));
        }
    }
    if let Some(url) = &args.base_url {
        let url_value = url.value();
        let ok = url_value.starts_with("https://")
            || (allow_private && url_value.starts_with("http://"));
        if !ok {
            errors.push(error_at(
                url,
                "expected an https:// URL (http:// only with `allow_private_network = true`)",
            ));
        }
    }
    if let Some(timeout) = &args.timeout_secs {
        if **timeout == 0 {
            errors.push(error_at_span(
                timeout.span(),
                "a timeout of 0 seconds cannot work",
            ));
        }
    }
    if let Some(auth) = &args.auth {
        validate_app_auth(auth, errors);
        if *auth.mode == AppMode::Transparent && !orchestrated {
            errors.push(error_at_span(
                auth.mode.span(),
                "an adapter authorized with its own provider needs the server's `auth(mode = \"orchestrated\")`",
            ));
        }
    }
    let mut tokens = quote!(::frontmcp::__private::OpenApi::new(#spec));
    for (method, value) in [
        ("id", &args.id),
        ("name", &args.name),
        ("description", &args.description),
        ("base_url", &args.base_url),
    ] {
        if let Some(value) = value {
            let method = syn::Ident::new(method, value.span());
            tokens.extend(quote!(.#method(#value)));
        }
    }
    if allow_private {
        tokens.extend(quote!(.allow_private_network(true)));
    }
    if let Some(timeout) = &args.timeout_secs {
        let secs = **timeout;
        tokens.extend(quote!(.timeout(::frontmcp::__private::Duration::from_secs(#secs))));
    }
    if let Some(auth) = &args.auth {
        let auth = app_auth_tokens(auth);
        tokens.extend(quote!(.auth(#auth)));
    }
    tokens
}
