use diesel::{Connection, PgConnection, RunQueryDsl, sql_types::Text};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, TestApp, error_fields, expect_problem, expect_status, id_of, send,
};
use serde_json::{Value, json};

async fn setup_in(app: &TestApp, country: &str, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .country(country)
        .representative("Barnehagelærer Eva")
        .build()
        .await
}

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    setup_in(app, "NO", code).await
}

async fn volunteer(app: &TestApp, coordinator: &str, email: &str) -> String {
    let body = json!({"given_name": "Ola", "family_name": "Nordmann", "email": email});
    id_of(&app.create_volunteer(coordinator, &body).await)
}

fn kindergarten(s: &MunicipalitySetup) -> Value {
    json!({"name": "Solstrålen barnehage", "kind": "kindergarten",
           "contact_person_id": s.representative, "head_count": 18})
}

fn first_error(problem: &Value) -> (String, String) {
    (
        problem["errors"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        problem["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[derive(diesel::QueryableByName)]
struct HistoryRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    from_status: Option<String>,
    #[diesel(sql_type = Text)]
    to_status: String,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    changed_by: Option<String>,
}

async fn execute(app: &TestApp, sql: String) {
    let url = app.database_url.clone();
    let done = tokio::task::spawn_blocking(move || {
        PgConnection::establish(&url)
            .map_err(|e| e.to_string())
            .and_then(|mut conn| {
                diesel::sql_query(&sql)
                    .execute(&mut conn)
                    .map_err(|e| format!("{sql}: {e}"))
            })
    })
    .await;
    assert!(matches!(done, Ok(Ok(1))), "{done:?}");
}

async fn history(app: &TestApp, group: &str) -> Vec<HistoryRow> {
    let url = app.database_url.clone();
    let sql = format!(
        "SELECT from_status, to_status, reason, changed_by::text AS changed_by \
         FROM group_status_changes WHERE group_id = '{group}' ORDER BY id"
    );
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query(sql)
            .load::<HistoryRow>(&mut conn)
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_kindergarten_registers_with_its_representative_and_head_count() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let response = app
        .post("/api/v1/groups", &s.coordinator, &kindergarten(&s))
        .await;
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let group = expect_status(response, 201).await;
    assert_eq!(etag, "\"1\"");
    assert_eq!(location, format!("/api/v1/groups/{}", id_of(&group)));
    assert_eq!(group["name"], "Solstrålen barnehage");
    assert_eq!(group["kind"], "kindergarten");
    assert_eq!(group["org_number"], Value::Null);
    assert_eq!(group["contact_person_id"], s.representative.as_str());
    assert_eq!(group["head_count"], 18);
    assert_eq!(group["status"], "registered");
    assert_eq!(group["municipality_id"], s.municipality.as_str());
    assert_eq!(group["member_ids"], json!([]));
    assert_eq!(group["version"], 1);

    let read = expect_status(app.get(&location, &s.coordinator).await, 200).await;
    assert_eq!(read, group);
    let listed = expect_status(
        app.get(
            "/api/v1/groups?kind=kindergarten&status=registered",
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed["items"], json!([group]));
    let none = expect_status(
        app.get("/api/v1/groups?kind=company", &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(none["items"], json!([]));
}

#[tokio::test]
async fn a_company_must_give_an_organisation_number_with_a_valid_check_digit() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let company = |number: Option<&str>| {
        json!({"name": "Brønnøysund AS", "kind": "company", "org_number": number,
               "contact_person_id": s.representative, "head_count": 12})
    };
    let missing = expect_problem(
        app.post("/api/v1/groups", &s.coordinator, &company(None))
            .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&missing),
        ("org_number".into(), "required".into())
    );
    let wrong = expect_problem(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &company(Some("974760674")),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&wrong),
        ("org_number".into(), "invalid_check_digit".into())
    );
    let short = expect_problem(
        app.post("/api/v1/groups", &s.coordinator, &company(Some("97476067")))
            .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&short),
        ("org_number".into(), "invalid_format".into())
    );
    let created = app
        .create_group(&s.coordinator, &company(Some("974 760 673")))
        .await;
    assert_eq!(created["org_number"], "974760673");

    // Turning a group without a number into a company needs a number as well.
    let group = app.create_group(&s.coordinator, &kindergarten(&s)).await;
    let path = format!("/api/v1/groups/{}", id_of(&group));
    let refused = expect_problem(
        app.patch(&path, &s.coordinator, &json!({"kind": "company"}))
            .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&refused),
        ("org_number".into(), "required".into())
    );
    let changed = expect_status(
        app.patch(
            &path,
            &s.coordinator,
            &json!({"kind": "company", "org_number": "984851006"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["org_number"], "984851006");
    assert_eq!(changed["version"], 2);
    // A company cannot drop its number; a kindergarten can.
    let dropped = expect_problem(
        app.patch(&path, &s.coordinator, &json!({"org_number": null}))
            .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&dropped),
        ("org_number".into(), "required".into())
    );
    let cleared = expect_status(
        app.patch(
            &path,
            &s.coordinator,
            &json!({"kind": "kindergarten", "org_number": null}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cleared["org_number"], Value::Null);
}

#[tokio::test]
async fn a_danish_group_gives_a_cvr_number_and_a_norwegian_number_is_refused() {
    let app = TestApp::spawn().await;
    let s = setup_in(&app, "DK", "173").await;
    let body = |number: &str| {
        json!({"name": "Lyngby Frivilligforening", "kind": "association", "org_number": number,
               "contact_person_id": s.representative, "head_count": 30})
    };
    let created = app.create_group(&s.coordinator, &body("24256790")).await;
    assert_eq!(created["org_number"], "24256790");
    let refused = expect_problem(
        app.post("/api/v1/groups", &s.coordinator, &body("974760673"))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&refused), vec!["org_number"]);
}

#[tokio::test]
async fn the_contact_person_must_be_an_active_group_representative_of_the_municipality() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let other = setup(&app, "0302").await;
    let staff = id_of(
        &expect_status(
            app.post(
                "/api/v1/contact-persons",
                &s.coordinator,
                &json!({"kind": "staff", "name": "Randi Hansen"}),
            )
            .await,
            201,
        )
        .await,
    );
    let with_contact = |contact: &str| json!({"name": "Turlaget", "kind": "association", "contact_person_id": contact, "head_count": 8});
    let staff_kind = expect_problem(
        app.post("/api/v1/groups", &s.coordinator, &with_contact(&staff))
            .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&staff_kind),
        (
            "contact_person_id".into(),
            "not_group_representative".into()
        )
    );
    let foreign = expect_problem(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &with_contact(&other.representative),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&foreign),
        ("contact_person_id".into(), "not_found".into())
    );
    let missing_fields = expect_problem(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &json!({"name": "Turlaget", "kind": "association"}),
        )
        .await,
        422,
    )
    .await;
    assert!(
        error_fields(&missing_fields).contains(&"contact_person_id".to_owned()),
        "{missing_fields}"
    );
    let bad_values = expect_problem(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &json!({"name": " ", "kind": "association", "contact_person_id": s.representative,
                    "head_count": 0, "description": "x".repeat(2001)}),
        )
        .await,
        422,
    )
    .await;
    let mut fields = error_fields(&bad_values);
    fields.sort();
    assert_eq!(fields, vec!["description", "head_count", "name"]);
    let foreign_unit = app.unit(&other.municipality, "Fremmed sykehjem").await;
    let unit = expect_problem(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &json!({"name": "Turlaget", "kind": "association", "contact_person_id": s.representative,
                    "head_count": 8, "home_unit_id": foreign_unit}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&unit),
        ("home_unit_id".into(), "not_found".into())
    );

    // A deactivated representative cannot be chosen.
    expect_status(
        app.patch(
            &format!("/api/v1/contact-persons/{}", s.representative),
            &s.coordinator,
            &json!({"active": false}),
        )
        .await,
        200,
    )
    .await;
    let inactive = expect_problem(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &with_contact(&s.representative),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&inactive), vec!["contact_person_id"]);
}

