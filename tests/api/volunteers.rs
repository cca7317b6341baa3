use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, Subject::Volunteer, TestApp, error_fields, expect_problem, expect_status,
    id_of, send,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

async fn transition(app: &TestApp, token: &str, id: &str, to: &str) -> reqwest::Response {
    app.transition(token, Volunteer(id), to).await
}

#[tokio::test]
async fn a_volunteer_walks_from_registration_to_approval_and_each_gap_is_named() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let v = app
        .create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Ingrid", "family_name": "Berg", "phone": "912 34 567", "languages": ["NO", "en", "no"],
                    "activity_kinds": ["companionship"], "availability": ["thursday:evening", "monday:morning"], "commitment": "regular"}),
        )
        .await;
    assert_eq!(v["status"], "registered");
    assert_eq!(v["phone"], "+4791234567");
    assert_eq!(v["languages"], json!(["no", "en"]));
    assert_eq!(
        v["availability"],
        json!(["monday:morning", "thursday:evening"])
    );
    let id = id_of(&v);

    // Straight to approval is not a step of the lifecycle.
    let skip = expect_problem(transition(&app, &s.coordinator, &id, "approved").await, 409).await;
    assert_eq!(error_fields(&skip), ["to"]);
    expect_status(
        transition(&app, &s.coordinator, &id, "in_screening").await,
        200,
    )
    .await;

    let refused =
        expect_problem(transition(&app, &s.coordinator, &id, "approved").await, 409).await;
    assert_eq!(
        refused["missing"],
        json!([
            "suitable_screening",
            "confidentiality_declaration",
            "privacy_guidelines",
            "volunteer_agreement",
            "contact_person",
            "home_unit"
        ])
    );

    let screening = app
        .post(&format!("/api/v1/volunteers/{id}/screenings"), &s.coordinator,
              &json!({"held_at": "2026-01-10T10:00:00Z", "channel": "phone", "assessment": "suitable", "interests_mapped": ["sang"]}))
        .await;
    expect_status(screening, 201).await;
    for kind in ["confidentiality", "privacy_guidelines"] {
        let declared = app
            .post(
                &format!("/api/v1/volunteers/{id}/declarations"),
                &s.coordinator,
                &json!({"kind": kind, "document_version": "2026-1", "signed_on": "2026-01-12"}),
            )
            .await;
        expect_status(declared, 201).await;
    }
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{id}"),
            &s.coordinator,
            &json!({"references_needed": true, "home_unit_id": s.unit}),
        )
        .await,
        200,
    )
    .await;
    let refused =
        expect_problem(transition(&app, &s.coordinator, &id, "approved").await, 409).await;
    assert_eq!(
        refused["missing"],
        json!(["volunteer_agreement", "reference_checks", "contact_person"])
    );

    let agreement = app
        .post(&format!("/api/v1/volunteers/{id}/declarations"), &s.coordinator, &json!({"kind": "volunteer_agreement", "document_version": "2026-1", "signed_on": "2026-01-12"}))
        .await;
    expect_status(agreement, 201).await;
    let check = expect_status(
        app.post(
            &format!("/api/v1/volunteers/{id}/reference-checks"),
            &s.coordinator,
            &json!({"referee_name": "Per Olsen", "relation": "former employer"}),
        )
        .await,
        201,
    )
    .await;
    let refused =
        expect_problem(transition(&app, &s.coordinator, &id, "approved").await, 409).await;
    assert_eq!(
        refused["missing"],
        json!(["reference_checks", "contact_person"])
    );
    let done = app
        .patch(
            &format!("/api/v1/volunteers/{id}/reference-checks/{}", id_of(&check)),
            &s.coordinator,
            &json!({"outcome": "satisfactory"}),
        )
        .await;
    assert_eq!(expect_status(done, 200).await["outcome"], "satisfactory");
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{id}"),
            &s.coordinator,
            &json!({"contact_person_id": s.contact}),
        )
        .await,
        200,
    )
    .await;

    let approved =
        expect_status(transition(&app, &s.coordinator, &id, "approved").await, 200).await;
    assert_eq!(approved["status"], "approved");
    expect_status(transition(&app, &s.coordinator, &id, "paused").await, 200).await;

    // A new confidentiality declaration version: resuming needs a new signature.
    let published = app
        .post(
            &format!("/api/v1/municipalities/{}/documents", s.municipality),
            &s.coordinator,
            &json!({"kind": "confidentiality", "version_label": "2026-2"}),
        )
        .await;
    expect_status(published, 201).await;
    let declarations = expect_status(
        app.get(
            &format!("/api/v1/volunteers/{id}/declarations"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let stale: Vec<&Value> = declarations
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["needs_renewal"] == true)
        .collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["kind"], "confidentiality");
    let refused =
        expect_problem(transition(&app, &s.coordinator, &id, "approved").await, 409).await;
    assert_eq!(refused["missing"], json!(["confidentiality_declaration"]));
    let renewed = app
        .post(&format!("/api/v1/volunteers/{id}/declarations"), &s.coordinator, &json!({"kind": "confidentiality", "document_version": "2026-2", "signed_on": "2026-02-01"}))
        .await;
    expect_status(renewed, 201).await;
    expect_status(transition(&app, &s.coordinator, &id, "approved").await, 200).await;

    let history = expect_status(
        app.get(&format!("/api/v1/volunteers/{id}/history"), &s.coordinator)
            .await,
        200,
    )
    .await;
    let steps: Vec<(Value, Value)> = history
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| (h["from_status"].clone(), h["to_status"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!("registered"), json!("in_screening")),
            (json!("in_screening"), json!("approved")),
            (json!("approved"), json!("paused")),
            (json!("paused"), json!("approved")),
        ]
    );
    assert!(history[0]["changed_by"].is_string());
    assert_eq!(history[0]["reason"], "to in_screening");

    // The assigned contact person reads the volunteer and the history, without coordinator notes.
    expect_status(
        app.get(
            &format!("/api/v1/volunteers/{id}/history"),
            &s.contact_token,
        )
        .await,
        200,
    )
    .await;
    let seen = expect_status(
        app.get(&format!("/api/v1/volunteers/{id}"), &s.contact_token)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "approved");
}

