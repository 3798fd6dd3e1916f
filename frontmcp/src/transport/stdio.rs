//! The stdio transport: newline-delimited JSON-RPC on stdin and stdout; one implicit session for
//! the handshake revisions, stateless requests (2026-07-28) served each on its own.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::abortable;
use serde_json::value::RawValue;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::Error;
use crate::protocol::jsonrpc::{
    self, ErrorObject, INVALID_REQUEST, Incoming, Message, Request, RequestId, Response,
};
use crate::protocol::stateless::RequestMeta;
use crate::server::{
    NOTIFICATION_CAPACITY, Notifier, Peer, Reply, Server, Session, is_stateless_request, watched,
};

impl Server {
    /// Serves one client over stdin/stdout until stdin closes. Logs go to stderr.
    pub async fn serve_stdio(self) -> Result<(), Error> {
        self.serve_io(tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves one client over any reader and writer pair (newline-delimited JSON-RPC).
    pub async fn serve_io<R, W>(self, reader: R, mut writer: W) -> Result<(), Error>
    where
        R: tokio::io::AsyncRead + Unpin,
        W: tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let session = Arc::new(Session::default());
        let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(NOTIFICATION_CAPACITY);
        let writer_task = tokio::spawn(async move {
            while let Some(line) = out_rx.recv().await {
                writer.write_all(&line).await?;
                writer.write_all(b"\n").await?;
                writer.flush().await?;
            }
            Ok::<_, std::io::Error>(())
        });
        // The open subscriptions, by the ID of their subscriptions/listen request.
        let mut listening: HashMap<String, tokio::task::AbortHandle> = HashMap::new();
        let mut reader = BufReader::new(reader);
        let limit = self.inner.http.max_body_bytes;
        let mut line = Vec::new();
        while let Some(fits) = read_line(&mut reader, &mut line, limit).await? {
            if !fits {
                tracing::warn!(limit, "stdio message too large");
                let message = format!("message exceeds {limit} bytes");
                let err = Response::error(None, ErrorObject::new(INVALID_REQUEST, message));
                let _ = out_tx.send(Bytes::from(err.to_json())).await;
                continue;
            }
            if line.trim_ascii().is_empty() {
                continue;
            }
            let incoming = match jsonrpc::parse(&line) {
                Ok(incoming) => incoming,
                Err(jsonrpc::Unparseable(resp)) => {
                    tracing::warn!("unparseable stdio message");
                    let _ = out_tx.send(Bytes::from(resp.to_json())).await;
                    continue;
                }
            };
            match &incoming {
                Incoming::Single(Ok(Message::Request(req)))
                    if req.method == "subscriptions/listen" && is_stateless_request(req) =>
                {
                    let Incoming::Single(Ok(Message::Request(req))) = incoming else {
                        unreachable!("matched above")
                    };
                    self.listen_stdio(req, &out_tx, &mut listening).await;
                    continue;
                }
                Incoming::Single(Ok(Message::Notification(n)))
                    if n.method == "notifications/cancelled" =>
                {
                    // Cancelling a subscriptions/listen ends its subscription; cancelling other
                    // requests is the dispatcher's to log.
                    if let Some(listener) =
                        cancelled(n.params.as_deref()).and_then(|id| listening.remove(&id))
                    {
                        listener.abort();
                        continue;
                    }
                }
                _ => {}
            }
            // Until initialize has completed, lines of the handshake revisions are handled in
            // order (a request sent before it is refused, the ones after it depend on it); after,
            // and for stateless requests, concurrently.
            let stateless = matches!(&incoming, Incoming::Single(Ok(Message::Request(req))) if is_stateless_request(req));
            let in_order = session.protocol_version().is_none() && !stateless;
            let id = match &incoming {
                Incoming::Single(Ok(Message::Request(req))) => Some(req.id.clone()),
                _ => None,
            };
            let server = self.clone();
            let out = out_tx.clone();
            let handle = {
                let session = session.clone();
                async move {
                    let json = match server.handle_incoming(&session, incoming).await {
                        Reply::None => return,
                        Reply::Single(resp) | Reply::InsufficientScope { response: resp, .. } => {
                            resp.to_json()
                        }
                        Reply::Batch(resps) => jsonrpc::batch_to_json(&resps),
                    };
                    let _ = out.send(Bytes::from(json)).await;
                }
            };
            if in_order {
                handle.await;
                continue;
            }
            // Concurrent requests write their progress, log messages and questions to the
            // client on stdout among the rest, and the client may cancel them.
            let level = if stateless { None } else { session.log_level() };
            let peer = Peer::of(&self, &session).filter(|_| !stateless);
            let notifier = Arc::new(Notifier::new(out_tx.clone(), level, peer));
            let (handle, abort) = abortable(watched(notifier, handle));
            let Some(id) = id else {
                tokio::spawn(handle);
                continue;
            };
            session.track(id.clone(), abort);
            let session = session.clone();
            tokio::spawn(async move {
                if handle.await.is_ok() {
                    session.untrack(&id);
                }
            });
        }
        for (_, listener) in listening.drain() {
            listener.abort();
        }
        drop(out_tx);
        writer_task
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))??;
        Ok(())
    }
}

