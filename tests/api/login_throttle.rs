use reqwest::{Method, Response};
use samspill_tests::{ADMIN_PASSWORD, TestApp, expect_problem, expect_status, send};
use serde_json::json;

async fn password_login(app: &TestApp, email: &str, password: &str) -> Response {
    send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .form(&[
                ("grant_type", "password"),
                ("username", email),
                ("password", password),
            ]),
    )
    .await
}

/// Spawns a server whose login names wait after 3 attempts, with the per-address limit far away.
async fn spawn() -> TestApp {
    TestApp::spawn_with(|c| {
        c.login_throttle.free_attempts = 3;
        c.login_throttle.first_delay = chrono::TimeDelta::seconds(120);
        c.rate_limit_per_minute = 1_000_000;
        c.rate_limit_burst = 1_000_000;
    })
    .await
}

async fn account(app: &TestApp, email: &str) {
    let admin = app.admin_token().await;
    let municipality = app.create_municipality("0301").await;
    expect_status(
        app.post(
            "/api/v1/users",
            &admin,
            &json!({"municipality_id": municipality, "email": email, "display_name": "Kari",
                    "role": "coordinator", "password": "riktig-passord-2026"}),
        )
        .await,
        201,
    )
    .await;
}

#[tokio::test]
async fn wrong_passwords_for_one_name_make_it_wait_while_other_accounts_log_in() {
    let app = spawn().await;
    account(&app, "kari@oslo.kommune.no").await;
    for _ in 0..3 {
        let refused = expect_problem(
            password_login(&app, "kari@oslo.kommune.no", "feil-passord").await,
            400,
        )
        .await;
        assert_eq!(refused["error"], "invalid_grant");
    }
    // The right password does not help now: the name waits, whatever is sent.
    let waiting = password_login(&app, "Kari@Oslo.kommune.no", "riktig-passord-2026").await;
    let retry_after: u64 = waiting
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let problem = expect_problem(waiting, 429).await;
    assert_eq!(problem["type"], "urn:samspill:problem:rate-limited");
    assert!(
        (100..=120).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    // Another account is not held up.
    expect_status(
        password_login(&app, samspill_tests::ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200,
    )
    .await;
}

#[tokio::test]
async fn a_name_without_an_account_waits_the_same_way() {
    let app = spawn().await;
    account(&app, "kjent@oslo.kommune.no").await;
    let mut answers = Vec::new();
    for email in ["kjent@oslo.kommune.no", "ukjent@oslo.kommune.no"] {
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let response = password_login(&app, email, "feil-passord").await;
            statuses.push(response.status().as_u16());
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            statuses.push(u16::from(body["detail"].is_string()));
        }
        answers.push(statuses);
    }
    assert_eq!(answers[0], [400, 1, 400, 1, 400, 1, 429, 1]);
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn a_successful_login_forgets_the_attempts_before_it() {
    let app = spawn().await;
    account(&app, "per@oslo.kommune.no").await;
    for round in 0..2 {
        for _ in 0..2 {
            expect_problem(
                password_login(&app, "per@oslo.kommune.no", "feil").await,
                400,
            )
            .await;
        }
        let ok = password_login(&app, "per@oslo.kommune.no", "riktig-passord-2026").await;
        assert_eq!(ok.status().as_u16(), 200, "round {round}");
    }
}
