//! OpenAPI adapters end to end: two specs behind two providers (the DEMO provider's Petstore and
//! Inventory REST APIs) and a YAML spec joining the Petstore app; tools, schemas, the consent
//! screen grouped by provider, per-provider tokens, upstream errors, huge responses, bad
//! arguments, bad specs and SSRF refusals.

use std::time::Duration;

use frontmcp::auth::{
    AppAuth, AppAuthMode, ConsentConfig, RemoteProvider, ServerAuth, ServerAuthMode,
};
use frontmcp::{OpenApi, ServerBuilder};
use frontmcp_demo_provider::{DemoProvider, ProviderSpec, RunningDemo};
use frontmcp_tests::progressive::{Client, Decision, UserAgent, badges};
use frontmcp_tests::{Http, TestServer, repo_root};
use hyper::StatusCode;
use serde_json::{Value, json};

fn transparent(provider: &str, scopes: &[&str]) -> AppAuth {
    AppAuth {
        mode: AppAuthMode::Transparent,
        remote: Some(RemoteProvider {
            provider: provider.to_owned().into(),
            scopes: scopes.iter().map(|s| (*s).to_owned().into()).collect(),
            client_id: Some("gateway".into()),
            client_id_env: None,
            client_secret_env: None,
            authorization_endpoint: None,
            token_endpoint: None,
        }),
    }
}

async fn demo() -> RunningDemo {
    DemoProvider::builder()
        .clear_providers()
        .provider(
            ProviderSpec::new("petstore", "Petstore", ["pets:read", "pets:write"]).with_rest_api(
                "pets",
                "pets:read",
                "pets:write",
            ),
        )
        .provider(
            ProviderSpec::new("inventory", "Inventory", ["stock:read", "stock:write"])
                .with_rest_api("stock", "stock:read", "stock:write"),
        )
        .bind("127.0.0.1:0")
        .await
        .unwrap()
}

/// The Petstore spec fetched from its URL, the YAML extras from a file (same provider, so the
/// same app), the Inventory spec from its URL.
fn gateway(demo: &RunningDemo) -> ServerBuilder {
    let petstore_auth = transparent(&demo.url("petstore"), &["pets:read", "pets:write"]);
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    };
    frontmcp_tests::builder("APIGateway", "1.0.0")
        .auth(auth)
        .openapi(
            OpenApi::new(format!("{}/rest/openapi.json", demo.url("petstore")))
                .allow_private_network(true)
                .auth(petstore_auth.clone()),
        )
        .openapi(
            OpenApi::new(
                repo_root()
                    .join("tests/openapi/petstore-extra.yaml")
                    .display()
                    .to_string(),
            )
            .base_url(format!("{}/rest", demo.url("petstore")))
            .allow_private_network(true)
            .auth(petstore_auth),
        )
        .openapi(
            OpenApi::new(format!("{}/rest/openapi.json", demo.url("inventory")))
                .allow_private_network(true)
                .max_response_bytes(64 * 1024)
                .auth(transparent(
                    &demo.url("inventory"),
                    &["stock:read", "stock:write"],
                )),
        )
}

async fn start() -> (RunningDemo, TestServer, Http) {
    let demo = demo().await;
    let server = TestServer::start(gateway(&demo)).await;
    let http = Http::new(&server.url);
    (demo, server, http)
}

fn structured(result: &Value) -> &Value {
    assert!(result.get("isError").is_none(), "{result}");
    &result["structuredContent"]
}

async fn call(client: &Client, tool: &str, arguments: Value) -> Value {
    client
        .call_json(json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}))
        .await
}

