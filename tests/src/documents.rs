//! A small HTTP server on loopback that serves documents a test sets (a client's metadata
//! document, say) and counts how often each was fetched.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;

/// What one path answers.
#[derive(Debug, Clone)]
pub struct Document {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Document {
    /// A 200 JSON document.
    pub fn json(body: &serde_json::Value) -> Self {
        Self {
            status: StatusCode::OK,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// The document with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

#[derive(Debug, Default)]
struct Served {
    documents: HashMap<String, Document>,
    hits: HashMap<String, usize>,
}

/// The server; it stops with the test's runtime.
#[derive(Debug, Clone)]
pub struct DocumentServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    served: Arc<Mutex<Served>>,
}

impl DocumentServer {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served = Arc::new(Mutex::new(Served::default()));
        let state = served.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let state = state.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let mut served = state.lock().unwrap();
                            *served.hits.entry(path.clone()).or_default() += 1;
                            let mut response = match served.documents.get(&path) {
                                Some(doc) => {
                                    let mut response =
                                        Response::new(Full::new(Bytes::from(doc.body.clone())));
                                    *response.status_mut() = doc.status;
                                    for (name, value) in &doc.headers {
                                        response.headers_mut().append(
                                            hyper::header::HeaderName::from_bytes(name.as_bytes())
                                                .unwrap(),
                                            value.parse().unwrap(),
                                        );
                                    }
                                    response
                                }
                                None => Response::new(Full::new(Bytes::from_static(b"not found"))),
                            };
                            if !served.documents.contains_key(&path) {
                                *response.status_mut() = StatusCode::NOT_FOUND;
                            }
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { base, served }
    }

    /// Serves `document` at `path` from now on.
    pub fn set(&self, path: &str, document: Document) {
        self.served
            .lock()
            .unwrap()
            .documents
            .insert(path.into(), document);
    }

    /// How often `path` was requested.
    pub fn hits(&self, path: &str) -> usize {
        self.served
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}
