//! Redis over TLS (`rediss://`), on a Redis of the test's own that serves TLS only, with a private
//! CA made for the test: the store works with the CA it is given and with a client certificate
//! when Redis asks for one, refuses a server it cannot verify, and a whole progressive
//! authorization runs on it when the environment names the certificates; a Redis Cluster over TLS
//! too.

use std::time::Duration;

use deadpool_redis::redis;
use frontmcp::auth::store::{Namespace, RedisStore, RedisTls, Store, StoreError};
use frontmcp::auth::vault::VaultKeys;
use frontmcp::env::Environment;
use frontmcp_tests::own_redis::{OwnRedis, TlsFiles};
use frontmcp_tests::progressive::{Decision, Suite, demo_builder};
use serde_json::json;

fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).expect("a PEM file")
}

fn with_ca(files: &TlsFiles) -> RedisTls {
    RedisTls {
        root_certificates: Some(read(&files.ca)),
        client_identity: None,
    }
}

fn with_client_certificate(files: &TlsFiles) -> RedisTls {
    RedisTls {
        client_identity: Some((read(&files.client_cert), read(&files.client_key).into())),
        ..with_ca(files)
    }
}

/// Writes, reads and hears an event through `store`.
async fn works(store: &RedisStore) {
    store
        .put(
            Namespace::Session,
            "s1",
            b"over tls",
            Some(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .get(Namespace::Session, "s1")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"over tls"[..])
    );
    let mut events = store.subscribe().expect("a Redis store relays events");
    // The subscription connects in the background: publish until it hears.
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            store.publish(b"hello").await.unwrap();
            if let Ok(Ok(message)) =
                tokio::time::timeout(Duration::from_millis(200), events.recv()).await
            {
                break message;
            }
        }
    })
    .await
    .expect("the event came back over TLS");
    assert_eq!(heard, b"hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_works_over_tls_with_a_private_ca() {
    let Some((redis, files)) = OwnRedis::start_tls("redis_tls_private_ca", false) else {
        return;
    };
    let store = RedisStore::connect_tls(&redis.url(), "t:", &with_ca(&files))
        .await
        .expect("connects over TLS with the CA it is given");
    works(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_the_store_cannot_verify_is_refused() {
    let Some((redis, files)) = OwnRedis::start_tls("redis_tls_refused", false) else {
        return;
    };
    // The system's trust store knows nothing of the test's CA.
    let err = RedisStore::connect(&redis.url(), "t:").await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    // Nor does a CA that did not sign it: the client's certificate is no authority.
    let wrong = RedisTls {
        root_certificates: Some(read(&files.client_cert)),
        client_identity: None,
    };
    let err = RedisStore::connect_tls(&redis.url(), "t:", &wrong)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    // Plain Redis on a TLS port gets nowhere.
    let plain = redis.url().replace("rediss://", "redis://");
    assert!(RedisStore::connect(&plain, "t:").await.is_err());
    // Certificates with a URL that is not TLS are a configuration mistake, said as such.
    let err = RedisStore::connect_tls(&plain, "t:", &with_ca(&files))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not rediss://"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_asks_for_a_client_certificate_gets_one() {
    let Some((redis, files)) = OwnRedis::start_tls("redis_tls_client_cert", true) else {
        return;
    };
    let without = RedisStore::connect_tls(&redis.url(), "t:", &with_ca(&files)).await;
    assert!(without.is_err(), "Redis asks for a client certificate");
    let tls = with_client_certificate(&files);
    assert!(
        !format!("{tls:?}").contains("PRIVATE KEY"),
        "Debug never shows the key"
    );
    let store = RedisStore::connect_tls(&redis.url(), "t:", &tls)
        .await
        .expect("connects with the client certificate");
    works(&store).await;
}

/// `REDIS_URL=rediss://...` and `FRONTMCP_REDIS_CA`, `FRONTMCP_REDIS_CLIENT_CERT` and
/// `FRONTMCP_REDIS_CLIENT_KEY` are all a server needs: a user signs in, authorizes an app, and its
/// tool runs, with every record on the TLS Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_progressive_authorization_runs_on_redis_over_tls() {
    let Some((redis, files)) = OwnRedis::start_tls("redis_tls_flow", true) else {
        return;
    };
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let env = Environment::empty()
        .with("REDIS_URL", redis.url())
        .with("FRONTMCP_REDIS_CA", path(&files.ca))
        .with("FRONTMCP_REDIS_CLIENT_CERT", path(&files.client_cert))
        .with("FRONTMCP_REDIS_CLIENT_KEY", path(&files.client_key));
    let suite = Suite::start_with(demo_builder(), |b| {
        b.environment(env).vault_keys(VaultKeys::generate())
    })
    .await;
    let (_, tokens) = suite
        .browser()
        .sign_in("ada", &[("slack", Decision::Authorize)])
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let client = frontmcp_tests::progressive::Client::connect(&suite.http, access, json!({})).await;
    client.call_ok("slack:send_message").await;

    // The auth session and the app's tokens are in that Redis, read over TLS.
    let certificates = redis::TlsCertificates {
        client_tls: Some(redis::ClientTlsConfig {
            client_cert: read(&files.client_cert),
            client_key: read(&files.client_key),
        }),
        root_cert: Some(read(&files.ca)),
    };
    let raw = redis::Client::build_with_tls(redis.url().as_str(), certificates).unwrap();
    let mut conn = raw.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("frontmcp:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    for ns in [Namespace::Session, Namespace::Vault] {
        let prefix = format!("frontmcp:{}:", ns.as_str());
        assert!(
            keys.iter().any(|k| k.starts_with(&prefix)),
            "no {prefix} key in {keys:?}"
        );
    }
}

/// A Redis Cluster that serves TLS only and asks for a client certificate
/// (`rediss+cluster://`): the store reaches every master with the certificates, hears its events,
/// and the vault's watch, a TLS connection to each master, comes up and hears a deletion made
/// through another store on each master.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_cluster_over_tls() {
    use frontmcp::auth::vault::{TokenVault, VaultEntry};
    use frontmcp_tests::redis_nodes::{OwnCluster, RedisNodes};
    let Some((cluster, files)) = OwnCluster::start_tls("redis_tls_cluster") else {
        return;
    };
    let url = cluster.url();
    assert!(url.starts_with("rediss+cluster://"), "{url}");
    let tls = with_client_certificate(&files);
    assert!(
        RedisStore::connect_tls(&url, "t:", &with_ca(&files))
            .await
            .is_err(),
        "the cluster asks for a client certificate"
    );
    let store = RedisStore::connect_tls(&url, "t:", &tls)
        .await
        .expect("connects to the cluster over TLS");
    works(&store).await;

    let keys = VaultKeys::generate();
    let vault = TokenVault::new(std::sync::Arc::new(store), keys.clone());
    let other = TokenVault::new(
        std::sync::Arc::new(RedisStore::connect_tls(&url, "t:", &tls).await.unwrap()),
        keys,
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !vault.is_watched() {
        assert!(
            std::time::Instant::now() < deadline,
            "the watch on every master never came up over TLS"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let entry = VaultEntry::builder("tls-cluster-access", "https://slack.example")
        .scopes(["chat:write"])
        .obtained_at(0)
        .build();
    // A session whose key falls on each master.
    let mut sessions: Vec<(u16, String)> = Vec::new();
    for i in 0.. {
        let session = format!("sess_{i}");
        let master = cluster.master_of(&format!("t:vault:{session}/slack"));
        if sessions.iter().all(|(m, _)| *m != master) {
            sessions.push((master, session));
        }
        if sessions.len() == 3 {
            break;
        }
    }
    for (_, session) in &sessions {
        let session = session.as_str();
        other.put(session, "slack", &entry, None).await.unwrap();
        assert!(vault.get(session, "slack").await.unwrap().is_some());
        assert!(vault.is_watched(), "the watch went down");
        other.delete(session, "slack").await.unwrap();
        let refused = tokio::time::timeout(Duration::from_secs(2), async {
            while vault.get(session, "slack").await.unwrap().is_some() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(refused.is_ok(), "{session}: the deletion was never heard");
    }
    assert!(vault.is_watched());
}
