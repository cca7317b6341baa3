use reqwest::Method;
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, send};
use serde_json::json;

#[tokio::test]
async fn a_coordinator_creates_staff_of_their_municipality_with_a_generated_password() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("5501").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let response = app
        .post(
            "/api/v1/users",
            &coordinator,
            &json!({"email": " Ola.Nordmann@Tromso.Kommune.NO ", "display_name": "Ola Nordmann", "role": "contact_person"}),
        )
        .await;
    let created = expect_status(response, 201).await;
    assert_eq!(created["email"], "ola.nordmann@tromso.kommune.no");
    assert_eq!(created["municipality_id"], municipality.as_str());
    assert_eq!(created["password_change_required"], true);
    let password = created["initial_password"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(password.len() >= 12);
    let token = app.login("ola.nordmann@tromso.kommune.no", &password).await;
    let me = expect_status(app.get("/api/v1/me", &token).await, 200).await;
    assert_eq!(me["role"], "contact_person");
    assert_eq!(me["password_change_required"], true);
    let fetched = expect_status(
        app.get(
            &format!(
                "/api/v1/users/{}",
                created["id"].as_str().unwrap_or_default()
            ),
            &coordinator,
        )
        .await,
        200,
    )
    .await;
    assert!(
        fetched.get("initial_password").is_none(),
        "the password is shown only once"
    );
}

#[tokio::test]
async fn coordinators_cannot_create_or_touch_administrators() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1108").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let (admin_id, _) = app.user(None, "admin").await;
    let response = app
        .post(
            "/api/v1/users",
            &coordinator,
            &json!({"email": "boss@test.samspill.no", "display_name": "Boss", "role": "admin"}),
        )
        .await;
    expect_problem(response, 403).await;
    expect_problem(
        app.get(&format!("/api/v1/users/{admin_id}"), &coordinator)
            .await,
        404,
    )
    .await;
    expect_problem(
        app.patch(
            &format!("/api/v1/users/{admin_id}"),
            &coordinator,
            &json!({"active": false}),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn account_fields_are_validated_and_emails_unique() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1106").await;
    let admin = app.admin_token().await;
    let bad = app
        .post(
            "/api/v1/users",
            &admin,
            &json!({"municipality_id": municipality, "email": "not-an-email", "display_name": "", "role": "coordinator", "password": "short"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(bad, 422).await),
        ["email", "display_name", "password"]
    );
    let admin_with_municipality = app
        .post("/api/v1/users", &admin, &json!({"municipality_id": municipality, "email": "a@b.no", "display_name": "A", "role": "admin"}))
        .await;
    assert_eq!(
        error_fields(&expect_problem(admin_with_municipality, 422).await),
        ["municipality_id"]
    );
    let body = json!({"municipality_id": municipality, "email": "same@b.no", "display_name": "A", "role": "coordinator"});
    expect_status(app.post("/api/v1/users", &admin, &body).await, 201).await;
    let twice = app.post("/api/v1/users", &admin, &json!({"municipality_id": municipality, "email": "SAME@b.no", "display_name": "B", "role": "volunteer"})).await;
    assert_eq!(error_fields(&expect_problem(twice, 409).await), ["email"]);
}

#[tokio::test]
async fn nobody_demotes_or_deactivates_themselves_and_roles_stay_on_their_side() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1124").await;
    let (coordinator_id, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let own = format!("/api/v1/users/{coordinator_id}");
    expect_problem(
        app.patch(&own, &coordinator, &json!({"active": false}))
            .await,
        409,
    )
    .await;
    expect_problem(
        app.patch(&own, &coordinator, &json!({"role": "volunteer"}))
            .await,
        409,
    )
    .await;
    let (other_id, _) = app.user(Some(&municipality), "contact_person").await;
    let admin = app.admin_token().await;
    let to_admin = app
        .patch(
            &format!("/api/v1/users/{other_id}"),
            &admin,
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(to_admin, 422).await), ["role"]);
    let promoted = expect_status(
        app.patch(
            &format!("/api/v1/users/{other_id}"),
            &coordinator,
            &json!({"role": "coordinator"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(promoted["role"], "coordinator");
}

#[tokio::test]
async fn a_password_reset_gives_a_new_password_once_and_ends_sessions() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1127").await;
    let (coordinator_id, _) = app.user(Some(&municipality), "coordinator").await;
    let (_, other_coordinator) = app.user(Some(&municipality), "coordinator").await;
    let response = send(app.request(
        Method::POST,
        &format!("/api/v1/users/{coordinator_id}/password-reset"),
        Some(&other_coordinator),
    ))
    .await;
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let reset = expect_status(response, 200).await;
    let password = reset["password"].as_str().unwrap_or_default();
    let user = expect_status(
        app.get(
            &format!("/api/v1/users/{coordinator_id}"),
            &other_coordinator,
        )
        .await,
        200,
    )
    .await;
    let email = user["email"].as_str().unwrap_or_default();
    app.login(email, password).await;
    let old = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .form(&[
                ("grant_type", "password"),
                ("username", email),
                ("password", samspill_tests::USER_PASSWORD),
            ]),
    )
    .await;
    expect_problem(old, 400).await;
}

#[tokio::test]
async fn people_without_a_managing_role_see_only_themselves() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1149").await;
    let (volunteer_id, volunteer) = app.user(Some(&municipality), "volunteer").await;
    let (contact_id, contact) = app.user(Some(&municipality), "contact_person").await;
    expect_problem(app.get("/api/v1/users", &volunteer).await, 403).await;
    expect_problem(app.get("/api/v1/users", &contact).await, 403).await;
    expect_status(
        app.get(&format!("/api/v1/users/{volunteer_id}"), &volunteer)
            .await,
        200,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/users/{contact_id}"), &volunteer)
            .await,
        404,
    )
    .await;
    expect_problem(
        app.patch(
            &format!("/api/v1/users/{volunteer_id}"),
            &volunteer,
            &json!({"display_name": "X"}),
        )
        .await,
        403,
    )
    .await;
    let list = app
        .get(
            &format!("/api/v1/users?municipality_id={municipality}&role=volunteer"),
            &app.admin_token().await,
        )
        .await;
    let items = expect_status(list, 200).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], volunteer_id.as_str());
}
