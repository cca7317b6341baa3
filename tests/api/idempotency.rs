use reqwest::{Method, Response};
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, send};
use serde_json::{Value, json};

/// A POST with a bearer token (or none) and an `Idempotency-Key`.
async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    key: &str,
    body: &Value,
) -> Response {
    send(
        app.request(Method::POST, path, token)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

/// Status, Location, ETag and the raw body of an answer.
async fn answer(response: Response) -> (u16, Option<String>, Option<String>, String) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (location, etag) = (header("location"), header("etag"));
    let status = response.status().as_u16();
    (
        status,
        location,
        etag,
        response.text().await.unwrap_or_default(),
    )
}

/// How many volunteers the coordinator sees whose names match `q`.
async fn count(app: &TestApp, token: &str, q: &str) -> usize {
    let page = expect_status(
        app.get(&format!("/api/v1/volunteers?q={q}"), token).await,
        200,
    )
    .await;
    page["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing_more() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("0301").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let body = json!({"given_name": "Åse", "family_name": "Idempotensen", "phone": "912 34 567"});
    let key = "\"7f3c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b\"";

    let first =
        answer(post_with_key(&app, "/api/v1/volunteers", Some(&coordinator), key, &body).await)
            .await;
    assert_eq!(first.0, 201, "{}", first.3);
    assert!(first.1.is_some() && first.2.is_some(), "{first:?}");
    let again =
        answer(post_with_key(&app, "/api/v1/volunteers", Some(&coordinator), key, &body).await)
            .await;
    assert_eq!(again, first);
    assert_eq!(count(&app, &coordinator, "Idempotensen").await, 1);

    let mut other = body.clone();
    other["given_name"] = json!("Åsa");
    let reused = expect_problem(
        post_with_key(&app, "/api/v1/volunteers", Some(&coordinator), key, &other).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&reused), ["Idempotency-Key"]);
    assert_eq!(reused["errors"][0]["code"], "key_reused");
    // The same key on another creating path is another request too.
    let elsewhere = post_with_key(
        &app,
        "/api/v1/units",
        Some(&coordinator),
        key,
        &json!({"name": "Solsiden", "kind": "nursing_home"}),
    )
    .await;
    expect_problem(elsewhere, 422).await;
    assert_eq!(count(&app, &coordinator, "Idempotensen").await, 1);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4601").await;
    let (_, first) = app.user(Some(&municipality), "coordinator").await;
    let (_, second) = app.user(Some(&municipality), "coordinator").await;
    let body = json!({"given_name": "Per", "family_name": "Nøkkelsen", "email": "per@example.no"});
    let a = expect_status(
        post_with_key(
            &app,
            "/api/v1/volunteers",
            Some(&first),
            "shared-key-1",
            &body,
        )
        .await,
        201,
    )
    .await;
    let b = expect_status(
        post_with_key(
            &app,
            "/api/v1/volunteers",
            Some(&second),
            "shared-key-1",
            &body,
        )
        .await,
        201,
    )
    .await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(count(&app, &first, "Nøkkelsen").await, 2);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_create_one_record() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("5001").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let body = json!({"given_name": "Kari", "family_name": "Samtidig", "email": "kari@example.no"});
    let requests = (0..8).map(|_| {
        post_with_key(
            &app,
            "/api/v1/volunteers",
            Some(&coordinator),
            "race-1",
            &body,
        )
    });
    let answers = futures_util::future::join_all(requests).await;
    let mut created = Vec::new();
    for response in answers {
        match response.status().as_u16() {
            201 => created.push(response.text().await.unwrap_or_default()),
            409 => {
                let problem = expect_problem(response, 409).await;
                assert_eq!(problem["errors"][0]["code"], "in_progress", "{problem}");
            }
            other => panic!(
                "unexpected {other}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
    assert!(!created.is_empty());
    assert!(created.iter().all(|body| body == &created[0]));
    assert_eq!(count(&app, &coordinator, "Samtidig").await, 1);
}

#[tokio::test]
async fn public_registrations_and_refusals_are_replayed_too() {
    let app = TestApp::spawn().await;
    // Refused first: the municipality does not exist yet.
    let body = json!({"municipality_code": "3005", "given_name": "Siri", "family_name": "Gjentaksen",
                      "email": "siri@example.no", "privacy_notice_accepted": true, "privacy_notice_version": "2026-1"});
    let refused = expect_problem(
        post_with_key(&app, "/api/v1/registrations", None, "reg-1", &body).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&refused), ["municipality_code"]);
    let municipality = app.create_municipality("3005").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    // The retry gets the first answer, although the request would succeed now.
    let again = expect_problem(
        post_with_key(&app, "/api/v1/registrations", None, "reg-1", &body).await,
        422,
    )
    .await;
    assert_eq!(again["errors"], refused["errors"]);
    assert_ne!(again["request_id"], refused["request_id"]);
    assert_eq!(count(&app, &coordinator, "Gjentaksen").await, 0);
    // A new key is a new request.
    for _ in 0..2 {
        let response = post_with_key(&app, "/api/v1/registrations", None, "reg-2", &body).await;
        assert_eq!(
            expect_status(response, 202).await,
            json!({"status": "received"})
        );
    }
    assert_eq!(count(&app, &coordinator, "Gjentaksen").await, 1);
}

#[tokio::test]
async fn a_police_certificate_is_recorded_once_and_a_retry_after_erasure_creates_nobody() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1103").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let person =
        json!({"given_name": "Liv", "family_name": "Slettesen", "email": "liv@example.no"});
    let created = answer(
        post_with_key(
            &app,
            "/api/v1/volunteers",
            Some(&coordinator),
            "liv-1",
            &person,
        )
        .await,
    )
    .await;
    assert_eq!(created.0, 201);
    let id = serde_json::from_str::<Value>(&created.3).unwrap_or_default()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/api/v1/volunteers/{id}/police-certificates");
    let certificate = json!({"kind": "politiattest", "purpose": "Helse- og omsorgstjenesteloven § 5-4",
                             "issued_on": chrono::Utc::now().date_naive().to_string(),
                             "presented_on": chrono::Utc::now().date_naive().to_string(), "outcome": "no_remarks"});
    let first =
        answer(post_with_key(&app, &path, Some(&coordinator), "cert-1", &certificate).await).await;
    let again =
        answer(post_with_key(&app, &path, Some(&coordinator), "cert-1", &certificate).await).await;
    assert_eq!(first.0, 201, "{}", first.3);
    assert_eq!(again, first);
    let listed = expect_status(app.get(&path, &coordinator).await, 200).await;
    assert_eq!(listed.as_array().map_or(0, Vec::len), 1, "{listed}");

    expect_status(
        app.delete(&format!("/api/v1/volunteers/{id}"), &coordinator)
            .await,
        204,
    )
    .await;
    // The kept answer held the person's data: it is gone, and the retry is told so.
    let retry = expect_problem(
        post_with_key(
            &app,
            "/api/v1/volunteers",
            Some(&coordinator),
            "liv-1",
            &person,
        )
        .await,
        410,
    )
    .await;
    assert_eq!(retry["type"], "urn:samspill:problem:gone");
    assert!(!retry.to_string().contains("Slettesen"));
    assert_eq!(count(&app, &coordinator, "Slettesen").await, 0);
}

#[tokio::test]
async fn an_answer_that_shows_a_secret_is_not_kept_and_its_retry_names_the_record() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1103").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let body = json!({"name": "Gerica status sync", "scopes": ["status:read"]});
    let first = post_with_key(
        &app,
        "/api/v1/service-accounts",
        Some(&coordinator),
        "sa-1",
        &body,
    )
    .await;
    let location = first
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let created = expect_status(first, 201).await;
    assert!(created["client_secret"].is_string());
    let retry = post_with_key(
        &app,
        "/api/v1/service-accounts",
        Some(&coordinator),
        "sa-1",
        &body,
    )
    .await;
    let problem = expect_problem(retry, 409).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&location),
        "{problem}"
    );
    assert!(
        !problem
            .to_string()
            .contains(created["client_secret"].as_str().unwrap_or("-"))
    );
    let accounts =
        expect_status(app.get("/api/v1/service-accounts", &coordinator).await, 200).await;
    assert_eq!(accounts["items"].as_array().map_or(0, Vec::len), 1);
}

#[tokio::test]
async fn a_malformed_key_is_a_bad_request_and_the_spec_documents_the_header() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1804").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let long = "k".repeat(256);
    for key in ["two words", "\"\"", long.as_str()] {
        let problem = expect_problem(
            post_with_key(
                &app,
                "/api/v1/volunteers",
                Some(&coordinator),
                key,
                &json!({}),
            )
            .await,
            400,
        )
        .await;
        assert_eq!(error_fields(&problem), ["Idempotency-Key"]);
    }

    let spec: Value = expect_status(
        send(app.request(Method::GET, "/api-docs/openapi.json", None)).await,
        200,
    )
    .await;
    let takes_key = |path: &str, method: &str| {
        spec["paths"][path][method]["parameters"]
            .as_array()
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
            })
    };
    assert!(takes_key("/api/v1/volunteers", "post"));
    assert!(takes_key("/api/v1/registrations", "post"));
    assert!(takes_key("/api/v1/volunteers/{id}/screenings", "post"));
    assert!(!takes_key("/api/v1/auth/token", "post"));
    assert!(!takes_key("/api/v1/volunteers/{id}/transitions", "post"));
}
