//! `GET /oauth/apps`: the signed-in user's sessions and the apps each holds, with a Revoke button
//! for every app authorized at its own provider (`POST /oauth/apps`).

use bytes::Bytes;
use http::header;
use http::{Request, Response, StatusCode};

use super::authorize::Params;
use super::cookies;
use super::records::{Flow, PendingRecord, UserSession, UserSessions};
use super::{AuthServer, MAX_BODY_BYTES, respond};
use crate::random;
use crate::session::SessionRecord;
use crate::store::{Namespace, StoreExt};
use crate::ui::{AppGrantCard, AppsPage, SessionCard};

/// The sessions kept per user in the index; the oldest go first.
const MAX_SESSIONS_PER_USER: usize = 50;
/// The CSRF cookie of the apps page is named after this pseudo-flow.
const APPS_FORM: &str = "apps-page";

impl AuthServer {
    /// Adds a new session to its user's index, for the apps page. Best effort: the sign-in does
    /// not fail because the index could not be written (the page then misses the session).
    pub(crate) async fn remember_session(&self, sub: &str, session: &SessionRecord) {
        self.update_user_sessions(sub, |sessions| {
            sessions.push(UserSession {
                session_id: session.session_id.clone(),
                client_name: session.client_name.clone(),
                created_at: session.created_at,
            });
            let excess = sessions.len().saturating_sub(MAX_SESSIONS_PER_USER);
            sessions.drain(..excess);
        })
        .await;
    }

