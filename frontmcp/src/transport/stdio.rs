//! The stdio transport: newline-delimited JSON-RPC on stdin and stdout, one implicit session.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use crate::Error;
use crate::protocol::jsonrpc::{self, ErrorObject, INVALID_REQUEST, Incoming, Message, Response};
use crate::server::{Reply, Server, Session};

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
        let session = Arc::new(Session::anonymous());
        let (out_tx, mut out_rx) = mpsc::channel::<String>(64);
        let writer_task = tokio::spawn(async move {
            while let Some(mut line) = out_rx.recv().await {
                line.push('\n');
                writer.write_all(line.as_bytes()).await?;
                writer.flush().await?;
            }
            Ok::<_, std::io::Error>(())
        });
        let mut lines = FramedRead::new(
            reader,
            LinesCodec::new_with_max_length(self.inner.http.max_body_bytes),
        );
        while let Some(line) = lines.next().await {
            let line = match line {
                Ok(line) if line.trim().is_empty() => continue,
                Ok(line) => line,
                Err(LinesCodecError::MaxLineLengthExceeded) => {
                    tracing::warn!("stdio message too large");
                    let err = Response::error(
                        None,
                        ErrorObject::new(INVALID_REQUEST, "message too large"),
                    );
                    let _ = out_tx.send(err.to_json()).await;
                    continue;
                }
                Err(LinesCodecError::Io(e)) => return Err(e.into()),
            };
            let incoming = match jsonrpc::parse(line.as_bytes()) {
                Ok(incoming) => incoming,
                Err(jsonrpc::Unparseable(resp)) => {
                    tracing::warn!("unparseable stdio message");
                    let _ = out_tx.send(resp.to_json()).await;
                    continue;
                }
            };
            // initialize must finish before the next line is read: later requests depend on it.
            let is_initialize = matches!(&incoming, Incoming::Single(Ok(Message::Request(r))) if r.method == "initialize");
            let server = self.clone();
            let session = session.clone();
            let out = out_tx.clone();
            let handle = async move {
                let json = match server.handle_incoming(&session, incoming).await {
                    Reply::None => return,
                    Reply::Single(resp) => resp.to_json(),
                    Reply::Batch(resps) => jsonrpc::batch_to_json(&resps),
                };
                let _ = out.send(json).await;
            };
            if is_initialize {
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
