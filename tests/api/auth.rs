use reqwest::Method;
use samspill_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, expect_problem, expect_status, send};
use serde_json::{Value, json};

async fn token_request(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .form(form),
    )
    .await
}

async fn password_login(app: &TestApp) -> Value {
    let response = token_request(
        app,
        &[
            ("grant_type", "password"),
            ("username", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await;
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    expect_status(response, 200).await
}

#[tokio::test]
async fn the_password_grant_issues_a_bearer_token_that_me_accepts() {
    let app = TestApp::spawn().await;
    let tokens = password_login(&app).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 40)
    );
    let me = expect_status(
        app.get(
            "/api/v1/me",
            tokens["access_token"].as_str().unwrap_or_default(),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(me["kind"], "staff_user");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["municipality_id"], Value::Null);
}

#[tokio::test]
async fn the_token_endpoint_also_reads_json() {
    let app = TestApp::spawn().await;
    let response = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .json(&json!({
                "grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD
            })),
    )
    .await;
    let body = expect_status(response, 200).await;
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let wrong = expect_problem(
        token_request(
            &app,
            &[
                ("grant_type", "password"),
                ("username", ADMIN_EMAIL),
                ("password", "not the password"),
            ],
        )
        .await,
        400,
    )
    .await;
    let unknown = expect_problem(
        token_request(
            &app,
            &[
                ("grant_type", "password"),
                ("username", "nobody@test.samspill.no"),
                ("password", "not the password"),
            ],
        )
        .await,
        400,
    )
    .await;
    assert_eq!(wrong["error"], "invalid_grant");
    assert_eq!(wrong["detail"], unknown["detail"]);
    assert_eq!(wrong["error"], unknown["error"]);
}

#[tokio::test]
async fn token_requests_that_are_malformed_say_what_is_wrong() {
    let app = TestApp::spawn().await;
    let missing = expect_problem(
        token_request(
            &app,
            &[("grant_type", "password"), ("username", ADMIN_EMAIL)],
        )
        .await,
        400,
    )
    .await;
    assert_eq!(missing["error"], "invalid_request");
    let unsupported = expect_problem(
        token_request(&app, &[("grant_type", "implicit")]).await,
        400,
    )
    .await;
    assert_eq!(unsupported["error"], "unsupported_grant_type");
    let xml = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .header("content-type", "application/xml")
            .body("<grant/>"),
    )
    .await;
    expect_problem(xml, 415).await;
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_ends_the_session() {
    let app = TestApp::spawn().await;
    let first = password_login(&app).await;
    let first_refresh = first["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let second = expect_status(
        token_request(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &first_refresh),
            ],
        )
        .await,
        200,
    )
    .await;
    let second_refresh = second["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(first_refresh, second_refresh);

    // The first token again: a replay. It is refused, and the session's newer token dies too.
    let replay = expect_problem(
        token_request(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &first_refresh),
            ],
        )
        .await,
        400,
    )
    .await;
    assert_eq!(replay["error"], "invalid_grant");
    let after = expect_problem(
        token_request(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &second_refresh),
            ],
        )
        .await,
        400,
    )
    .await;
    assert_eq!(after["error"], "invalid_grant");

    // Another login is a separate session and still works.
    let other = password_login(&app).await;
    let refreshed = token_request(
        &app,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                other["refresh_token"].as_str().unwrap_or_default(),
            ),
        ],
    )
    .await;
    expect_status(refreshed, 200).await;
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_session() {
    let app = TestApp::spawn().await;
    let tokens = password_login(&app).await;
    let refresh = tokens["refresh_token"].as_str().unwrap_or_default();
    let revoked = send(
        app.request(Method::POST, "/api/v1/auth/revoke", None)
            .form(&[("token", refresh)]),
    )
    .await;
    expect_status(revoked, 200).await;
    let unknown = send(
        app.request(Method::POST, "/api/v1/auth/revoke", None)
            .form(&[("token", "never-issued")]),
    )
    .await;
    expect_status(unknown, 200).await;
    let refused = token_request(
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    expect_problem(refused, 400).await;
}

#[tokio::test]
async fn bad_bearer_tokens_are_401_with_a_challenge() {
    let app = TestApp::spawn().await;
    for header in ["Bearer not-a-jwt", "Basic YWRtaW46YWRtaW4=", "Bearer "] {
        let response = send(
            app.request(Method::GET, "/api/v1/me", None)
                .header("authorization", header),
        )
        .await;
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"samspill\"")
        );
        expect_problem(response, 401).await;
    }
    // A token signed with another secret.
    let other = TestApp::spawn_with(|c| {
        c.jwt_secret = b"another secret that is long enough to sign".to_vec()
    })
    .await;
    let foreign = other.admin_token().await;
    expect_problem(app.get("/api/v1/me", &foreign).await, 401).await;
}

