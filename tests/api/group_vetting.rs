//! Groups vetted through their contact person, cleared through the same engine as volunteers.

use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, Subject::Group, TestApp, days_ago, error_fields, expect_problem,
    expect_status, id_of, police_certificate, requirement, send,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .build()
        .await
}

async fn group(app: &TestApp, s: &MunicipalitySetup, body: Value) -> String {
    id_of(&app.create_group(&s.coordinator, &body).await)
}

async fn screen(app: &TestApp, s: &MunicipalitySetup, group: &str, assessment: &str) {
    app.screening(&s.coordinator, Group(group), 5, assessment)
        .await;
}

async fn declare(app: &TestApp, s: &MunicipalitySetup, group: &str) {
    app.sign_declarations(&s.coordinator, Group(group), 4).await;
}

async fn to(app: &TestApp, s: &MunicipalitySetup, group: &str, status: &str) -> reqwest::Response {
    app.transition(&s.coordinator, Group(group), status).await
}

async fn clearance(app: &TestApp, token: &str, group: &str, query: &str) -> Value {
    app.clearance(token, Group(group), query).await
}

fn state_of(answer: &Value, code: &str) -> Value {
    requirement(answer, code)["state"].clone()
}

#[tokio::test]
async fn a_kindergarten_is_cleared_for_a_nursing_home_party_through_its_vetted_teacher() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let teacher = app
        .representative(&s.coordinator, "Barnehagelærer Eva")
        .await;
    let kindergarten = group(
        &app,
        &s,
        json!({"name": "Solstrålen barnehage, Revene", "kind": "kindergarten", "contact_person_id": teacher,
               "head_count": 18, "home_unit_id": s.unit}),
    )
    .await;
    let party = "activity_kind=party_or_arrangement&setting=institution";

    // Registered three weeks ago and nobody has called the teacher yet: on the work list.
    app.execute_sql(&format!(
        "UPDATE groups SET created_at = now() - interval '21 days' WHERE id = '{kindergarten}'"
    ));
    let work = expect_status(app.get("/api/v1/work-items", &s.coordinator).await, 200).await;
    assert_eq!(work["items"][0]["kind"], "screening_overdue", "{work}");
    assert_eq!(work["items"][0]["subject"], "group");
    assert_eq!(work["items"][0]["subject_id"], kindergarten.as_str());
    assert_eq!(work["items"][0]["name"], "Solstrålen barnehage, Revene");

    let before = clearance(&app, &s.coordinator, &kindergarten, party).await;
    assert_eq!(before["cleared"], false);
    assert_eq!(state_of(&before, "approved_status"), "missing");

    expect_status(to(&app, &s, &kindergarten, "in_screening").await, 200).await;
    let refused = expect_problem(to(&app, &s, &kindergarten, "approved").await, 409).await;
    assert_eq!(
        refused["missing"],
        json!([
            "suitable_screening",
            "confidentiality_declaration",
            "privacy_guidelines",
            "volunteer_agreement"
        ])
    );
    screen(&app, &s, &kindergarten, "suitable").await;
    declare(&app, &s, &kindergarten).await;
    let approved = expect_status(to(&app, &s, &kindergarten, "approved").await, 200).await;
    assert_eq!(approved["status"], "approved");

    let cleared = clearance(&app, &s.coordinator, &kindergarten, party).await;
    assert_eq!(cleared["cleared"], true, "{cleared}");
    assert_eq!(cleared["members"], json!([]));
    assert_eq!(state_of(&cleared, "confidentiality_declaration"), "met");

    let history = expect_status(
        app.get(
            &format!("/api/v1/groups/{kindergarten}/history"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(history.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_company_whose_contact_person_is_not_screened_is_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4601").await;
    let lead = app.representative(&s.coordinator, "Per Bedrift").await;
    let company = group(
        &app,
        &s,
        json!({"name": "Bergen Kraft AS", "kind": "company", "org_number": "974 760 673",
               "contact_person_id": lead, "head_count": 12, "home_unit_id": s.unit}),
    )
    .await;
    expect_status(to(&app, &s, &company, "in_screening").await, 200).await;
    declare(&app, &s, &company).await;
    let refused = expect_problem(to(&app, &s, &company, "approved").await, 409).await;
    assert_eq!(refused["missing"], json!(["suitable_screening"]));
    let answer = clearance(
        &app,
        &s.coordinator,
        &company,
        "activity_kind=activity&setting=institution",
    )
    .await;
    assert_eq!(answer["cleared"], false);
    assert_eq!(state_of(&answer, "approved_status"), "missing");

    // A screening assessed as not suitable does not help either.
    screen(&app, &s, &company, "not_suitable").await;
    let refused = expect_problem(to(&app, &s, &company, "approved").await, 409).await;
    assert_eq!(refused["missing"], json!(["suitable_screening"]));

    let bad = expect_problem(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &json!({"name": "Feil AS", "kind": "company", "org_number": "974760674",
                    "contact_person_id": lead, "head_count": 3}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&bad), ["org_number"]);
}

#[tokio::test]
async fn per_person_certificates_are_asked_of_named_members_and_a_new_contact_person_needs_screening()
 {
    let app = TestApp::spawn().await;
    let s = setup(&app, "5001").await;
    let lead = app.representative(&s.coordinator, "Leder Lise").await;
    let member = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Medlem", "family_name": "En", "email": "medlem@example.no"}),
        )
        .await,
    );
    let association = app
        .approved_group(
            &s.coordinator,
            json!({"name": "Sanglaget", "kind": "association", "contact_person_id": lead,
                   "head_count": 6, "home_unit_id": s.unit}),
        )
        .create()
        .await;
    let question =
        "activity_kind=cultural_event&setting=institution&target_group=intellectual_disability";

    let nobody = clearance(&app, &s.coordinator, &association, question).await;
    assert_eq!(nobody["cleared"], false);
    assert_eq!(state_of(&nobody, "named_members"), "missing");

    let current = expect_status(
        app.get(&format!("/api/v1/groups/{association}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    let named = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/groups/{association}"),
            Some(&s.coordinator),
        )
        .header("if-match", format!("\"{}\"", current["version"]))
        .json(&json!({"member_ids": [member]})),
    )
    .await;
    let named = expect_status(named, 200).await;
    let uncertified = clearance(&app, &s.coordinator, &association, question).await;
    assert_eq!(uncertified["cleared"], false);
    assert_eq!(uncertified["members"][0]["volunteer_id"], member.as_str());
    assert_eq!(uncertified["members"][0]["cleared"], false);
    assert_eq!(
        uncertified["members"][0]["requirements"][0]["requirement"],
        "politiattest"
    );

    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{member}/police-certificates"),
            &s.coordinator,
            &police_certificate("politiattest", &days_ago(20), &days_ago(10)),
        )
        .await,
        201,
    )
    .await;
    let certified = clearance(&app, &s.coordinator, &association, question).await;
    assert_eq!(certified["cleared"], true, "{certified}");

    // The group appears in the status feed with its own kind of record.
    let feed = expect_status(
        app.get("/api/v1/volunteer-status", &s.coordinator).await,
        200,
    )
    .await;
    let record = feed["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == association.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(record["kind"], "group");
    assert_eq!(record["status"], "approved");
    assert!(
        record["cleared_for"]
            .as_array()
            .is_some_and(|lines| !lines.is_empty())
    );

    // A new contact person: back to screening, with the history kept.
    let successor = app.representative(&s.coordinator, "Leder Lars").await;
    let replaced = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/groups/{association}"),
            Some(&s.coordinator),
        )
        .header("if-match", format!("\"{}\"", named["version"]))
        .json(&json!({"contact_person_id": successor})),
    )
    .await;
    let replaced = expect_status(replaced, 200).await;
    assert_eq!(replaced["status"], "in_screening");
    let refused = expect_problem(to(&app, &s, &association, "approved").await, 409).await;
    assert_eq!(
        refused["missing"],
        json!([
            "suitable_screening",
            "confidentiality_declaration",
            "privacy_guidelines",
            "volunteer_agreement"
        ])
    );
    let history = expect_status(
        app.get(
            &format!("/api/v1/groups/{association}/history"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert!(
        history
            .as_array()
            .is_some_and(|h| h.iter().any(|c| c["reason"] == "contact person replaced"))
    );
    let declarations = expect_status(
        app.get(
            &format!("/api/v1/groups/{association}/declarations"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert!(
        declarations
            .as_array()
            .is_some_and(|d| d.iter().all(|d| d["needs_renewal"] == true))
    );
    screen(&app, &s, &association, "suitable").await;
    declare(&app, &s, &association).await;
    expect_status(to(&app, &s, &association, "approved").await, 200).await;

    // Erasing the member takes them off the group's list.
    expect_status(
        app.delete(&format!("/api/v1/volunteers/{member}"), &s.coordinator)
            .await,
        204,
    )
    .await;
    let after = expect_status(
        app.get(&format!("/api/v1/groups/{association}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(after["member_ids"], json!([]));
}

#[tokio::test]
async fn a_group_declaration_must_name_a_published_document_version() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1108").await;
    let lead = app.representative(&s.coordinator, "Leder").await;
    let network = group(
        &app,
        &s,
        json!({"name": "Strikkekaféen", "kind": "network", "contact_person_id": lead, "head_count": 6}),
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/municipalities/{}/documents", s.municipality),
            &s.coordinator,
            &json!({"kind": "volunteer_agreement", "version_label": "2026-1"}),
        )
        .await,
        201,
    )
    .await;
    let declarations = format!("/api/v1/groups/{network}/declarations");
    let refused = expect_problem(
        app.post(
            &declarations,
            &s.coordinator,
            &json!({"kind": "volunteer_agreement", "document_version": "2025-7", "signed_on": days_ago(2)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&refused), ["document_version"]);
    assert_eq!(refused["errors"][0]["code"], "not_published");
    let signed = expect_status(
        app.post(
            &declarations,
            &s.coordinator,
            &json!({"kind": "volunteer_agreement", "document_version": "2026-1", "signed_on": days_ago(2)}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(signed["needs_renewal"], false);
    let stored = expect_status(app.get(&declarations, &s.coordinator).await, 200).await;
    assert_eq!(stored.as_array().map(Vec::len), Some(1), "{stored}");
}

#[tokio::test]
async fn group_vetting_endpoints_respect_roles_and_municipalities() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let lead = app.representative(&s.coordinator, "Leder").await;
    let network = group(
        &app,
        &s,
        json!({"name": "Turvennene", "kind": "network", "contact_person_id": lead, "head_count": 4}),
    )
    .await;
    let other = setup(&app, "1106").await;
    let (_, contact) = app.user(Some(&s.municipality), "contact_person").await;
    let (_, volunteer) = app.user(Some(&s.municipality), "volunteer").await;
    let status_only = app.service_token(&s.coordinator, &["status:read"]).await;
    let clearance_reader = app.service_token(&s.coordinator, &["clearance:read"]).await;
    let foreign_reader = app
        .service_token(&other.coordinator, &["clearance:read"])
        .await;
    let question = "activity_kind=activity&setting=institution";
    let reads = [
        format!("/api/v1/groups/{network}/screenings"),
        format!("/api/v1/groups/{network}/declarations"),
        format!("/api/v1/groups/{network}/history"),
    ];
    for path in &reads {
        expect_status(app.get(path, &s.coordinator).await, 200).await;
        expect_problem(app.get(path, &other.coordinator).await, 404).await;
        expect_problem(app.get(path, &contact).await, 403).await;
        expect_problem(app.get(path, &volunteer).await, 403).await;
        expect_problem(app.get(path, &status_only).await, 403).await;
    }
    let writes = [
        (
            format!("/api/v1/groups/{network}/screenings"),
            json!({"held_at": "2026-01-10T10:00:00Z", "channel": "phone", "assessment": "suitable"}),
        ),
        (
            format!("/api/v1/groups/{network}/declarations"),
            json!({"kind": "confidentiality", "document_version": "1", "signed_on": "2026-01-10"}),
        ),
        (
            format!("/api/v1/groups/{network}/transitions"),
            json!({"to": "in_screening", "reason": "x"}),
        ),
    ];
    for (path, body) in &writes {
        expect_problem(app.post(path, &other.coordinator, body).await, 404).await;
        expect_problem(app.post(path, &contact, body).await, 403).await;
        expect_problem(app.post(path, &volunteer, body).await, 403).await;
    }
    let clearance_path = format!("/api/v1/groups/{network}/clearance?{question}");
    clearance(&app, &clearance_reader, &network, question).await;
    expect_problem(app.get(&clearance_path, &foreign_reader).await, 404).await;
    expect_problem(app.get(&clearance_path, &status_only).await, 403).await;
    expect_problem(app.get(&clearance_path, &contact).await, 403).await;
    expect_problem(app.get(&clearance_path, &other.coordinator).await, 404).await;
    let skip = expect_problem(to(&app, &s, &network, "approved").await, 409).await;
    assert_eq!(error_fields(&skip), ["to"]);
}
