//! A `redis-server` of the test's own, on a free loopback port, that the test may stop and
//! restart. It keeps an append-only file (fsync on every write) in a private directory, so what
//! was written survives a restart, as with a production Redis. It may serve TLS only, with
//! certificates of a private CA made for the test.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command};

/// A Redis server owned by one test; killed when dropped.
#[derive(Debug)]
pub struct OwnRedis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Serves TLS only, and asks for a client certificate when `require_client` is set.
    tls: Option<TlsServer>,
}

#[derive(Debug, Clone, Copy)]
struct TlsServer {
    require_client: bool,
}

/// PEM files of a private CA, a server certificate for `127.0.0.1` and `localhost` and a client
/// certificate it signed, in the server's directory.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The CA's certificate.
    pub ca: PathBuf,
    /// The server's certificate.
    pub server_cert: PathBuf,
    /// The server's private key.
    pub server_key: PathBuf,
    /// A client's certificate.
    pub client_cert: PathBuf,
    /// The client's private key.
    pub client_key: PathBuf,
}

impl TlsFiles {
    /// Where the files of a server in `dir` are.
    pub(crate) fn in_dir(dir: &std::path::Path) -> Self {
        TlsFiles {
            ca: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            client_cert: dir.join("client.pem"),
            client_key: dir.join("client.key"),
        }
    }

    /// Makes the CA and the certificates, and writes them where [`in_dir`](Self::in_dir) says.
    pub(crate) fn generate(&self) {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Each certificate its own name: OpenSSL takes one named like its issuer for self-signed.
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "frontmcp test CA");
        let ca = ca_params.self_signed(&ca_key).expect("a CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);
        let signed = |names: Vec<String>| {
            let key = KeyPair::generate().expect("a key");
            let mut params = CertificateParams::new(names.clone()).expect("parameters");
            params
                .distinguished_name
                .push(DnType::CommonName, names[0].as_str());
            let certificate = params.signed_by(&key, &issuer).expect("a certificate");
            (certificate.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = signed(vec!["127.0.0.1".into(), "localhost".into()]);
        let (client_cert, client_key) = signed(vec!["frontmcp-test-client".into()]);
        for (path, pem) in [
            (&self.ca, ca.pem()),
            (&self.server_cert, server_cert),
            (&self.server_key, server_key),
            (&self.client_cert, client_cert),
            (&self.client_key, client_key),
        ] {
            std::fs::write(path, pem).expect("a PEM file");
        }
    }
}

impl OwnRedis {
    /// Starts one, or `None` (after a loud notice) when `redis-server` is not installed outside
    /// CI. In CI a missing `redis-server` fails the test.
    pub fn start(test: &str) -> Option<Self> {
        Self::start_with(test, None)
    }

    /// Starts one that serves TLS only (`rediss://`), with certificates of a private CA made for
    /// the test; asking for a client certificate when `require_client` is set.
    pub fn start_tls(test: &str, require_client: bool) -> Option<(Self, TlsFiles)> {
        let redis = Self::start_with(test, Some(TlsServer { require_client }))?;
        let files = redis.tls_files();
        Some((redis, files))
    }

    fn start_with(test: &str, tls: Option<TlsServer>) -> Option<Self> {
        if !redis_server_installed(test) {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("frontmcp-{test}-{}", crate::free_port()));
        std::fs::create_dir_all(&dir).expect("a private directory");
        let mut redis = Self {
            port: 0,
            dir,
            child: None,
            tls,
        };
        if tls.is_some() {
            redis.tls_files().generate();
        }
        let (port, child) = crate::start_on_free_port(|port| {
            redis.port = port;
            (redis.command(), redis.log())
        });
        redis.port = port;
        redis.child = Some(child);
        Some(redis)
    }

    /// `redis://127.0.0.1:PORT`, or `rediss://` when it serves TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The certificate files, in the server's directory.
    fn tls_files(&self) -> TlsFiles {
        TlsFiles::in_dir(&self.dir)
    }

    /// Kills the server (as a crash would).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and data; waits until it answers.
    pub fn restart(&mut self) {
        self.stop();
        let child = crate::start_server(self.command(), &self.log())
            .unwrap_or_else(|failure| panic!("redis-server did not restart: {failure}"));
        self.child = Some(child);
    }

    /// Where the server logs.
    fn log(&self) -> PathBuf {
        self.dir.join("redis.log")
    }

    /// The command that starts the server on its port, with its data and certificates.
    fn command(&self) -> Command {
        let port = self.port.to_string();
        let mut command = Command::new("redis-server");
        command.args(["--bind", "127.0.0.1"]);
        match self.tls {
            None => {
                command.args(["--port", &port]);
            }
            Some(tls) => {
                let files = self.tls_files();
                command
                    .args(["--port", "0", "--tls-port", &port])
                    .arg("--tls-cert-file")
                    .arg(&files.server_cert)
                    .arg("--tls-key-file")
                    .arg(&files.server_key)
                    .arg("--tls-ca-cert-file")
                    .arg(&files.ca)
                    .args([
                        "--tls-auth-clients",
                        if tls.require_client { "yes" } else { "no" },
                    ]);
            }
        }
        command
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir);
        command
    }
}

impl crate::redis_nodes::RedisNodes for OwnRedis {
    fn url(&self) -> String {
        OwnRedis::url(self)
    }

    fn master_urls(&self) -> Vec<String> {
        vec![OwnRedis::url(self)]
    }
}

/// Whether `redis-server` is installed: outside CI, `false` after a loud notice that `test` is
/// skipped; in CI, a missing `redis-server` fails `test`.
pub fn redis_server_installed(test: &str) -> bool {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok()
    {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "redis-server is required in CI for {test}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPING {test}: redis-server is not installed (this would fail in CI) !!!!!\n"
    );
    false
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
