//! Another municipality's resources are invisible: 404 on every endpoint, absent from lists.

use reqwest::Method;
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, id_of, send};
use serde_json::{Value, json};

struct Tenant {
    municipality: String,
    unit: String,
    user: String,
    service_account: String,
    contact_person: String,
    coordinator: String,
}

async fn tenant(app: &TestApp, code: &str) -> Tenant {
    let municipality = app.create_municipality(code).await;
    let unit = app.unit(&municipality, &format!("Enhet {code}")).await;
    let (user, _) = app.user(Some(&municipality), "contact_person").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let account = expect_status(
        app.post(
            "/api/v1/service-accounts",
            &coordinator,
            &json!({"name": format!("System {code}"), "scopes": ["status:read"]}),
        )
        .await,
        201,
    )
    .await;
    let contact = expect_status(
        app.post(
            "/api/v1/contact-persons",
            &coordinator,
            &json!({"kind": "staff", "name": format!("Kontakt {code}")}),
        )
        .await,
        201,
    )
    .await;
    Tenant {
        contact_person: id_of(&contact),
        municipality,
        unit,
        user,
        service_account: id_of(&account),
        coordinator,
    }
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn another_municipalitys_resources_are_404_on_every_endpoint() {
    let app = TestApp::spawn().await;
    let oslo = tenant(&app, "0301").await;
    let bergen = tenant(&app, "4601").await;
    let token = &oslo.coordinator;

    let foreign = [
        format!("/api/v1/municipalities/{}", bergen.municipality),
        format!("/api/v1/units/{}", bergen.unit),
        format!("/api/v1/users/{}", bergen.user),
        format!("/api/v1/service-accounts/{}", bergen.service_account),
        format!("/api/v1/contact-persons/{}", bergen.contact_person),
    ];
    for path in &foreign {
        expect_problem(app.get(path, token).await, 404).await;
        expect_problem(app.patch(path, token, &json!({})).await, 404).await;
    }
    for path in [&foreign[1], &foreign[3], &foreign[4]] {
        expect_problem(app.delete(path, token).await, 404).await;
    }
    let reset = send(app.request(
        Method::POST,
        &format!("{}/password-reset", foreign[2]),
        Some(token),
    ))
    .await;
    expect_problem(reset, 404).await;
    let rotate =
        send(app.request(Method::POST, &format!("{}/secret", foreign[3]), Some(token))).await;
    expect_problem(rotate, 404).await;

    // Creating into the other municipality, or under its unit, is refused as if it did not exist.
    for (path, body) in [
        (
            "/api/v1/units",
            json!({"municipality_id": bergen.municipality, "name": "Snik", "kind": "other"}),
        ),
        (
            "/api/v1/users",
            json!({"municipality_id": bergen.municipality, "email": "snik@test.samspill.no", "display_name": "Snik", "role": "volunteer"}),
        ),
        (
            "/api/v1/service-accounts",
            json!({"municipality_id": bergen.municipality, "name": "Snik", "scopes": ["status:read"]}),
        ),
    ] {
        let problem = expect_problem(app.post(path, token, &body).await, 422).await;
        assert_eq!(error_fields(&problem), ["municipality_id"], "{path}");
    }
    let under_foreign = app
        .post(
            "/api/v1/units",
            token,
            &json!({"name": "Snik", "kind": "other", "parent_id": bergen.unit}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(under_foreign, 422).await),
        ["parent_id"]
    );

    // Lists hold only the caller's municipality, even when asked for the other one.
    let municipalities = expect_status(app.get("/api/v1/municipalities", token).await, 200).await;
    assert_eq!(
        ids(&municipalities),
        std::slice::from_ref(&oslo.municipality)
    );
    for (path, own, other) in [
        ("/api/v1/units", &oslo.unit, &bergen.unit),
        ("/api/v1/users", &oslo.user, &bergen.user),
        (
            "/api/v1/service-accounts",
            &oslo.service_account,
            &bergen.service_account,
        ),
    ] {
        let listed = ids(&expect_status(app.get(path, token).await, 200).await);
        assert!(listed.contains(own), "{path}");
        assert!(!listed.contains(other), "{path}");
        let asked = ids(&expect_status(
            app.get(
                &format!("{path}?municipality_id={}", bergen.municipality),
                token,
            )
            .await,
            200,
        )
        .await);
        assert!(asked.is_empty(), "{path} leaked {asked:?}");
    }

    // The other municipality's data is untouched.
    let admin = app.admin_token().await;
    let unit = expect_status(app.get(&foreign[1], &admin).await, 200).await;
    assert_eq!(unit["version"], 1);
}

#[tokio::test]
async fn an_administrator_sees_every_municipality() {
    let app = TestApp::spawn().await;
    let oslo = tenant(&app, "0301").await;
    let bergen = tenant(&app, "4601").await;
    let admin = app.admin_token().await;
    let listed = ids(&expect_status(app.get("/api/v1/municipalities", &admin).await, 200).await);
    assert_eq!(
        listed,
        [oslo.municipality.clone(), bergen.municipality.clone()]
    );
    let units = ids(&expect_status(app.get("/api/v1/units", &admin).await, 200).await);
    assert_eq!(units, [oslo.unit, bergen.unit]);
    let only_bergen = ids(&expect_status(
        app.get(
            &format!("/api/v1/users?municipality_id={}", bergen.municipality),
            &admin,
        )
        .await,
        200,
    )
    .await);
    assert_eq!(only_bergen.len(), 2);
    assert!(only_bergen.contains(&bergen.user));
}
