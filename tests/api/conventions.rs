use futures_util::future::join_all;
use reqwest::Method;
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, send};
use serde_json::json;
use std::collections::HashSet;

#[tokio::test]
async fn unreadable_requests_get_problem_json_naming_the_part() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let post = |body: &'static str, content_type: &'static str| {
        app.request(Method::POST, "/api/v1/units", Some(&admin))
            .header("content-type", content_type)
            .body(body)
    };
    expect_problem(send(post("{\"name\": ", "application/json")).await, 400).await;
    expect_problem(send(post("not json at all", "application/json")).await, 400).await;
    expect_problem(send(post("\u{0}\u{1}", "application/json")).await, 400).await;
    expect_problem(send(post("{}", "text/plain")).await, 415).await;
    let no_type = send(
        app.request(Method::POST, "/api/v1/units", Some(&admin))
            .body("{}"),
    )
    .await;
    expect_problem(no_type, 415).await;

    let wrong_type = send(post(r#"{"name": 5, "kind": "other"}"#, "application/json")).await;
    let problem = expect_problem(wrong_type, 422).await;
    assert_eq!(error_fields(&problem), ["name"]);
    assert_eq!(problem["errors"][0]["code"], "invalid_type");

    let unknown = send(post(
        r#"{"name": "x", "kind": "other", "colour": "red"}"#,
        "application/json",
    ))
    .await;
    assert_eq!(
        error_fields(&expect_problem(unknown, 422).await),
        ["colour"]
    );

    let bad_path = app.get("/api/v1/units/not-a-uuid", &admin).await;
    assert_eq!(error_fields(&expect_problem(bad_path, 400).await), ["id"]);

    for query in [
        "limit=abc",
        "limit=0",
        "limit=201",
        "limit=-1",
        "cursor=%%%",
        "kind=spa",
        "municipality_id=nope",
    ] {
        let response = app.get(&format!("/api/v1/units?{query}"), &admin).await;
        let problem = expect_problem(response, 400).await;
        let field = query.split('=').next().unwrap_or_default();
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
}

#[tokio::test]
async fn deeply_nested_and_huge_bodies_are_refused_cleanly() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 4096).await;
    let admin = app.admin_token().await;
    // Deep nesting meets serde_json's recursion limit: a 400, not a stack overflow.
    let deep = format!(
        r#"{{"name": "x", "kind": "other", "parent_id": {}{}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let response = send(
        app.request(Method::POST, "/api/v1/units", Some(&admin))
            .header("content-type", "application/json")
            .body(deep),
    )
    .await;
    let problem = expect_problem(response, 400).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("recursion limit")),
        "{problem}"
    );
    let huge = json!({"name": "x".repeat(10_000), "kind": "other"});
    expect_problem(app.post("/api/v1/units", &admin, &huge).await, 413).await;
    let token_flood = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=password&username={}",
                "a".repeat(10_000)
            )),
    )
    .await;
    expect_problem(token_flood, 413).await;
    expect_status(
        send(app.request(Method::GET, "/health/live", None)).await,
        200,
    )
    .await;
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    expect_problem(app.get("/api/v1/nothing-here", &admin).await, 404).await;
    expect_problem(send(app.request(Method::GET, "/", None)).await, 404).await;
    let response = send(app.request(Method::PUT, "/api/v1/units", Some(&admin))).await;
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("GET, POST")
    );
    expect_problem(response, 405).await;
    let response = send(app.request(
        Method::POST,
        "/api/v1/municipalities/0196b6b0-0000-7000-8000-000000000000",
        Some(&admin),
    ))
    .await;
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("GET, PATCH")
    );
    expect_problem(response, 405).await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let ok = send(app.request(Method::GET, "/health/live", None)).await;
    let id = ok
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(id.len(), 36, "{id}");
    let again = send(app.request(Method::GET, "/health/live", None)).await;
    assert_ne!(
        again
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some(id.as_str())
    );
}

