use reqwest::Method;
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, id_of, send};
use serde_json::json;

async fn create(app: &TestApp, token: &str, phone: &str) -> reqwest::Response {
    app.post(
        "/api/v1/volunteers",
        token,
        &json!({"given_name": "Liv", "family_name": "Moe", "phone": phone}),
    )
    .await
}

#[tokio::test]
async fn valid_numbers_of_any_country_are_stored_in_e164() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3201").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    for (raw, stored) in [
        ("412 34 567", "+4741234567"),
        ("+47 912 34 567", "+4791234567"),
        ("0045 32 12 34 56", "+4532123456"),
        ("+45 20 12 34 56", "+4520123456"),
        ("+46 70 123 45 67", "+46701234567"),
        ("+49 30 12345678", "+493012345678"),
    ] {
        let created = expect_status(create(&app, &coordinator, raw).await, 201).await;
        assert_eq!(created["phone"], stored, "{raw:?}");
    }
}

#[tokio::test]
async fn numbers_outside_every_numbering_plan_are_refused() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3201").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    for raw in [
        "+1 000 000 0000",
        "+999 12345678",
        "+45 12 34 56 78",
        "912 34 567 ext. 3",
    ] {
        let problem = expect_problem(create(&app, &coordinator, raw).await, 422).await;
        assert_eq!(error_fields(&problem), ["phone"], "{raw:?}");
        assert_eq!(problem["errors"][0]["code"], "invalid_phone", "{raw:?}");
    }
}

#[tokio::test]
async fn a_registration_reads_a_local_number_in_the_municipality_country() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality_in("DK", "173").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let register = |phone: &str| {
        send(
            app.request(Method::POST, "/api/v1/registrations", None)
                .json(&json!({"municipality_code": "173", "given_name": "Mette", "family_name": "Holm",
                              "phone": phone, "privacy_notice_accepted": true, "privacy_notice_version": "2026-1"})),
        )
    };
    let refused = expect_problem(register("12 34 56 78").await, 422).await;
    assert_eq!(refused["errors"][0]["code"], "invalid_phone");
    expect_status(register("20 12 34 56").await, 202).await;
    let found = expect_status(app.get("/api/v1/volunteers", &coordinator).await, 200).await;
    assert_eq!(found["items"][0]["phone"], "+4520123456");
}

#[tokio::test]
async fn a_search_for_a_number_as_people_write_it_finds_the_stored_one() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3201").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let admin = app.admin_token().await;
    let liv = id_of(&expect_status(create(&app, &coordinator, "+4741234567").await, 201).await);
    let named = expect_status(
        app.post(
            "/api/v1/volunteers",
            &coordinator,
            &json!({"given_name": "Kari", "family_name": "Nordmann", "email": "kari412@example.no"}),
        )
        .await,
        201,
    )
    .await;
    let kari = id_of(&named);
    let search = |token: &str, query: &str| {
        let path = format!("/api/v1/volunteers?{query}");
        let token = token.to_owned();
        let app = &app;
        async move {
            let list = expect_status(app.get(&path, &token).await, 200).await;
            list["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<String>>()
        }
    };
    for q in [
        "412%2034%20567",
        "+47+412+34+567",
        "%2B47%20412%2034%20567",
        "0047%20412%2034%20567",
        "41%2023",
    ] {
        assert_eq!(
            search(&coordinator, &format!("q={q}")).await,
            [liv.as_str()],
            "{q}"
        );
    }
    // Names and emails are found as before; digits in an email still match.
    assert_eq!(search(&coordinator, "q=nordMANN").await, [kari.as_str()]);
    assert_eq!(search(&coordinator, "q=kari412").await, [kari.as_str()]);
    assert_eq!(
        search(&coordinator, "q=412").await,
        [liv.as_str(), kari.as_str()]
    );
    // An administrator's national number is read in the country of the municipality asked
    // about, or matched by its digits without one.
    let filtered = format!("municipality_id={municipality}&q=412%2034%20567");
    assert_eq!(search(&admin, &filtered).await, [liv.as_str()]);
    assert_eq!(search(&admin, "q=412%2034%20567").await, [liv.as_str()]);
    assert_eq!(
        search(&admin, "q=%2B47%20412%2034%20567").await,
        [liv.as_str()]
    );
    assert!(search(&coordinator, "q=999%2099%20999").await.is_empty());
}
