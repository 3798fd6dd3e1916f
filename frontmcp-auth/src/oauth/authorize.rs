//! `GET /oauth/authorize` → login form → consent screen → redirect with a code.

use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::{Request, Response, StatusCode};

use super::records::{ClientRecord, CodeRecord, PendingRecord, SessionRecord};
use super::{AuthServer, MAX_BODY_BYTES, respond};
use crate::consent::{AppStatus, ConsentGroupBy, ConsentSelection, ConsentState};
use crate::random;
use crate::store::{Namespace, StoreError, StoreExt};
use crate::tokens::now_secs;
use crate::ui::{ConsentAppCard, ConsentPage, ErrorPage, LoginPage};

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
}

/// A login or consent form whose CSRF token checked out, with what it belongs to.
struct VerifiedForm {
    pending_id: String,
    pending: PendingRecord,
    form: Params,
    csrf: String,
    client: ClientRecord,
}

/// A failure before the redirect URI is trusted: shown as a page, never redirected.
fn error_page(
    server: &AuthServer,
    status: StatusCode,
    title: &str,
    message: &str,
) -> Response<Bytes> {
    tracing::warn!(title, message, "authorization request refused");
    respond::html(
        status,
        server.inner.ui.error(&ErrorPage {
            title: title.into(),
            message: message.into(),
        }),
    )
}

fn unavailable(server: &AuthServer, e: &StoreError) -> Response<Bytes> {
    tracing::error!(error = %e, "store unavailable during authorization");
    error_page(
        server,
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "Please try again in a moment.",
    )
}

/// The redirect URI with `params` appended to its query.
fn with_params(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(redirect_uri).expect("registered redirect URIs are absolute");
    url.query_pairs_mut().extend_pairs(params);
    url.into()
}

