//! Where the store's Redis is: one server, a Redis Cluster, or the master Sentinel names; and how
//! to reach its masters, for commands, for events and for watches.
//!
//! URLs: `redis://` and `rediss://` (one server, as the `redis` crate reads them);
//! `redis+cluster://[user:password@]host:port[,host:port...]` (a cluster, from any of its nodes;
//! `rediss+cluster://` over TLS); `redis+sentinel://[user:password@]host:port[,host:port...]/service[/db]`
//! (the master the Sentinels at those addresses name `service`; `rediss+sentinel://` over TLS to
//! the Sentinels and the master). The credentials are the data nodes'; Sentinels are asked
//! without.

use std::collections::BTreeSet;
use std::sync::Arc;

use deadpool_redis::redis::cluster::ClusterClientBuilder;
use deadpool_redis::redis::cluster_async::ClusterConnection;
use deadpool_redis::redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use deadpool_redis::redis::{
    self, Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, ProtocolVersion, RedisError,
    RedisResult, TlsCertificates, TlsMode, Value,
};
use tokio::sync::Mutex;

/// Where commands go.
pub(super) enum Servers {
    /// One master: a server, or the one Sentinel names.
    Master(Arc<Master>),
    /// A Redis Cluster.
    Cluster(Box<Cluster>),
}

/// A single master.
pub(super) enum Master {
    /// A server at a fixed address.
    Server(Client),
    /// Whichever server the Sentinels name now; asked again for every new connection, so a
    /// failover is followed.
    Sentinel(Mutex<SentinelClient>),
}

/// A Redis Cluster.
pub(super) struct Cluster {
    /// Routes each command to the master of its key's slot, and follows the cluster's changes.
    pub(super) connection: ClusterConnection,
    /// A node's connection settings (credentials, TLS): the template of each master's.
    node: ConnectionInfo,
}

/// The masters to watch, and how to check, each heartbeat, that they still are.
pub(super) struct Masters {
    /// Each master's client, speaking RESP3.
    pub(super) clients: Vec<Client>,
    /// The check.
    pub(super) check: Check,
}

/// How a watch's heartbeat checks its masters.
pub(super) enum Check {
    /// `PING`: the server is the master.
    Ping,
    /// `ROLE` says `master`: after a failover, the Sentinels' old master is a replica (and
    /// replicas do not tell of the changes their master sends them).
    Role,
    /// `ROLE` says `master` on each (a manual failover demotes a master in place), and
    /// `CLUSTER SLOTS` still names these masters (a resharding may add one).
    Slots(BTreeSet<(String, u16)>),
}

/// A parsed URL: the servers, and what messages may say of them.
pub(super) struct Target {
    pub(super) servers: Servers,
    /// The addresses, for messages; never the URL.
    pub(super) addr: String,
    /// The password, to scrub from messages should a library ever echo it.
    pub(super) password: Option<String>,
}