#[tokio::test]
async fn specs_become_tools_grouped_by_provider() {
    let (_demo, _server, http) = start().await;
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser.sign_in("ada", &[]).await;
    let client = Client::connect(&http, tokens["access_token"].as_str().unwrap(), json!({})).await;
    let list = client
        .call_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    let tools = list["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "petstore:export",
            "petstore:list_pets",
            "petstore:create_pets",
            "petstore:get_pets",
            "petstore:delete_pets",
            "petstore:export_2",
            "inventory:export",
            "inventory:list_stock",
            "inventory:create_stock",
            "inventory:get_stock",
            "inventory:delete_stock",
        ],
        "one app per provider; the second spec's `export` renamed; its cookie operation skipped"
    );
    let tool = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap();
    let list_pets = tool("petstore:list_pets");
    assert_eq!(list_pets["description"], "List pets");
    assert_eq!(
        list_pets["inputSchema"]["properties"]["tag"],
        json!({"type": "array", "items": {"type": "string"}, "description": "Only items with one of these tags."})
    );
    assert_eq!(list_pets["annotations"]["readOnlyHint"], true);
    assert_eq!(
        list_pets["outputSchema"]["properties"]["body"]["items"],
        json!({"$ref": "#/$defs/Item"})
    );
    assert!(list_pets["outputSchema"]["$defs"]["Item"]["properties"]["owner"].is_object());
    let create = tool("petstore:create_pets");
    assert_eq!(create["inputSchema"]["required"], json!(["body"]));
    assert_eq!(create["annotations"]["readOnlyHint"], false);
    assert_eq!(
        tool("petstore:delete_pets")["annotations"]["destructiveHint"],
        true
    );
    assert_eq!(
        tool("petstore:get_pets")["inputSchema"]["required"],
        json!(["itemId"])
    );

    // The consent screen: one card per provider, each with its tools.
    let registered = frontmcp_tests::oauth::register(&http, json!({})).await;
    let client_id = registered["client_id"].as_str().unwrap();
    let login = browser
        .get(&frontmcp_tests::oauth::authorize_query(client_id, &[]))
        .await;
    let consent = browser
        .submit(&login, &[("username", "ada"), ("password", "pw")])
        .await;
    assert_eq!(
        badges(&consent.body),
        [
            ("Petstore API (DEMO)".into(), "Pending".into()),
            ("Inventory API (DEMO)".into(), "Pending".into()),
        ]
    );
    assert!(
        consent
            .body
            .contains("export, list_pets, create_pets, get_pets, delete_pets, export_2")
    );
    assert!(
        consent
            .body
            .contains("export, list_stock, create_stock, get_stock, delete_stock")
    );
}

#[tokio::test]
async fn each_provider_has_its_own_token() {
    let (demo, _server, http) = start().await;
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser
        .sign_in("ada", &[("petstore", Decision::Authorize)])
        .await;
    let client = Client::connect(&http, tokens["access_token"].as_str().unwrap(), json!({})).await;

    let created = call(
        &client,
        "petstore:create_pets",
        json!({"body": {"name": "Rex", "tag": "dog"}}),
    )
    .await;
    let body = &structured(&created)["body"];
    assert_eq!(structured(&created)["status"], 201);
    assert_eq!(body["name"], "Rex");
    assert_eq!(body["owner"], "ada-petstore", "the Petstore token");
    let id = body["id"].as_u64().unwrap();
    call(
        &client,
        "petstore:create_pets",
        json!({"body": {"name": "Tom", "tag": "cat"}}),
    )
    .await;
    let dogs = call(
        &client,
        "petstore:list_pets",
        json!({"tag": ["dog", "hamster"], "limit": 5}),
    )
    .await;
    assert_eq!(
        structured(&dogs)["body"],
        json!([{"id": id, "name": "Rex", "tag": "dog", "owner": "ada-petstore"}])
    );
    let one = call(&client, "petstore:get_pets", json!({"itemId": id})).await;
    assert_eq!(structured(&one)["body"]["name"], "Rex");
    let deleted = call(&client, "petstore:delete_pets", json!({"itemId": id})).await;
    assert_eq!(structured(&deleted)["status"], 204);

    // Inventory has its own provider: not authorized yet.
    let required = client.auth_required("inventory:create_stock").await;
    assert_eq!(required["app"], "inventory");
    assert_eq!(required["required_scopes"], json!(["stock:write"]));
    browser
        .authorize_link(required["auth_url"].as_str().unwrap(), "ada", "ada-stock")
        .await;
    let stock = call(
        &client,
        "inventory:create_stock",
        json!({"body": {"name": "Crate"}}),
    )
    .await;
    assert_eq!(
        structured(&stock)["body"]["owner"],
        "ada-stock",
        "the Inventory token"
    );
    let pets = call(&client, "petstore:list_pets", json!({})).await;
    assert_eq!(structured(&pets)["body"][0]["owner"], "ada-petstore");

    // A token the provider no longer accepts (401): dropped, AUTH_REQUIRED.
    demo.revoke_all("petstore");
    let again = client.auth_required("petstore:list_pets").await;
    assert_eq!(again["app"], "petstore");
}

