use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, id_of};
use serde_json::{Value, json};

#[tokio::test]
async fn a_coordinator_registers_staff_and_group_contact_persons() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3301").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let (staff_account, staff_token) = app.user(Some(&municipality), "contact_person").await;
    let staff = expect_status(
        app.post(
            "/api/v1/contact-persons",
            &coordinator,
            &json!({"kind": "staff", "name": "Randi Hansen", "email": "Randi@Drammen.kommune.no", "phone": "912 34 567", "staff_user_id": staff_account}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(staff["email"], "randi@drammen.kommune.no");
    assert_eq!(staff["phone"], "+4791234567");
    assert_eq!(staff["staff_user_id"], staff_account.as_str());
    let representative = expect_status(
        app.post(
            "/api/v1/contact-persons",
            &coordinator,
            &json!({"kind": "group_representative", "name": "Lærer Lise"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(representative["phone"], Value::Null);

    // The linked contact person reads their own record, not others'.
    expect_status(
        app.get(
            &format!("/api/v1/contact-persons/{}", id_of(&staff)),
            &staff_token,
        )
        .await,
        200,
    )
    .await;
    expect_problem(
        app.get(
            &format!("/api/v1/contact-persons/{}", id_of(&representative)),
            &staff_token,
        )
        .await,
        404,
    )
    .await;
    expect_problem(app.get("/api/v1/contact-persons", &staff_token).await, 403).await;

    let listed = expect_status(
        app.get("/api/v1/contact-persons?kind=staff", &coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));

    let path = format!("/api/v1/contact-persons/{}", id_of(&staff));
    let changed = expect_status(
        app.patch(
            &path,
            &coordinator,
            &json!({"phone": null, "active": false}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["phone"], Value::Null);
    assert_eq!(changed["active"], false);
    assert_eq!(changed["version"], 2);
    expect_status(app.delete(&path, &coordinator).await, 204).await;
}

#[tokio::test]
async fn contact_person_fields_and_links_are_checked() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3024").await;
    let other = app.create_municipality("3025").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let (volunteer_account, _) = app.user(Some(&municipality), "volunteer").await;
    let (foreign_account, _) = app.user(Some(&other), "contact_person").await;
    let bad = app
        .post(
            "/api/v1/contact-persons",
            &coordinator,
            &json!({"kind": "staff", "name": " ", "email": "nope", "phone": "12"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(bad, 422).await),
        ["name", "email"]
    );
    let phone = app
        .post(
            "/api/v1/contact-persons",
            &coordinator,
            &json!({"kind": "staff", "name": "A", "phone": "12"}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(phone, 422).await), ["phone"]);
    let kind = app
        .post(
            "/api/v1/contact-persons",
            &coordinator,
            &json!({"kind": "boss", "name": "A"}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(kind, 422).await), ["kind"]);
    for (account, kind) in [
        (&volunteer_account, "staff"),
        (&foreign_account, "staff"),
        (&volunteer_account, "group_representative"),
    ] {
        let response = app
            .post(
                "/api/v1/contact-persons",
                &coordinator,
                &json!({"kind": kind, "name": "A", "staff_user_id": account}),
            )
            .await;
        assert_eq!(
            error_fields(&expect_problem(response, 422).await),
            ["staff_user_id"],
            "{kind}"
        );
    }
    let (staff_account, _) = app.user(Some(&municipality), "contact_person").await;
    let body = json!({"kind": "staff", "name": "A", "staff_user_id": staff_account});
    expect_status(
        app.post("/api/v1/contact-persons", &coordinator, &body)
            .await,
        201,
    )
    .await;
    expect_problem(
        app.post("/api/v1/contact-persons", &coordinator, &body)
            .await,
        409,
    )
    .await;
}