    /// Changes `user`'s session index with `change` (read, then written back). Best effort: a
    /// failure is logged.
    async fn update_user_sessions(&self, user: &str, change: impl FnOnce(&mut Vec<UserSession>)) {
        let store = &self.inner.store;
        let key = random::digest(user.as_bytes());
        let result = async {
            let mut index: UserSessions = store
                .get_record(Namespace::UserSessions, &key)
                .await?
                .unwrap_or_default();
            change(&mut index.sessions);
            store
                .put_record(
                    Namespace::UserSessions,
                    &key,
                    &index,
                    Some(self.inner.config.refresh_token_ttl),
                )
                .await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "the user's session index was not updated");
        }
    }

    /// `GET /oauth/apps`: the page, or the login form first.
    pub(crate) async fn apps_page(&self, req: Request<Bytes>) -> Response<Bytes> {
        let Some(user) = self.signed_in_user(req.headers()) else {
            return self.sign_in_for_apps().await;
        };
        self.render_apps(&user, None).await
    }

    /// The login form of a flow that ends on the apps page.
    async fn sign_in_for_apps(&self) -> Response<Bytes> {
        let csrf = random::token();
        let pending = PendingRecord {
            flow: Flow::Manage,
            session_id: String::new(),
            client_name: "your apps".into(),
            csrf_hash: random::digest(csrf.as_bytes()),
            user: None,
            apps: Default::default(),
            selected: None,
            client_host: None,
        };
        self.sign_in_page(&pending, &csrf).await
    }

    /// `POST /oauth/apps`: revokes one app of one of the user's sessions.
    pub(crate) async fn apps_action(&self, req: Request<Bytes>) -> Response<Bytes> {
        let Some(user) = self.signed_in_user(req.headers()) else {
            return self.error_page(
                StatusCode::FORBIDDEN,
                "Sign in first",
                "Open the apps page again and sign in.",
            );
        };
        if req.body().len() > MAX_BODY_BYTES {
            return self.error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Invalid request",
                "The form is too large.",
            );
        }
        let form = Params::parse(req.body());
        let cookie = cookies::get(req.headers(), &cookies::csrf_name(APPS_FORM));
        let csrf_ok = match (form.one("csrf_token"), cookie) {
            (Ok(Some(field)), Some(cookie)) => random::constant_time_eq(field, &cookie),
            _ => false,
        };
        if !csrf_ok {
            return self.error_page(
                StatusCode::FORBIDDEN,
                "Invalid form",
                "The form's security token does not match. Open the apps page again.",
            );
        }
        if let Ok(Some(_)) = form.one("sign_out") {
            tracing::info!("signed out");
            let mut resp = self.done_page(
                "Signed out".into(),
                "This browser no longer remembers your sign-in.".into(),
                None,
            );
            resp.headers_mut()
                .append(header::SET_COOKIE, self.sign_out_cookie());
            return resp;
        }
        let Ok(Some(session_ref)) = form.one("session") else {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "The form names no session.",
            );
        };
        let index = match self.user_sessions(&user).await {
            Ok(index) => index,
            Err(resp) => return resp,
        };
        let Some(session) = index
            .iter()
            .find(|s| session_ref_of(&s.session_id) == session_ref)
        else {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "That session is not one of yours.",
            );
        };
        if let Ok(Some(_)) = form.one("end_session") {
            self.end_session(&session.session_id).await;
            self.forget_user_session(&user, &session.session_id).await;
            let notice = format!("{}'s session was ended.", session.client_name);
            return self.render_apps(&user, Some(notice)).await;
        }
        let Ok(Some(app_id)) = form.one("revoke") else {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "The form names no app.",
            );
        };
        let Some(app) = self.inner.config.app(app_id).filter(|a| a.needs_upstream()) else {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "That app cannot be revoked here.",
            );
        };
        if let Err(resp) = self.revoke_app(&session.session_id, &app.id).await {
            return resp;
        }
        let notice = format!("{} was revoked for {}.", app.name, session.client_name);
        self.render_apps(&user, Some(notice)).await
    }

    /// Drops a session's tokens for an app, and revokes them at the provider.
    pub(crate) async fn revoke_app(
        &self,
        session_id: &str,
        app_id: &str,
    ) -> Result<(), Response<Bytes>> {
        self.inner
            .progressive
            .revoke_app(session_id, app_id)
            .await
            .map_err(|e| self.unavailable(&e))
    }

    /// Ends an auth session whose grant was revoked (by its client, or after refresh token
    /// reuse): its apps' tokens are dropped and revoked at their providers, and the session is
    /// deleted, so nothing it authorized outlives it. Best effort: failures are logged, and what
    /// remains expires with the session.
    pub(crate) async fn end_session(&self, session_id: &str) {
        for app in self.inner.config.apps.iter().filter(|a| a.needs_upstream()) {
            if self.revoke_app(session_id, &app.id).await.is_err() {
                tracing::warn!(app = %app.id, "an ended session's app tokens were not dropped");
            }
        }
        if let Err(e) = self
            .inner
            .store
            .delete(Namespace::Session, session_id)
            .await
        {
            tracing::warn!(error = %e, "an ended session was not deleted; it expires on its own");
        }
        self.inner
            .events
            .publish(crate::events::AuthEvent::SessionEnded {
                session_id: session_id.to_owned(),
            })
            .await;
        tracing::info!("auth session ended");
    }

    /// Drops `session_id` from `user`'s index (best effort: a session that no longer exists is
    /// left out of the page anyway).
    async fn forget_user_session(&self, user: &str, session_id: &str) {
        self.update_user_sessions(user, |sessions| {
            sessions.retain(|s| s.session_id != session_id);
        })
        .await;
    }

    /// The user's sessions that still exist, newest first.
    async fn user_sessions(&self, user: &str) -> Result<Vec<UserSession>, Response<Bytes>> {
        let index: UserSessions = self
            .inner
            .store
            .get_record(Namespace::UserSessions, &random::digest(user.as_bytes()))
            .await
            .map_err(|e| self.unavailable(&e))?
            .unwrap_or_default();
        Ok(index.sessions.into_iter().rev().collect())
    }

    async fn render_apps(&self, user: &str, notice: Option<String>) -> Response<Bytes> {
        let index = match self.user_sessions(user).await {
            Ok(index) => index,
            Err(resp) => return resp,
        };
        let store = &self.inner.store;
        let mut sessions = Vec::new();
        for entry in index {
            let session: SessionRecord = match store
                .get_record(Namespace::Session, &entry.session_id)
                .await
            {
                Ok(Some(session)) => session,
                Ok(None) => continue,
                Err(e) => return self.unavailable(&e),
            };
            let mut apps = Vec::new();
            for app in &self.inner.config.apps {
                let held = self
                    .inner
                    .progressive
                    .held(&session.session_id, &app.id)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "vault entry unreadable on the apps page");
                        None
                    });
                let Some(status) = session.standing(app, held.is_some()) else {
                    continue;
                };
                apps.push(AppGrantCard {
                    id: app.id.clone(),
                    name: app.name.clone(),
                    status,
                    revocable: held.is_some(),
                    scopes: held
                        .map(|e| e.scopes().map(str::to_owned).collect())
                        .unwrap_or_default(),
                });
            }
            sessions.push(SessionCard {
                session_ref: session_ref_of(&session.session_id),
                client_name: session.client_name,
                created: utc_minutes(session.created_at),
                apps,
            });
        }
        let csrf = random::token();
        let page = AppsPage {
            server_name: self.inner.config.server_name.clone(),
            user: user.to_owned(),
            action: "/oauth/apps".into(),
            csrf_token: csrf.clone(),
            sessions,
            notice,
        };
        let mut resp = respond::html(StatusCode::OK, self.inner.ui.apps(&page));
        resp.headers_mut()
            .append(header::SET_COOKIE, self.csrf_cookie(APPS_FORM, &csrf));
        resp
    }
}

/// How the page names a session: a digest, so the page never shows the session ID itself.
fn session_ref_of(session_id: &str) -> String {
    random::digest(session_id.as_bytes())[..16].to_owned()
}

/// `2026-11-28 10:04 UTC` for a Unix time in seconds (`time`'s calendar; a time past its range,
/// which no session reaches, reads as its last representable minute).
fn utc_minutes(secs: u64) -> String {
    let at = i64::try_from(secs)
        .ok()
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_utc() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minutes(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minutes(1_795_860_240), "2026-11-28 10:04 UTC");
        assert_eq!(utc_minutes(u64::MAX), "9999-12-31 23:59 UTC");
    }

    #[test]
    fn session_refs_hide_the_id() {
        let r = session_ref_of("sess_secret");
        assert_eq!(r.len(), 16);
        assert!(!r.contains("secret"));
    }
}