#[tokio::test]
async fn upstream_errors_bad_arguments_and_huge_responses() {
    let (_demo, _server, http) = start().await;
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser
        .sign_in(
            "ada",
            &[
                ("petstore", Decision::Authorize),
                ("inventory", Decision::Authorize),
            ],
        )
        .await;
    let client = Client::connect(&http, tokens["access_token"].as_str().unwrap(), json!({})).await;
    let error_text = |result: &Value| {
        assert_eq!(result["isError"], true, "{result}");
        result["content"][0]["text"].as_str().unwrap().to_owned()
    };

    // Upstream errors: status and a bounded excerpt of the body.
    let missing = call(&client, "petstore:get_pets", json!({"itemId": 404})).await;
    let text = error_text(&missing);
    assert!(
        text.contains("GET /pets/{itemId} answered 404 Not Found") && text.contains("no item 404"),
        "{text}"
    );
    // Arguments that do not match the schema name the field; nothing is sent.
    for (arguments, field) in [
        (json!({}), "body"),
        (json!({"body": {"name": ""}}), "body.name"),
        (json!({"body": {"name": "x", "color": "red"}}), "body"),
        (json!({"body": {"name": "x"}, "extra": 1}), "extra"),
    ] {
        let text = error_text(&call(&client, "petstore:create_pets", arguments.clone()).await);
        assert!(
            text.contains("invalid arguments for tool petstore:create_pets"),
            "{text}"
        );
        assert!(text.contains(field), "{arguments} → {text}");
    }
    let text = error_text(&call(&client, "petstore:list_pets", json!({"limit": "ten"})).await);
    assert!(text.contains("limit"), "{text}");
    // A response over the limit (64 KiB for Inventory) is an error, not a flood.
    let big = call(&client, "inventory:export", json!({"bytes": 200_000})).await;
    assert!(error_text(&big).contains("larger than 65536 bytes"));
    let small = call(&client, "inventory:export", json!({"bytes": 10})).await;
    assert_eq!(structured(&small)["body"], "xxxxxxxxxx");
    // An answer that breaks the API's own spec is an error naming where, not a result that
    // clients would reject against the outputSchema.
    let strays = call(&client, "petstore:export_2", json!({"bytes": 101})).await;
    let text = error_text(&strays);
    assert!(
        text.contains("not as its spec describes (/body:") && text.contains("xxxx"),
        "{text}"
    );
    let keeps = call(&client, "petstore:export_2", json!({"bytes": 100})).await;
    assert_eq!(structured(&keeps)["status"], 200);
}