#[tokio::test]
async fn lists_page_through_everything_once_in_id_order() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4601").await;
    let admin = app.admin_token().await;
    let mut created = Vec::new();
    for n in 0..7 {
        created.push(app.unit(&municipality, &format!("Enhet {n}")).await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/units?municipality_id={municipality}&limit=3&cursor={c}"),
            None => format!("/api/v1/units?municipality_id={municipality}&limit=3"),
        };
        let page = expect_status(app.get(&path, &admin).await, 200).await;
        pages += 1;
        for item in page["items"].as_array().into_iter().flatten() {
            seen.push(item["id"].as_str().unwrap_or_default().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created, "ids come back in creation (UUIDv7) order");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
}

#[tokio::test]
async fn a_cursor_pages_only_the_list_that_gave_it() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4602").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    for name in ["Enhet A", "Enhet B"] {
        app.unit(&municipality, name).await;
    }
    for name in ["Kari", "Per"] {
        expect_status(
            app.post(
                "/api/v1/volunteers",
                &coordinator,
                &json!({"given_name": name, "family_name": "Nordmann", "email": format!("{name}@example.no")}),
            )
            .await,
            201,
        )
        .await;
    }
    let mut cursors = Vec::new();
    for list in [
        "/api/v1/units",
        "/api/v1/volunteers",
        "/api/v1/volunteer-status",
    ] {
        let first =
            expect_status(app.get(&format!("{list}?limit=1"), &coordinator).await, 200).await;
        let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
        assert!(!cursor.is_empty(), "{list}: {first}");
        // Its own list takes it.
        let next = app
            .get(&format!("{list}?limit=1&cursor={cursor}"), &coordinator)
            .await;
        assert_eq!(
            expect_status(next, 200).await["items"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        cursors.push((list, cursor));
    }
    // Every other list refuses it, naming the cursor; so does a cursor of the old format.
    let old_format = "YzE6AAAAAAAAAAAAAAAAAAAAAA";
    for (from, cursor) in cursors
        .iter()
        .map(|(list, cursor)| (*list, cursor.as_str()))
        .chain([("an older version", old_format)])
    {
        for list in [
            "/api/v1/units",
            "/api/v1/volunteers",
            "/api/v1/volunteer-status",
            "/api/v1/groups",
        ] {
            if list == from {
                continue;
            }
            let refused = app
                .get(&format!("{list}?cursor={cursor}"), &coordinator)
                .await;
            let problem = expect_problem(refused, 400).await;
            assert_eq!(error_fields(&problem), ["cursor"], "{from} -> {list}");
            assert_eq!(
                problem["errors"][0]["code"], "invalid_cursor",
                "{from} -> {list}"
            );
        }
    }
}

#[tokio::test]
async fn if_match_refuses_a_stale_version_and_etags_follow_the_version() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("5001").await;
    let admin = app.admin_token().await;
    let unit = app.unit(&municipality, "Tunet").await;
    let path = format!("/api/v1/units/{unit}");
    let read = app.get(&path, &admin).await;
    assert_eq!(
        read.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"1\"")
    );
    let changed = send(
        app.request(Method::PATCH, &path, Some(&admin))
            .header("if-match", "\"1\"")
            .json(&json!({"name": "Tunet bo- og aktivitetssenter"})),
    )
    .await;
    assert_eq!(
        changed.headers().get("etag").and_then(|v| v.to_str().ok()),
        Some("\"2\"")
    );
    assert_eq!(expect_status(changed, 200).await["version"], 2);
    let stale = send(
        app.request(Method::PATCH, &path, Some(&admin))
            .header("if-match", "\"1\"")
            .json(&json!({"name": "Lost update"})),
    )
    .await;
    assert_eq!(expect_problem(stale, 412).await["current_version"], 2);
    let stale_delete = send(
        app.request(Method::DELETE, &path, Some(&admin))
            .header("if-match", "\"1\""),
    )
    .await;
    expect_problem(stale_delete, 412).await;
    let garbage = send(
        app.request(Method::PATCH, &path, Some(&admin))
            .header("if-match", "\"1\", \"2\"")
            .json(&json!({})),
    )
    .await;
    expect_problem(garbage, 400).await;
    let name = expect_status(app.get(&path, &admin).await, 200).await["name"].clone();
    assert_eq!(name, "Tunet bo- og aktivitetssenter");
}