#[tokio::test]
async fn a_declaration_must_name_a_published_document_version() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4602").await;
    let id = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Siv", "family_name": "Lie", "email": "siv@example.no"}),
        )
        .await,
    );
    let documents = format!("/api/v1/municipalities/{}/documents", s.municipality);
    let next_year = (chrono::Utc::now().date_naive() + chrono::Days::new(365)).to_string();
    for (label, published_on) in [("2026-1", None), ("2027-1", Some(next_year))] {
        expect_status(
            app.post(
                &documents,
                &s.coordinator,
                &json!({"kind": "confidentiality", "version_label": label, "published_on": published_on}),
            )
            .await,
            201,
        )
        .await;
    }
    let declarations = format!("/api/v1/volunteers/{id}/declarations");
    let sign = |kind: &str, version: &str| json!({"kind": kind, "document_version": version, "signed_on": "2026-02-01"});
    // Never published, and published only from next year: neither can be signed.
    for version in ["2099-9", "2027-1"] {
        let refused = expect_problem(
            app.post(
                &declarations,
                &s.coordinator,
                &sign("confidentiality", version),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&refused), ["document_version"], "{version}");
        assert_eq!(refused["errors"][0]["code"], "not_published", "{version}");
    }
    let signed = expect_status(
        app.post(
            &declarations,
            &s.coordinator,
            &sign("confidentiality", "2026-1"),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(signed["needs_renewal"], false);
    // Nothing of the privacy guidelines is published: the municipality's own label is taken.
    expect_status(
        app.post(
            &declarations,
            &s.coordinator,
            &sign("privacy_guidelines", "2026-1"),
        )
        .await,
        201,
    )
    .await;
    let stored = expect_status(app.get(&declarations, &s.coordinator).await, 200).await;
    let versions: Vec<(Value, Value, Value)> = stored
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["kind"].clone(),
                d["document_version"].clone(),
                d["needs_renewal"].clone(),
            )
        })
        .collect();
    assert_eq!(versions.len(), 2, "{stored}");
    assert!(
        versions
            .iter()
            .all(|(_, v, renew)| v == "2026-1" && renew == false),
        "{stored}"
    );
}