#[tokio::test]
async fn path_parameters_are_escaped() {
    let (_demo, _server, http) = start().await;
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser
        .sign_in("ada", &[("petstore", Decision::Authorize)])
        .await;
    let client = Client::connect(&http, tokens["access_token"].as_str().unwrap(), json!({})).await;
    // itemId is an integer in the spec: strings are refused before anything is sent.
    let refused = call(&client, "petstore:get_pets", json!({"itemId": "../export"})).await;
    assert_eq!(refused["isError"], true, "{refused}");
    assert!(
        refused["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("itemId")
    );
}

async fn start_error(adapter: OpenApi) -> String {
    let built = frontmcp_tests::builder("s", "1")
        .openapi(adapter)
        .build_async()
        .await;
    format!("{:?}", built.expect_err("the start is refused"))
}

#[tokio::test]
async fn bad_specs_stop_the_start_naming_the_location() {
    let demo = demo().await;
    let dir = std::env::temp_dir().join(format!("frontmcp-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let cases = [
        (
            OpenApi::new("/nonexistent/spec.yaml"),
            "/nonexistent/spec.yaml: cannot read",
        ),
        (
            OpenApi::new(file("bad.json", "{\"openapi\": ")),
            "invalid JSON",
        ),
        (
            OpenApi::new(file("bad.yaml", "openapi: [3")),
            "invalid YAML",
        ),
        (
            OpenApi::new(file("swagger.json", "{\"swagger\": \"2.0\"}")),
            "Swagger 2.0",
        ),
        (
            OpenApi::new(file(
                "relative.yaml",
                "openapi: 3.1.0\ninfo: {title: t}\nservers: [{url: /v1}]\npaths: {}\n",
            )),
            "relative and the spec is a file",
        ),
        // An explicit ID is checked, not rewritten into another one.
        (
            OpenApi::new(file(
                "named.yaml",
                "openapi: 3.1.0\ninfo: {title: t}\nservers: [{url: 'https://api.example'}]\npaths: {}\n",
            ))
            .id("Git Hub"),
            "app id `Git Hub`",
        ),
        (
            OpenApi::new(file(
                "noserver.yaml",
                "openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n",
            )),
            "names no server",
        ),
        (
            OpenApi::new(file(
                "big.json",
                &format!(
                    "{{\"openapi\": \"3.1.0\", \"x\": \"{}\"}}",
                    "y".repeat(5000)
                ),
            ))
            .max_spec_bytes(1000),
            "larger than the limit of 1000 bytes",
        ),
        // SSRF: private and loopback addresses are refused unless allowed.
        (
            OpenApi::new(format!("{}/rest/openapi.json", demo.url("petstore"))),
            "only https://",
        ),
        (
            OpenApi::new("https://127.0.0.1:9/openapi.json"),
            "private, loopback or link-local",
        ),
        (
            OpenApi::new("https://localhost:9/openapi.json"),
            "private, loopback or link-local",
        ),
        (
            OpenApi::new("https://169.254.169.254/latest/openapi.json"),
            "private, loopback or link-local",
        ),
        (
            OpenApi::new(file(
                "internal.yaml",
                "openapi: 3.1.0\ninfo: {title: t}\nservers: [{url: 'https://10.0.0.1/api'}]\npaths: {}\n",
            )),
            "private, loopback or link-local",
        ),
        // No redirects.
        (
            OpenApi::new(format!(
                "{}/authorize?response_type=code&client_id=x&redirect_uri=http://127.0.0.1:9/cb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&demo_auto=allow",
                demo.url("petstore")
            ))
            .allow_private_network(true),
            "redirect",
        ),
    ];
    for (adapter, needle) in cases {
        let message = start_error(adapter).await;
        assert!(message.contains(needle), "{needle}: {message}");
        assert!(message.contains("OpenAPI spec"), "{message}");
    }
    // Two specs with one app ID but different authorizations.
    let built = frontmcp_tests::builder("s", "1")
        .openapi(
            OpenApi::new(format!("{}/rest/openapi.json", demo.url("petstore")))
                .id("shop")
                .allow_private_network(true),
        )
        .openapi(
            OpenApi::new(format!("{}/rest/openapi.json", demo.url("inventory")))
                .id("shop")
                .allow_private_network(true)
                .auth(transparent(&demo.url("inventory"), &[])),
        )
        .build_async()
        .await;
    let message = format!("{:?}", built.expect_err("a conflict"));
    assert!(message.contains("both app `shop`"), "{message}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_api_that_does_not_answer_in_time() {
    let demo = demo().await;
    // A listener that accepts and never answers stands in for a hung API.
    let hung = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hung_url = format!("http://{}", hung.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hung.accept().await {
            held.push(socket);
        }
    });
    let spec = std::env::temp_dir().join(format!("frontmcp-hung-{}.yaml", std::process::id()));
    std::fs::write(
        &spec,
        "openapi: 3.1.0\ninfo: {title: Slow}\npaths:\n  /slow:\n    get:\n      operationId: slow\n      responses: {'200': {description: ok}}\n",
    )
    .unwrap();
    let server = TestServer::start(
        frontmcp_tests::builder("s", "1").openapi(
            OpenApi::new(spec.display().to_string())
                .base_url(hung_url)
                .allow_private_network(true)
                .timeout(Duration::from_millis(300)),
        ),
    )
    .await;
    let http = Http::new(&server.url);
    let session = http.initialize("2025-11-25").await;
    let result = http.call(&session, "slow:slow", json!({})).await;
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("did not answer within"),
        "{result}"
    );
    let _ = std::fs::remove_file(spec);
    drop(demo);
}

#[tokio::test]
async fn a_public_gateway_needs_no_sign_in() {
    let demo = demo().await;
    // The REST API itself still wants a token: without one, the call reports the API's 401.
    let server = TestServer::start(
        frontmcp_tests::builder("s", "1").openapi(
            OpenApi::new(format!("{}/rest/openapi.json", demo.url("petstore")))
                .allow_private_network(true),
        ),
    )
    .await;
    let http = Http::new(&server.url);
    let session = http.initialize("2025-11-25").await;
    let result = http
        .call(&session, "petstore-api-demo:list_pets", json!({}))
        .await;
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("401"),
        "{result}"
    );
    assert_eq!(
        http.rpc(&session, "tools/list", json!({})).await.status,
        StatusCode::OK
    );
}

