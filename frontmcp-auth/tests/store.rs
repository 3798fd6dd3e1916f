//! The store contract, checked once against every implementation: each `case_*` runs on a
//! [`MemoryStore`] and on a [`RedisStore`] (the machine's, at `redis://127.0.0.1:6379`, with a
//! random key prefix per test so parallel runs do not collide).
//!
//! Without a reachable Redis the Redis tests are skipped loudly, unless `CI` is set: then they fail.

mod support;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::{TestRedis, raw_connection, redis_url};

use deadpool_redis::redis;
use frontmcp_auth::store::{MemoryStore, Namespace, RedisStore, Store, StoreError, StoreExt};
use serde::{Deserialize, Serialize};
use tokio::sync::Barrier;

/// Short, yet long enough for a few round trips on a busy machine.
const TTL: Duration = Duration::from_millis(250);
/// Comfortably past [`TTL`].
const AFTER_TTL: Duration = Duration::from_millis(600);

const ALL_NAMESPACES: [Namespace; 9] = [
    Namespace::Client,
    Namespace::Pending,
    Namespace::Code,
    Namespace::Refresh,
    Namespace::RefreshUsed,
    Namespace::RevokedFamily,
    Namespace::Session,
    Namespace::Consent,
    Namespace::Key,
];

// ---------------------------------------------------------------------------------------------
// The cases, written once.
// ---------------------------------------------------------------------------------------------