#[tokio::test]
async fn rejection_and_withdrawal_end_the_lifecycle() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4601").await;
    let id = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "A", "family_name": "B", "email": "a@b.no"}),
        )
        .await,
    );
    expect_status(transition(&app, &s.coordinator, &id, "rejected").await, 200).await;
    expect_problem(
        transition(&app, &s.coordinator, &id, "in_screening").await,
        409,
    )
    .await;
    expect_problem(transition(&app, &s.coordinator, &id, "rejected").await, 409).await;
    expect_status(
        transition(&app, &s.coordinator, &id, "withdrawn").await,
        200,
    )
    .await;
    let empty = app
        .post(
            &format!("/api/v1/volunteers/{id}/transitions"),
            &s.coordinator,
            &json!({"to": "withdrawn", "reason": "  "}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(empty, 422).await), ["reason"]);
    let stale = send(
        app.request(
            Method::POST,
            &format!("/api/v1/volunteers/{id}/transitions"),
            Some(&s.coordinator),
        )
        .header("if-match", "\"1\"")
        .json(&json!({"to": "rejected", "reason": "x"})),
    )
    .await;
    expect_problem(stale, 412).await;
}

#[tokio::test]
async fn volunteer_fields_are_validated_and_references_stay_in_the_municipality() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "5001").await;
    let other = app.create_municipality("5006").await;
    let foreign_unit = app.unit(&other, "Annen kommune").await;
    let bad = app
        .post(
            "/api/v1/volunteers",
            &s.coordinator,
            &json!({"given_name": "", "family_name": "B", "email": "not-mail", "phone": "12", "birth_year": 2024,
                    "languages": ["norsk"], "availability": ["someday:morning"], "postal_code": "12a4", "activity_kinds": ["Personal Care"]}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(bad, 422).await),
        [
            "given_name",
            "email",
            "phone",
            "postal_code",
            "birth_year",
            "languages[0]",
            "activity_kinds[0]",
            "availability[0]"
        ]
    );
    let unreachable = app
        .post(
            "/api/v1/volunteers",
            &s.coordinator,
            &json!({"given_name": "A", "family_name": "B"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(unreachable, 422).await),
        ["email"]
    );
    let foreign = app
        .post("/api/v1/volunteers", &s.coordinator, &json!({"given_name": "A", "family_name": "B", "email": "a@b.no", "home_unit_id": foreign_unit}))
        .await;
    assert_eq!(
        error_fields(&expect_problem(foreign, 422).await),
        ["home_unit_id"]
    );
    let v = app.create_volunteer(&s.coordinator, &json!({"given_name": "A", "family_name": "B", "email": "a@b.no", "notes": "Ringes etter kl 16"})).await;
    assert_eq!(v["possible_duplicate"], false);
    assert_eq!(v["notes"], "Ringes etter kl 16");
    let twin = app
        .create_volunteer(
            &s.coordinator,
            &json!({"given_name": "A2", "family_name": "B", "email": "A@B.no"}),
        )
        .await;
    assert_eq!(twin["possible_duplicate"], true);
    let cleared = expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{}", id_of(&v)),
            &s.coordinator,
            &json!({"notes": null, "phone": "+45 32 12 34 56"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cleared["notes"], Value::Null);
    assert_eq!(cleared["phone"], "+4532123456");
    let no_contact = app
        .patch(
            &format!("/api/v1/volunteers/{}", id_of(&v)),
            &s.coordinator,
            &json!({"email": null, "phone": null}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(no_contact, 422).await),
        ["email"]
    );
}

#[tokio::test]
async fn lists_filter_and_search_and_contact_persons_see_only_their_volunteers() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let mine = app
        .create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Kari", "family_name": "Nordmann", "email": "kari@example.no", "contact_person_id": s.contact,
                    "home_unit_id": s.unit, "activity_kinds": ["escort"], "notes": "Hemmelig"}),
        )
        .await;
    let other = app
        .create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Ola", "family_name": "Hansen", "phone": "48 00 00 00"}),
        )
        .await;
    let ids = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let list = |query: &str| {
        let path = format!("/api/v1/volunteers?{query}");
        let token = s.coordinator.clone();
        let app = &app;
        async move { app.get(&path, &token).await }
    };
    assert_eq!(
        ids(&expect_status(list("q=nordM").await, 200).await),
        [id_of(&mine)]
    );
    assert_eq!(
        ids(&expect_status(list("q=4800").await, 200).await),
        [id_of(&other)]
    );
    assert_eq!(
        ids(&expect_status(list("q=%25").await, 200).await),
        Vec::<String>::new(),
        "wildcards are literal"
    );
    assert_eq!(
        ids(&expect_status(list("activity_kind=escort").await, 200).await),
        [id_of(&mine)]
    );
    assert_eq!(
        ids(&expect_status(list(&format!("home_unit_id={}", s.unit)).await, 200).await),
        [id_of(&mine)]
    );
    assert_eq!(
        ids(&expect_status(list(&format!("contact_person_id={}", s.contact)).await, 200).await),
        [id_of(&mine)]
    );
    assert_eq!(
        ids(&expect_status(list("status=registered").await, 200).await).len(),
        2
    );
    assert!(ids(&expect_status(list("status=approved").await, 200).await).is_empty());
    expect_problem(list("status=sleeping").await, 400).await;

    let seen = expect_status(app.get("/api/v1/volunteers", &s.contact_token).await, 200).await;
    assert_eq!(ids(&seen), [id_of(&mine)]);
    assert_eq!(
        seen["items"][0]["notes"],
        Value::Null,
        "notes are for coordinators"
    );
    expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{}", id_of(&other)),
            &s.contact_token,
        )
        .await,
        404,
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/volunteers",
            &s.contact_token,
            &json!({"given_name": "X", "family_name": "Y", "email": "x@y.no"}),
        )
        .await,
        403,
    )
    .await;
    expect_problem(
        transition(&app, &s.contact_token, &id_of(&mine), "in_screening").await,
        403,
    )
    .await;
    expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{}/screenings", id_of(&mine)),
            &s.contact_token,
        )
        .await,
        403,
    )
    .await;
    let (_, volunteer_token) = app.user(Some(&s.municipality), "volunteer").await;
    expect_problem(app.get("/api/v1/volunteers", &volunteer_token).await, 403).await;
}

