//! Visiting dogs (besøkshunder) and their dated approvals.

use reqwest::Method;
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, id_of, send};
use serde_json::{Value, json};

struct Setup {
    municipality: String,
    coordinator: String,
    contact_token: String,
    /// A volunteer assigned to the contact person.
    assigned: String,
    /// A volunteer with no contact person.
    unassigned: String,
}

async fn setup(app: &TestApp, code: &str) -> Setup {
    let staff = app
        .municipality(code)
        .contact_person_with_login("Randi")
        .build()
        .await;
    let assigned = json!({"given_name": "Kari", "family_name": "Nordmann", "email": "kari@example.no",
                          "contact_person_id": staff.contact});
    let assigned = id_of(&app.create_volunteer(&staff.coordinator, &assigned).await);
    let unassigned =
        json!({"given_name": "Ola", "family_name": "Hansen", "email": "ola@example.no"});
    let unassigned = id_of(&app.create_volunteer(&staff.coordinator, &unassigned).await);
    Setup {
        municipality: staff.municipality,
        coordinator: staff.coordinator,
        contact_token: staff.contact_token,
        assigned,
        unassigned,
    }
}

async fn dog(app: &TestApp, token: &str, handler: &str, name: &str) -> Value {
    expect_status(
        app.post(
            "/api/v1/dogs",
            token,
            &json!({"handler_id": handler, "name": name, "breed": "Golden retriever",
                    "birth_date": "2021-04-01"}),
        )
        .await,
        201,
    )
    .await
}

fn approval() -> Value {
    json!({
        "programme": "Røde Kors besøkshund",
        "categories": ["institution_common_room", "walk"],
        "assessed_on": "2025-01-10",
        "assessor": "Kari Instruktør",
        "vet_checked_on": "2025-01-05",
        "vaccinations_valid_until": "2027-01-01",
        "insurance_valid_until": "2026-12-31",
        "valid_until": "2027-01-10",
        "restrictions": "Ikke hos beboere som er redde for hund"
    })
}

fn with(mut body: Value, changes: Value) -> Value {
    if let (Some(body), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            body.insert(key.clone(), value.clone());
        }
    }
    body
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect()
}

async fn if_match(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    etag: &str,
) -> reqwest::Response {
    let request = app
        .request(method.clone(), path, Some(token))
        .header("If-Match", etag);
    let request = if method == Method::PATCH {
        request.json(&json!({"name": "Bamse"}))
    } else {
        request
    };
    send(request).await
}

