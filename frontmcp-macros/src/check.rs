//! Every rule the macros enforce at compile time, over the [`ast`](crate::ast) model. Each
//! problem goes to the accumulator with a span on the offending token; nothing is emitted here.
//! What only the compiler can know (a parameter's or return type's traits) is left to the
//! `__private` traits the generated code names, whose messages say what to do.

use darling::error::Accumulator;
use frontmcp_rules::uri::{RESOURCE_URI_RULE, UriTemplate, is_valid_resource_uri};
use syn::{FnArg, LitStr, Type};

use crate::ast::{App, CompletionTarget, Member, MemberKind, Method, Resource, Server};
use crate::attr::{
    AppAuthAttr, AppMode, AuthType, HttpAttr, NamingAttr, OpenApiAttr, RemoteAttr, ServerAuthAttr,
    ServerMode, StorageAttr, StrList,
};
use crate::{error_at, error_at_span};

/// Checks an app and each of its members.
pub(crate) fn app(app: &App, errors: &mut Accumulator) {
    if !app.item.generics.params.is_empty() {
        errors.push(error_at(
            &app.item.generics,
            "an app cannot be generic: list a concrete type in `apps(...)`",
        ));
    }
    // A member with a mistake of its own is left out of the checks across members, which would
    // only report a consequence of it.
    let mut valid = Vec::with_capacity(app.members.len());
    for member in &app.members {
        let mut own = Accumulator::default();
        self::member(member, &mut own);
        let own = own.into_inner();
        valid.push(own.is_empty());
        for error in own {
            errors.push(error);
        }
    }
    duplicates(app, &valid, errors);
    if !app.incomplete {
        completion_targets(app, errors);
    }
    let Some(attr) = &app.attr else { return };
    if app.members.is_empty() && !app.incomplete {
        errors.push(error_at(
            app.self_ty(),
            "an app needs at least one `#[tool]`, `#[resource]` or `#[prompt]` method",
        ));
    }
    app_id(attr.id.as_ref(), &attr.name, errors);
    if let Some(exclude) = &attr.exclude_from_parent {
        if **exclude && !attr.standalone.is_some_and(|s| *s) {
            errors.push(error_at_span(
                exclude.span(),
                "an app excluded from the parent is only reachable on its own: add `standalone = true`",
            ));
        }
    }
    let Some(remote_scopes) = attr.auth.as_ref().and_then(|a| app_auth(a, errors)) else {
        return;
    };
    for member in &app.members {
        let scopes = match &member.kind {
            MemberKind::Tool(t) => &t.attr.scopes,
            MemberKind::Resource(r) => &r.attr.scopes,
            MemberKind::Prompt(p) => &p.attr.scopes,
            MemberKind::Completer(_) => continue,
        };
        for scope in &scopes.0 {
            if !remote_scopes.contains(&scope.value()) {
                errors.push(error_at(
                    scope,
                    format!(
                        "scope `{}` is not among the app's remote scopes ({})",
                        scope.value(),
                        remote_scopes.join(", ")
                    ),
                ));
            }
        }
    }
}

/// The given ID, or the one derived from the name: valid, and not the server's own.
fn app_id(id: Option<&LitStr>, name: &LitStr, errors: &mut Accumulator) {
    let (value, span) = match id {
        Some(id) => {
            let value = id.value();
            if !frontmcp_rules::is_valid_app_id(&value) {
                errors.push(error_at(id, frontmcp_rules::APP_ID_RULE));
            }
            (value, id.span())
        }
        None => match frontmcp_rules::derive_app_id(&name.value()) {
            Some(value) => (value, name.span()),
            None => {
                errors.push(error_at(
                    name,
                    "cannot derive an app id from this name: add `id = \"...\"`",
                ));
                return;
            }
        },
    };
    if frontmcp_rules::is_reserved_app_id(&value) {
        errors.push(error_at_span(
            span,
            format!("the app id `{value}` is the server's own (its sign-in): choose another `id`"),
        ));
    }
}