#[tokio::test]
async fn another_municipalitys_volunteers_are_404_everywhere() {
    let app = TestApp::spawn().await;
    let oslo = setup(&app, "0301").await;
    let bergen = setup(&app, "4601").await;
    let theirs = id_of(
        &app.create_volunteer(
            &bergen.coordinator,
            &json!({"given_name": "B", "family_name": "B", "email": "b@b.no"}),
        )
        .await,
    );
    let token = &oslo.coordinator;
    for path in [
        "",
        "/history",
        "/screenings",
        "/reference-checks",
        "/declarations",
    ] {
        expect_problem(
            app.get(&format!("/api/v1/volunteers/{theirs}{path}"), token)
                .await,
            404,
        )
        .await;
    }
    expect_problem(
        app.patch(
            &format!("/api/v1/volunteers/{theirs}"),
            token,
            &json!({"given_name": "X"}),
        )
        .await,
        404,
    )
    .await;
    expect_problem(transition(&app, token, &theirs, "in_screening").await, 404).await;
    let screening =
        json!({"held_at": "2026-01-10T10:00:00Z", "channel": "phone", "assessment": "suitable"});
    expect_problem(
        app.post(
            &format!("/api/v1/volunteers/{theirs}/screenings"),
            token,
            &screening,
        )
        .await,
        404,
    )
    .await;
    let declaration =
        json!({"kind": "confidentiality", "document_version": "1", "signed_on": "2026-01-01"});
    expect_problem(
        app.post(
            &format!("/api/v1/volunteers/{theirs}/declarations"),
            token,
            &declaration,
        )
        .await,
        404,
    )
    .await;
    let reference = json!({"referee_name": "X", "relation": "Y"});
    expect_problem(
        app.post(
            &format!("/api/v1/volunteers/{theirs}/reference-checks"),
            token,
            &reference,
        )
        .await,
        404,
    )
    .await;
    let document = json!({"kind": "confidentiality", "version_label": "x"});
    expect_problem(
        app.post(
            &format!("/api/v1/municipalities/{}/documents", bergen.municipality),
            token,
            &document,
        )
        .await,
        404,
    )
    .await;
    let listed = expect_status(app.get("/api/v1/volunteers", token).await, 200).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
    let into_other = app
        .post("/api/v1/volunteers", token, &json!({"municipality_id": bergen.municipality, "given_name": "A", "family_name": "B", "email": "a@b.no"}))
        .await;
    assert_eq!(
        error_fields(&expect_problem(into_other, 422).await),
        ["municipality_id"]
    );
}

