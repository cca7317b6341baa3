use reqwest::Method;
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, send};
use serde_json::{Value, json};

async fn client_credentials(
    app: &TestApp,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .form(&form),
    )
    .await
}

async fn create(app: &TestApp, token: &str, scopes: Value) -> Value {
    let response = app
        .post(
            "/api/v1/service-accounts",
            token,
            &json!({"name": "Fagsystem", "scopes": scopes}),
        )
        .await;
    expect_status(response, 201).await
}

#[tokio::test]
async fn a_service_account_gets_scoped_tokens_with_its_secret() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4001").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let account = create(
        &app,
        &coordinator,
        json!(["status:read", "clearance:read", "status:read"]),
    )
    .await;
    assert_eq!(account["scopes"], json!(["status:read", "clearance:read"]));
    let client_id = account["client_id"].as_str().unwrap_or_default();
    let secret = account["client_secret"].as_str().unwrap_or_default();

    let tokens = expect_status(client_credentials(&app, client_id, secret, None).await, 200).await;
    assert_eq!(tokens["scope"], "status:read clearance:read");
    assert!(tokens.get("refresh_token").is_none());
    let me = expect_status(
        app.get(
            "/api/v1/me",
            tokens["access_token"].as_str().unwrap_or_default(),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(me["kind"], "service_account");
    assert_eq!(me["municipality_id"], municipality.as_str());
    assert_eq!(me["scopes"], json!(["status:read", "clearance:read"]));

    let narrowed = expect_status(
        client_credentials(&app, client_id, secret, Some("status:read")).await,
        200,
    )
    .await;
    assert_eq!(narrowed["scope"], "status:read");

    // HTTP Basic works too.
    let basic = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    expect_status(basic, 200).await;

    let read = expect_status(
        app.get(
            &format!(
                "/api/v1/service-accounts/{}",
                account["id"].as_str().unwrap_or_default()
            ),
            &coordinator,
        )
        .await,
        200,
    )
    .await;
    assert!(
        read.get("client_secret").is_none(),
        "the secret is shown only once"
    );
}

#[tokio::test]
async fn wrong_secrets_unknown_scopes_and_deactivated_accounts_are_refused() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4003").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let account = create(&app, &coordinator, json!(["status:read"])).await;
    let client_id = account["client_id"].as_str().unwrap_or_default();
    let secret = account["client_secret"].as_str().unwrap_or_default();
    let wrong = client_credentials(&app, client_id, "wrong", None).await;
    assert!(wrong.headers().contains_key("www-authenticate"));
    assert_eq!(expect_problem(wrong, 401).await["error"], "invalid_client");
    let scope = client_credentials(&app, client_id, secret, Some("clearance:read")).await;
    assert_eq!(expect_problem(scope, 400).await["error"], "invalid_scope");

    let path = format!(
        "/api/v1/service-accounts/{}",
        account["id"].as_str().unwrap_or_default()
    );
    let rotated = expect_status(
        send(app.request(Method::POST, &format!("{path}/secret"), Some(&coordinator))).await,
        200,
    )
    .await;
    let new_secret = rotated["client_secret"].as_str().unwrap_or_default();
    assert_eq!(
        expect_problem(client_credentials(&app, client_id, secret, None).await, 401).await["error"],
        "invalid_client"
    );
    expect_status(
        client_credentials(&app, client_id, new_secret, None).await,
        200,
    )
    .await;

    expect_status(
        app.patch(&path, &coordinator, &json!({"active": false}))
            .await,
        200,
    )
    .await;
    expect_problem(
        client_credentials(&app, client_id, new_secret, None).await,
        401,
    )
    .await;
    expect_status(app.delete(&path, &coordinator).await, 204).await;
    expect_problem(app.get(&path, &coordinator).await, 404).await;
}

#[tokio::test]
async fn service_accounts_need_scopes_and_cannot_use_staff_endpoints() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4005").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let empty = app
        .post(
            "/api/v1/service-accounts",
            &coordinator,
            &json!({"name": "X", "scopes": []}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(empty, 422).await), ["scopes"]);
    let unknown = app
        .post(
            "/api/v1/service-accounts",
            &coordinator,
            &json!({"name": "X", "scopes": ["volunteers:write"]}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(unknown, 422).await),
        ["scopes[0]"]
    );
    let account = create(&app, &coordinator, json!(["status:read"])).await;
    let tokens = expect_status(
        client_credentials(
            &app,
            account["client_id"].as_str().unwrap_or_default(),
            account["client_secret"].as_str().unwrap_or_default(),
            None,
        )
        .await,
        200,
    )
    .await;
    let service = tokens["access_token"].as_str().unwrap_or_default();
    for path in [
        "/api/v1/units",
        "/api/v1/users",
        "/api/v1/municipalities",
        "/api/v1/service-accounts",
    ] {
        expect_problem(app.get(path, service).await, 403).await;
    }
    expect_problem(
        app.post(
            "/api/v1/units",
            service,
            &json!({"name": "X", "kind": "other"}),
        )
        .await,
        403,
    )
    .await;
}