/// Two members of one kind never share a name (nor two resources a URI), unless a `#[cfg]`
/// may keep them apart.
fn duplicates(app: &App, valid: &[bool], errors: &mut Accumulator) {
    for (i, member) in app.members.iter().enumerate() {
        if !valid[i] {
            continue;
        }
        let earlier = || {
            app.members[..i]
                .iter()
                .zip(valid)
                .filter(|(m, valid)| {
                    **valid && !m.method.is_conditional() && !member.method.is_conditional()
                })
                .map(|(m, _)| m)
        };
        match &member.kind {
            MemberKind::Tool(tool) => {
                if earlier().any(|m| matches!(&m.kind, MemberKind::Tool(t) if t.name.value == tool.name.value)) {
                    errors.push(error_at_span(
                        tool.name.span,
                        format!("this app already has a tool named `{}`", tool.name.value),
                    ));
                }
            }
            MemberKind::Resource(resource) => {
                if earlier().any(|m| matches!(&m.kind, MemberKind::Resource(r) if r.name.value == resource.name.value)) {
                    errors.push(error_at_span(
                        resource.name.span,
                        format!("this app already has a resource named `{}`", resource.name.value),
                    ));
                } else if let Some(uri) = resource.uri() {
                    if earlier().any(|m| matches!(&m.kind, MemberKind::Resource(r) if r.uri().is_some_and(|u| u.value() == uri.value()))) {
                        errors.push(error_at(uri, "this app already has a resource at this URI"));
                    }
                }
            }
            MemberKind::Prompt(prompt) => {
                if earlier().any(|m| matches!(&m.kind, MemberKind::Prompt(p) if p.name.value == prompt.name.value)) {
                    errors.push(error_at_span(
                        prompt.name.span,
                        format!("this app already has a prompt named `{}`", prompt.name.value),
                    ));
                }
            }
            MemberKind::Completer(completer) => {
                let Some(target) = completer.target() else {
                    continue;
                };
                let same = |m: &Member| match (&m.kind, &target) {
                    (MemberKind::Completer(c), target) => match (c.target(), target) {
                        (Some(CompletionTarget::Prompt(a)), CompletionTarget::Prompt(b))
                        | (Some(CompletionTarget::Template(a)), CompletionTarget::Template(b)) => {
                            a.value() == b.value()
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if earlier().any(same) {
                    let (CompletionTarget::Prompt(lit) | CompletionTarget::Template(lit)) = target;
                    errors.push(error_at(
                        lit,
                        "another `#[complete]` of this app already completes it",
                    ));
                }
            }
        }
    }
}

/// A completer names a prompt, or a resource template, of its own app.
fn completion_targets(app: &App, errors: &mut Accumulator) {
    for (_, completer) in app.completers() {
        let (name, known, what) = match completer.target() {
            Some(CompletionTarget::Prompt(name)) => (
                name,
                app.prompts().any(|(_, p)| p.name.value == name.value()),
                "no `#[prompt]` of this app is named",
            ),
            Some(CompletionTarget::Template(name)) => (
                name,
                app.resources()
                    .any(|(_, r)| r.name.value == name.value() && r.attr.template.is_some()),
                "no `#[resource(template = ...)]` of this app is named",
            ),
            None => continue,
        };
        if !known {
            errors.push(error_at(name, format!("{what} `{}`", name.value())));
        }
    }
}

fn member(member: &Member, errors: &mut Accumulator) {
    let what = member.what();
    if let Some(extra) = &member.extra_attr {
        errors.push(error_at(
            extra,
            "a method carries one of `#[tool]`, `#[resource]`, `#[prompt]` and `#[complete]`, once",
        ));
    }
    signature(&member.method, what, errors);
    match &member.kind {
        MemberKind::Tool(tool) => {
            name(&tool.name, "tool", errors);
            scopes(&tool.attr.scopes, errors);
            context_and_input(&member.method, what, errors);
        }
        MemberKind::Prompt(prompt) => {
            name(&prompt.name, "prompt", errors);
            scopes(&prompt.attr.scopes, errors);
            context_and_input(&member.method, what, errors);
        }
        MemberKind::Resource(resource) => {
            self::resource(resource, member, errors);
        }
        MemberKind::Completer(completer) => {
            if let (Some(_), Some(resource)) = (&completer.attr.prompt, &completer.attr.resource) {
                errors.push(error_at(
                    resource,
                    "a completer completes one prompt or one resource template, not both",
                ));
            } else if completer.target().is_none() {
                errors.push(error_at_span(
                    member.attr_span,
                    "say what this completes: `#[complete(prompt = \"name\")]` or `#[complete(resource = \"name\")]` (names in this app)",
                ));
            }
        }
    }
}

/// `async`, not generic, `&self` first.
fn signature(method: &Method, what: &str, errors: &mut Accumulator) {
    let sig = &method.sig;
    if sig.asyncness.is_none() {
        errors.push(error_at_span(
            sig.fn_token.span,
            format!("{what} must be an `async fn`"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(error_at(
            &sig.generics,
            format!("{what} cannot be generic: its parameter and return types must be known"),
        ));
    }
    for param in &method.params {
        if let Type::ImplTrait(ty) = &param.ty {
            errors.push(error_at(
                ty,
                format!("{what} cannot be generic: name the parameter's type"),
            ));
        }
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(error_at(variadic, format!("{what} cannot be variadic")));
    }
    match sig.inputs.first() {
        Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
        Some(FnArg::Receiver(r)) => errors.push(error_at(
            r,
            format!("{what} takes `&self`: apps are shared by concurrent requests"),
        )),
        Some(other) => errors.push(error_at(
            other,
            format!("{what}'s first parameter must be `&self`"),
        )),
        None => errors.push(error_at_span(
            sig.ident.span(),
            format!("{what}'s first parameter must be `&self`"),
        )),
    }
}

/// A tool or prompt takes at most the context and one input; which is which, the compiler tells
/// from their types.
fn context_and_input(method: &Method, what: &str, errors: &mut Accumulator) {
    for param in &method.params {
        // Only the context is taken by reference, and these are never the context: their
        // errors from the compiler ("not general enough") would not say so.
        if let Type::Reference(r) = &param.ty {
            if r.mutability.is_some()
                || matches!(&*r.elem, Type::Slice(_))
                || matches!(&*r.elem, Type::Path(p) if p.path.is_ident("str"))
            {
                errors.push(error_at(
                    r,
                    format!(
                        "{what} takes only the context by reference (`&ToolContext`): take the input by value (`input: MyInput`)"
                    ),
                ));
            }
        }
    }
    for param in method.params.iter().skip(2) {
        errors.push(error_at(
            &param.ty,
            format!(
                "{what} takes at most the context and one input: put every argument in one struct deriving `Deserialize` and `JsonSchema`"
            ),
        ));
    }
}

fn name(name: &crate::ast::Name, what: &str, errors: &mut Accumulator) {
    if !frontmcp_rules::is_valid_tool_name(&name.value) {
        errors.push(error_at_span(
            name.span,
            frontmcp_rules::TOOL_NAME_RULE.replace("tool", what),
        ));
    }
}

/// Each scope is one OAuth scope ([`frontmcp_rules::is_valid_scope`]).
fn scopes(scopes: &StrList, errors: &mut Accumulator) {
    for scope in &scopes.0 {
        if !frontmcp_rules::is_valid_scope(&scope.value()) {
            errors.push(error_at(scope, frontmcp_rules::SCOPE_RULE));
        }
    }
}

fn resource(resource: &Resource, member: &Member, errors: &mut Accumulator) {
    let attr = &resource.attr;
    match (&attr.uri, &attr.template) {
        (Some(uri), None) => {
            if !is_valid_resource_uri(&uri.value()) {
                errors.push(error_at(uri, RESOURCE_URI_RULE));
            } else if UriTemplate::parse(&uri.value()).is_ok() {
                errors.push(error_at(
                    uri,
                    "this URI has `{variables}`: write `template = \"...\"` for a family of resources",
                ));
            }
        }
        (None, Some(template)) => {
            if let Err(e) = UriTemplate::parse(&template.value()) {
                errors.push(error_at(template, e));
            }
        }
        (Some(_), Some(template)) => errors.push(error_at(
            template,
            "give `uri = \"...\"` (one resource) or `template = \"...\"` (a family), not both",
        )),
        (None, None) => errors.push(error_at_span(
            member.attr_span,
            "a resource needs `uri = \"scheme://...\"` or `template = \"scheme://.../{id}\"`",
        )),
    }
    if resource.name.value.is_empty() {
        errors.push(error_at_span(
            resource.name.span,
            "a resource's name is not empty",
        ));
    }
    for param in &member.method.params {
        if param.name.is_none() {
            errors.push(error_at(
                &param.ty,
                "name the parameter: after a variable of the template, or `ctx` for the context",
            ));
        }
    }
    scopes(&attr.scopes, errors);
}

/// Checks an `auth(...)` of an app or an adapter; returns its remote scopes, if any.
fn app_auth(auth: &AppAuthAttr, errors: &mut Accumulator) -> Option<Vec<String>> {
    match (*auth.mode, &auth.remote) {
        (AppMode::Transparent, None) => {
            errors.push(error_at_span(
                auth.mode.span(),
                "`mode = \"transparent\"` needs `remote(provider = \"https://...\", scopes(...))`",
            ));
            None
        }
        (AppMode::Inherit, Some(remote)) => {
            errors.push(error_at_span(
                remote.span(),
                "`remote(...)` is only used with `mode = \"transparent\"`",
            ));
            None
        }
        (AppMode::Inherit, None) => None,
        (AppMode::Transparent, Some(remote)) => {
            self::remote(remote, errors);
            Some(remote.scopes.0.iter().map(LitStr::value).collect())
        }
    }
}

/// Checks a `remote(...)`: URLs, environment variable names, one client ID, scope names.
fn remote(remote: &RemoteAttr, errors: &mut Accumulator) {
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
        env_var(env, errors);
    }
    if let (Some(_), Some(env)) = (&remote.client_id, &remote.client_id_env) {
        errors.push(error_at(
            env,
            "give `client_id` or `client_id_env`, not both",
        ));
    }
    scopes(&remote.scopes, errors);
}

fn env_var(name: &LitStr, errors: &mut Accumulator) {
    if !frontmcp_rules::is_valid_env_var_name(&name.value()) {
        errors.push(error_at(name, frontmcp_rules::ENV_VAR_RULE));
    }
}

/// Checks a server's options.
pub(crate) fn server(server: &Server, errors: &mut Accumulator) {
    if !server.item.generics.params.is_empty() {
        errors.push(error_at(
            &server.item.generics,
            "a server struct cannot be generic",
        ));
    }
    let Some(attr) = &server.attr else { return };
    for lit in [&attr.info.name, &attr.info.version] {
        if lit.value().trim().is_empty() {
            errors.push(error_at(lit, "must not be empty"));
        }
    }
    if attr.apps.is_empty() && attr.openapi().is_empty() {
        errors.push(error_at_span(
            proc_macro2::Span::call_site(),
            "`apps(...)` lists at least one app (or `adapters(openapi(...))` at least one spec)",
        ));
    }
    for (i, app) in attr.apps.iter().enumerate() {
        if attr.apps[..i].contains(app) {
            errors.push(error_at(app, "this app is already listed in `apps(...)`"));
        }
    }
    if let Some(auth) = &attr.auth {
        server_auth(auth, errors);
    }
    if let Some(http) = &attr.http {
        self::http(http, errors);
    }
    if let Some(naming) = &attr.tool_naming {
        self::naming(naming, errors);
    }
    for adapter in attr.openapi() {
        openapi(adapter, attr.orchestrated(), errors);
    }
}

fn server_auth(auth: &ServerAuthAttr, errors: &mut Accumulator) {
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
            auth.kind.as_ref().map_or(auth.mode.span(), |k| k.span()),
            "`type = \"remote\"` signs users in at an OpenID provider: add `remote(provider = \"https://...\", client_id_env = \"...\")`",
        )),
        Some(remote) if !remote_kind => errors.push(error_at_span(
            remote.span(),
            "`remote(...)` names the OpenID provider of `type = \"remote\"`",
        )),
        Some(remote) => {
            self::remote(remote, errors);
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
    if let Some(storage) = &auth.token_storage {
        self::storage(storage, storage.span(), errors);
    }
}

fn storage(storage: &StorageAttr, span: proc_macro2::Span, errors: &mut Accumulator) {
    match (storage.memory.is_present(), &storage.redis) {
        (true, None) => {}
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
                env_var(env, errors);
            }
        }
        _ => errors.push(error_at_span(
            span,
            "choose one store: `token_storage(memory)` or `token_storage(redis(...))`",
        )),
    }
}

fn http(http: &HttpAttr, errors: &mut Accumulator) {
    for origin in http.allowed_origins.iter().flat_map(|o| &o.0) {
        if !is_origin(&origin.value()) {
            errors.push(error_at(
                origin,
                "an origin is `scheme://host[:port]`, without path or trailing slash",
            ));
        }
    }
    let positive = [
        http.max_body_bytes.as_ref().map(|v| (**v as u64, v.span())),
        http.session_idle_timeout_secs
            .as_ref()
            .map(|v| (**v, v.span())),
        http.max_sessions.as_ref().map(|v| (**v as u64, v.span())),
    ];
    for (value, span) in positive.into_iter().flatten() {
        if value == 0 {
            errors.push(error_at_span(span, "must be greater than zero"));
        }
    }
    if let Some(host) = &http.host {
        if host.value().parse::<std::net::IpAddr>().is_err() {
            errors.push(error_at(
                host,
                "`host` is an IP address such as \"127.0.0.1\" or \"0.0.0.0\"",
            ));
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

fn naming(naming: &NamingAttr, errors: &mut Accumulator) {
    if let Some(sep) = &naming.separator {
        if !frontmcp_rules::is_valid_separator(&sep.value()) {
            errors.push(error_at(sep, frontmcp_rules::SEPARATOR_RULE));
        }
    }
}

fn openapi(adapter: &OpenApiAttr, orchestrated: bool, errors: &mut Accumulator) {
    let spec = &adapter.spec;
    let value = spec.value();
    let allow_private = adapter.allow_private_network;
    if value.trim().is_empty() {
        errors.push(error_at(spec, "give the spec's file path or https:// URL"));
    } else if value.starts_with("http://") && !allow_private {
        errors.push(error_at(
            spec,
            "specs are fetched over https:// (http:// only with `allow_private_network = true`, for local specs)",
        ));
    }
    if let Some(id) = &adapter.id {
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
    if let Some(url) = &adapter.base_url {
        let url_value = url.value();
        if !(url_value.starts_with("https://")
            || (allow_private && url_value.starts_with("http://")))
        {
            errors.push(error_at(
                url,
                "expected an https:// URL (http:// only with `allow_private_network = true`)",
            ));
        }
    }
    if let Some(timeout) = &adapter.timeout_secs {
        if **timeout == 0 {
            errors.push(error_at_span(
                timeout.span(),
                "a timeout of 0 seconds cannot work",
            ));
        }
    }
    if let Some(auth) = &adapter.auth {
        app_auth(auth, errors);
        if *auth.mode == AppMode::Transparent && !orchestrated {
            errors.push(error_at_span(
                auth.mode.span(),
                "an adapter authorized with its own provider needs the server's `auth(mode = \"orchestrated\")`",
            ));
        }
    }
}
