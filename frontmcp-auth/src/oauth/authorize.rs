//! `GET /oauth/authorize` → login form → consent screen → redirect with a code; and the forms
//! every flow shares (login, consent).

use std::collections::BTreeMap;

use bytes::Bytes;
use http::header;
use http::{Request, Response, StatusCode};

use super::clients::{ClientError, redirect_matches};
use super::login::LoginAttempt;
use super::metadata_document::client_host;
use super::records::{ClientRecord, CodeRecord, Flow, PendingRecord};
use super::{AuthServer, MAX_BODY_BYTES, respond};
use crate::consent::{AppStatus, ConsentAction, ConsentGroupBy, ConsentSelection, ConsentState};
use crate::random;
use crate::session::SessionRecord;
use crate::store::{Namespace, StoreError, StoreExt};
use crate::tokens::now_secs;
use crate::ui::{AppRequest, ConsentAppCard, ConsentPage, DonePage, ErrorPage, LoginPage};

/// Parameters in a query string or form; a repeated single-valued parameter is an error
/// (RFC 6749 section 3.1), multi-valued ones (`tool`) are kept in order.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(input: &[u8]) -> Self {
        Self(form_urlencoded::parse(input).into_owned().collect())
    }

    /// The single value of `name`; `Err` when it is repeated.
    pub(crate) fn one(&self, name: &str) -> Result<Option<&str>, String> {
        let mut values = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(format!("`{name}` is repeated"));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    pub(crate) fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `prompt` (a space-separated list) asks for the consent screen.
    pub(crate) fn prompts_consent(&self) -> bool {
        self.one("prompt")
            .ok()
            .flatten()
            .is_some_and(|p| p.split(' ').any(|v| v == "consent"))
    }
}

/// A login or consent form whose CSRF token checked out, with what it belongs to.
pub(crate) struct VerifiedForm {
    pub(crate) pending_id: String,
    pub(crate) pending: PendingRecord,
    pub(crate) form: Params,
    pub(crate) csrf: String,
}

impl AuthServer {
    /// A page for a failure that must not be redirected to the client.
    pub(crate) fn error_page(
        &self,
        status: StatusCode,
        title: &str,
        message: &str,
    ) -> Response<Bytes> {
        tracing::warn!(title, message, "authorization request refused");
        respond::html(
            status,
            self.inner.ui.error(&ErrorPage {
                title: title.into(),
                message: message.into(),
            }),
        )
    }

    /// The page for a store that does not answer.
    pub(crate) fn unavailable(&self, e: &dyn std::fmt::Display) -> Response<Bytes> {
        tracing::error!(error = %e, "store unavailable during authorization");
        self.error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "Please try again in a moment.",
        )
    }

    /// A page ending a flow in the browser.
    pub(crate) fn done_page(
        &self,
        title: String,
        message: String,
        next: Option<String>,
    ) -> Response<Bytes> {
        respond::html(
            StatusCode::OK,
            self.inner.ui.done(&DonePage {
                server_name: self.inner.config.server_name.clone(),
                title,
                message,
                next,
            }),
        )
    }
}

/// The scope that asks for a refresh token.
pub(crate) const OFFLINE_ACCESS: &str = "offline_access";

/// The redirect URI with `params` appended to its query.
fn with_params(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(redirect_uri).expect("registered redirect URIs are absolute");
    url.query_pairs_mut().extend_pairs(params);
    url.into()
}