#[tokio::test]
async fn anyone_can_register_and_the_answer_never_reveals_who_is_known() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3005").await;
    let register = |body: Value| {
        send(
            app.request(Method::POST, "/api/v1/registrations", None)
                .json(&body),
        )
    };
    let body = json!({"municipality_code": "3005", "given_name": "Siri", "family_name": "Lie", "email": "siri@example.no",
                      "activity_kinds": ["cultural_event"], "privacy_notice_accepted": true, "privacy_notice_version": "2026-1"});
    let first = expect_status(register(body.clone()).await, 202).await;
    let again = expect_status(register(body.clone()).await, 202).await;
    assert_eq!(first, json!({"status": "received"}));
    assert_eq!(first, again);

    let mut unknown = body.clone();
    unknown["municipality_code"] = json!("9998");
    assert_eq!(
        error_fields(&expect_problem(register(unknown).await, 422).await),
        ["municipality_code"]
    );
    let mut unaccepted = body.clone();
    unaccepted["privacy_notice_accepted"] = json!(false);
    assert_eq!(
        error_fields(&expect_problem(register(unaccepted).await, 422).await),
        ["privacy_notice_accepted"]
    );
    let mut smuggled = body.clone();
    smuggled["notes"] = json!("I am approved");
    assert_eq!(
        error_fields(&expect_problem(register(smuggled).await, 422).await),
        ["notes"]
    );

    let queue = expect_status(
        app.get("/api/v1/volunteers?status=registered", &s.coordinator)
            .await,
        200,
    )
    .await;
    let items = queue["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|v| v["source"] == "self_registration" && v["privacy_notice_version"] == "2026-1")
    );
    assert_eq!(items[0]["possible_duplicate"], false);
    assert_eq!(items[1]["possible_duplicate"], true);
}

#[tokio::test]
async fn registrations_are_rate_limited() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limit_per_minute = 6;
        c.rate_limit_burst = 2;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = send(
            app.request(Method::POST, "/api/v1/registrations", None)
                .json(&json!({})),
        )
        .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 429]);
}