/// The example: the bundled YAML spec's operations as tools, authorized at the demo Petstore.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_gateway() {
    let server =
        tokio::task::spawn_blocking(|| frontmcp_tests::ExampleServer::start("openapi_gateway"))
            .await
            .unwrap();
    let http = Http::new(&server.url);
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser.sign_in("ada", &[]).await;
    let client = Client::connect(&http, tokens["access_token"].as_str().unwrap(), json!({})).await;
    let list = client
        .call_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    let names: Vec<&str> = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "petstore:list_pets",
            "petstore:add_pet",
            "petstore:get_pet",
            "petstore:adopt_pet"
        ]
    );
    let link = client.auth_link("petstore:add_pet").await;
    browser.authorize_link(&link, "ada", "ada-pets").await;
    let added = call(
        &client,
        "petstore:add_pet",
        json!({"body": {"name": "Rex", "tag": "dog"}}),
    )
    .await;
    assert_eq!(structured(&added)["body"]["owner"], "ada-pets");
    let id = structured(&added)["body"]["id"].clone();
    // The first authorization asked for what add_pet needs (pets:write); reading asks for more.
    let upgrade = client.auth_required("petstore:list_pets").await;
    assert_eq!(upgrade["required_scopes"], json!(["pets:read"]));
    browser
        .authorize_link(upgrade["auth_url"].as_str().unwrap(), "ada", "ada-pets")
        .await;
    let pets = call(&client, "petstore:list_pets", json!({"tag": ["dog"]})).await;
    assert_eq!(structured(&pets)["body"][0]["name"], "Rex");
    let adopted = call(&client, "petstore:adopt_pet", json!({"petId": id})).await;
    assert_eq!(structured(&adopted)["status"], 204);
}