impl AuthServer {
    /// `GET /oauth/authorize`, or `GET /{app}/oauth/authorize` for the standalone app `standalone`:
    /// an authorization ticket opens an app's flow, anything else is a client's request.
    pub(crate) async fn authorize(
        &self,
        req: Request<Bytes>,
        standalone: Option<String>,
    ) -> Response<Bytes> {
        let params = Params::parse(req.uri().query().unwrap_or("").as_bytes());
        match params.one("ticket") {
            Ok(Some(ticket)) => {
                return self
                    .open_app_flow(req.headers(), &params, ticket, standalone.as_deref())
                    .await;
            }
            Err(_) => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Invalid request",
                    "The link carries its ticket twice.",
                );
            }
            Ok(None) => {}
        }
        if standalone.is_none() && !matches!(params.one("app"), Ok(None)) {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Incomplete link",
                "An app is authorized for your session from the link its tool gave you, which carries a ticket. Call the tool again to get one.",
            );
        }
        let ip = self.client_ip(req.extensions(), req.headers());
        self.client_request(&params, standalone.as_deref(), ip)
            .await
    }

    /// A client's authorization request: checks it, then shows the login form.
    async fn client_request(
        &self,
        params: &Params,
        standalone: Option<&str>,
        ip: Option<std::net::IpAddr>,
    ) -> Response<Bytes> {
        let client_id = match params.one("client_id") {
            Ok(Some(id)) => id,
            _ => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Invalid request",
                    "The request names no client (client_id).",
                );
            }
        };
        let client: ClientRecord = match self.client(client_id, ip).await {
            Ok(client) => client,
            Err(ClientError::Unknown) => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Unknown client",
                    "This application is not registered with the server.",
                );
            }
            Err(ClientError::Document(e)) => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Unknown client",
                    &format!("This application cannot be identified: {e}."),
                );
            }
            Err(ClientError::Store(e)) => return self.unavailable(&e),
        };
        let redirect_uri = match params.one("redirect_uri") {
            Ok(Some(uri))
                if client
                    .redirect_uris
                    .iter()
                    .any(|r| redirect_matches(r, uri)) =>
            {
                uri.to_owned()
            }
            Ok(None) if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
            _ => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Invalid redirect",
                    "The redirect_uri does not match one registered by this application (exactly, or but for the port of a loopback URI).",
                );
            }
        };
        // From here on, errors go back to the client, which can show them.
        let state = params.one("state").ok().flatten().map(str::to_owned);
        let fail = |error: &str, description: &str| {
            tracing::warn!(error, description, "authorization request refused");
            let mut pairs = vec![
                ("error", error),
                ("error_description", description),
                ("iss", self.inner.config.issuer.as_str()),
            ];
            if let Some(state) = &state {
                pairs.push(("state", state));
            }
            respond::redirect(&with_params(&redirect_uri, &pairs))
        };
        let single = |name: &str| params.one(name);
        let (Ok(response_type), Ok(challenge), Ok(method), Ok(scope), Ok(resource), Ok(_)) = (
            single("response_type"),
            single("code_challenge"),
            single("code_challenge_method"),
            single("scope"),
            single("resource"),
            single("prompt"),
        ) else {
            return fail("invalid_request", "a parameter is repeated");
        };
        if response_type != Some("code") {
            return fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            );
        }
        let Some(challenge) = challenge else {
            return fail(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            );
        };
        if method != Some("S256") {
            return fail(
                "invalid_request",
                "only code_challenge_method=S256 is supported",
            );
        }
        if challenge.len() != 43
            || !challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return fail(
                "invalid_request",
                "code_challenge must be a base64url SHA-256 digest (43 characters)",
            );
        }
        // `offline_access` asks for a refresh token (MCP 2026-07-28 lets clients send it when the
        // metadata lists it): one is always issued, and it is no scope of the resource.
        let scopes: Vec<String> = match scope {
            None => self.inner.config.scopes.clone(),
            Some(scope) => scope
                .split(' ')
                .filter(|s| !s.is_empty() && *s != OFFLINE_ACCESS)
                .map(str::to_owned)
                .collect(),
        };
        if let Some(unknown) = scopes
            .iter()
            .find(|s| !self.inner.config.scopes.contains(s))
        {
            return fail("invalid_scope", &format!("unknown scope `{unknown}`"));
        }
        let expected_resource = self.inner.config.resource();
        if resource.is_some_and(|r| r.trim_end_matches('/') != expected_resource) {
            return fail(
                "invalid_target",
                "the resource is not this server's MCP endpoint",
            );
        }
        // The server's consent screen offers the apps not left out of it; an app's own entry
        // point offers that app alone.
        let apps = self
            .inner
            .config
            .apps
            .iter()
            .filter(|a| standalone.map_or(a.in_parent, |id| a.id == id))
            .map(|a| {
                let status = if a.needs_upstream() {
                    AppStatus::Pending
                } else {
                    AppStatus::Authorized
                };
                (a.id.clone(), status)
            })
            .collect();
        let csrf = random::token();
        let pending = PendingRecord {
            flow: Flow::Client {
                client_id: client.client_id.clone(),
                redirect_uri,
                state: state.clone(),
                code_challenge: challenge.to_owned(),
                scopes,
                resource: expected_resource,
                force_consent: params.prompts_consent(),
            },
            session_id: format!("sess_{}", random::id()),
            client_name: client_name(&client),
            csrf_hash: random::digest(csrf.as_bytes()),
            user: None,
            apps,
            selected: None,
            client_host: client_host(&client.client_id),
        };
        self.sign_in_page(&pending, &csrf).await
    }

    /// Starts the flow `pending` (whose CSRF token is `csrf`): stores it under a new ID and asks
    /// the user to sign in, with the flow's CSRF cookie.
    pub(crate) async fn sign_in_page(
        &self,
        pending: &PendingRecord,
        csrf: &str,
    ) -> Response<Bytes> {
        let pending_id = random::token();
        if let Err(e) = self.save_pending(&pending_id, pending).await {
            return self.unavailable(&e);
        }
        self.ask_sign_in(&pending_id, pending, csrf).await
    }

    /// Asks the user of the stored flow `pending_id` to sign in: the login form, or the
    /// identity provider when users sign in there; with the flow's CSRF cookie.
    pub(crate) async fn ask_sign_in(
        &self,
        pending_id: &str,
        pending: &PendingRecord,
        csrf: &str,
    ) -> Response<Bytes> {
        if self.signs_in_remotely() {
            return self.to_identity_provider(pending_id, csrf).await;
        }
        self.with_csrf_cookie(
            self.login_page(pending_id, pending, csrf, None, ""),
            pending_id,
            csrf,
        )
    }

    /// The user of flow `pending_id` signed in as `user` (on the login form, or at the identity
    /// provider): remembered in the flow and by the browser, then the flow's next step.
    pub(crate) async fn signed_in(
        &self,
        pending_id: &str,
        mut pending: PendingRecord,
        csrf: &str,
        user: String,
    ) -> Response<Bytes> {
        pending.user = Some(user.clone());
        if let Err(e) = self.save_pending(pending_id, &pending).await {
            return self.unavailable(&e);
        }
        let mut resp = self.after_sign_in(pending_id, &pending, csrf).await;
        resp.headers_mut()
            .append(header::SET_COOKIE, self.sign_in_cookie(&user));
        resp
    }

    /// Sets the flow's CSRF cookie on `resp`.
    pub(crate) fn with_csrf_cookie(
        &self,
        mut resp: Response<Bytes>,
        pending_id: &str,
        csrf: &str,
    ) -> Response<Bytes> {
        resp.headers_mut()
            .append(header::SET_COOKIE, self.csrf_cookie(pending_id, csrf));
        resp
    }

    pub(crate) async fn login(&self, req: Request<Bytes>) -> Response<Bytes> {
        if self.signs_in_remotely() {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Sign in at your identity provider",
                "This server signs users in at its identity provider, not with a password here.",
            );
        }
        let VerifiedForm {
            pending_id,
            pending,
            form,
            csrf,
        } = match self.verified_form(&req).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        let username = form.one("username").ok().flatten().unwrap_or("");
        let password = form.one("password").ok().flatten().unwrap_or("");
        let limits = &self.inner.config.rate_limits;
        let ip = self.client_ip(req.extensions(), req.headers());
        let limited = match self.limit_ip("login-ip", ip, limits.login_per_ip).await {
            Ok(()) => {
                let user = username.trim().to_lowercase();
                self.limit_name("login-user", &user, limits.login_per_user)
                    .await
            }
            limited => limited,
        };
        if let Err(limited) = limited {
            let seconds = limited.seconds();
            let message = format!("Too many sign-in attempts. Try again in {seconds} seconds.");
            let mut resp = self.login_page(&pending_id, &pending, &csrf, Some(message), username);
            *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            resp.headers_mut()
                .insert(header::RETRY_AFTER, http::HeaderValue::from(seconds));
            return resp;
        }
        let attempt = LoginAttempt {
            username,
            password,
            client_ip: ip,
            headers: req.headers(),
        };
        let user = match self.inner.login.authenticate(&attempt).await {
            Ok(user) => user,
            Err(e) => {
                tracing::warn!("sign-in failed");
                let mut resp =
                    self.login_page(&pending_id, &pending, &csrf, Some(e.to_string()), username);
                *resp.status_mut() = StatusCode::UNAUTHORIZED;
                return resp;
            }
        };
        if let Flow::App { sub, .. } = &pending.flow {
            if *sub != user {
                // The link belongs to another user's session: completing it would attach this
                // user's account to someone else's session.
                tracing::warn!("an app authorization link was opened by another user");
                let mut resp = self.login_page(
                    &pending_id,
                    &pending,
                    &csrf,
                    Some("This link belongs to another account's session. Sign in as the user who called the tool.".into()),
                    username,
                );
                *resp.status_mut() = StatusCode::FORBIDDEN;
                return resp;
            }
        }
        tracing::info!("user signed in");
        self.signed_in(&pending_id, pending, &csrf, user).await
    }

    /// The step after the user is known: the consent screen, the app's provider, or the end.
    pub(crate) async fn after_sign_in(
        &self,
        pending_id: &str,
        pending: &PendingRecord,
        csrf: &str,
    ) -> Response<Bytes> {
        match &pending.flow {
            Flow::Client { force_consent, .. } if self.inner.config.consent || *force_consent => {
                self.consent_page(pending_id, pending, csrf, None)
            }
            Flow::Client { .. } => self.finish(pending_id, pending).await,
            Flow::App { .. } => self.consent_page(pending_id, pending, csrf, None),
            Flow::Manage => {
                if let Err(e) = self
                    .inner
                    .store
                    .delete(Namespace::Pending, pending_id)
                    .await
                {
                    return self.unavailable(&e);
                }
                respond::redirect("/oauth/apps")
            }
        }
    }

    pub(crate) async fn consent(&self, req: Request<Bytes>) -> Response<Bytes> {
        let VerifiedForm {
            pending_id,
            mut pending,
            form,
            csrf,
        } = match self.verified_form(&req).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        if pending.user.is_none() || matches!(pending.flow, Flow::Manage) {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Sign in first",
                "The consent step comes after signing in.",
            );
        }
        if matches!(pending.flow, Flow::Client { .. }) {
            // Every button submits the checkboxes: keep them as the user left them.
            let offered = self.offered_tools(&pending);
            pending.selected = Some(
                form.all("tool")
                    .filter(|t| offered.contains(t))
                    .map(str::to_owned)
                    .collect(),
            );
        }
        let action = form
            .one("action")
            .ok()
            .flatten()
            .and_then(ConsentAction::parse);
        let app_id = match &action {
            Some(ConsentAction::Authorize(app) | ConsentAction::Skip(app)) => Some(app.as_str()),
            _ => None,
        };
        let app = app_id.and_then(|id| {
            self.inner
                .config
                .app(id)
                .filter(|_| pending.apps.contains_key(id))
        });
        match (action, app, &pending.flow) {
            (Some(ConsentAction::Continue), _, Flow::Client { .. }) => {
                return self.finish(&pending_id, &pending).await;
            }
            (Some(ConsentAction::Skip(_)), Some(app), Flow::App { .. }) => {
                if let Err(e) = self
                    .inner
                    .store
                    .delete(Namespace::Pending, &pending_id)
                    .await
                {
                    return self.unavailable(&e);
                }
                return self.done_page(
                    format!("{} skipped", app.name),
                    format!("{} was not authorized.", app.name),
                    Some(
                        "Its tools will give you a new link when you want to authorize it.".into(),
                    ),
                );
            }
            (Some(ConsentAction::Skip(_)), Some(app), _) => {
                pending.apps.insert(app.id.clone(), AppStatus::Skipped);
            }
            (Some(ConsentAction::Authorize(_)), Some(app), _) if app.needs_upstream() => {
                if let Some(resp) = self.use_flow_ticket(&mut pending).await {
                    return resp;
                }
                if let Err(e) = self.save_pending(&pending_id, &pending).await {
                    return self.unavailable(&e);
                }
                let app = app.id.clone();
                return self
                    .start_upstream(&pending_id, &pending, &csrf, &app)
                    .await;
            }
            (Some(ConsentAction::Authorize(_)), Some(app), _) => {
                pending.apps.insert(app.id.clone(), AppStatus::Authorized);
            }
            _ => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Invalid request",
                    "The consent form named an unknown action or app.",
                );
            }
        }
        if let Err(e) = self.save_pending(&pending_id, &pending).await {
            return self.unavailable(&e);
        }
        self.consent_page(&pending_id, &pending, &csrf, None)
    }

    /// Uses up an app flow's ticket at its first Authorize; a page when it was already used.
    async fn use_flow_ticket(&self, pending: &mut PendingRecord) -> Option<Response<Bytes>> {
        let Flow::App {
            ticket_id,
            ticket_exp,
            ticket_used: used @ false,
            ..
        } = &mut pending.flow
        else {
            return None;
        };
        match self
            .inner
            .progressive
            .use_ticket(ticket_id, *ticket_exp)
            .await
        {
            Ok(true) => {
                *used = true;
                None
            }
            Ok(false) => {
                tracing::warn!("authorization ticket replayed");
                Some(self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Invalid authorization link",
                    "This link was already used. Call the tool again to get a new one.",
                ))
            }
            Err(e) => Some(self.unavailable(&e)),
        }
    }

    /// The ids of the tools of the apps a flow offers.
    fn offered_tools(&self, pending: &PendingRecord) -> Vec<&str> {
        self.inner
            .config
            .apps
            .iter()
            .filter(|a| pending.apps.contains_key(&a.id))
            .flat_map(|a| a.tools.iter().map(|t| t.id.as_str()))
            .collect()
    }

    /// The pending authorization a form belongs to, after checking its CSRF token against the
    /// flow's cookie and the stored hash.
    pub(crate) async fn verified_form(
        &self,
        req: &Request<Bytes>,
    ) -> Result<VerifiedForm, Response<Bytes>> {
        if req.body().len() > MAX_BODY_BYTES {
            return Err(self.error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Invalid request",
                "The form is too large.",
            ));
        }
        let form = Params::parse(req.body());
        let (Ok(Some(pending_id)), Ok(Some(csrf))) = (form.one("pending"), form.one("csrf_token"))
        else {
            return Err(self.error_page(
                StatusCode::FORBIDDEN,
                "Invalid form",
                "The form is missing its security token.",
            ));
        };
        let (pending_id, csrf) = (pending_id.to_owned(), csrf.to_owned());
        let pending: PendingRecord = self
            .load(
                Namespace::Pending,
                &pending_id,
                ("Expired", "This sign-in took too long or was already used. Start again from the application."),
            )
            .await?;
        let cookie = self.browser_csrf(req.headers(), &pending_id, &pending.csrf_hash);
        if !cookie.is_some_and(|c| random::constant_time_eq(&c, &csrf)) {
            return Err(self.error_page(
                StatusCode::FORBIDDEN,
                "Invalid form",
                "The form's security token does not match. Start again from the application.",
            ));
        }
        Ok(VerifiedForm {
            pending_id,
            pending,
            form,
            csrf,
        })
    }

    /// A record the flow needs: a 400 page titled and worded by `missing` when it is gone, a 503
    /// page when the store fails.
    pub(crate) async fn load<T: serde::de::DeserializeOwned>(
        &self,
        ns: Namespace,
        key: &str,
        missing: (&str, &str),
    ) -> Result<T, Response<Bytes>> {
        match self.inner.store.get_record::<T>(ns, key).await {
            Ok(Some(record)) => Ok(record),
            Ok(None) => Err(self.error_page(StatusCode::BAD_REQUEST, missing.0, missing.1)),
            Err(e) => Err(self.unavailable(&e)),
        }
    }

    pub(crate) async fn save_pending(
        &self,
        id: &str,
        pending: &PendingRecord,
    ) -> Result<(), StoreError> {
        self.inner
            .store
            .put_record(
                Namespace::Pending,
                id,
                pending,
                Some(self.inner.config.pending_ttl),
            )
            .await
    }

    /// The login form of flow `pending_id`, showing `error` from an attempt as `username`.
    pub(crate) fn login_page(
        &self,
        pending_id: &str,
        pending: &PendingRecord,
        csrf: &str,
        error: Option<String>,
        username: &str,
    ) -> Response<Bytes> {
        let page = LoginPage {
            server_name: self.inner.config.server_name.clone(),
            client_name: pending.client_name.clone(),
            action: "/oauth/login".into(),
            csrf_token: csrf.into(),
            hidden: vec![("pending".into(), pending_id.into())],
            error,
            username: username.to_owned(),
            client_host: pending.client_host.clone(),
            dev_mode: self.inner.login.is_development(),
        };
        respond::html(StatusCode::OK, self.inner.ui.login(&page))
    }

    /// The consent screen of a flow: every app it offers, or the one app of an app flow.
    pub(crate) fn consent_page(
        &self,
        pending_id: &str,
        pending: &PendingRecord,
        csrf: &str,
        notice: Option<String>,
    ) -> Response<Bytes> {
        let apps: Vec<ConsentAppCard> = self
            .inner
            .config
            .apps
            .iter()
            .filter_map(|a| {
                Some(ConsentAppCard {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    description: a.description.clone(),
                    status: *pending.apps.get(&a.id)?,
                    tools: a.tools.clone(),
                    needs_upstream: a.needs_upstream(),
                })
            })
            .collect();
        let available_tools: Vec<_> = apps.iter().flat_map(|a| a.tools.clone()).collect();
        let pre_selected = match &pending.selected {
            Some(selected) => selected.clone(),
            None => available_tools.iter().map(|t| t.id.clone()).collect(),
        };
        let request = match &pending.flow {
            Flow::App { tool, scopes, .. } => Some(AppRequest {
                tool: tool.clone(),
                scopes: scopes.clone(),
            }),
            _ => None,
        };
        let page = ConsentPage {
            server_name: self.inner.config.server_name.clone(),
            client_name: pending.client_name.clone(),
            action: "/oauth/consent".into(),
            csrf_token: csrf.into(),
            hidden: vec![("pending".into(), pending_id.into())],
            apps,
            state: ConsentState {
                available_tools,
                pre_selected,
                group_by: ConsentGroupBy::AppId,
            },
            single_app: request.is_some(),
            request,
            notice,
            client_host: pending.client_host.clone(),
            redirect_host: match &pending.flow {
                Flow::Client { redirect_uri, .. } => url::Url::parse(redirect_uri)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned)),
                _ => None,
            },
        };
        respond::html(StatusCode::OK, self.inner.ui.consent(&page))
    }

    /// Creates the auth session and a code, ends the pending authorization, redirects to the
    /// client.
    async fn finish(&self, pending_id: &str, pending: &PendingRecord) -> Response<Bytes> {
        let Flow::Client {
            client_id,
            redirect_uri,
            state,
            code_challenge,
            scopes,
            resource,
            ..
        } = &pending.flow
        else {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "This sign-in does not end with a code.",
            );
        };
        // Taking the pending record makes a double submit produce one code, not two.
        match self.inner.store.take(Namespace::Pending, pending_id).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    "Expired",
                    "This sign-in was already completed.",
                );
            }
            Err(e) => return self.unavailable(&e),
        }
        let by_status = |wanted: AppStatus| -> Vec<String> { with_status(&pending.apps, wanted) };
        let offered = self.offered_tools(pending);
        let selection = pending
            .selected
            .as_ref()
            .map(|selected| ConsentSelection::new(selected, &offered, now_secs() * 1000));
        let sub = pending.user.clone().expect("checked before finishing");
        let session = SessionRecord {
            session_id: pending.session_id.clone(),
            sub: sub.clone(),
            client_id: client_id.clone(),
            client_name: pending.client_name.clone(),
            authorized_apps: by_status(AppStatus::Authorized),
            skipped_apps: by_status(AppStatus::Skipped),
            pending_apps: by_status(AppStatus::Pending),
            selection,
            created_at: now_secs(),
        };
        let code = random::token();
        let record = CodeRecord {
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            code_challenge: code_challenge.clone(),
            scopes: scopes.clone(),
            resource: resource.clone(),
            session_id: session.session_id.clone(),
        };
        let store = &self.inner.store;
        let config = &self.inner.config;
        // The session first: a code never points at a session that was not written.
        if let Err(e) = store
            .put_record(
                Namespace::Session,
                &session.session_id,
                &session,
                Some(config.refresh_token_ttl),
            )
            .await
        {
            return self.unavailable(&e);
        }
        if let Err(e) = store
            .put_record(
                Namespace::Code,
                &random::digest(code.as_bytes()),
                &record,
                Some(config.code_ttl),
            )
            .await
        {
            return self.unavailable(&e);
        }
        self.remember_session(&sub, &session).await;
        tracing::info!(authorized = ?session.authorized_apps, skipped = ?session.skipped_apps, "authorization granted");
        let mut pairs = vec![("code", code.as_str()), ("iss", config.issuer.as_str())];
        if let Some(state) = state {
            pairs.push(("state", state));
        }
        respond::redirect(&with_params(redirect_uri, &pairs))
    }
}