async fn case_put_get(store: Arc<dyn Store>) {
    assert_eq!(store.get(Namespace::Client, "missing").await.unwrap(), None);
    store
        .put(Namespace::Client, "a", b"hello", None)
        .await
        .unwrap();
    assert_eq!(
        store.get(Namespace::Client, "a").await.unwrap().as_deref(),
        Some(&b"hello"[..])
    );
    // Reading does not consume.
    assert_eq!(
        store.get(Namespace::Client, "a").await.unwrap().as_deref(),
        Some(&b"hello"[..])
    );

    // Values are bytes: empty and non-UTF-8 values survive; keys may hold separators and Unicode.
    store
        .put(Namespace::Client, "empty", b"", None)
        .await
        .unwrap();
    assert_eq!(
        store.get(Namespace::Client, "empty").await.unwrap(),
        Some(Vec::new())
    );
    let binary = [0u8, 0xff, 0xfe, b'\n', b'\r', 0x80, b':'];
    let odd_key = "a:b c/é*?[x]";
    store
        .put(
            Namespace::Client,
            odd_key,
            &binary,
            Some(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .get(Namespace::Client, odd_key)
            .await
            .unwrap()
            .as_deref(),
        Some(&binary[..])
    );
    assert_eq!(store.get(Namespace::Client, "a:b").await.unwrap(), None);
}

async fn case_overwrite(store: Arc<dyn Store>) {
    store
        .put(Namespace::Session, "s", b"one", None)
        .await
        .unwrap();
    store
        .put(Namespace::Session, "s", b"two", None)
        .await
        .unwrap();
    assert_eq!(
        store.get(Namespace::Session, "s").await.unwrap().as_deref(),
        Some(&b"two"[..])
    );

    // Overwriting replaces the TTL too: no TTL now means no expiry.
    store
        .put(Namespace::Session, "t", b"short", Some(TTL))
        .await
        .unwrap();
    store
        .put(Namespace::Session, "t", b"forever", None)
        .await
        .unwrap();
    // And a TTL now applies to a value that had none.
    store
        .put(Namespace::Session, "s", b"three", Some(TTL))
        .await
        .unwrap();
    tokio::time::sleep(AFTER_TTL).await;
    assert_eq!(
        store.get(Namespace::Session, "t").await.unwrap().as_deref(),
        Some(&b"forever"[..])
    );
    assert_eq!(store.get(Namespace::Session, "s").await.unwrap(), None);
}

async fn case_put_new_first_writer_wins(store: Arc<dyn Store>) {
    assert!(
        store
            .put_new(Namespace::Consent, "k", b"first", None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_new(Namespace::Consent, "k", b"second", None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get(Namespace::Consent, "k").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );

    // Free again once deleted.
    assert!(store.delete(Namespace::Consent, "k").await.unwrap());
    assert!(
        store
            .put_new(Namespace::Consent, "k", b"third", None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get(Namespace::Consent, "k").await.unwrap().as_deref(),
        Some(&b"third"[..])
    );

    // Free again once expired; the TTL given to put_new applies.
    assert!(
        store
            .put_new(Namespace::Consent, "e", b"old", Some(TTL))
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_new(Namespace::Consent, "e", b"blocked", Some(TTL))
            .await
            .unwrap()
    );
    tokio::time::sleep(AFTER_TTL).await;
    assert_eq!(store.get(Namespace::Consent, "e").await.unwrap(), None);
    assert!(
        store
            .put_new(Namespace::Consent, "e", b"new", None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get(Namespace::Consent, "e").await.unwrap().as_deref(),
        Some(&b"new"[..])
    );

    // Concurrent put_new: exactly one writer wins, and its value is the one stored.
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20u8)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .put_new(Namespace::Consent, "race", &[i], None)
                    .await
                    .unwrap()
                    .then_some(i)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(
        store.get(Namespace::Consent, "race").await.unwrap(),
        Some(winners)
    );
}

async fn case_ttl_expiry(store: Arc<dyn Store>) {
    store
        .put(Namespace::Pending, "p", b"v", Some(TTL))
        .await
        .unwrap();
    assert_eq!(
        store.get(Namespace::Pending, "p").await.unwrap().as_deref(),
        Some(&b"v"[..])
    );
    store
        .put(Namespace::Pending, "taken", b"v", Some(TTL))
        .await
        .unwrap();
    store
        .put(Namespace::Pending, "deleted", b"v", Some(TTL))
        .await
        .unwrap();
    store
        .put(
            Namespace::Pending,
            "long",
            b"v",
            Some(Duration::from_secs(60)),
        )
        .await
        .unwrap();

    tokio::time::sleep(AFTER_TTL).await;
    // Expired values are absent to every operation.
    assert_eq!(store.get(Namespace::Pending, "p").await.unwrap(), None);
    assert_eq!(store.take(Namespace::Pending, "taken").await.unwrap(), None);
    assert!(!store.delete(Namespace::Pending, "deleted").await.unwrap());
    assert_eq!(
        store
            .get(Namespace::Pending, "long")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"v"[..])
    );

    // A zero or sub-millisecond TTL is (almost) immediately expired, and never an error.
    store
        .put(Namespace::Pending, "zero", b"v", Some(Duration::ZERO))
        .await
        .unwrap();
    store
        .put(
            Namespace::Pending,
            "tiny",
            b"v",
            Some(Duration::from_micros(10)),
        )
        .await
        .unwrap();
    // A TTL too large for any clock means "never" rather than an error.
    store
        .put(Namespace::Pending, "huge", b"v", Some(Duration::MAX))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.get(Namespace::Pending, "zero").await.unwrap(), None);
    assert_eq!(store.get(Namespace::Pending, "tiny").await.unwrap(), None);
    assert_eq!(
        store
            .get(Namespace::Pending, "huge")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"v"[..])
    );
}

async fn case_take_is_single_use(store: Arc<dyn Store>) {
    store
        .put(Namespace::Code, "c", b"code", Some(Duration::from_secs(60)))
        .await
        .unwrap();
    assert_eq!(
        store.take(Namespace::Code, "c").await.unwrap().as_deref(),
        Some(&b"code"[..])
    );
    assert_eq!(store.take(Namespace::Code, "c").await.unwrap(), None);
    assert_eq!(store.get(Namespace::Code, "c").await.unwrap(), None);
    assert_eq!(
        store.take(Namespace::Code, "never-there").await.unwrap(),
        None
    );
}

async fn case_concurrent_take_one_winner(store: Arc<dyn Store>) {
    const TAKERS: usize = 50;
    for round in 0..5 {
        let key = format!("contested-{round}");
        store
            .put(
                Namespace::Code,
                &key,
                b"the code",
                Some(Duration::from_secs(60)),
            )
            .await
            .unwrap();
        let barrier = Arc::new(Barrier::new(TAKERS));
        let tasks: Vec<_> = (0..TAKERS)
            .map(|_| {
                let (store, barrier, key) = (store.clone(), barrier.clone(), key.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.take(Namespace::Code, &key).await.unwrap()
                })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            if let Some(value) = task.await.unwrap() {
                assert_eq!(value, b"the code");
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "round {round}: {winners} takers got the value");
        assert_eq!(store.get(Namespace::Code, &key).await.unwrap(), None);
    }
}

async fn case_delete(store: Arc<dyn Store>) {
    assert!(!store.delete(Namespace::Refresh, "r").await.unwrap());
    store
        .put(Namespace::Refresh, "r", b"v", None)
        .await
        .unwrap();
    assert!(store.delete(Namespace::Refresh, "r").await.unwrap());
    assert_eq!(store.get(Namespace::Refresh, "r").await.unwrap(), None);
    assert!(!store.delete(Namespace::Refresh, "r").await.unwrap());
}

async fn case_namespaces_are_isolated(store: Arc<dyn Store>) {
    for ns in ALL_NAMESPACES {
        store
            .put(ns, "same-key", ns.as_str().as_bytes(), None)
            .await
            .unwrap();
    }
    for ns in ALL_NAMESPACES {
        assert_eq!(
            store.get(ns, "same-key").await.unwrap().as_deref(),
            Some(ns.as_str().as_bytes())
        );
    }
    // Consuming or deleting in one namespace leaves the others alone.
    assert!(
        store
            .take(Namespace::Code, "same-key")
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.delete(Namespace::Refresh, "same-key").await.unwrap());
    assert!(
        !store
            .put_new(Namespace::Session, "same-key", b"x", None)
            .await
            .unwrap()
    );
    for ns in ALL_NAMESPACES {
        let expected = match ns {
            Namespace::Code | Namespace::Refresh => None,
            _ => Some(ns.as_str().as_bytes().to_vec()),
        };
        assert_eq!(store.get(ns, "same-key").await.unwrap(), expected, "{ns:?}");
    }
    // "refresh" + ":used" must not collide with "refresh-used" and the like.
    assert_eq!(
        store
            .get(Namespace::Refresh, "used:same-key")
            .await
            .unwrap(),
        None
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Record {
    id: String,
    scopes: Vec<String>,
    expires: u64,
}

async fn case_records(store: Arc<dyn Store>) {
    let record = Record {
        id: "abc".into(),
        scopes: vec!["read".into(), "write".into()],
        expires: 42,
    };
    store
        .put_record(Namespace::Session, "j", &record, None)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_record::<Record>(Namespace::Session, "j")
            .await
            .unwrap(),
        Some(record)
    );
    assert_eq!(
        store
            .get_record::<Record>(Namespace::Session, "missing")
            .await
            .unwrap(),
        None
    );

    let other = Record {
        id: "other".into(),
        scopes: Vec::new(),
        expires: 0,
    };
    assert!(
        !store
            .put_new_record(Namespace::Session, "j", &other, None)
            .await
            .unwrap()
    );
    assert!(
        store
            .put_new_record(Namespace::Code, "j", &other, Some(Duration::from_secs(60)))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .take_record::<Record>(Namespace::Code, "j")
            .await
            .unwrap(),
        Some(other)
    );
    assert_eq!(
        store
            .take_record::<Record>(Namespace::Code, "j")
            .await
            .unwrap(),
        None
    );

    // A field added last with a default reads the records written before it.
    #[derive(Debug, PartialEq, Deserialize)]
    struct RecordWithNote {
        id: String,
        scopes: Vec<String>,
        expires: u64,
        #[serde(default)]
        note: Option<String>,
    }
    let record = Record {
        id: "abc".into(),
        scopes: vec!["read".into()],
        expires: 42,
    };
    store
        .put_record(Namespace::Session, "older", &record, None)
        .await
        .unwrap();
    let read = store
        .get_record::<RecordWithNote>(Namespace::Session, "older")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((read.id, read.note), ("abc".to_owned(), None));

    // A JSON record, as earlier versions wrote them, still reads.
    store
        .put(
            Namespace::Session,
            "json",
            br#"{"id":"abc","scopes":["read"],"expires":42}"#,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .get_record::<Record>(Namespace::Session, "json")
            .await
            .unwrap(),
        Some(record)
    );

    // Bytes that are not a record of the expected shape are reported as corrupt, with the
    // namespace.
    for (key, bytes) in [
        ("bad", &b"{not json"[..]),
        ("bad-messagepack", &[1, 0xc1][..]),
        ("neither", &b"plain"[..]),
        ("empty", &b""[..]),
    ] {
        store.put(Namespace::Code, key, bytes, None).await.unwrap();
        match store.get_record::<Record>(Namespace::Code, key).await {
            Err(StoreError::Corrupt { namespace, .. }) => assert_eq!(namespace, "code"),
            other => panic!("{key}: expected Corrupt, got {other:?}"),
        }
    }
    store
        .put(Namespace::Code, "wrong-shape", br#"{"id": 1}"#, None)
        .await
        .unwrap();
    assert!(matches!(
        store
            .take_record::<Record>(Namespace::Code, "wrong-shape")
            .await,
        Err(StoreError::Corrupt {
            namespace: "code",
            ..
        })
    ));
    // The corrupt record was still taken: single use holds even for garbage.
    assert_eq!(
        store.get(Namespace::Code, "wrong-shape").await.unwrap(),
        None
    );
}

async fn case_ping(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Running every case on every store.
// ---------------------------------------------------------------------------------------------

/// What one process publishes, every process subscribed to the store hears (a local store has
/// nobody to tell). The subscription connects in the background, so the message is published
/// until it arrives.
async fn case_events(store: Arc<dyn Store>) {
    let Some(mut events) = store.subscribe() else {
        assert!(store.is_local(), "a shared store offers a subscription");
        store.publish(b"nobody listens").await.unwrap();
        return;
    };
    assert!(!store.is_local());
    let heard = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            store.publish(b"app authorized").await.unwrap();
            if let Ok(Ok(message)) =
                tokio::time::timeout(std::time::Duration::from_millis(100), events.recv()).await
            {
                return message;
            }
        }
    })
    .await
    .expect("the message arrives");
    assert_eq!(heard, b"app authorized");
}

async fn case_touch(store: Arc<dyn Store>) {
    assert!(
        !store
            .touch(Namespace::Client, "nobody", Duration::from_secs(60))
            .await
            .unwrap()
    );
    store
        .put(Namespace::Client, "c", b"client", Some(TTL))
        .await
        .unwrap();
    assert!(
        store
            .touch(Namespace::Client, "c", Duration::from_secs(60))
            .await
            .unwrap()
    );
    tokio::time::sleep(AFTER_TTL).await;
    assert_eq!(
        store.get(Namespace::Client, "c").await.unwrap().as_deref(),
        Some(&b"client"[..]),
        "its life was extended"
    );
    assert!(store.touch(Namespace::Client, "c", TTL).await.unwrap());
    tokio::time::sleep(AFTER_TTL).await;
    assert_eq!(store.get(Namespace::Client, "c").await.unwrap(), None);
    assert!(
        !store.touch(Namespace::Client, "c", TTL).await.unwrap(),
        "an expired value is not revived"
    );
}

async fn case_admit_bounds_the_set(store: Arc<dyn Store>) {
    let long = Duration::from_secs(60);
    for member in ["a", "b", "c"] {
        assert!(
            store
                .admit(Namespace::Client, member, long, 3)
                .await
                .unwrap()
        );
    }
    assert!(
        !store.admit(Namespace::Client, "d", long, 3).await.unwrap(),
        "full"
    );
    assert!(
        store.admit(Namespace::Client, "b", long, 3).await.unwrap(),
        "a member renews even when the set is full"
    );
    // Sets are per namespace.
    assert!(store.admit(Namespace::Session, "d", long, 3).await.unwrap());
    // Members expire, and make room.
    assert!(store.admit(Namespace::Pending, "x", TTL, 1).await.unwrap());
    assert!(!store.admit(Namespace::Pending, "y", TTL, 1).await.unwrap());
    tokio::time::sleep(AFTER_TTL).await;
    assert!(store.admit(Namespace::Pending, "y", TTL, 1).await.unwrap());
    // Concurrent admissions never overfill.
    let admitted: Vec<bool> = futures_util::future::join_all((0..20).map(|i| {
        let store = store.clone();
        async move {
            store
                .admit(Namespace::Code, &format!("m{i}"), long, 5)
                .await
                .unwrap()
        }
    }))
    .await;
    assert_eq!(admitted.iter().filter(|a| **a).count(), 5);
}

async fn case_throttle(store: Arc<dyn Store>) {
    let interval = Duration::from_millis(400);
    for n in 0..3 {
        assert_eq!(
            store
                .throttle(Namespace::RateLimit, "login:ada", interval, 3)
                .await
                .unwrap(),
            None,
            "event {n} is within the burst"
        );
    }
    let wait = store
        .throttle(Namespace::RateLimit, "login:ada", interval, 3)
        .await
        .unwrap()
        .expect("over the burst");
    assert!(
        wait > Duration::ZERO && wait <= interval,
        "about one interval: {wait:?}"
    );
    // Another key has its own rate; refused events are not counted.
    assert_eq!(
        store
            .throttle(Namespace::RateLimit, "login:bob", interval, 3)
            .await
            .unwrap(),
        None
    );
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    assert_eq!(
        store
            .throttle(Namespace::RateLimit, "login:ada", interval, 3)
            .await
            .unwrap(),
        None,
        "one more after the wait"
    );
    assert!(
        store
            .throttle(Namespace::RateLimit, "login:ada", interval, 3)
            .await
            .unwrap()
            .is_some()
    );
    // A burst of one: every event waits its interval.
    let one = Duration::from_secs(30);
    assert_eq!(
        store
            .throttle(Namespace::RateLimit, "once", one, 1)
            .await
            .unwrap(),
        None
    );
    let wait = store
        .throttle(Namespace::RateLimit, "once", one, 1)
        .await
        .unwrap()
        .unwrap();
    assert!(wait > Duration::from_secs(29), "{wait:?}");
}

for_each_store!(
    case_touch,
    case_admit_bounds_the_set,
    case_throttle,
    case_events,
    case_put_get,
    case_overwrite,
    case_put_new_first_writer_wins,
    case_ttl_expiry,
    case_take_is_single_use,
    case_concurrent_take_one_winner,
    case_delete,
    case_namespaces_are_isolated,
    case_records,
    case_ping,
);

// ---------------------------------------------------------------------------------------------
// Redis only.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_key_prefixes_isolate_stores() {
    let Some(mut redis) = TestRedis::connect("prefixes").await else {
        return;
    };
    let a = redis.store.clone();
    let b = redis.sibling("prefixes-b").await;

    a.put(Namespace::Session, "s", b"from a", None)
        .await
        .unwrap();
    b.put(Namespace::Session, "s", b"from b", None)
        .await
        .unwrap();
    assert_eq!(
        a.get(Namespace::Session, "s").await.unwrap().as_deref(),
        Some(&b"from a"[..])
    );
    assert_eq!(
        b.get(Namespace::Session, "s").await.unwrap().as_deref(),
        Some(&b"from b"[..])
    );

    assert!(a.put_new(Namespace::Code, "c", b"a", None).await.unwrap());
    assert!(b.put_new(Namespace::Code, "c", b"b", None).await.unwrap());
    assert_eq!(
        a.take(Namespace::Code, "c").await.unwrap().as_deref(),
        Some(&b"a"[..])
    );
    assert_eq!(
        b.take(Namespace::Code, "c").await.unwrap().as_deref(),
        Some(&b"b"[..])
    );

    assert!(a.delete(Namespace::Session, "s").await.unwrap());
    assert_eq!(
        b.get(Namespace::Session, "s").await.unwrap().as_deref(),
        Some(&b"from b"[..])
    );
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_keys_and_ttls_are_native() {
    let Some(redis) = TestRedis::connect("layout").await else {
        return;
    };
    let prefix = redis.prefixes[0].clone();
    let store = redis.store.clone();
    store
        .put(
            Namespace::RefreshUsed,
            "k:1",
            b"v",
            Some(Duration::from_secs(30)),
        )
        .await
        .unwrap();
    store
        .put_new(Namespace::Key, "signing", b"pem", None)
        .await
        .unwrap();

    let mut conn = raw_connection().await;
    let key = format!("{prefix}refresh-used:k:1");
    let raw: Option<Vec<u8>> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(raw.as_deref(), Some(&b"v"[..]));
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(pttl > 25_000 && pttl <= 30_000, "PTTL {pttl}");
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}key:signing"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(pttl, -1, "no TTL means no expiry");
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_errors_never_show_the_password() {
    let Some(redis) = TestRedis::connect("password").await else {
        return;
    };
    redis.cleanup().await;
    let info = redis::Client::open(redis_url())
        .unwrap()
        .get_connection_info()
        .clone();
    let redis::ConnectionAddr::Tcp(host, port) = info.addr() else {
        return;
    };
    // Whether this Redis has no password (AUTH is refused) or another one, connecting fails.
    let password = "n0t-the-Pa55word";
    let url = format!("redis://someone:{password}@{host}:{port}");
    let error = RedisStore::connect(&url, "x:").await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Unavailable(_)), "{message}");
    assert!(message.contains(&format!("{host}:{port}")), "{message}");
    assert!(!message.contains(password), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_debug_never_shows_the_password() {
    let Some(redis) = TestRedis::connect("debug").await else {
        return;
    };
    let debug = format!("{:?}", redis.store);
    assert!(debug.contains("RedisStore"), "{debug}");
    if let Some(password) = redis::Client::open(redis_url())
        .unwrap()
        .get_connection_info()
        .redis_settings()
        .password()
    {
        assert!(!debug.contains(password), "{debug}");
    }
    redis.cleanup().await;
}

// ---------------------------------------------------------------------------------------------
// No Redis needed.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_fails_fast_with_the_address() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let password = "hunter2-secret";
    let started = Instant::now();
    let error = RedisStore::connect(&format!("redis://user:{password}@127.0.0.1:{port}/0"), "p:")
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let message = error.to_string();
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert!(matches!(error, StoreError::Unavailable(_)), "{message}");
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(!message.contains(password), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_that_never_answers_times_out() {
    // Accepts connections (the kernel does, into the backlog) and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let started = Instant::now();
    let error = RedisStore::connect_with_timeout(
        &format!("redis://127.0.0.1:{port}"),
        "p:",
        Duration::from_millis(300),
    )
    .await
    .unwrap_err();
    let elapsed = started.elapsed();
    let message = error.to_string();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(2),
        "took {elapsed:?}"
    );
    assert!(matches!(error, StoreError::Unavailable(_)), "{message}");
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    drop(listener);
}

/// A connection that broke under the store is dropped from the pool: one operation fails, the
/// next opens a fresh connection (the pool does not check connections with an extra `PING`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_broken_connection_is_replaced() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicU64::new(0));
    let server = tokio::spawn(fake_redis(listener, connections.clone()));

    let store = RedisStore::connect(&format!("redis://127.0.0.1:{port}"), "p:")
        .await
        .unwrap();
    // The fake server hung up on the first connection after its PING.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let error = store.get(Namespace::Code, "k").await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error}");
    assert_eq!(store.get(Namespace::Code, "k").await.unwrap(), None);
    store.ping().await.unwrap();
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    server.abort();
}

/// A lost watch (its connection killed here; a failover, a partition or a restart in real life)
/// retires every pooled connection opened before it: the next operation opens a fresh one, to the
/// master of the moment, so nothing read through a connection to a demoted master can be cached
/// while the watch hears the new one. Without a loss, the pool keeps its connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_watch_retires_the_pooled_connections() {
    use frontmcp_auth::store::Watcher;
    use frontmcp_redis_fixtures::own_redis::OwnRedis;
    use frontmcp_redis_fixtures::redis_nodes::{query, watches};
    use std::sync::atomic::AtomicBool;

    #[derive(Default)]
    struct Heard {
        watching: AtomicBool,
        lost: AtomicBool,
    }
    impl Watcher for Heard {
        fn changed(&self, _key: &str) {}
        fn changed_all(&self) {}
        fn watching(&self, _deadline: Instant) {
            self.watching.store(true, Ordering::SeqCst);
        }
        fn lost(&self) {
            self.lost.store(true, Ordering::SeqCst);
        }
    }
    async fn until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !done() {
            assert!(Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    let Some(redis) = OwnRedis::start("store_lost_watch") else {
        return;
    };
    let url = redis.url();
    // The IDs of the store's pooled connections: neither the watch nor this query's own.
    let pooled = || -> Vec<String> {
        let clients: String = query(&url, redis::cmd("CLIENT").arg("LIST")).unwrap();
        clients
            .lines()
            .filter(|l| !l.contains(" name=frontmcp-watch ") && !l.contains(" cmd=client|list"))
            .filter_map(|l| l.split(' ').find_map(|f| f.strip_prefix("id=")))
            .map(str::to_owned)
            .collect()
    };
    let store = RedisStore::connect(&url, "p:").await.unwrap();
    let heard = Arc::new(Heard::default());
    let watcher: Arc<dyn Watcher> = heard.clone();
    assert!(store.watch(Namespace::Vault, Arc::downgrade(&watcher)));
    until("the watch never came up", || {
        heard.watching.load(Ordering::SeqCst)
    })
    .await;

    store.get(Namespace::Vault, "k").await.unwrap();
    let before = pooled();
    assert_eq!(before.len(), 1, "{before:?}");
    store.get(Namespace::Vault, "k").await.unwrap();
    assert_eq!(
        pooled(),
        before,
        "the pool keeps its connection while the watch holds"
    );

    let (_, watch) = watches(&redis).pop().expect("the store's watch connection");
    query::<()>(&url, redis::cmd("CLIENT").arg("KILL").arg("ID").arg(&watch)).unwrap();
    until("the store did not see its watch lost", || {
        heard.lost.load(Ordering::SeqCst)
    })
    .await;
    store.get(Namespace::Vault, "k").await.unwrap();
    let after = pooled();
    assert!(
        after.iter().any(|id| !before.contains(id)),
        "the next operation reused a connection opened before the loss: {before:?} then {after:?}"
    );
    let old = before[0].clone();
    until("the retired connection was not closed", || {
        !pooled().contains(&old)
    })
    .await;
}

/// Just enough of Redis for one store: answers `PING`, `CLIENT ...` and `GET` (always nil), and
/// closes the first connection right after answering its first `PING`.
async fn fake_redis(listener: tokio::net::TcpListener, connections: Arc<AtomicU64>) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    loop {
        let (socket, _) = listener.accept().await.unwrap();
        let first = connections.fetch_add(1, Ordering::SeqCst) == 0;
        tokio::spawn(async move {
            let mut socket = BufReader::new(socket);
            let mut line = String::new();
            loop {
                // A command is an array of bulk strings: `*N`, then N times `$len` and the bytes.
                line.clear();
                if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let count: usize = line.trim_end().trim_start_matches('*').parse().unwrap();
                let mut args = Vec::new();
                for _ in 0..count {
                    line.clear();
                    socket.read_line(&mut line).await.unwrap();
                    let len: usize = line.trim_end().trim_start_matches('$').parse().unwrap();
                    let mut arg = vec![0; len + 2];
                    socket.read_exact(&mut arg).await.unwrap();
                    arg.truncate(len);
                    args.push(String::from_utf8_lossy(&arg).to_uppercase());
                }
                let reply: &[u8] = match args[0].as_str() {
                    "PING" => b"+PONG\r\n",
                    "GET" => b"$-1\r\n",
                    _ => b"+OK\r\n",
                };
                socket.get_mut().write_all(reply).await.unwrap();
                if first && args[0] == "PING" {
                    return;
                }
            }
        });
    }
}

#[tokio::test]
async fn invalid_url_is_unavailable_without_echoing_it() {
    let error = RedisStore::connect("http://user:topsecret@example.com", "p:")
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Unavailable(_)), "{message}");
    assert!(!message.contains("topsecret"), "{message}");
}