#[tokio::test]
async fn a_deactivated_account_can_neither_log_in_nor_refresh() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("0301").await;
    let admin = app.admin_token().await;
    let created = expect_status(
        app.post(
            "/api/v1/users",
            &admin,
            &json!({"municipality_id": municipality, "email": "kari@oslo.kommune.no", "display_name": "Kari", "role": "coordinator", "password": "kari-sitt-passord"}),
        )
        .await,
        201,
    )
    .await;
    let login = expect_status(
        token_request(
            &app,
            &[
                ("grant_type", "password"),
                ("username", "kari@oslo.kommune.no"),
                ("password", "kari-sitt-passord"),
            ],
        )
        .await,
        200,
    )
    .await;
    let id = created["id"].as_str().unwrap_or_default();
    expect_status(
        app.patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &json!({"active": false}),
        )
        .await,
        200,
    )
    .await;
    let relogin = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "kari@oslo.kommune.no"),
            ("password", "kari-sitt-passord"),
        ],
    )
    .await;
    assert_eq!(expect_problem(relogin, 400).await["error"], "invalid_grant");
    let refresh = token_request(
        &app,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                login["refresh_token"].as_str().unwrap_or_default(),
            ),
        ],
    )
    .await;
    expect_problem(refresh, 400).await;
}

#[tokio::test]
async fn changing_ones_password_takes_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let tokens = password_login(&app).await;
    let access = tokens["access_token"].as_str().unwrap_or_default();
    let wrong = app
        .post(
            "/api/v1/me/password",
            access,
            &json!({"current_password": "nope", "new_password": "et nytt og langt passord"}),
        )
        .await;
    assert_eq!(
        samspill_tests::error_fields(&expect_problem(wrong, 422).await),
        ["current_password"]
    );
    let short = app
        .post(
            "/api/v1/me/password",
            access,
            &json!({"current_password": ADMIN_PASSWORD, "new_password": "kort"}),
        )
        .await;
    assert_eq!(
        samspill_tests::error_fields(&expect_problem(short, 422).await),
        ["new_password"]
    );
    let changed = app
        .post("/api/v1/me/password", access, &json!({"current_password": ADMIN_PASSWORD, "new_password": "et nytt og langt passord"}))
        .await;
    expect_status(changed, 204).await;
    app.login(ADMIN_EMAIL, "et nytt og langt passord").await;
    let old_session = token_request(
        &app,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().unwrap_or_default(),
            ),
        ],
    )
    .await;
    expect_problem(old_session, 400).await;
}

#[tokio::test]
async fn the_token_endpoint_is_rate_limited_with_retry_after() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limit_per_minute = 6;
        c.rate_limit_burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let response = token_request(
            &app,
            &[
                ("grant_type", "password"),
                ("username", "x@test.samspill.no"),
                ("password", "y"),
            ],
        )
        .await;
        statuses.push(response.status().as_u16());
        if response.status().as_u16() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            expect_problem(response, 429).await;
        }
    }
    assert_eq!(statuses, [400, 400, 400, 429, 429]);
    assert!(
        retry_after
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| s >= 1)
    );
    // Other endpoints are not limited.
    let admin_me = app.request(Method::GET, "/health/live", None);
    expect_status(send(admin_me).await, 200).await;
}

#[tokio::test]
async fn a_refresh_racing_a_password_reset_never_fails_and_never_outlives_it() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("0301").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let (id, _) = app.user(Some(&municipality), "contact_person").await;
    let email = expect_status(
        app.get(&format!("/api/v1/users/{id}"), &coordinator).await,
        200,
    )
    .await["email"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut password = samspill_tests::USER_PASSWORD.to_owned();
    for _ in 0..8 {
        let tokens = expect_status(
            token_request(
                &app,
                &[
                    ("grant_type", "password"),
                    ("username", &email),
                    ("password", &password),
                ],
            )
            .await,
            200,
        )
        .await;
        let refresh = tokens["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let reset_path = format!("/api/v1/users/{id}/password-reset");
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ];
        let (refreshed, reset) = tokio::join!(
            token_request(&app, &form),
            send(app.request(Method::POST, &reset_path, Some(&coordinator))),
        );
        assert!(
            refreshed.status().as_u16() < 500,
            "refresh answered {}",
            refreshed.status()
        );
        let reset = expect_status(reset, 200).await;
        password = reset["password"].as_str().unwrap_or_default().to_owned();
        if refreshed.status().as_u16() == 200 {
            let rotated = expect_status(refreshed, 200).await;
            let next = rotated["refresh_token"].as_str().unwrap_or_default();
            // Whichever came first, the reset ended the session: the rotated token is dead too.
            expect_problem(
                token_request(
                    &app,
                    &[("grant_type", "refresh_token"), ("refresh_token", next)],
                )
                .await,
                400,
            )
            .await;
        }
    }
}