#[tokio::test]
async fn a_volunteer_reads_their_record_and_changes_only_contact_details_and_availability() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1804").await;
    let record = app.create_volunteer(&s.coordinator, &json!({"given_name": "Tor", "family_name": "Moe", "email": "tor@example.no", "notes": "intern"})).await;
    let (account, token) = app.user(Some(&s.municipality), "volunteer").await;
    expect_problem(app.get("/api/v1/me/volunteer", &token).await, 404).await;
    let path = format!("/api/v1/volunteers/{}", id_of(&record));
    let (contact_account, _) = app.user(Some(&s.municipality), "contact_person").await;
    let wrong = app
        .patch(
            &path,
            &s.coordinator,
            &json!({"staff_user_id": contact_account}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(wrong, 422).await),
        ["staff_user_id"]
    );
    expect_status(
        app.patch(&path, &s.coordinator, &json!({"staff_user_id": account}))
            .await,
        200,
    )
    .await;

    let mine = expect_status(app.get("/api/v1/me/volunteer", &token).await, 200).await;
    assert_eq!(mine["id"], record["id"]);
    assert_eq!(mine["notes"], Value::Null);
    let changed = expect_status(
        app.patch(
            "/api/v1/me/volunteer",
            &token,
            &json!({"phone": "99 88 77 66", "availability": ["sunday:afternoon"]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["phone"], "+4799887766");
    assert_eq!(changed["availability"], json!(["sunday:afternoon"]));
    let name = app
        .patch(
            "/api/v1/me/volunteer",
            &token,
            &json!({"given_name": "Thor"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(name, 422).await),
        ["given_name"]
    );
    let stored = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(stored["given_name"], "Tor");
    assert_eq!(stored["notes"], "intern");
    expect_problem(app.get("/api/v1/me/volunteer", &s.coordinator).await, 403).await;
}

#[tokio::test]
async fn erasing_a_volunteer_removes_personal_data_and_keeps_the_history() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3403").await;
    let record = app.create_volunteer(&s.coordinator, &json!({"given_name": "Eva", "family_name": "Dahl", "email": "eva@example.no", "notes": "x"})).await;
    let id = id_of(&record);
    let screening = json!({"held_at": "2026-01-10T10:00:00Z", "channel": "phone", "assessment": "suitable", "notes": "private"});
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{id}/screenings"),
            &s.coordinator,
            &screening,
        )
        .await,
        201,
    )
    .await;
    expect_status(
        transition(&app, &s.coordinator, &id, "in_screening").await,
        200,
    )
    .await;
    expect_problem(
        app.delete(&format!("/api/v1/volunteers/{id}"), &s.contact_token)
            .await,
        403,
    )
    .await;
    expect_status(
        app.delete(&format!("/api/v1/volunteers/{id}"), &s.coordinator)
            .await,
        204,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{id}"), &s.coordinator)
            .await,
        404,
    )
    .await;
    let listed = expect_status(app.get("/api/v1/volunteers", &s.coordinator).await, 200).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));

    // What is left in the database: no personal data, the history with the erasure.
    use diesel::{Connection, RunQueryDsl, sql_types::Text};
    #[derive(diesel::QueryableByName)]
    struct Left {
        #[diesel(sql_type = Text)]
        left: String,
    }
    let url = app.database_url.clone();
    let left = tokio::task::spawn_blocking(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query(format!(
            "SELECT concat_ws('|', v.given_name, v.family_name, coalesce(v.email, '-'), coalesce(v.notes, '-'), v.status, \
             (SELECT coalesce(string_agg(coalesce(notes, '-'), ','), '') FROM screenings WHERE volunteer_id = v.id), \
             (SELECT string_agg(to_status || ':' || reason, ',' ORDER BY id) FROM volunteer_status_changes WHERE volunteer_id = v.id)) AS left \
             FROM volunteers v WHERE v.id = '{id}'"
        ))
        .get_result::<Left>(&mut conn)
        .map(|l| l.left)
        .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    assert_eq!(
        left,
        "(erased)|(erased)|-|-|withdrawn|-|in_screening:(erased),withdrawn:personal data erased"
    );
}