#[tokio::test]
async fn cluster_and_sentinel_urls_are_checked_without_echoing_them() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (url, expected) in [
        ("redis+cluster://u:topsecret@", "no host"),
        ("redis+cluster://u:topsecret@127.0.0.1:7000/1", "no path"),
        (
            "redis+sentinel://u:topsecret@127.0.0.1:26379",
            "no service name",
        ),
        (
            "redis+sentinel://u:topsecret@127.0.0.1:26379/",
            "no service name",
        ),
        (
            "redis+cluster://u:topsecret@127.0.0.1:notaport",
            "invalid Redis URL",
        ),
        (
            "redis+sentinel://u:top/secret@127.0.0.1:26379/main",
            "percent-encode",
        ),
        (
            "redis+cluster://u:topsecret@127.0.0.1:7000?insecure",
            "no query",
        ),
        (
            "redis+sentinel://u:topsecret@127.0.0.1:26379/main#x",
            "no query",
        ),
        (
            &format!("redis+cluster://u:topsecret@127.0.0.1:{closed}"),
            &format!("cluster 127.0.0.1:{closed}"),
        ),
    ] {
        let error = RedisStore::connect(url, "p:").await.unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, StoreError::Unavailable(_)), "{message}");
        assert!(message.contains(expected), "{url}: {message}");
        assert!(!message.contains("topsecret"), "{message}");
        assert!(!message.contains("secret@"), "{message}");
    }
    let tls = frontmcp_auth::store::RedisTls::default();
    for url in [
        "redis+cluster://127.0.0.1:7000",
        "redis+sentinel://127.0.0.1:1/main",
    ] {
        let error = RedisStore::connect_tls(url, "p:", &tls).await.unwrap_err();
        assert!(error.to_string().contains("not rediss://"), "{error}");
    }
}

#[tokio::test]
async fn memory_debug_never_shows_values() {
    let store = MemoryStore::default();
    store
        .put(Namespace::Session, "key", b"secret-value", None)
        .await
        .unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("secret-value"), "{debug}");
    assert!(debug.contains("entries: 1"), "{debug}");
}

#[tokio::test]
async fn memory_sweeps_expired_entries() {
    let store = MemoryStore::new();
    for i in 0..2000 {
        store
            .put(
                Namespace::Pending,
                &format!("old-{i}"),
                b"v",
                Some(Duration::from_millis(1)),
            )
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Written, never read again: only the sweep can remove the expired ones.
    for i in 0..5000 {
        store
            .put(Namespace::Pending, &format!("new-{i}"), b"v", None)
            .await
            .unwrap();
    }
    let debug = format!("{store:?}");
    assert!(debug.contains("entries: 5000"), "{debug}");
}