/// The apps of `apps` with status `wanted`.
fn with_status(apps: &BTreeMap<String, AppStatus>, wanted: AppStatus) -> Vec<String> {
    apps.iter()
        .filter(|(_, s)| **s == wanted)
        .map(|(id, _)| id.clone())
        .collect()
}

fn client_name(client: &ClientRecord) -> String {
    client
        .client_name
        .clone()
        .unwrap_or_else(|| "An application".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_detected() {
        let p = Params::parse(b"a=1&b=2&a=3&tool=x&tool=y&empty=");
        assert!(p.one("a").is_err());
        assert_eq!(p.one("b").unwrap(), Some("2"));
        assert_eq!(p.one("empty").unwrap(), None);
        assert_eq!(p.all("tool").collect::<Vec<_>>(), ["x", "y"]);
    }

    #[test]
    fn prompt_consent_is_found_in_the_list() {
        assert!(Params::parse(b"prompt=login+consent").prompts_consent());
        assert!(Params::parse(b"prompt=consent").prompts_consent());
        assert!(!Params::parse(b"prompt=login").prompts_consent());
        assert!(!Params::parse(b"prompt=consent&prompt=none").prompts_consent());
    }

    #[test]
    fn redirect_params_keep_the_registered_query() {
        assert_eq!(
            with_params(
                "https://app.example/cb?x=1",
                &[("code", "a b"), ("state", "s")]
            ),
            "https://app.example/cb?x=1&code=a+b&state=s"
        );
    }
}