impl Target {
    /// Reads `url` (see the module docs), with the TLS certificates `tls` for a `rediss` scheme,
    /// and connects to a cluster's nodes. Errors name the problem, never the URL.
    pub(super) async fn open(url: &str, tls: Option<TlsCertificates>) -> Result<Self, String> {
        let invalid = |e: &dyn std::fmt::Display| format!("invalid Redis URL: {e}");
        let (scheme, rest) = url.split_once("://").ok_or_else(|| invalid(&"no scheme"))?;
        let (secure, topology) = match scheme {
            "redis+cluster" => (false, Topology::Cluster),
            "rediss+cluster" => (true, Topology::Cluster),
            "redis+sentinel" => (false, Topology::Sentinel),
            "rediss+sentinel" => (true, Topology::Sentinel),
            _ => return Self::server(url, tls),
        };
        if tls.is_some() && !secure {
            return Err(not_tls());
        }
        let base = if secure { "rediss" } else { "redis" };
        // The credentials end at the last `@`: the hosts and the path hold none.
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((userinfo, rest)) => {
                if userinfo.contains(['/', '?', '#']) {
                    return Err(invalid(
                        &"percent-encode `/`, `?`, `#` and `@` in the user name and password",
                    ));
                }
                (format!("{userinfo}@"), rest)
            }
            None => (String::new(), rest),
        };
        if rest.contains(['?', '#']) {
            return Err(invalid(&"no query or fragment with several hosts"));
        }
        let (hosts, path) = rest.split_once('/').unwrap_or((rest, ""));
        let hosts: Vec<&str> = hosts.split(',').filter(|h| !h.is_empty()).collect();
        if hosts.is_empty() {
            return Err(invalid(&"no host"));
        }
        match topology {
            Topology::Cluster => {
                if !path.is_empty() {
                    return Err(invalid(&"a cluster has only database 0: no path"));
                }
                let nodes = hosts
                    .iter()
                    .map(|host| format!("{base}://{userinfo}{host}").into_connection_info())
                    .collect::<RedisResult<Vec<_>>>()
                    .map_err(|e| invalid(&e))?;
                let node = match &tls {
                    // The certificates, built once into the template's address.
                    Some(tls) => Client::build_with_tls(nodes[0].clone(), tls.clone())
                        .map_err(|e| format!("Redis TLS certificates: {e}"))?
                        .get_connection_info()
                        .clone(),
                    None => nodes[0].clone(),
                };
                let password = password_of(&node);
                let mut builder = ClusterClientBuilder::new(nodes);
                if let Some(tls) = tls {
                    builder = builder.certs(tls);
                }
                let client = builder.build().map_err(|e| invalid(&e))?;
                let addr = format!("cluster {}", hosts.join(","));
                let connection = client
                    .get_async_connection()
                    .await
                    .map_err(|e| scrubbed(&format!("Redis at {addr}: {e}"), password.as_deref()))?;
                Ok(Self {
                    servers: Servers::Cluster(Box::new(Cluster { connection, node })),
                    addr,
                    password,
                })
            }
            Topology::Sentinel => {
                let (service, db) = match path.split_once('/') {
                    Some((service, db)) => (service, db),
                    None => (path, ""),
                };
                if service.is_empty() {
                    return Err(invalid(
                        &"no service name: redis+sentinel://host:port/service",
                    ));
                }
                // The `redis` crate reads the credentials (percent-decoded) and the database.
                let settings = format!("redis://{userinfo}{}/{db}", hosts[0])
                    .into_connection_info()
                    .map_err(|e| invalid(&e))?;
                let sentinels = hosts
                    .iter()
                    .map(|host| {
                        Ok(format!("{base}://{host}")
                            .into_connection_info()?
                            .addr()
                            .clone())
                    })
                    .collect::<RedisResult<Vec<_>>>()
                    .map_err(|e| invalid(&e))?;
                let redis = settings.redis_settings();
                let mut builder =
                    SentinelClientBuilder::new(sentinels, service, SentinelServerType::Master)
                        .map_err(|e| invalid(&e))?
                        .set_client_to_redis_db(redis.db());
                if let Some(username) = redis.username() {
                    builder = builder.set_client_to_redis_username(username);
                }
                if let Some(password) = redis.password() {
                    builder = builder.set_client_to_redis_password(password);
                }
                if secure {
                    builder = builder
                        .set_client_to_redis_tls_mode(TlsMode::Secure)
                        .set_client_to_sentinel_tls_mode(TlsMode::Secure);
                    if let Some(tls) = tls {
                        builder = builder
                            .set_client_to_redis_certificates(tls.clone())
                            .set_client_to_sentinel_certificates(tls);
                    }
                }
                let client = builder.build().map_err(|e| invalid(&e))?;
                Ok(Self {
                    servers: Servers::Master(Arc::new(Master::Sentinel(Mutex::new(client)))),
                    addr: format!(
                        "the master `{service}` of the Sentinels at {}",
                        hosts.join(",")
                    ),
                    password: password_of(&settings),
                })
            }
        }
    }

    /// One server at a fixed address.
    fn server(url: &str, tls: Option<TlsCertificates>) -> Result<Self, String> {
        let info = url
            .into_connection_info()
            .map_err(|e| format!("invalid Redis URL: {e}"))?;
        let client = match tls {
            None => Client::open(info),
            Some(tls) => {
                if !matches!(info.addr(), ConnectionAddr::TcpTls { .. }) {
                    return Err(not_tls());
                }
                Client::build_with_tls(info, tls)
            }
        }
        .map_err(|e| format!("Redis TLS certificates: {e}"))?;
        let info = client.get_connection_info();
        Ok(Self {
            addr: info.addr().to_string(),
            password: password_of(info),
            servers: Servers::Master(Arc::new(Master::Server(client))),
        })
    }
}

