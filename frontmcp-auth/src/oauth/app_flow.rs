//! Authorizing an app at its own provider: the flow an authorization link (its ticket) opens, the
//! redirect to the provider with PKCE, and the provider's redirect back to
//! `/oauth/callback/{app}`, which puts the tokens in the vault.

use bytes::Bytes;
use http::header::HeaderMap;
use http::{Request, Response, StatusCode};

use super::authorize::Params;
use super::records::{Flow, PendingRecord, UpstreamRecord};
use super::{AuthServer, respond};
use crate::apps::AuthApp;
use crate::consent::AppStatus;
use crate::progressive::{RedeemError, missing, union};
use crate::random;
use crate::session::SessionRecord;
use crate::store::Namespace;
use crate::tokens::TokenError;
use crate::tokens::now_secs;
use crate::upstream::UpstreamError;
use crate::vault::VaultError;

impl AuthServer {
    /// `GET /oauth/authorize?app=…&scope=…&ticket=…` (or the standalone app's
    /// `/{app}/oauth/authorize?ticket=…`): checks the ticket and asks the browser to sign in as
    /// the session's user unless it is remembered as them; then the app's card. Nothing goes to
    /// the provider before the user presses Authorize there, so no client can complete an
    /// authorization the user did not choose. The ticket is used up by that press.
    pub(crate) async fn open_app_flow(
        &self,
        headers: &HeaderMap,
        params: &Params,
        ticket: &str,
        standalone: Option<&str>,
    ) -> Response<Bytes> {
        let invalid = |message: &str| {
            self.error_page(
                StatusCode::BAD_REQUEST,
                "Invalid authorization link",
                message,
            )
        };
        let (claims, expired) = match self.inner.progressive.verify_ticket(ticket) {
            Ok(claims) => (claims, false),
            Err(TokenError::Expired) => match self.inner.progressive.expired_ticket(ticket) {
                Some(claims) => (claims, true),
                None => {
                    return invalid("This link has expired. Call the tool again to get a new one.");
                }
            },
            Err(e) => {
                tracing::warn!(reason = %e, "authorization ticket refused (tampered, foreign or malformed)");
                return invalid("This link is not valid. Call the tool again to get a new one.");
            }
        };
        // The link's readable parameters must say what its signed ticket says.
        let scope = claims.scope.join(" ");
        let (Ok(app_param), Ok(scope_param)) = (params.one("app"), params.one("scope")) else {
            return invalid("The link repeats a parameter.");
        };
        if app_param.is_some_and(|a| a != claims.app) || scope_param.is_some_and(|s| s != scope) {
            tracing::warn!("authorization link altered: its app or scope differs from its ticket");
            return invalid("This link was altered. Call the tool again to get a new one.");
        }
        let entry_matches = |app: &AuthApp| match standalone {
            Some(id) => id == app.id,
            None => app.in_parent,
        };
        let Some(app) = self
            .inner
            .config
            .app(&claims.app)
            .filter(|a| a.needs_upstream() && entry_matches(a))
        else {
            return invalid("This link names an app that cannot be authorized here.");
        };
        let session: SessionRecord = match self
            .load(
                Namespace::Session,
                &claims.sid,
                (
                    "Session ended",
                    "The session this link was made for has ended. Sign in again from the application.",
                ),
            )
            .await
        {
            Ok(session) => session,
            Err(resp) => return resp,
        };
        if session.sub != claims.sub {
            return invalid("This link is not valid. Call the tool again to get a new one.");
        }
        // A link that can only fail says so, and where the app stands, instead of showing a
        // card whose button cannot work.
        let used = match self.inner.progressive.ticket_used(&claims.jti).await {
            Ok(used) => used,
            Err(e) => return self.unavailable(&e),
        };
        if expired || used {
            let title = if used {
                "This link was already used"
            } else {
                "This link has expired"
            };
            return self.link_status_page(title, app, &session).await;
        }
        let status = if session.skipped_apps.contains(&app.id) {
            AppStatus::Skipped
        } else {
            AppStatus::Pending
        };
        let csrf = random::token();
        let mut pending = PendingRecord {
            flow: Flow::App {
                sub: claims.sub.clone(),
                app: app.id.clone(),
                scopes: claims.scope.clone(),
                elicitation_id: claims.eid.clone(),
                ticket_id: claims.jti.clone(),
                ticket_exp: claims.exp,
                ticket_used: false,
                session_ends_at: session.created_at + self.inner.config.refresh_token_ttl.as_secs(),
                tool: claims.tool.clone(),
            },
            session_id: claims.sid.clone(),
            client_name: session.client_name.clone(),
            csrf_hash: random::digest(csrf.as_bytes()),
            user: None,
            apps: [(app.id.clone(), status)].into_iter().collect(),
            selected: None,
            client_host: None,
        };
        let pending_id = random::token();
        let remembered = self
            .signed_in_user(headers)
            .filter(|user| *user == claims.sub);
        pending.user = remembered;
        if let Err(e) = self.save_pending(&pending_id, &pending).await {
            return self.unavailable(&e);
        }
        tracing::info!(app = %app.id, remembered = pending.user.is_some(), "app authorization link opened");
        if pending.user.is_none() {
            return self.ask_sign_in(&pending_id, &pending, &csrf).await;
        }
        let resp = self.after_sign_in(&pending_id, &pending, &csrf).await;
        self.with_csrf_cookie(resp, &pending_id, &csrf)
    }

