//! The upstream OAuth client against the demo provider over loopback: discovery, the code flow
//! with PKCE, refresh rotation, and how each kind of failure is classified.

use std::time::Duration;

use frontmcp_auth::upstream::{
    ClientCredentials, ProviderEndpoints, UpstreamClient, UpstreamError,
};
use frontmcp_demo_provider::{DemoProvider, RunningDemo};

const REDIRECT: &str = "http://127.0.0.1:4567/oauth/callback/slack";

async fn demo() -> RunningDemo {
    DemoProvider::builder()
        .bind("127.0.0.1:0")
        .await
        .expect("the demo provider starts")
}

fn credentials() -> ClientCredentials {
    ClientCredentials {
        client_id: "frontmcp-test".into(),
        client_secret: None,
    }
}

/// Follows the authorization URL like a user who clicks "Allow"; returns the code.
async fn authorize(
    client: &UpstreamClient,
    endpoints: &ProviderEndpoints,
    scopes: &[String],
) -> (String, String) {
    let (url, verifier) =
        client.authorization_url(endpoints, &credentials(), REDIRECT, scopes, "st4te", None);
    assert!(url.contains("code_challenge_method=S256") && url.contains("state=st4te"));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser
        .get(format!("{url}&demo_auto=allow"))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let back = url::Url::parse(&location).unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("state".into(), "st4te".into())));
    let code = pairs.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    (code, verifier)
}

#[tokio::test]
async fn discovery_code_exchange_and_refresh() {
    let demo = demo().await;
    let client = UpstreamClient::new(Duration::from_secs(5));
    let endpoints = client.discover(&demo.url("slack")).await.unwrap();
    assert_eq!(endpoints.issuer, demo.url("slack"));
    assert!(
        endpoints
            .code_challenge_methods_supported
            .contains(&"S256".to_owned())
    );

    let scopes = vec!["chat:write".to_owned()];
    let (code, verifier) = authorize(&client, &endpoints, &scopes).await;
    let tokens = client
        .exchange_code(&endpoints, &credentials(), &code, REDIRECT, &verifier)
        .await
        .unwrap();
    assert_eq!(tokens.granted_scopes(&scopes), ["chat:write"]);
    assert!(
        !format!("{tokens:?}").contains(&tokens.access_token),
        "Debug hides tokens"
    );

    let first_refresh = tokens.refresh_token.clone().expect("a refresh token");
    let refreshed = client
        .refresh(&endpoints, &credentials(), &first_refresh)
        .await
        .unwrap();
    assert_ne!(refreshed.access_token, tokens.access_token);
    let reused = client
        .refresh(&endpoints, &credentials(), &first_refresh)
        .await
        .unwrap_err();
    assert!(
        matches!(&reused, UpstreamError::Refused { error, .. } if error == "invalid_grant"),
        "{reused}"
    );

    // A replayed code is refused, and (RFC 6749 4.1.2) the provider revokes what it issued.
    let replay = client
        .exchange_code(&endpoints, &credentials(), &code, REDIRECT, &verifier)
        .await
        .unwrap_err();
    assert!(replay.needs_reauthorization(), "{replay}");
    let after = client
        .refresh(
            &endpoints,
            &credentials(),
            refreshed.refresh_token.as_deref().unwrap(),
        )
        .await;
    assert!(after.is_err_and(|e| e.needs_reauthorization()));
    demo.shutdown().await;
}

#[tokio::test]
async fn a_wrong_verifier_is_refused() {
    let demo = demo().await;
    let client = UpstreamClient::new(Duration::from_secs(5));
    let endpoints = client.discover(&demo.url("github")).await.unwrap();
    let (code, _) = authorize(&client, &endpoints, &["repo".to_owned()]).await;
    let err = client
        .exchange_code(&endpoints, &credentials(), &code, REDIRECT, &"x".repeat(43))
        .await
        .unwrap_err();
    assert!(err.needs_reauthorization(), "{err}");
    demo.shutdown().await;
}

#[tokio::test]
async fn provider_failures_are_classified() {
    let demo = demo().await;
    let client = UpstreamClient::new(Duration::from_millis(300));
    let endpoints = client.discover(&demo.url("slack")).await.unwrap();
    let scopes = vec!["chat:write".to_owned()];
    let (code, verifier) = authorize(&client, &endpoints, &scopes).await;
    let tokens = client
        .exchange_code(&endpoints, &credentials(), &code, REDIRECT, &verifier)
        .await
        .unwrap();
    let refresh = tokens.refresh_token.unwrap();
    let faults = demo.faults("slack");

    faults.set_token_server_error(true);
    let err = client
        .refresh(&endpoints, &credentials(), &refresh)
        .await
        .unwrap_err();
    assert!(matches!(err, UpstreamError::Unavailable(_)), "{err}");
    assert!(!err.needs_reauthorization(), "a 5xx is not a lost grant");
    faults.set_token_server_error(false);

    faults.set_token_delay(Some(Duration::from_secs(2)));
    let err = client
        .refresh(&endpoints, &credentials(), &refresh)
        .await
        .unwrap_err();
    assert!(matches!(err, UpstreamError::Timeout(_)), "{err}");
    faults.set_token_delay(None);

    faults.set_refresh_invalid_grant(true);
    let err = client
        .refresh(&endpoints, &credentials(), &refresh)
        .await
        .unwrap_err();
    assert!(err.needs_reauthorization(), "{err}");
    demo.shutdown().await;
}

#[tokio::test]
async fn discovery_failures() {
    let demo = demo().await;
    let client = UpstreamClient::new(Duration::from_secs(2));
    let err = client
        .discover(&format!("{}/nobody", demo.base_url()))
        .await
        .unwrap_err();
    assert!(matches!(err, UpstreamError::Discovery(_)), "{err}");
    demo.shutdown().await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client
        .discover(&format!("http://127.0.0.1:{port}/slack"))
        .await
        .unwrap_err();
    assert!(matches!(err, UpstreamError::Unavailable(_)), "{err}");
    assert!(client.discover("not a url").await.is_err());
}

#[test]
fn credentials_debug_hides_the_secret() {
    let creds = ClientCredentials {
        client_id: "id".into(),
        client_secret: Some("s3cret".into()),
    };
    assert!(!format!("{creds:?}").contains("s3cret"));
}