#[tokio::test]
async fn after_erasure_the_municipality_still_reads_the_history_and_the_audit_log() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3405").await;
    let id = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Eva", "family_name": "Dahl", "email": "eva@example.no", "contact_person_id": s.contact}),
        )
        .await,
    );
    expect_status(
        transition(&app, &s.coordinator, &id, "in_screening").await,
        200,
    )
    .await;
    // Reading the (empty) list of police certificates is written to the audit log.
    expect_status(
        app.get(
            &format!("/api/v1/volunteers/{id}/police-certificates"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let history = format!("/api/v1/volunteers/{id}/history");
    let audit_log = format!("/api/v1/volunteers/{id}/audit-log");
    expect_status(app.get(&history, &s.contact_token).await, 200).await;
    expect_status(
        app.delete(&format!("/api/v1/volunteers/{id}"), &s.coordinator)
            .await,
        204,
    )
    .await;

    let admin = app.admin_token().await;
    for token in [&s.coordinator, &admin] {
        let steps = expect_status(app.get(&history, token).await, 200).await;
        let steps: Vec<(Value, Value)> = steps
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| (h["to_status"].clone(), h["reason"].clone()))
            .collect();
        assert_eq!(
            steps,
            [
                // The reasons were written about the person: they go with the rest.
                (json!("in_screening"), json!("(erased)")),
                (json!("withdrawn"), json!("personal data erased")),
            ]
        );
        let log = expect_status(app.get(&audit_log, token).await, 200).await;
        let actions: Vec<(Value, Value)> = log["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["action"].clone(), e["resource"].clone()))
            .collect();
        assert_eq!(
            actions,
            [
                (json!("list"), json!("police_certificate")),
                (json!("erase"), json!("volunteer"))
            ]
        );
    }
    // The volunteer record itself is gone, and only the municipality reads what is kept.
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{id}"), &s.coordinator)
            .await,
        404,
    )
    .await;
    expect_problem(app.get(&history, &s.contact_token).await, 404).await;
    expect_problem(app.get(&audit_log, &s.contact_token).await, 403).await;
    let other = app.create_municipality("4601").await;
    let (_, stranger) = app.user(Some(&other), "coordinator").await;
    expect_problem(app.get(&history, &stranger).await, 404).await;
    expect_problem(app.get(&audit_log, &stranger).await, 404).await;
}

#[tokio::test]
async fn erasing_a_volunteer_also_closes_their_login() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3407").await;
    let id = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Liv", "family_name": "Ås", "email": "liv@example.no"}),
        )
        .await,
    );
    let (account, token) = app.user(Some(&s.municipality), "volunteer").await;
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{id}"),
            &s.coordinator,
            &json!({"staff_user_id": account}),
        )
        .await,
        200,
    )
    .await;
    let email = expect_status(
        app.get(&format!("/api/v1/users/{account}"), &s.coordinator)
            .await,
        200,
    )
    .await["email"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    expect_status(app.get("/api/v1/me/volunteer", &token).await, 200).await;
    expect_status(
        app.delete(&format!("/api/v1/volunteers/{id}"), &s.coordinator)
            .await,
        204,
    )
    .await;
    let relogin = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .form(&[
                ("grant_type", "password"),
                ("username", email.as_str()),
                ("password", samspill_tests::USER_PASSWORD),
            ]),
    )
    .await;
    expect_problem(relogin, 400).await;
    let login = expect_status(
        app.get(&format!("/api/v1/users/{account}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(login["active"], false);
    assert_eq!(login["display_name"], "(erased)");
    assert!(
        login["email"]
            .as_str()
            .is_some_and(|e| e.ends_with("@erased.invalid")),
        "{login}"
    );
}

#[tokio::test]
async fn dates_outside_any_plausible_range_are_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3411").await;
    let id = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "O", "family_name": "O", "email": "o@o.no"}),
        )
        .await,
    );
    let ancient =
        json!({"held_at": "-5000-01-01T00:00:00Z", "channel": "phone", "assessment": "suitable"});
    let refused = app
        .post(
            &format!("/api/v1/volunteers/{id}/screenings"),
            &s.coordinator,
            &ancient,
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(refused, 422).await),
        ["held_at"]
    );
    let declaration =
        json!({"kind": "confidentiality", "document_version": "1", "signed_on": "0001-01-01"});
    let refused = app
        .post(
            &format!("/api/v1/volunteers/{id}/declarations"),
            &s.coordinator,
            &declaration,
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(refused, 422).await),
        ["signed_on"]
    );
    let document =
        json!({"kind": "confidentiality", "version_label": "x", "published_on": "-0100-01-01"});
    let refused = app
        .post(
            &format!("/api/v1/municipalities/{}/documents", s.municipality),
            &s.coordinator,
            &document,
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(refused, 422).await),
        ["published_on"]
    );
    let (other, _) = app.user(Some(&s.municipality), "volunteer").await;
    let by_volunteer = json!({"held_at": "2026-01-10T10:00:00Z", "channel": "phone", "assessment": "suitable", "interviewer_id": other});
    let refused = app
        .post(
            &format!("/api/v1/volunteers/{id}/screenings"),
            &s.coordinator,
            &by_volunteer,
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(refused, 422).await),
        ["interviewer_id"]
    );
}

#[tokio::test]
async fn a_screening_names_its_first_bad_field_in_the_order_the_fields_are_read() {
    let app = TestApp::spawn().await;
    let s = app.municipality("3901").build().await;
    let id = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Jon", "family_name": "Rekke", "email": "jon@example.no"}),
        )
        .await,
    );
    let held_at = chrono::Utc::now().to_rfc3339();
    let screening = |interests: Value, notes: &str| {
        json!({"held_at": held_at, "channel": "phone", "assessment": "suitable",
               "interests_mapped": interests, "notes": notes})
    };
    let path = format!("/api/v1/volunteers/{id}/screenings");
    let too_long = "n".repeat(4001);
    for (interests, field) in [
        (json!(vec!["sang"; 31]), "interests_mapped"),
        (json!(["sang", "x".repeat(101)]), "interests_mapped[1]"),
        (json!(["sang"]), "notes"),
    ] {
        let refused = expect_problem(
            app.post(&path, &s.coordinator, &screening(interests, &too_long))
                .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&refused), [field]);
    }
}