#[tokio::test]
async fn members_are_volunteers_of_the_municipality_named_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let other = setup(&app, "0302").await;
    let kari = volunteer(&app, &s.coordinator, "kari@example.no").await;
    let per = volunteer(&app, &s.coordinator, "per@example.no").await;
    let stranger = volunteer(&app, &other.coordinator, "stranger@example.no").await;
    let mut body = kindergarten(&s);
    body["member_ids"] = json!([stranger, kari]);
    let foreign =
        expect_problem(app.post("/api/v1/groups", &s.coordinator, &body).await, 422).await;
    assert_eq!(
        first_error(&foreign),
        ("member_ids[0]".into(), "not_found".into())
    );
    body["member_ids"] = json!([kari, per, kari]);
    let repeated =
        expect_problem(app.post("/api/v1/groups", &s.coordinator, &body).await, 422).await;
    assert_eq!(
        first_error(&repeated),
        ("member_ids[2]".into(), "duplicate".into())
    );

    body["member_ids"] = json!([per, kari]);
    let group = app.create_group(&s.coordinator, &body).await;
    let mut expected = vec![kari.clone(), per.clone()];
    expected.sort();
    assert_eq!(group["member_ids"], json!(expected));
    let path = format!("/api/v1/groups/{}", id_of(&group));

    // The same members in another order change nothing.
    let same = expect_status(
        app.patch(&path, &s.coordinator, &json!({"member_ids": [kari, per]}))
            .await,
        200,
    )
    .await;
    assert_eq!(same["version"], 1);
    let replaced = expect_status(
        app.patch(&path, &s.coordinator, &json!({"member_ids": [per]}))
            .await,
        200,
    )
    .await;
    assert_eq!(replaced["member_ids"], json!([per]));
    assert_eq!(replaced["version"], 2);
    let refused = expect_problem(
        app.patch(
            &path,
            &s.coordinator,
            &json!({"member_ids": [per, stranger]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&refused),
        ("member_ids[1]".into(), "not_found".into())
    );
    let stored = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(stored["member_ids"], json!([per]));

    let listed = expect_status(app.get("/api/v1/groups", &s.coordinator).await, 200).await;
    assert_eq!(listed["items"][0]["member_ids"], json!([per]));
}

#[tokio::test]
async fn a_stale_if_match_is_refused_and_null_clears_optional_fields() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let unit = app.unit(&s.municipality, "Solsiden sykehjem").await;
    let mut body = kindergarten(&s);
    body["description"] = json!("Synger for beboerne hver fredag");
    body["home_unit_id"] = json!(unit);
    body["external_reference"] = json!("GR-1");
    let group = app.create_group(&s.coordinator, &body).await;
    let path = format!("/api/v1/groups/{}", id_of(&group));
    let changed = expect_status(
        send(
            app.request(Method::PATCH, &path, Some(&s.coordinator))
                .header("if-match", "\"1\"")
                .json(&json!({"description": null, "home_unit_id": null, "external_reference": null, "head_count": 20})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["home_unit_id"], Value::Null);
    assert_eq!(changed["external_reference"], Value::Null);
    assert_eq!(changed["head_count"], 20);
    assert_eq!(changed["version"], 2);
    let stale = expect_problem(
        send(
            app.request(Method::PATCH, &path, Some(&s.coordinator))
                .header("if-match", "\"1\"")
                .json(&json!({"name": "Nytt navn"})),
        )
        .await,
        412,
    )
    .await;
    assert_eq!(stale["current_version"], 2);
    let stored = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(stored["name"], "Solstrålen barnehage");

    // External references are unique in the municipality.
    let mut second = kindergarten(&s);
    second["external_reference"] = json!("GR-2");
    app.create_group(&s.coordinator, &second).await;
    let taken = expect_problem(
        app.patch(
            &path,
            &s.coordinator,
            &json!({"external_reference": "GR-2"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(error_fields(&taken), vec!["external_reference"]);
}

#[tokio::test]
async fn replacing_the_contact_person_sends_an_approved_group_back_to_screening() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let (coordinator_id, coordinator) = app.user(Some(&s.municipality), "coordinator").await;
    let group = app.create_group(&s.coordinator, &kindergarten(&s)).await;
    let id = id_of(&group);
    let path = format!("/api/v1/groups/{id}");
    execute(
        &app,
        format!("UPDATE groups SET status = 'approved' WHERE id = '{id}'"),
    )
    .await;
    let successor = app.representative(&coordinator, "Styrer Trond").await;
    let changed = expect_status(
        app.patch(
            &path,
            &coordinator,
            &json!({"contact_person_id": successor}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["contact_person_id"], successor.as_str());
    assert_eq!(changed["status"], "in_screening");
    assert_eq!(changed["version"], 2);
    let rows = history(&app, &id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].from_status.as_deref(), Some("approved"));
    assert_eq!(rows[0].to_status, "in_screening");
    assert_eq!(rows[0].reason, "contact person replaced");
    assert_eq!(rows[0].changed_by.as_deref(), Some(coordinator_id.as_str()));

    // A group still in screening keeps its status, and the replacement is kept all the same.
    let back = expect_status(
        app.patch(
            &path,
            &coordinator,
            &json!({"contact_person_id": s.representative}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(back["status"], "in_screening");
    let rows = history(&app, &id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].from_status.as_deref(), Some("in_screening"));
    assert_eq!(rows[1].to_status, "in_screening");
    assert_eq!(rows[1].reason, "contact person replaced");

    // Naming the same contact person again is no replacement.
    let same = expect_status(
        app.patch(
            &path,
            &coordinator,
            &json!({"contact_person_id": s.representative}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(same["version"], back["version"]);
    assert_eq!(history(&app, &id).await.len(), 2);
}

#[tokio::test]
async fn another_municipalitys_groups_are_404_and_unlisted() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let other = setup(&app, "0302").await;
    let group = app.create_group(&s.coordinator, &kindergarten(&s)).await;
    let path = format!("/api/v1/groups/{}", id_of(&group));
    expect_problem(app.get(&path, &other.coordinator).await, 404).await;
    expect_problem(
        app.patch(&path, &other.coordinator, &json!({"name": "Kapret"}))
            .await,
        404,
    )
    .await;
    expect_problem(
        app.patch(
            &path,
            &other.coordinator,
            &json!({"contact_person_id": other.representative}),
        )
        .await,
        404,
    )
    .await;
    let listed = expect_status(app.get("/api/v1/groups", &other.coordinator).await, 200).await;
    assert_eq!(listed["items"], json!([]));
    let filtered = expect_status(
        app.get(
            &format!("/api/v1/groups?municipality_id={}", s.municipality),
            &other.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(filtered["items"], json!([]));
    // Creating in another municipality is refused as well.
    let mut body = kindergarten(&other);
    body["municipality_id"] = json!(s.municipality);
    let foreign = expect_problem(
        app.post("/api/v1/groups", &other.coordinator, &body).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&foreign), vec!["municipality_id"]);
    let stored = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(stored["name"], "Solstrålen barnehage");
}

#[tokio::test]
async fn contact_person_volunteer_and_service_accounts_may_not_use_groups() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let group = app.create_group(&s.coordinator, &kindergarten(&s)).await;
    let path = format!("/api/v1/groups/{}", id_of(&group));
    let (_, contact) = app.user(Some(&s.municipality), "contact_person").await;
    let (_, volunteer) = app.user(Some(&s.municipality), "volunteer").await;
    let service = app.service_token(&s.coordinator, &["status:read"]).await;
    for token in [&contact, &volunteer, &service] {
        expect_problem(
            app.post("/api/v1/groups", token, &kindergarten(&s)).await,
            403,
        )
        .await;
        expect_problem(app.get("/api/v1/groups", token).await, 403).await;
        expect_problem(app.get(&path, token).await, 403).await;
        expect_problem(
            app.patch(&path, token, &json!({"head_count": 2})).await,
            403,
        )
        .await;
    }
    let stored = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert_eq!(stored["head_count"], 18);
    assert_eq!(stored["version"], 1);
}

#[tokio::test]
async fn an_administrator_names_the_municipality_and_sees_every_group() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let other = setup(&app, "0302").await;
    let admin = app.admin_token().await;
    let unnamed = expect_problem(
        app.post("/api/v1/groups", &admin, &kindergarten(&s)).await,
        422,
    )
    .await;
    assert_eq!(
        first_error(&unnamed),
        ("municipality_id".into(), "required".into())
    );
    let mut body = kindergarten(&s);
    body["municipality_id"] = json!(s.municipality);
    let ours = expect_status(app.post("/api/v1/groups", &admin, &body).await, 201).await;
    let mut body = kindergarten(&other);
    body["municipality_id"] = json!(other.municipality);
    let theirs = expect_status(app.post("/api/v1/groups", &admin, &body).await, 201).await;
    // The representative of one municipality cannot answer for a group of another.
    body["contact_person_id"] = json!(s.representative);
    expect_problem(app.post("/api/v1/groups", &admin, &body).await, 422).await;

    let all = expect_status(app.get("/api/v1/groups?limit=1", &admin).await, 200).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(1));
    let cursor = all["next_cursor"].as_str().unwrap_or_default().to_owned();
    let rest = expect_status(
        app.get(&format!("/api/v1/groups?limit=1&cursor={cursor}"), &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(rest["next_cursor"], Value::Null);
    let mut seen = vec![id_of(&all["items"][0]), id_of(&rest["items"][0])];
    seen.sort();
    let mut expected = vec![id_of(&ours), id_of(&theirs)];
    expected.sort();
    assert_eq!(seen, expected);
    let only = expect_status(
        app.get(
            &format!("/api/v1/groups?municipality_id={}", other.municipality),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(only["items"], json!([theirs]));
}