#[tokio::test]
async fn an_invalid_change_is_refused_as_invalid_whatever_version_it_names() {
    let app = TestApp::spawn().await;
    let s = app
        .municipality("5008")
        .unit("Tunet")
        .contact_person_with_login("Randi")
        .build()
        .await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let path = format!("/api/v1/volunteers/{kari}");
    let patch = |if_match: &'static str, body: serde_json::Value| {
        send(
            app.request(Method::PATCH, &path, Some(&s.coordinator))
                .header("if-match", if_match)
                .json(&body),
        )
    };
    // The request is judged before its precondition: 422 with the field, not 412.
    let too_long = "K".repeat(201);
    for if_match in ["\"99\"", "e#f\\"] {
        let invalid = patch(if_match, json!({"given_name": too_long})).await;
        assert_eq!(
            error_fields(&expect_problem(invalid, 422).await),
            ["given_name"]
        );
    }
    let stale = patch("\"99\"", json!({"given_name": "Karianne"})).await;
    expect_problem(stale, 412).await;
    let stored = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(stored["given_name"], "Kari");

    // The same where the check needs the database: a unit under itself, a need for an
    // activity kind the municipality does not have.
    let need = expect_status(
        app.post(
            "/api/v1/needs",
            &s.coordinator,
            &json!({"unit_id": s.unit, "activity_kind": "companionship",
                    "starts_on": samspill_tests::days_ahead(14), "weekdays": ["thursday"],
                    "start_time": "14:00", "duration_minutes": 90, "places": 1,
                    "description": "Reading aloud."}),
        )
        .await,
        201,
    )
    .await;
    for (path, body, field) in [
        (
            format!("/api/v1/units/{}", s.unit),
            json!({"parent_id": s.unit}),
            "parent_id",
        ),
        (
            format!("/api/v1/needs/{}", need["id"].as_str().unwrap_or_default()),
            json!({"activity_kind": "not_a_kind_here"}),
            "activity_kind",
        ),
    ] {
        let invalid = send(
            app.request(Method::PATCH, &path, Some(&s.coordinator))
                .header("if-match", "\"99\"")
                .json(&body),
        )
        .await;
        assert_eq!(error_fields(&expect_problem(invalid, 422).await), [field]);
    }
}

#[tokio::test]
async fn a_weak_entity_tag_never_matches_if_match() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("5007").await;
    let admin = app.admin_token().await;
    let unit = app.unit(&municipality, "Tunet").await;
    let path = format!("/api/v1/units/{unit}");
    // If-Match compares strongly (RFC 9110 §13.1.1): W/"1" is not "1", even at version 1.
    let weak = send(
        app.request(Method::PATCH, &path, Some(&admin))
            .header("if-match", "W/\"1\"")
            .json(&json!({"name": "Weakly matched"})),
    )
    .await;
    assert_eq!(expect_problem(weak, 412).await["current_version"], 1);
    let weak_delete = send(
        app.request(Method::DELETE, &path, Some(&admin))
            .header("if-match", "W/\"1\""),
    )
    .await;
    assert_eq!(expect_problem(weak_delete, 412).await["current_version"], 1);
    let stored = expect_status(app.get(&path, &admin).await, 200).await;
    assert_eq!(
        (stored["name"].clone(), stored["version"].clone()),
        (json!("Tunet"), json!(1))
    );
    let strong = send(
        app.request(Method::PATCH, &path, Some(&admin))
            .header("if-match", "\"1\"")
            .json(&json!({"name": "Strongly matched"})),
    )
    .await;
    assert_eq!(expect_status(strong, 200).await["version"], 2);
}

#[tokio::test]
async fn concurrent_updates_with_the_same_version_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1103").await;
    let admin = app.admin_token().await;
    let unit = app.unit(&municipality, "Bydel").await;
    let path = format!("/api/v1/units/{unit}");
    let requests = (0..12).map(|n| {
        send(
            app.request(Method::PATCH, &path, Some(&admin))
                .header("if-match", "\"1\"")
                .json(&json!({"name": format!("Navn {n}")})),
        )
    });
    let statuses: Vec<u16> = join_all(requests)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        11,
        "{statuses:?}"
    );
    let stored = expect_status(app.get(&path, &admin).await, 200).await;
    assert_eq!(stored["version"], 2);
}

#[tokio::test]
async fn nul_characters_never_reach_the_database() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let query = app.get("/api/v1/volunteers?q=a%00b", &admin).await;
    assert_eq!(error_fields(&expect_problem(query, 400).await), ["q"]);
    let kind = app
        .get("/api/v1/volunteers?activity_kind=%00", &admin)
        .await;
    assert_eq!(
        error_fields(&expect_problem(kind, 400).await),
        ["activity_kind"]
    );
    let body = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"name": "a\u{0}b", "kind": "other"}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(body, 422).await), ["name"]);
    let client = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "svc-\u{0}"),
                ("client_secret", "x"),
            ]),
    )
    .await;
    expect_problem(client, 401).await;
    expect_status(
        send(app.request(Method::GET, "/health/ready", None)).await,
        200,
    )
    .await;
}