impl Server {
    /// `subscriptions/listen` over stdio: its messages go out on stdout among the others, tagged
    /// with its ID, until the client sends `notifications/cancelled` for it or stdin closes.
    async fn listen_stdio(
        &self,
        req: Request,
        out: &mpsc::Sender<Bytes>,
        listening: &mut HashMap<String, tokio::task::AbortHandle>,
    ) {
        let opened = RequestMeta::parse(req.params.as_deref())
            .and_then(|_| self.subscribe(req.id.clone(), req.params.as_deref(), None));
        let mut subscription = match opened {
            Ok(subscription) => subscription,
            Err(error) => {
                tracing::warn!(message = %error.message, "subscriptions/listen refused");
                let _ = out
                    .send(Bytes::from(Response::error(Some(req.id), error).to_json()))
                    .await;
                return;
            }
        };
        let out = out.clone();
        let task = tokio::spawn(async move {
            while let Some(message) = subscription.messages.recv().await {
                if out.send(message).await.is_err() {
                    break;
                }
            }
        });
        // A client that reuses the ID of an open subscription replaces it: the earlier one
        // would otherwise outlive its entry and keep the output open after stdin closes.
        if let Some(earlier) = listening.insert(req.id.to_string(), task.abort_handle()) {
            earlier.abort();
        }
    }
}

/// The request a `notifications/cancelled` names.
fn cancelled(params: Option<&RawValue>) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Cancelled {
        request_id: RequestId,
    }
    let params: Cancelled = serde_json::from_str(params?.get()).ok()?;
    Some(params.request_id.to_string())
}

/// Reads one `\n`-terminated line into `line`, holding at most `limit` bytes: `Some(true)` for a
/// line, `Some(false)` for one that was too long (skipped up to its end), `None` at end of input.
async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok((!line.is_empty() || too_long).then_some(!too_long));
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (&available[..end], true),
            None => (available, false),
        };
        if !too_long && line.len() + chunk.len() > limit {
            too_long = true;
            line.clear();
        }
        if !too_long {
            line.extend_from_slice(chunk);
        }
        let consumed = chunk.len() + usize::from(done);
        reader.consume(consumed);
        if done {
            return Ok(Some(!too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_bounded_and_reading_resumes_after_a_long_one() {
        let input: &[u8] = b"short\nthis line is far too long\nok\nlast-without-newline";
        let mut reader = BufReader::with_capacity(4, input);
        let mut line = Vec::new();
        let mut seen = Vec::new();
        while let Some(fits) = read_line(&mut reader, &mut line, 8).await.unwrap() {
            seen.push(fits.then(|| String::from_utf8(line.clone()).unwrap()));
        }
        assert_eq!(seen, [Some("short".into()), None, Some("ok".into()), None]);
    }
}