enum Topology {
    Cluster,
    Sentinel,
}

fn not_tls() -> String {
    "TLS certificates are configured for Redis, but its URL is not rediss:// (or rediss+cluster://, rediss+sentinel://)".into()
}

fn password_of(info: &ConnectionInfo) -> Option<String> {
    info.redis_settings()
        .password()
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
}

/// `message` without `password`.
pub(super) fn scrubbed(message: &str, password: Option<&str>) -> String {
    match password {
        Some(password) => message.replace(password, "***"),
        None => message.to_owned(),
    }
}

impl Master {
    /// A client for the master now.
    pub(super) async fn client(&self) -> RedisResult<Client> {
        match self {
            Self::Server(client) => Ok(client.clone()),
            Self::Sentinel(sentinel) => sentinel.lock().await.async_get_client().await,
        }
    }
}

impl Servers {
    /// The masters now, for a watch.
    pub(super) async fn masters(&self) -> RedisResult<Masters> {
        match self {
            Self::Master(master) => Ok(Masters {
                clients: vec![resp3(master.client().await?.get_connection_info().clone())?],
                check: match &**master {
                    Master::Server(_) => Check::Ping,
                    Master::Sentinel(_) => Check::Role,
                },
            }),
            Self::Cluster(cluster) => {
                let slots: Value = redis::cmd("CLUSTER")
                    .arg("SLOTS")
                    .query_async(&mut cluster.connection.clone())
                    .await?;
                let masters = masters_of(&slots)?;
                let clients = masters
                    .iter()
                    .map(|(host, port)| resp3(cluster.node_at(host, *port)))
                    .collect::<RedisResult<_>>()?;
                Ok(Masters {
                    clients,
                    check: Check::Slots(masters),
                })
            }
        }
    }

    /// A client for events (pub/sub): the master, or a cluster's first master (a message
    /// published on any node of a cluster reaches every node's subscribers).
    pub(super) async fn events_client(&self) -> RedisResult<Client> {
        let mut masters = self.masters().await?;
        Ok(masters.clients.swap_remove(0))
    }
}

impl Cluster {
    /// A node's connection settings at `host:port`.
    fn node_at(&self, host: &str, port: u16) -> ConnectionInfo {
        let addr = match self.node.addr() {
            ConnectionAddr::TcpTls {
                insecure,
                tls_params,
                ..
            } => ConnectionAddr::TcpTls {
                host: host.to_owned(),
                port,
                insecure: *insecure,
                tls_params: tls_params.clone(),
            },
            _ => ConnectionAddr::Tcp(host.to_owned(), port),
        };
        self.node.clone().set_addr(addr)
    }
}

/// A client speaking RESP3 (for its pushes) with the settings of `info`.
fn resp3(info: ConnectionInfo) -> RedisResult<Client> {
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    Client::open(info.set_redis_settings(settings))
}

/// The masters `CLUSTER SLOTS` names: each range is `[start, end, [host, port, id, ...], replicas...]`.
pub(super) fn masters_of(slots: &Value) -> RedisResult<BTreeSet<(String, u16)>> {
    let malformed =
        || RedisError::from((redis::ErrorKind::Parse, "unexpected CLUSTER SLOTS reply"));
    let Value::Array(ranges) = slots else {
        return Err(malformed());
    };
    let mut masters = BTreeSet::new();
    for range in ranges {
        let Value::Array(range) = range else {
            return Err(malformed());
        };
        let Some(Value::Array(master)) = range.get(2) else {
            return Err(malformed());
        };
        let host = match master.first() {
            Some(Value::BulkString(host)) => String::from_utf8_lossy(host).into_owned(),
            Some(Value::SimpleString(host)) => host.clone(),
            _ => return Err(malformed()),
        };
        let Some(Value::Int(port)) = master.get(1) else {
            return Err(malformed());
        };
        let port = u16::try_from(*port).map_err(|_| malformed())?;
        masters.insert((host, port));
    }
    if masters.is_empty() {
        return Err(RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::ClusterDown),
            "the cluster serves no slot",
        )));
    }
    Ok(masters)
}