    /// The page for a link that can no longer be used: `title`, and whether `app` is authorized
    /// for `session` now (the vault says, for an app with its own provider).
    async fn link_status_page(
        &self,
        title: &str,
        app: &AuthApp,
        session: &SessionRecord,
    ) -> Response<Bytes> {
        let held = match self
            .inner
            .progressive
            .held(&session.session_id, &app.id)
            .await
        {
            Ok(held) => held.is_some(),
            Err(VaultError::Store(e)) => return self.unavailable(&e),
            Err(_) => false,
        };
        tracing::info!(app = %app.id, held, "a used or expired authorization link was opened");
        let (message, next) = if session.standing(app, held) == Some(AppStatus::Authorized) {
            (
                format!(
                    "{} is authorized for {}: its tools work.",
                    app.name, session.client_name
                ),
                "You can close this window.",
            )
        } else {
            (
                format!(
                    "{} is not authorized for {}.",
                    app.name, session.client_name
                ),
                "Call the tool again to get a new link.",
            )
        };
        let mut resp = self.done_page(title.to_owned(), message, Some(next.to_owned()));
        *resp.status_mut() = StatusCode::BAD_REQUEST;
        resp
    }

    /// Sends the browser to app `app_id`'s provider, with PKCE and a single-use `state` bound to
    /// the flow `pending_id`.
    pub(crate) async fn start_upstream(
        &self,
        pending_id: &str,
        pending: &PendingRecord,
        csrf: &str,
        app_id: &str,
    ) -> Response<Bytes> {
        let Some(app) = self.inner.config.app(app_id).filter(|a| a.needs_upstream()) else {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "This app has no provider to authorize at.",
            );
        };
        let scopes = match &pending.flow {
            Flow::App { scopes, .. } => scopes.clone(),
            _ => self.consent_scopes(app, pending),
        };
        let state = random::token();
        let (url, verifier) = match self
            .inner
            .progressive
            .provider_authorization(app_id, &scopes, &state)
            .await
        {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(app = app_id, error = %e, "provider discovery failed");
                return self.upstream_failed(pending_id, pending, csrf, app, &e);
            }
        };
        let record = UpstreamRecord {
            pending_id: pending_id.to_owned(),
            app: app_id.to_owned(),
            verifier,
            scopes,
        };
        if let Err(e) = self
            .put_sealed(
                Namespace::Upstream,
                &random::digest(state.as_bytes()),
                &record,
                Some(self.inner.config.pending_ttl),
            )
            .await
        {
            return self.unavailable(&e);
        }
        tracing::info!(app = app_id, "sending the browser to the app's provider");
        respond::redirect(&url)
    }

    /// What to ask an app's provider for from the consent screen: the scopes of the app's tools
    /// left selected, or the app's scopes when those name none.
    fn consent_scopes(&self, app: &AuthApp, pending: &PendingRecord) -> Vec<String> {
        let selected = |id: &str| {
            pending
                .selected
                .as_ref()
                .is_none_or(|s| s.iter().any(|t| t == id))
        };
        let scopes = app
            .tools
            .iter()
            .filter(|t| selected(&t.id))
            .fold(Vec::new(), |acc, t| {
                union(acc.iter().map(String::as_str), &t.required_scopes)
            });
        if scopes.is_empty() {
            app.upstream_scopes()
        } else {
            scopes
        }
    }

    /// `GET /oauth/callback/{app}`: the provider's answer. Checks the `state` (single use, same
    /// browser), exchanges the code with the PKCE verifier, and puts the tokens in the vault: the
    /// one write that authorizes the app, so a failure anywhere leaves nothing half-done.
    pub(crate) async fn callback(&self, req: Request<Bytes>, app_id: &str) -> Response<Bytes> {
        let params = Params::parse(req.uri().query().unwrap_or("").as_bytes());
        let bad = |message: &str| {
            self.error_page(StatusCode::BAD_REQUEST, "Authorization failed", message)
        };
        let Ok(Some(state)) = params.one("state") else {
            return bad("The provider's answer carries no state.");
        };
        let record = match self
            .take_sealed::<UpstreamRecord>(Namespace::Upstream, &random::digest(state.as_bytes()))
            .await
        {
            Ok(Some(record)) => record,
            Ok(None) => {
                tracing::warn!(
                    app = app_id,
                    "callback with an unknown, expired or replayed state"
                );
                return bad(
                    "This answer is unknown, expired or was already used. Start again from the application.",
                );
            }
            Err(e) => return self.unavailable(&e),
        };
        let Some(app) = self
            .inner
            .config
            .app(app_id)
            .filter(|a| record.app == app_id && a.needs_upstream())
        else {
            tracing::warn!(app = app_id, "callback for another app than its state");
            return bad("This answer belongs to another app.");
        };
        let pending: PendingRecord = match self
            .load(
                Namespace::Pending,
                &record.pending_id,
                (
                    "Expired",
                    "This authorization took too long. Start again from the application.",
                ),
            )
            .await
        {
            Ok(pending) => pending,
            Err(resp) => return resp,
        };
        let Some(csrf) = self.browser_csrf(req.headers(), &record.pending_id, &pending.csrf_hash)
        else {
            tracing::warn!(
                app = app_id,
                "callback reached another browser than the one that left"
            );
            return self.error_page(
                StatusCode::FORBIDDEN,
                "Authorization failed",
                "This answer must come back to the browser that started the authorization.",
            );
        };
        if let Ok(Some(error)) = params.one("error") {
            let description = params.one("error_description").ok().flatten();
            tracing::warn!(
                app = app_id,
                error,
                description,
                "the provider refused the authorization"
            );
            let notice = match error {
                "access_denied" => format!("{} was not authorized: access was denied.", app.name),
                other => format!("{} did not authorize access ({other}).", app.name),
            };
            return self.consent_page(&record.pending_id, &pending, &csrf, Some(notice));
        }
        let Ok(Some(code)) = params.one("code") else {
            return bad("The provider's answer carries no code.");
        };
        let session_ends_at = match &pending.flow {
            Flow::App {
                session_ends_at, ..
            } => *session_ends_at,
            _ => now_secs() + self.inner.config.refresh_token_ttl.as_secs(),
        };
        let Ok(iss) = params.one("iss") else {
            tracing::warn!(app = app_id, "callback repeating iss");
            return bad("This answer does not come from the provider that was asked.");
        };
        let entry = self
            .inner
            .progressive
            .redeem(
                &pending.session_id,
                app_id,
                code,
                iss,
                &record.verifier,
                &record.scopes,
                session_ends_at,
            )
            .await;
        let entry = match entry {
            Ok(entry) => entry,
            Err(RedeemError::MixUp) => {
                tracing::warn!(app = app_id, "callback whose iss is not the app's provider");
                return bad("This answer does not come from the provider that was asked.");
            }
            Err(RedeemError::Upstream(e)) => {
                tracing::error!(app = app_id, error = %e, "code exchange with the provider failed");
                return self.upstream_failed(&record.pending_id, &pending, &csrf, app, &e);
            }
            Err(RedeemError::Vault(e)) => return self.unavailable(&e),
        };
        let lacking = missing(&record.scopes, entry.scopes());
        match &pending.flow {
            Flow::App { elicitation_id, .. } => {
                if let Err(e) = self
                    .inner
                    .store
                    .delete(Namespace::Pending, &record.pending_id)
                    .await
                {
                    tracing::warn!(error = %e, "finished app flow not deleted; it expires on its own");
                }
                self.inner
                    .progressive
                    .authorized(&pending.session_id, app_id, elicitation_id.clone())
                    .await;
                let message = if lacking.is_empty() {
                    format!("{} can now use {}.", pending.client_name, app.name)
                } else {
                    format!(
                        "{} can now use {}, but it did not grant {}: tools that need it will ask again.",
                        pending.client_name,
                        app.name,
                        lacking
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                self.done_page(
                    format!("{} authorized", app.name),
                    message,
                    Some("You can close this window and return to the application.".into()),
                )
            }
            _ => {
                let mut pending = pending;
                pending
                    .apps
                    .insert(app_id.to_owned(), AppStatus::Authorized);
                if let Err(e) = self.save_pending(&record.pending_id, &pending).await {
                    return self.unavailable(&e);
                }
                self.consent_page(&record.pending_id, &pending, &csrf, None)
            }
        }
    }

    /// The provider could not be used: the consent screen again, saying why, so the user can
    /// retry or skip.
    fn upstream_failed(
        &self,
        pending_id: &str,
        pending: &PendingRecord,
        csrf: &str,
        app: &AuthApp,
        error: &UpstreamError,
    ) -> Response<Bytes> {
        let (status, notice) = match error {
            e if e.needs_reauthorization() => (
                StatusCode::BAD_REQUEST,
                format!("{} refused the authorization. Try again.", app.name),
            ),
            UpstreamError::Refused { error, .. } => (
                StatusCode::BAD_GATEWAY,
                format!(
                    "{} refused this server's request ({error}). Try again later.",
                    app.name
                ),
            ),
            _ => (
                StatusCode::BAD_GATEWAY,
                format!(
                    "{} cannot be reached right now. Try again in a moment.",
                    app.name
                ),
            ),
        };
        let mut resp = self.consent_page(pending_id, pending, csrf, Some(notice));
        *resp.status_mut() = status;
        resp
    }
}
