//! The constructors of a checked `#[front_mcp]` server, and the placeholder emitted beside errors.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::LitStr;
use syn::spanned::Spanned;

use super::app::{app_auth, remote};
use super::opt_cow;
use crate::ast::Server;
use crate::attr::{
    AuthType, HttpAttr, NamingAttr, OpenApiAttr, ResponseModeAttr, ServerAuthAttr, ServerMode,
    SessionModeAttr, StorageAttr,
};

pub(crate) fn server(server: &Server) -> TokenStream {
    let attr = server.attr.as_ref().expect("checked: the options parsed");
    let item = &server.item;
    let ident = &item.ident;
    let info = &attr.info;
    let (name, version) = (&info.name, &info.version);
    let mut builder = quote!(::frontmcp::__private::ServerBuilder::new(#name, #version));
    for (method, value) in [
        ("title", &info.title),
        ("website_url", &info.website_url),
        ("instructions", &info.instructions),
    ] {
        if let Some(value) = value {
            let method = syn::Ident::new(method, Span::call_site());
            builder.extend(quote!(.#method(#value)));
        }
    }
    if let Some(http_attr) = &attr.http {
        let config = http(http_attr);
        builder.extend(quote!(.http(#config)));
        if let Some(addr) = listen_addr(http_attr) {
            builder.extend(quote!(.default_addr(::frontmcp::__private::socket_addr(#addr))));
        }
    }
    if let Some(naming) = &attr.tool_naming {
        let naming = self::naming(naming);
        builder.extend(quote!(.tool_naming(#naming)));
    }
    if let Some(auth) = &attr.auth {
        let auth = server_auth(auth);
        builder.extend(quote!(.auth(#auth)));
    }
    for adapter in attr.openapi() {
        let adapter = openapi(adapter);
        builder.extend(quote!(.openapi(#adapter)));
    }
    let apps: Vec<_> = attr.apps.iter().collect();
    for app in &apps {
        builder
            .extend(quote_spanned!(app.span()=> .app(::frontmcp::__private::listed_app::<#app>())));
    }
    let vault_check = if !attr.orchestrated() {
        Some(quote! {
            const _: () = ::frontmcp::__private::assert_no_vault_without_orchestration(&[
                #(<#apps as ::frontmcp::__private::AppStatic>::USES_VAULT),*
            ]);
        })
    } else if attr.stateless() {
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

/// The constructors, for a server whose `#[front_mcp]` has errors: calls to them add no errors
/// of their own.
pub(crate) fn placeholder(ident: &syn::Ident) -> TokenStream {
    quote! {
        impl #ident {
            #[allow(missing_docs)]
            pub fn builder() -> ::frontmcp::__private::ServerBuilder {
                ::frontmcp::__private::placeholder()
            }

            #[allow(missing_docs)]
            pub async fn serve(_: ::frontmcp::__private::SocketAddr) -> ::frontmcp::__private::Result<()> {
                ::frontmcp::__private::placeholder()
            }

            #[allow(missing_docs)]
            pub async fn serve_from_env() -> ::frontmcp::__private::Result<()> {
                ::frontmcp::__private::placeholder()
            }

            #[allow(missing_docs)]
            pub async fn serve_stdio() -> ::frontmcp::__private::Result<()> {
                ::frontmcp::__private::placeholder()
            }
        }
    }
}

fn server_auth(auth: &ServerAuthAttr) -> TokenStream {
    let remote = remote(auth.remote.as_deref());
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
        Some(SessionModeAttr::Stateless) => quote!(Stateless),
        _ => quote!(Stateful),
    };
    let enabled = auth.consent.as_ref().is_some_and(|c| c.enabled);
    let storage = match &auth.token_storage {
        None => quote!(::frontmcp::__private::TokenStorage::Auto),
        Some(storage) => self::storage(storage),
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

fn storage(storage: &StorageAttr) -> TokenStream {
    let Some(redis) = &storage.redis else {
        return quote!(::frontmcp::__private::TokenStorage::Memory);
    };
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

/// The `HttpConfig` expression.
fn http(http: &HttpAttr) -> TokenStream {
    let mut sets = TokenStream::new();
    if let Some(origins) = &http.allowed_origins {
        let origins = origins.0.iter();
        sets.extend(quote!(allowed_origins: ::frontmcp::__private::Vec::from([#(::frontmcp::__private::String::from(#origins)),*]),));
    }
    if let Some(max) = &http.max_body_bytes {
        let max = **max;
        sets.extend(quote!(max_body_bytes: #max,));
    }
    if let Some(mode) = http.response_mode {
        let mode = match mode {
            ResponseModeAttr::Json => quote!(Json),
            ResponseModeAttr::Sse => quote!(Sse),
        };
        sets.extend(quote!(response_mode: ::frontmcp::__private::ResponseMode::#mode,));
    }
    if let Some(secs) = &http.session_idle_timeout_secs {
        let secs = **secs;
        sets.extend(
            quote!(session_idle_timeout: ::frontmcp::__private::Duration::from_secs(#secs),),
        );
    }
    if let Some(max) = &http.max_sessions {
        let max = **max;
        sets.extend(quote!(max_sessions: #max,));
    }
    if let Some(secs) = http.shutdown_grace_secs {
        sets.extend(quote!(shutdown_grace: ::frontmcp::__private::Duration::from_secs(#secs),));
    }
    quote! {
        ::frontmcp::__private::HttpConfig {
            #sets
            ..::frontmcp::__private::HttpConfig::default()
        }
    }
}

/// The default listen address, when `host` or `port` is given.
fn listen_addr(http: &HttpAttr) -> Option<String> {
    if http.host.is_none() && http.port.is_none() {
        return None;
    }
    let ip = http
        .host
        .as_ref()
        .and_then(|h| h.value().parse::<std::net::IpAddr>().ok())
        .unwrap_or(frontmcp_rules::DEFAULT_HOST.into());
    let port = http.port.unwrap_or(frontmcp_rules::DEFAULT_PORT);
    Some(std::net::SocketAddr::new(ip, port).to_string())
}

fn naming(naming: &NamingAttr) -> TokenStream {
    let namespaced = naming
        .namespaced
        .unwrap_or(frontmcp_rules::DEFAULT_NAMESPACED);
    let separator = naming.separator.as_ref().map_or_else(
        || frontmcp_rules::DEFAULT_SEPARATOR.to_owned(),
        LitStr::value,
    );
    quote! {
        ::frontmcp::__private::ToolNaming {
            namespaced: #namespaced,
            separator: ::frontmcp::__private::String::from(#separator),
        }
    }
}

/// `OpenApi::new(spec)` with its settings.
fn openapi(adapter: &OpenApiAttr) -> TokenStream {
    let spec = &adapter.spec;
    let mut tokens = quote!(::frontmcp::__private::OpenApi::new(#spec));
    for (method, value) in [
        ("id", &adapter.id),
        ("name", &adapter.name),
        ("description", &adapter.description),
        ("base_url", &adapter.base_url),
    ] {
        if let Some(value) = value {
            let method = syn::Ident::new(method, value.span());
            tokens.extend(quote!(.#method(#value)));
        }
    }
    if adapter.allow_private_network {
        tokens.extend(quote!(.allow_private_network(true)));
    }
    if let Some(timeout) = &adapter.timeout_secs {
        let secs = **timeout;
        tokens.extend(quote!(.timeout(::frontmcp::__private::Duration::from_secs(#secs))));
    }
    if let Some(auth) = &adapter.auth {
        let auth = app_auth(auth);
        tokens.extend(quote!(.auth(#auth)));
    }
    tokens
}
