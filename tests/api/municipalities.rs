use samspill_tests::{TestApp, error_fields, expect_problem, expect_status};
use serde_json::json;

#[tokio::test]
async fn an_admin_creates_a_municipality_with_default_settings() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let response = app
        .post(
            "/api/v1/municipalities",
            &admin,
            &json!({"country": "DK", "code": "173", "name": "Lyngby-Taarbæk Kommune"}),
        )
        .await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let created = expect_status(response, 201).await;
    assert_eq!(
        location,
        Some(format!(
            "/api/v1/municipalities/{}",
            created["id"].as_str().unwrap_or_default()
        ))
    );
    assert_eq!(created["country"], "DK");
    assert_eq!(created["name"], "Lyngby-Taarbæk Kommune");
    assert_eq!(created["settings"]["expiring_soon_days"], 30);
    assert_eq!(
        created["settings"]["police_certificate_presentation_months"],
        3
    );
    assert_eq!(created["settings"]["dog_vet_check_months"], 12);
    assert_eq!(created["version"], 1);
}

#[tokio::test]
async fn codes_are_checked_against_the_country_and_unique() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let bad = app
        .post(
            "/api/v1/municipalities",
            &admin,
            &json!({"country": "NO", "code": "173", "name": "  "}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(bad, 422).await),
        ["code", "name"]
    );
    let country = app
        .post(
            "/api/v1/municipalities",
            &admin,
            &json!({"country": "SE", "code": "0180", "name": "Stockholm"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(country, 422).await),
        ["country"]
    );
    app.create_municipality("0301").await;
    let twice = app
        .post(
            "/api/v1/municipalities",
            &admin,
            &json!({"country": "NO", "code": "0301", "name": "Oslo"}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(twice, 409).await), ["code"]);
}

#[tokio::test]
async fn a_coordinator_adjusts_settings_but_cannot_rename() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3201").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let path = format!("/api/v1/municipalities/{municipality}");
    let changed = expect_status(
        app.patch(
            &path,
            &coordinator,
            &json!({"settings": {"expiring_soon_days": 45}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["settings"]["expiring_soon_days"], 45);
    assert_eq!(
        changed["settings"]["follow_up_interval_days"], 90,
        "other settings keep their values"
    );
    assert_eq!(changed["version"], 2);
    expect_problem(
        app.patch(&path, &coordinator, &json!({"name": "Ny Bærum"}))
            .await,
        403,
    )
    .await;
    let out_of_range = app
        .patch(
            &path,
            &coordinator,
            &json!({"settings": {"expiring_soon_days": 999, "screening_wait_days": 0}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(out_of_range, 422).await),
        [
            "settings.expiring_soon_days",
            "settings.screening_wait_days"
        ]
    );
    let negative = app
        .patch(
            &path,
            &coordinator,
            &json!({"settings": {"expiring_soon_days": -1}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(negative, 422).await),
        ["settings.expiring_soon_days"]
    );
    expect_problem(
        app.post(
            "/api/v1/municipalities",
            &coordinator,
            &json!({"country": "NO", "code": "0302", "name": "X"}),
        )
        .await,
        403,
    )
    .await;
    let stored = expect_status(app.get(&path, &coordinator).await, 200).await;
    assert_eq!(
        stored["settings"]["expiring_soon_days"], 45,
        "refused changes stored nothing"
    );
}

#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1804").await;
    let admin = app.admin_token().await;
    let path = format!("/api/v1/municipalities/{municipality}");
    let same = expect_status(
        app.patch(&path, &admin, &json!({"name": "Kommune 1804"}))
            .await,
        200,
    )
    .await;
    assert_eq!(same["version"], 1);
}

#[tokio::test]
async fn bad_settings_are_a_422_even_with_a_stale_version() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1507").await;
    let admin = app.admin_token().await;
    let response = samspill_tests::send(
        app.request(
            reqwest::Method::PATCH,
            &format!("/api/v1/municipalities/{municipality}"),
            Some(&admin),
        )
        .header("if-match", "\"7\"")
        .json(&json!({"settings": {"follow_up_interval_days": 8955}})),
    )
    .await;
    assert_eq!(
        error_fields(&expect_problem(response, 422).await),
        ["settings.follow_up_interval_days"]
    );
}

#[tokio::test]
async fn a_zero_padded_danish_code_is_the_same_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let created = expect_status(
        app.post(
            "/api/v1/municipalities",
            &admin,
            &json!({"country": "DK", "code": "0173", "name": "Lyngby-Taarbæk Kommune"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["code"], "173");
    for code in ["173", "0173"] {
        let twice = app
            .post(
                "/api/v1/municipalities",
                &admin,
                &json!({"country": "DK", "code": code, "name": "Lyngby igjen"}),
            )
            .await;
        assert_eq!(error_fields(&expect_problem(twice, 409).await), ["code"]);
    }
    // Norwegian codes keep their four digits; a Danish code has no more than four.
    for (country, code) in [("NO", "173"), ("DK", "1730"), ("DK", "00173")] {
        let bad = app
            .post(
                "/api/v1/municipalities",
                &admin,
                &json!({"country": country, "code": code, "name": "Feil"}),
            )
            .await;
        assert_eq!(error_fields(&expect_problem(bad, 422).await), ["code"]);
    }
    // Self-registration finds the municipality by either form.
    for code in ["0173", "173"] {
        let registration = json!({"municipality_code": code, "given_name": "Mette", "family_name": "Holm",
                                  "email": format!("mette{code}@example.dk"),
                                  "privacy_notice_accepted": true, "privacy_notice_version": "2026-1"});
        expect_status(
            samspill_tests::send(
                app.request(reqwest::Method::POST, "/api/v1/registrations", None)
                    .json(&registration),
            )
            .await,
            202,
        )
        .await;
    }
    let id = created["id"].as_str().unwrap_or_default();
    let (_, coordinator) = app.user(Some(id), "coordinator").await;
    let registered = expect_status(app.get("/api/v1/volunteers", &coordinator).await, 200).await;
    assert_eq!(registered["items"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_four_digit_code_names_a_norwegian_municipality_before_a_danish_one() {
    let app = TestApp::spawn().await;
    let danish = app.create_municipality_in("DK", "173").await;
    let norwegian = app.create_municipality("0173").await;
    let registration = json!({"municipality_code": "0173", "given_name": "Nils", "family_name": "Dahl",
                              "email": "nils@example.no",
                              "privacy_notice_accepted": true, "privacy_notice_version": "2026-1"});
    expect_status(
        samspill_tests::send(
            app.request(reqwest::Method::POST, "/api/v1/registrations", None)
                .json(&registration),
        )
        .await,
        202,
    )
    .await;
    let count = |municipality: String| {
        let app = &app;
        async move {
            let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
            let list = expect_status(app.get("/api/v1/volunteers", &coordinator).await, 200).await;
            list["items"].as_array().map(Vec::len)
        }
    };
    assert_eq!(count(norwegian).await, Some(1));
    assert_eq!(count(danish).await, Some(0));
}
