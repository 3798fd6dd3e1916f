//! The stdio transport: newline-delimited JSON-RPC on stdin and stdout; one implicit session for
//! the handshake revisions, stateless requests (2026-07-28) served each on its own.

use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::Error;
use crate::protocol::jsonrpc::{self, ErrorObject, INVALID_REQUEST, Incoming, Message, Response};
use crate::server::{Reply, Server, Session, is_stateless_request};

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
        let (out_tx, mut out_rx) = mpsc::channel::<String>(64);
        let writer_task = tokio::spawn(async move {
            while let Some(mut line) = out_rx.recv().await {
                line.push('\n');
                writer.write_all(line.as_bytes()).await?;
                writer.flush().await?;
            }
            Ok::<_, std::io::Error>(())
        });
        let mut reader = BufReader::new(reader);
        let limit = self.inner.http.max_body_bytes;
        let mut line = Vec::new();
        while let Some(fits) = read_line(&mut reader, &mut line, limit).await? {
            if !fits {
                tracing::warn!(limit, "stdio message too large");
                let message = format!("message exceeds {limit} bytes");
                let err = Response::error(None, ErrorObject::new(INVALID_REQUEST, message));
                let _ = out_tx.send(err.to_json()).await;
                continue;
            }
            if line.trim_ascii().is_empty() {
                continue;
            }
            let incoming = match jsonrpc::parse(&line) {
                Ok(incoming) => incoming,
                Err(jsonrpc::Unparseable(resp)) => {
                    tracing::warn!("unparseable stdio message");
                    let _ = out_tx.send(resp.to_json()).await;
                    continue;
                }
            };
            // Until initialize has completed, lines of the handshake revisions are handled in
            // order (a request sent before it is refused, the ones after it depend on it); after,
            // and for stateless requests, concurrently.
            let stateless = matches!(&incoming, Incoming::Single(Ok(Message::Request(req))) if is_stateless_request(req));
            let in_order = session.protocol_version().is_none() && !stateless;
            let server = self.clone();
            let session = session.clone();
            let out = out_tx.clone();
            let handle = async move {
                let json = match server.handle_incoming(&session, incoming).await {
                    Reply::None => return,
                    Reply::Single(resp) | Reply::InsufficientScope { response: resp, .. } => {
                        resp.to_json()
                    }
                    Reply::Batch(resps) => jsonrpc::batch_to_json(&resps),
                };
                let _ = out.send(json).await;
            };
            if in_order {
                handle.await;
            } else {
                tokio::spawn(handle);
            }
        }
        drop(out_tx);
        writer_task
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))??;
        Ok(())
    }
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