#[tokio::test]
async fn a_coordinator_records_a_dog_for_a_volunteer_and_lists_it_by_handler() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let response = app
        .post(
            "/api/v1/dogs",
            &s.coordinator,
            &json!({"handler_id": s.assigned, "name": " Luna ", "breed": "Golden retriever",
                    "birth_date": "2021-04-01"}),
        )
        .await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    let luna = expect_status(response, 201).await;
    assert_eq!(location, format!("/api/v1/dogs/{}", id_of(&luna)));
    assert_eq!(luna["name"], "Luna");
    assert_eq!(luna["handler_id"], s.assigned.as_str());
    assert_eq!(luna["municipality_id"], s.municipality.as_str());
    assert_eq!(luna["birth_date"], "2021-04-01");
    assert_eq!(luna["version"], 1);
    let other = dog(&app, &s.coordinator, &s.unassigned, "Rex").await;

    let by_handler = expect_status(
        app.get(
            &format!("/api/v1/dogs?handler_id={}", s.assigned),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ids(&by_handler), [id_of(&luna)]);
    let all = expect_status(app.get("/api/v1/dogs?limit=1", &s.coordinator).await, 200).await;
    assert_eq!(ids(&all), [id_of(&luna)]);
    let cursor = all["next_cursor"].as_str().unwrap_or_default();
    let rest = expect_status(
        app.get(
            &format!("/api/v1/dogs?limit=1&cursor={cursor}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ids(&rest), [id_of(&other)]);
    assert_eq!(rest["next_cursor"], Value::Null);

    let response = app
        .get(&format!("/api/v1/dogs/{}", id_of(&luna)), &s.coordinator)
        .await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(expect_status(response, 200).await, luna);

    // An administrator records a dog in the handler's municipality without naming it.
    let admin = app.admin_token().await;
    let by_admin = dog(&app, &admin, &s.unassigned, "Fido").await;
    assert_eq!(by_admin["municipality_id"], s.municipality.as_str());
}

#[tokio::test]
async fn changes_need_the_current_version_and_deleting_removes_the_dog() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let luna = dog(&app, &s.coordinator, &s.assigned, "Luna").await;
    let path = format!("/api/v1/dogs/{}", id_of(&luna));

    let renamed = expect_status(
        app.patch(
            &path,
            &s.coordinator,
            &json!({"name": "Luna II", "breed": "Labrador"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["version"], 2);
    assert_eq!(renamed["breed"], "Labrador");
    let stale = expect_problem(
        if_match(&app, Method::PATCH, &path, &s.coordinator, "\"1\"").await,
        412,
    )
    .await;
    assert_eq!(stale["current_version"], 2);
    let unchanged = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(unchanged["name"], "Luna II");
    let current = if_match(&app, Method::PATCH, &path, &s.coordinator, "\"2\"").await;
    assert_eq!(current.headers()["etag"], "\"3\"");
    assert_eq!(expect_status(current, 200).await["name"], "Bamse");

    expect_problem(
        if_match(&app, Method::DELETE, &path, &s.coordinator, "\"2\"").await,
        412,
    )
    .await;
    expect_status(
        if_match(&app, Method::DELETE, &path, &s.coordinator, "\"3\"").await,
        204,
    )
    .await;
    expect_problem(app.get(&path, &s.coordinator).await, 404).await;
}

#[tokio::test]
async fn an_approval_shows_its_handler_and_what_ends_it_first() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let luna = dog(&app, &s.coordinator, &s.assigned, "Luna").await;
    let path = format!("/api/v1/dogs/{}/approvals", id_of(&luna));

    let recorded = expect_status(app.post(&path, &s.coordinator, &approval()).await, 201).await;
    assert_eq!(recorded["dog_id"], id_of(&luna).as_str());
    assert_eq!(recorded["handler_id"], s.assigned.as_str());
    assert_eq!(
        recorded["categories"],
        json!(["walk", "institution_common_room"])
    );
    assert_eq!(recorded["assessed_on"], "2025-01-10");
    assert_eq!(recorded["vet_checked_on"], "2025-01-05");
    assert_eq!(recorded["valid_until"], "2027-01-10");
    assert_eq!(
        recorded["restrictions"],
        "Ikke hos beboere som er redde for hund"
    );
    // The yearly vet check (12 months by default) ends first.
    assert_eq!(recorded["last_valid_day"], "2026-01-04");
    assert_eq!(recorded["limited_by"], "vet_check");
    assert_eq!(recorded["old_enough_from"], Value::Null);

    // A vet check after the assessment is fine; it then sets the end.
    let later = expect_status(
        app.post(
            &path,
            &s.coordinator,
            &with(
                approval(),
                json!({"assessed_on": "2025-06-01", "vet_checked_on": "2025-09-01",
                       "categories": ["home_visit"], "restrictions": null}),
            ),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(later["last_valid_day"], "2026-08-31");
    assert_eq!(later["limited_by"], "vet_check");

    let listed = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    let listed_ids: Vec<String> = listed.as_array().into_iter().flatten().map(id_of).collect();
    assert_eq!(
        listed_ids,
        [id_of(&later), id_of(&recorded)],
        "latest assessment first"
    );
    assert_eq!(listed[0]["restrictions"], Value::Null);

    // The municipality's settings decide: a shorter vet interval and an age window.
    let admin = app.admin_token().await;
    expect_status(
        app.patch(
            &format!("/api/v1/municipalities/{}", s.municipality),
            &admin,
            &json!({"settings": {"dog_vet_check_months": 24, "dog_max_age_months": 60,
                                 "dog_min_age_months": 24}}),
        )
        .await,
        200,
    )
    .await;
    let listed = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    // Born 2021-04-01: too old from 2026-04-01, before the insurance (2026-12-31) ends.
    assert_eq!(listed[0]["last_valid_day"], "2026-03-31");
    assert_eq!(listed[0]["limited_by"], "age");
    assert_eq!(listed[0]["old_enough_from"], "2023-04-01");
    assert_eq!(listed[1]["last_valid_day"], "2026-03-31");
}

#[tokio::test]
async fn approvals_with_impossible_dates_or_categories_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let luna = dog(&app, &s.coordinator, &s.assigned, "Luna").await;
    let path = format!("/api/v1/dogs/{}/approvals", id_of(&luna));
    let refused = |changes: Value| {
        let body = with(approval(), changes);
        let (app, path, token) = (&app, &path, &s.coordinator);
        async move { expect_problem(app.post(path, token, &body).await, 422).await }
    };

    let before = refused(json!({"valid_until": "2025-01-09"})).await;
    assert_eq!(error_fields(&before), ["valid_until"]);
    assert_eq!(before["errors"][0]["code"], "before_assessment");
    let empty = refused(json!({"categories": []})).await;
    assert_eq!(error_fields(&empty), ["categories"]);
    assert_eq!(empty["errors"][0]["code"], "required");
    let twice = refused(json!({"categories": ["walk", "walk"]})).await;
    assert_eq!(twice["errors"][0]["code"], "duplicate");
    let unknown = refused(json!({"categories": ["walk", "swimming"]})).await;
    assert_eq!(error_fields(&unknown), ["categories[1]"]);
    let ahead = refused(json!({"assessed_on": "2199-01-01", "valid_until": "2199-06-01"})).await;
    assert_eq!(error_fields(&ahead), ["assessed_on"]);
    assert_eq!(ahead["errors"][0]["code"], "in_future");
    let vet_ahead = refused(json!({"vet_checked_on": "2199-01-01"})).await;
    assert_eq!(error_fields(&vet_ahead), ["vet_checked_on"]);
    let ancient = refused(
        json!({"insurance_valid_until": "1850-01-01", "programme": " ",
                                 "assessor": "x".repeat(201), "restrictions": "x".repeat(1001)}),
    )
    .await;
    assert_eq!(
        error_fields(&ancient),
        [
            "programme",
            "assessor",
            "insurance_valid_until",
            "restrictions"
        ]
    );
    let far = refused(json!({"valid_until": "+275760-09-13"})).await;
    assert_eq!(error_fields(&far), ["valid_until"]);

    let none = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(none, json!([]), "nothing was recorded");
}

#[tokio::test]
async fn a_dog_needs_a_handler_of_the_municipality_and_plausible_fields() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let bergen = setup(&app, "4601").await;
    let create = |body: Value| {
        let (app, token) = (&app, &s.coordinator);
        async move { expect_problem(app.post("/api/v1/dogs", token, &body).await, 422).await }
    };

    let foreign = create(json!({"handler_id": bergen.assigned, "name": "Luna",
                                "breed": "Puddel", "birth_date": "2021-04-01"}))
    .await;
    assert_eq!(error_fields(&foreign), ["handler_id"]);
    assert_eq!(foreign["errors"][0]["code"], "not_found");
    let unknown = create(json!({"handler_id": "01900000-0000-7000-8000-000000000000",
                                "name": "Luna", "breed": "Puddel", "birth_date": "2021-04-01"}))
    .await;
    assert_eq!(error_fields(&unknown), ["handler_id"]);
    let unborn = create(
        json!({"handler_id": s.assigned, "name": "Luna", "breed": "Puddel",
                               "birth_date": "2199-01-01"}),
    )
    .await;
    assert_eq!(error_fields(&unborn), ["birth_date"]);
    assert_eq!(unborn["errors"][0]["code"], "in_future");
    let bad = create(
        json!({"handler_id": s.assigned, "name": "", "breed": "x".repeat(101),
                            "birth_date": "1800-01-01"}),
    )
    .await;
    assert_eq!(error_fields(&bad), ["name", "breed", "birth_date"]);

    // Another municipality's volunteer cannot take over a dog either.
    let luna = dog(&app, &s.coordinator, &s.assigned, "Luna").await;
    let path = format!("/api/v1/dogs/{}", id_of(&luna));
    let moved = expect_problem(
        app.patch(
            &path,
            &s.coordinator,
            &json!({"handler_id": bergen.assigned}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&moved), ["handler_id"]);
    let admin = app.admin_token().await;
    let by_admin = expect_problem(
        app.patch(&path, &admin, &json!({"handler_id": bergen.assigned}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&by_admin), ["handler_id"]);

    // An erased volunteer cannot become a handler.
    expect_status(
        app.delete(
            &format!("/api/v1/volunteers/{}", s.unassigned),
            &s.coordinator,
        )
        .await,
        204,
    )
    .await;
    let erased = create(
        json!({"handler_id": s.unassigned, "name": "Luna", "breed": "Puddel",
                               "birth_date": "2021-04-01"}),
    )
    .await;
    assert_eq!(error_fields(&erased), ["handler_id"]);
    let moved = expect_problem(
        app.patch(&path, &s.coordinator, &json!({"handler_id": s.unassigned}))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&moved), ["handler_id"]);
    let kept = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(kept["handler_id"], s.assigned.as_str());
    assert_eq!(kept["version"], 1);
}

#[tokio::test]
async fn another_municipalitys_dogs_are_404_everywhere() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let bergen = setup(&app, "4601").await;
    let luna = dog(&app, &s.coordinator, &s.assigned, "Luna").await;
    let path = format!("/api/v1/dogs/{}", id_of(&luna));
    let token = &bergen.coordinator;

    expect_problem(app.get(&path, token).await, 404).await;
    expect_problem(
        app.patch(&path, token, &json!({"name": "Stjålet"})).await,
        404,
    )
    .await;
    expect_problem(app.delete(&path, token).await, 404).await;
    expect_problem(app.get(&format!("{path}/approvals"), token).await, 404).await;
    expect_problem(
        app.post(&format!("{path}/approvals"), token, &approval())
            .await,
        404,
    )
    .await;
    let listed = expect_status(
        app.get(
            &format!("/api/v1/dogs?municipality_id={}", s.municipality),
            token,
        )
        .await,
        200,
    )
    .await;
    assert!(ids(&listed).is_empty());
    let own = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(own["name"], "Luna", "untouched");
}

#[tokio::test]
async fn contact_persons_read_the_dogs_of_their_volunteers_and_volunteers_are_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let luna = dog(&app, &s.coordinator, &s.assigned, "Luna").await;
    let rex = dog(&app, &s.coordinator, &s.unassigned, "Rex").await;
    expect_status(
        app.post(
            &format!("/api/v1/dogs/{}/approvals", id_of(&luna)),
            &s.coordinator,
            &approval(),
        )
        .await,
        201,
    )
    .await;
    let token = &s.contact_token;

    let seen = expect_status(app.get("/api/v1/dogs", token).await, 200).await;
    assert_eq!(ids(&seen), [id_of(&luna)]);
    expect_status(
        app.get(&format!("/api/v1/dogs/{}", id_of(&luna)), token)
            .await,
        200,
    )
    .await;
    let approvals = expect_status(
        app.get(&format!("/api/v1/dogs/{}/approvals", id_of(&luna)), token)
            .await,
        200,
    )
    .await;
    assert_eq!(approvals[0]["handler_id"], s.assigned.as_str());
    expect_problem(
        app.get(&format!("/api/v1/dogs/{}", id_of(&rex)), token)
            .await,
        404,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/dogs/{}/approvals", id_of(&rex)), token)
            .await,
        404,
    )
    .await;
    // Reading is all a contact person does here.
    let luna_path = format!("/api/v1/dogs/{}", id_of(&luna));
    expect_problem(
        app.post(
            "/api/v1/dogs",
            token,
            &json!({"handler_id": s.assigned, "name": "Ny", "breed": "Puddel",
                    "birth_date": "2021-04-01"}),
        )
        .await,
        403,
    )
    .await;
    expect_problem(
        app.patch(&luna_path, token, &json!({"name": "X"})).await,
        403,
    )
    .await;
    expect_problem(app.delete(&luna_path, token).await, 403).await;
    expect_problem(
        app.post(&format!("{luna_path}/approvals"), token, &approval())
            .await,
        403,
    )
    .await;

    let (_, volunteer_token) = app.user(Some(&s.municipality), "volunteer").await;
    expect_problem(app.get("/api/v1/dogs", &volunteer_token).await, 403).await;
    expect_problem(app.get(&luna_path, &volunteer_token).await, 403).await;
    expect_problem(
        app.get(&format!("{luna_path}/approvals"), &volunteer_token)
            .await,
        403,
    )
    .await;
    expect_problem(
        app.patch(&luna_path, &volunteer_token, &json!({"name": "X"}))
            .await,
        403,
    )
    .await;

    let service = &app.service_token(&s.coordinator, &["clearance:read"]).await;
    expect_problem(app.get("/api/v1/dogs", service).await, 403).await;
    expect_problem(app.get(&luna_path, service).await, 403).await;
}

#[tokio::test]
async fn an_approval_keeps_the_handler_it_was_made_with() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let luna = dog(&app, &s.coordinator, &s.assigned, "Luna").await;
    let path = format!("/api/v1/dogs/{}", id_of(&luna));
    let first = expect_status(
        app.post(&format!("{path}/approvals"), &s.coordinator, &approval())
            .await,
        201,
    )
    .await;

    let moved = expect_status(
        app.patch(&path, &s.coordinator, &json!({"handler_id": s.unassigned}))
            .await,
        200,
    )
    .await;
    assert_eq!(moved["handler_id"], s.unassigned.as_str());
    assert_eq!(moved["version"], 2);
    let second = expect_status(
        app.post(
            &format!("{path}/approvals"),
            &s.coordinator,
            &with(approval(), json!({"assessed_on": "2025-03-01"})),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(second["handler_id"], s.unassigned.as_str());

    let listed = expect_status(
        app.get(&format!("{path}/approvals"), &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(listed[0]["id"], second["id"]);
    assert_eq!(listed[1]["id"], first["id"]);
    assert_eq!(listed[1]["handler_id"], s.assigned.as_str(), "the old team");

    // The contact person of the old handler no longer sees the dog.
    expect_problem(app.get(&path, &s.contact_token).await, 404).await;
}