impl AuthServer {
    pub(crate) async fn authorize(&self, req: Request<Bytes>) -> Response<Bytes> {
        let params = Params::parse(req.uri().query().unwrap_or("").as_bytes());
        let client_id = match params.one("client_id") {
            Ok(Some(id)) => id,
            _ => {
                return error_page(
                    self,
                    StatusCode::BAD_REQUEST,
                    "Invalid request",
                    "The request names no client (client_id).",
                );
            }
        };
        let client: ClientRecord = match self
            .load(
                Namespace::Client,
                client_id,
                (
                    "Unknown client",
                    "This application is not registered with the server.",
                ),
            )
            .await
        {
            Ok(client) => client,
            Err(resp) => return resp,
        };
        let redirect_uri = match params.one("redirect_uri") {
            Ok(Some(uri)) if client.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
            Ok(None) if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
            _ => {
                return error_page(
                    self,
                    StatusCode::BAD_REQUEST,
                    "Invalid redirect",
                    "The redirect_uri does not exactly match one registered by this application.",
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
        let (Ok(response_type), Ok(challenge), Ok(method), Ok(scope), Ok(resource)) = (
            single("response_type"),
            single("code_challenge"),
            single("code_challenge_method"),
            single("scope"),
            single("resource"),
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
        let scopes: Vec<String> = match scope {
            None => self.inner.config.scopes.clone(),
            Some(scope) => scope
                .split(' ')
                .filter(|s| !s.is_empty())
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
        let csrf = random::token();
        let pending = PendingRecord {
            client_id: client.client_id.clone(),
            redirect_uri,
            state: state.clone(),
            code_challenge: challenge.to_owned(),
            scopes,
            resource: expected_resource,
            csrf_hash: random::digest(csrf.as_bytes()),
            user: None,
            apps: self
                .inner
                .config
                .apps
                .iter()
                .map(|a| {
                    (
                        a.id.clone(),
                        if a.needs_upstream {
                            AppStatus::Pending
                        } else {
                            AppStatus::Authorized
                        },
                    )
                })
                .collect(),
        };
        let pending_id = random::token();
        if let Err(e) = self.save_pending(&pending_id, &pending).await {
            return unavailable(self, &e);
        }
        let mut resp = self.login_page(&client, &pending_id, &csrf, None);
        resp.headers_mut().append(
            header::SET_COOKIE,
            respond::csrf_cookie(&csrf, self.inner.config.issuer.starts_with("https://")),
        );
        resp
    }

    pub(crate) async fn login(&self, req: Request<Bytes>) -> Response<Bytes> {
        let VerifiedForm {
            pending_id,
            mut pending,
            form,
            csrf,
            client,
        } = match self.verified_form(&req).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        let username = form.one("username").ok().flatten().unwrap_or("");
        let password = form.one("password").ok().flatten().unwrap_or("");
        let user = match self.inner.login.authenticate(username, password).await {
            Ok(user) => user,
            Err(e) => {
                tracing::warn!("sign-in failed");
                let mut resp = self.login_page(&client, &pending_id, &csrf, Some(e.to_string()));
                *resp.status_mut() = StatusCode::UNAUTHORIZED;
                return resp;
            }
        };
        tracing::info!("user signed in");
        pending.user = Some(user);
        if let Err(e) = self.save_pending(&pending_id, &pending).await {
            return unavailable(self, &e);
        }
        if self.inner.config.consent {
            self.consent_page(&client, &pending_id, &pending, &csrf)
        } else {
            self.finish(&pending_id, &pending, None).await
        }
    }

    pub(crate) async fn consent(&self, req: Request<Bytes>) -> Response<Bytes> {
        let VerifiedForm {
            pending_id,
            mut pending,
            form,
            csrf,
            client,
        } = match self.verified_form(&req).await {
            Ok(found) => found,
            Err(resp) => return resp,
        };
        if pending.user.is_none() {
            return error_page(
                self,
                StatusCode::BAD_REQUEST,
                "Sign in first",
                "The consent step comes after signing in.",
            );
        }
        let action = form.one("action").ok().flatten().unwrap_or("");
        if action == "continue" {
            let known: Vec<&str> = self
                .inner
                .config
                .apps
                .iter()
                .flat_map(|a| a.tools.iter().map(|t| t.id.as_str()))
                .collect();
            let selected: Vec<String> = form
                .all("tool")
                .filter(|t| known.contains(t))
                .map(str::to_owned)
                .collect();
            let all: Vec<String> = known.iter().map(|t| (*t).to_owned()).collect();
            let selection = ConsentSelection::new(selected, &all, now_secs() * 1000);
            return self.finish(&pending_id, &pending, Some(selection)).await;
        }
        let (verb, app_id) = action.split_once(':').unwrap_or((action, ""));
        let Some(app) = self.inner.config.apps.iter().find(|a| a.id == app_id) else {
            return error_page(
                self,
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "The consent form named an unknown action or app.",
            );
        };
        match verb {
            "skip" => {
                pending.apps.insert(app.id.clone(), AppStatus::Skipped);
            }
            "authorize" if !app.needs_upstream => {
                pending.apps.insert(app.id.clone(), AppStatus::Authorized);
            }
            "authorize" => {
                return error_page(
                    self,
                    StatusCode::NOT_IMPLEMENTED,
                    "Not available yet",
                    "Authorizing an app with its own provider is not available in this version; skip it for now.",
                );
            }
            _ => {
                return error_page(
                    self,
                    StatusCode::BAD_REQUEST,
                    "Invalid request",
                    "The consent form named an unknown action.",
                );
            }
        }
        if let Err(e) = self.save_pending(&pending_id, &pending).await {
            return unavailable(self, &e);
        }
        self.consent_page(&client, &pending_id, &pending, &csrf)
    }

    /// The pending authorization a form belongs to, after checking its CSRF token against the
    /// cookie and the stored hash.
    async fn verified_form(&self, req: &Request<Bytes>) -> Result<VerifiedForm, Response<Bytes>> {
        if req.body().len() > MAX_BODY_BYTES {
            return Err(error_page(
                self,
                StatusCode::PAYLOAD_TOO_LARGE,
                "Invalid request",
                "The form is too large.",
            ));
        }
        let form = Params::parse(req.body());
        let (Ok(Some(pending_id)), Ok(Some(csrf))) = (form.one("pending"), form.one("csrf_token"))
        else {
            return Err(error_page(
                self,
                StatusCode::FORBIDDEN,
                "Invalid form",
                "The form is missing its security token.",
            ));
        };
        let (pending_id, csrf) = (pending_id.to_owned(), csrf.to_owned());
        let cookie = csrf_cookie_value(req.headers());
        let pending: PendingRecord = self
            .load(
                Namespace::Pending,
                &pending_id,
                ("Expired", "This sign-in took too long or was already used. Start again from the application."),
            )
            .await?;
        let cookie_matches = cookie.is_some_and(|c| random::constant_time_eq(&c, &csrf));
        if !cookie_matches
            || !random::constant_time_eq(&random::digest(csrf.as_bytes()), &pending.csrf_hash)
        {
            return Err(error_page(
                self,
                StatusCode::FORBIDDEN,
                "Invalid form",
                "The form's security token does not match. Start again from the application.",
            ));
        }
        let client: ClientRecord = self
            .load(
                Namespace::Client,
                &pending.client_id,
                (
                    "Unknown client",
                    "This application is no longer registered.",
                ),
            )
            .await?;
        Ok(VerifiedForm {
            pending_id,
            pending,
            form,
            csrf,
            client,
        })
    }

    /// A record the flow needs: a 400 page titled and worded by `missing` when it is gone, a 503
    /// page when the store fails.
    async fn load<T: serde::de::DeserializeOwned>(
        &self,
        ns: Namespace,
        key: &str,
        missing: (&str, &str),
    ) -> Result<T, Response<Bytes>> {
        match self.inner.store.get_json::<T>(ns, key).await {
            Ok(Some(record)) => Ok(record),
            Ok(None) => Err(error_page(
                self,
                StatusCode::BAD_REQUEST,
                missing.0,
                missing.1,
            )),
            Err(e) => Err(unavailable(self, &e)),
        }
    }

    async fn save_pending(&self, id: &str, pending: &PendingRecord) -> Result<(), StoreError> {
        self.inner
            .store
            .put_json(
                Namespace::Pending,
                id,
                pending,
                Some(self.inner.config.pending_ttl),
            )
            .await
    }

    fn login_page(
        &self,
        client: &ClientRecord,
        pending_id: &str,
        csrf: &str,
        error: Option<String>,
    ) -> Response<Bytes> {
        let page = LoginPage {
            server_name: self.inner.config.server_name.clone(),
            client_name: client_name(client),
            action: "/oauth/login".into(),
            csrf_token: csrf.into(),
            hidden: vec![("pending".into(), pending_id.into())],
            error,
            dev_mode: self.inner.login.is_development(),
        };
        respond::html(StatusCode::OK, self.inner.ui.login(&page))
    }

    fn consent_page(
        &self,
        client: &ClientRecord,
        pending_id: &str,
        pending: &PendingRecord,
        csrf: &str,
    ) -> Response<Bytes> {
        let apps: Vec<ConsentAppCard> = self
            .inner
            .config
            .apps
            .iter()
            .map(|a| ConsentAppCard {
                id: a.id.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                status: pending
                    .apps
                    .get(&a.id)
                    .copied()
                    .unwrap_or(AppStatus::Pending),
                tools: a.tools.clone(),
                needs_upstream: a.needs_upstream,
            })
            .collect();
        let available_tools: Vec<_> = apps.iter().flat_map(|a| a.tools.clone()).collect();
        let pre_selected = available_tools.iter().map(|t| t.id.clone()).collect();
        let page = ConsentPage {
            server_name: self.inner.config.server_name.clone(),
            client_name: client_name(client),
            action: "/oauth/consent".into(),
            csrf_token: csrf.into(),
            hidden: vec![("pending".into(), pending_id.into())],
            apps,
            state: ConsentState {
                available_tools,
                pre_selected,
                group_by: ConsentGroupBy::AppId,
            },
        };
        respond::html(StatusCode::OK, self.inner.ui.consent(&page))
    }

    /// Creates the auth session and a code, ends the pending authorization, redirects to the client.
    async fn finish(
        &self,
        pending_id: &str,
        pending: &PendingRecord,
        selection: Option<ConsentSelection>,
    ) -> Response<Bytes> {
        // Taking the pending record makes a double submit produce one code, not two.
        match self.inner.store.take(Namespace::Pending, pending_id).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return error_page(
                    self,
                    StatusCode::BAD_REQUEST,
                    "Expired",
                    "This sign-in was already completed.",
                );
            }
            Err(e) => return unavailable(self, &e),
        }
        let by_status = |wanted: AppStatus| -> Vec<String> {
            pending
                .apps
                .iter()
                .filter(|(_, s)| **s == wanted)
                .map(|(id, _)| id.clone())
                .collect()
        };
        let session = SessionRecord {
            session_id: format!("sess_{}", random::token()),
            sub: pending.user.clone().expect("checked before finishing"),
            authorized_apps: by_status(AppStatus::Authorized),
            skipped_apps: by_status(AppStatus::Skipped),
            pending_apps: by_status(AppStatus::Pending),
            selection,
            created_at: now_secs(),
        };
        let code = random::token();
        let record = CodeRecord {
            client_id: pending.client_id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            code_challenge: pending.code_challenge.clone(),
            scopes: pending.scopes.clone(),
            resource: pending.resource.clone(),
            session_id: session.session_id.clone(),
        };
        let store = &self.inner.store;
        let config = &self.inner.config;
        // The session first: a code never points at a session that was not written.
        if let Err(e) = store
            .put_json(
                Namespace::Session,
                &session.session_id,
                &session,
                Some(config.refresh_token_ttl),
            )
            .await
        {
            return unavailable(self, &e);
        }
        if let Err(e) = store
            .put_json(
                Namespace::Code,
                &random::digest(code.as_bytes()),
                &record,
                Some(config.code_ttl),
            )
            .await
        {
            return unavailable(self, &e);
        }
        tracing::info!(authorized = ?session.authorized_apps, skipped = ?session.skipped_apps, "authorization granted");
        let mut pairs = vec![("code", code.as_str()), ("iss", config.issuer.as_str())];
        if let Some(state) = &pending.state {
            pairs.push(("state", state));
        }
        respond::redirect(&with_params(&pending.redirect_uri, &pairs))
    }
}

fn client_name(client: &ClientRecord) -> String {
    client
        .client_name
        .clone()
        .unwrap_or_else(|| "An application".into())
}

fn csrf_cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            pair.trim()
                .strip_prefix(respond::CSRF_COOKIE)?
                .strip_prefix('=')
                .map(str::to_owned)
        })
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
    fn redirect_params_keep_the_registered_query() {
        assert_eq!(
            with_params(
                "https://app.example/cb?x=1",
                &[("code", "a b"), ("state", "s")]
            ),
            "https://app.example/cb?x=1&code=a+b&state=s"
        );
    }

    #[test]
    fn csrf_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; frontmcp_csrf=tok; b=2".parse().unwrap(),
        );
        assert_eq!(csrf_cookie_value(&h).as_deref(), Some("tok"));
        assert_eq!(csrf_cookie_value(&HeaderMap::new()), None);
    }
}
