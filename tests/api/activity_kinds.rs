use reqwest::Method;
use samspill_tests::{TestApp, error_fields, expect_problem, expect_status, id_of, send};
use serde_json::{Value, json};

const DEFAULTS: [&str; 5] = [
    "activity",
    "cultural_event",
    "party_or_arrangement",
    "escort",
    "companionship",
];

fn kinds_path(municipality: &str) -> String {
    format!("/api/v1/municipalities/{municipality}/activity-kinds")
}

async fn codes(app: &TestApp, token: &str, municipality: &str) -> Vec<String> {
    let listed = expect_status(app.get(&kinds_path(municipality), token).await, 200).await;
    listed["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|kind| kind["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn create_kind(app: &TestApp, token: &str, municipality: &str, body: Value) -> Value {
    expect_status(app.post(&kinds_path(municipality), token, &body).await, 201).await
}

fn codes_and_fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

#[tokio::test]
async fn the_catalogue_lists_the_five_defaults_then_the_municipalitys_own_kinds_in_code_order() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("0301").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;

    let listed = expect_status(app.get(&kinds_path(&municipality), &coordinator).await, 200).await;
    assert_eq!(
        listed["items"][0],
        json!({"code": "activity", "name": "Concrete activities", "description": null, "default": true, "id": null})
    );
    assert_eq!(codes(&app, &coordinator, &municipality).await, DEFAULTS);

    let created = create_kind(
        &app,
        &coordinator,
        &municipality,
        json!({"code": "reading_aloud", "name": " Høytlesning ", "description": "Lese avisen for beboere"}),
    )
    .await;
    assert_eq!(created["code"], "reading_aloud");
    assert_eq!(created["name"], "Høytlesning");
    assert_eq!(created["description"], "Lese avisen for beboere");
    assert_eq!(created["default"], false);
    assert!(created["id"].is_string(), "{created}");
    create_kind(
        &app,
        &coordinator,
        &municipality,
        json!({"code": "bingo", "name": "Bingo"}),
    )
    .await;

    // Every account of the municipality reads the same catalogue.
    let (_, contact) = app.user(Some(&municipality), "contact_person").await;
    let (_, volunteer) = app.user(Some(&municipality), "volunteer").await;
    let admin = app.admin_token().await;
    for token in [&coordinator, &contact, &volunteer, &admin] {
        let listed = codes(&app, token, &municipality).await;
        assert_eq!(listed[..5], DEFAULTS);
        assert_eq!(listed[5..], ["bingo", "reading_aloud"]);
    }
    let listed = expect_status(app.get(&kinds_path(&municipality), &contact).await, 200).await;
    assert_eq!(listed["items"][6], created);

    // Another municipality's catalogue has only the defaults.
    let other = app.create_municipality("0302").await;
    assert_eq!(codes(&app, &admin, &other).await, DEFAULTS);
}

#[tokio::test]
async fn kinds_naming_statutory_care_tasks_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1103").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let path = kinds_path(&municipality);

    let personal_care = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "personal_care", "name": "Personal care"}),
        )
        .await;
    assert_eq!(
        codes_and_fields(&expect_problem(personal_care, 422).await),
        [
            pair("code", "statutory_care"),
            pair("name", "statutory_care")
        ]
    );
    let medication = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "utdeling", "name": "Utdeling av medisiner"}),
        )
        .await;
    let problem = expect_problem(medication, 422).await;
    assert_eq!(codes_and_fields(&problem), [pair("name", "statutory_care")]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("medisin")),
        "{problem}"
    );
    let in_description = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "morning_visit", "name": "Morgenbesøk", "description": "Hjelp med dusj og påkledning"}),
        )
        .await;
    assert_eq!(
        codes_and_fields(&expect_problem(in_description, 422).await),
        [pair("description", "statutory_care")]
    );

    // Nothing was stored.
    assert_eq!(codes(&app, &coordinator, &municipality).await, DEFAULTS);
}

#[tokio::test]
async fn new_kinds_are_validated_and_a_taken_code_is_a_conflict() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1104").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let path = kinds_path(&municipality);

    let default = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "companionship", "name": "Samvær"}),
        )
        .await;
    assert_eq!(
        codes_and_fields(&expect_problem(default, 422).await),
        [pair("code", "already_exists")]
    );
    let malformed = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "Reading Aloud", "name": "", "description": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(malformed, 422).await),
        ["code", "name", "description"]
    );
    let too_long = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "walks", "name": "x".repeat(101)}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(too_long, 422).await), ["name"]);
    let smuggled = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "walks", "name": "Gåtur", "default": true}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(smuggled, 422).await),
        ["default"]
    );

    create_kind(
        &app,
        &coordinator,
        &municipality,
        json!({"code": "reading_aloud", "name": "Høytlesning"}),
    )
    .await;
    let again = app
        .post(
            &path,
            &coordinator,
            &json!({"code": "reading_aloud", "name": "Opplesning"}),
        )
        .await;
    assert_eq!(
        codes_and_fields(&expect_problem(again, 409).await),
        [pair("code", "taken")]
    );

    // The same code in another municipality is another kind.
    let other = app.create_municipality("1105").await;
    let admin = app.admin_token().await;
    create_kind(
        &app,
        &admin,
        &other,
        json!({"code": "reading_aloud", "name": "Højtlæsning"}),
    )
    .await;
}

#[tokio::test]
async fn only_coordinators_and_administrators_create_and_delete_kinds() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1106").await;
    let (_, contact) = app.user(Some(&municipality), "contact_person").await;
    let (_, volunteer) = app.user(Some(&municipality), "volunteer").await;
    let path = kinds_path(&municipality);
    let body = json!({"code": "reading_aloud", "name": "Høytlesning"});
    for token in [&contact, &volunteer] {
        expect_problem(app.post(&path, token, &body).await, 403).await;
    }
    let admin = app.admin_token().await;
    create_kind(&app, &admin, &municipality, body).await;
    for token in [&contact, &volunteer] {
        expect_problem(
            app.delete(&format!("{path}/reading_aloud"), token).await,
            403,
        )
        .await;
    }
    assert_eq!(
        codes(&app, &admin, &municipality).await.last(),
        Some(&"reading_aloud".to_owned())
    );
}

#[tokio::test]
async fn another_municipalitys_catalogue_is_not_found() {
    let app = TestApp::spawn().await;
    let own = app.create_municipality("3001").await;
    let other = app.create_municipality("3002").await;
    let (_, coordinator) = app.user(Some(&own), "coordinator").await;
    let (_, other_coordinator) = app.user(Some(&other), "coordinator").await;
    let (_, other_contact) = app.user(Some(&other), "contact_person").await;
    create_kind(
        &app,
        &other_coordinator,
        &other,
        json!({"code": "chess", "name": "Sjakk"}),
    )
    .await;

    let path = kinds_path(&other);
    expect_problem(app.get(&path, &coordinator).await, 404).await;
    expect_problem(
        app.post(
            &path,
            &coordinator,
            &json!({"code": "walks", "name": "Gåtur"}),
        )
        .await,
        404,
    )
    .await;
    expect_problem(
        app.delete(&format!("{path}/chess"), &coordinator).await,
        404,
    )
    .await;
    expect_problem(
        app.delete(&format!("{path}/companionship"), &coordinator)
            .await,
        404,
    )
    .await;
    // Not even its own staff can reach a municipality that does not exist.
    let missing = kinds_path("01900000-0000-7000-8000-000000000000");
    expect_problem(app.get(&missing, &other_contact).await, 404).await;
    let admin = app.admin_token().await;
    expect_problem(app.get(&missing, &admin).await, 404).await;

    assert_eq!(
        codes(&app, &other_coordinator, &other).await.last(),
        Some(&"chess".to_owned())
    );
}

#[tokio::test]
async fn a_service_account_reads_only_its_own_municipalitys_catalogue() {
    let app = TestApp::spawn().await;
    let own = app.create_municipality("4601").await;
    let other = app.create_municipality("4602").await;
    let (_, coordinator) = app.user(Some(&own), "coordinator").await;
    create_kind(
        &app,
        &coordinator,
        &own,
        json!({"code": "reading_aloud", "name": "Høytlesning"}),
    )
    .await;
    let service = app.service_token(&coordinator, &["clearance:read"]).await;

    let listed = codes(&app, &service, &own).await;
    assert_eq!(listed[..5], DEFAULTS);
    assert_eq!(listed[5..], ["reading_aloud"]);
    expect_problem(app.get(&kinds_path(&other), &service).await, 404).await;
    // Service accounts read; they do not change the catalogue.
    expect_problem(
        app.post(
            &kinds_path(&own),
            &service,
            &json!({"code": "walks", "name": "Gåtur"}),
        )
        .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn volunteers_may_want_only_kinds_of_their_municipalitys_catalogue() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("5001").await;
    let other = app.create_municipality("5006").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let (_, other_coordinator) = app.user(Some(&other), "coordinator").await;
    create_kind(
        &app,
        &other_coordinator,
        &other,
        json!({"code": "chess", "name": "Sjakk"}),
    )
    .await;

    let unknown = app
        .post(
            "/api/v1/volunteers",
            &coordinator,
            &json!({"given_name": "Kari", "family_name": "Nordmann", "email": "kari@example.no",
                    "activity_kinds": ["reading_aloud", "escort", "chess"]}),
        )
        .await;
    let problem = expect_problem(unknown, 422).await;
    assert_eq!(
        codes_and_fields(&problem),
        [
            pair("activity_kinds[0]", "unknown_activity_kind"),
            pair("activity_kinds[2]", "unknown_activity_kind")
        ]
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("reading_aloud")),
        "{problem}"
    );
    // Unknown kinds are reported with every other problem of the request.
    let both = app
        .post(
            "/api/v1/volunteers",
            &coordinator,
            &json!({"given_name": "", "family_name": "Nordmann", "email": "kari@example.no",
                    "activity_kinds": ["reading_aloud", "Bad Code"]}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(both, 422).await),
        ["given_name", "activity_kinds[1]", "activity_kinds[0]"]
    );

    create_kind(
        &app,
        &coordinator,
        &municipality,
        json!({"code": "reading_aloud", "name": "Høytlesning"}),
    )
    .await;
    let created = expect_status(
        app.post(
            "/api/v1/volunteers",
            &coordinator,
            &json!({"given_name": "Kari", "family_name": "Nordmann", "email": "kari@example.no",
                    "activity_kinds": ["reading_aloud", "escort"]}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        created["activity_kinds"],
        json!(["reading_aloud", "escort"])
    );
    let path = format!("/api/v1/volunteers/{}", id_of(&created));

    let patched = app
        .patch(&path, &coordinator, &json!({"activity_kinds": ["chess"]}))
        .await;
    let problem = expect_problem(patched, 422).await;
    assert_eq!(
        codes_and_fields(&problem),
        [pair("activity_kinds[0]", "unknown_activity_kind")]
    );
    let unchanged = expect_status(app.get(&path, &coordinator).await, 200).await;
    assert_eq!(
        unchanged["activity_kinds"],
        json!(["reading_aloud", "escort"])
    );

    create_kind(
        &app,
        &coordinator,
        &municipality,
        json!({"code": "chess", "name": "Sjakk"}),
    )
    .await;
    let patched = expect_status(
        app.patch(
            &path,
            &coordinator,
            &json!({"activity_kinds": ["chess", "companionship"]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["activity_kinds"], json!(["chess", "companionship"]));
    // A change that leaves the kinds alone does not look at them.
    expect_status(
        app.patch(&path, &coordinator, &json!({"city": "Oslo"}))
            .await,
        200,
    )
    .await;
}

#[tokio::test]
async fn a_registration_may_want_only_kinds_of_the_municipality() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3005").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let register = |kinds: Value| {
        send(
            app.request(Method::POST, "/api/v1/registrations", None)
                .json(
                    &json!({"municipality_code": "3005", "given_name": "Siri", "family_name": "Lie",
                              "email": "siri@example.no", "activity_kinds": kinds,
                              "privacy_notice_accepted": true, "privacy_notice_version": "2026-1"}),
                ),
        )
    };
    let problem = expect_problem(register(json!(["escort", "knitting"])).await, 422).await;
    assert_eq!(
        codes_and_fields(&problem),
        [pair("activity_kinds[1]", "unknown_activity_kind")]
    );
    let queue = expect_status(app.get("/api/v1/volunteers", &coordinator).await, 200).await;
    assert_eq!(queue["items"], json!([]));

    create_kind(
        &app,
        &coordinator,
        &municipality,
        json!({"code": "knitting", "name": "Strikking"}),
    )
    .await;
    expect_status(register(json!(["escort", "knitting"])).await, 202).await;
    let queue = expect_status(app.get("/api/v1/volunteers", &coordinator).await, 200).await;
    assert_eq!(
        queue["items"][0]["activity_kinds"],
        json!(["escort", "knitting"])
    );
}

#[tokio::test]
async fn a_kind_in_use_cannot_be_deleted_and_an_unused_one_disappears() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4201").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let path = kinds_path(&municipality);
    for (code, name) in [("reading_aloud", "Høytlesning"), ("bingo", "Bingo")] {
        create_kind(
            &app,
            &coordinator,
            &municipality,
            json!({"code": code, "name": name}),
        )
        .await;
    }
    let volunteer = expect_status(
        app.post(
            "/api/v1/volunteers",
            &coordinator,
            &json!({"given_name": "Ola", "family_name": "Dunk", "phone": "912 34 567",
                    "activity_kinds": ["companionship", "reading_aloud"]}),
        )
        .await,
        201,
    )
    .await;

    let in_use = expect_problem(
        app.delete(&format!("{path}/reading_aloud"), &coordinator)
            .await,
        409,
    )
    .await;
    assert!(
        in_use["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Volunteers")),
        "{in_use}"
    );
    let default = expect_problem(
        app.delete(&format!("{path}/companionship"), &coordinator)
            .await,
        409,
    )
    .await;
    assert!(
        default["detail"]
            .as_str()
            .is_some_and(|d| d.contains("default")),
        "{default}"
    );
    expect_problem(
        app.delete(&format!("{path}/knitting"), &coordinator).await,
        404,
    )
    .await;

    expect_status(
        app.delete(&format!("{path}/bingo"), &coordinator).await,
        204,
    )
    .await;
    let listed = codes(&app, &coordinator, &municipality).await;
    assert_eq!(listed[5..], ["reading_aloud"]);
    expect_problem(
        app.delete(&format!("{path}/bingo"), &coordinator).await,
        404,
    )
    .await;

    // Once the only volunteer who wanted it is erased, the kind can go.
    expect_status(
        app.delete(
            &format!("/api/v1/volunteers/{}", id_of(&volunteer)),
            &coordinator,
        )
        .await,
        204,
    )
    .await;
    expect_status(
        app.delete(&format!("{path}/reading_aloud"), &coordinator)
            .await,
        204,
    )
    .await;
    assert_eq!(codes(&app, &coordinator, &municipality).await, DEFAULTS);
}

#[tokio::test]
async fn a_kind_a_requirement_rule_names_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4202").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    create_kind(
        &app,
        &coordinator,
        &municipality,
        json!({"code": "home_visits", "name": "Hjemmebesøk"}),
    )
    .await;

    use diesel::{Connection, RunQueryDsl};
    let url = app.database_url.clone();
    let rule_for = municipality.clone();
    let inserted = tokio::task::spawn_blocking(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query(format!(
            "INSERT INTO requirement_rules (id, municipality_id, name, activity_kind, requirement) \
             VALUES ('{}', '{rule_for}', 'Politiattest for hjemmebesøk', 'home_visits', 'police_certificate')",
            uuid::Uuid::now_v7()
        ))
        .execute(&mut conn)
        .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap_or_default();
    assert_eq!(inserted, 1);

    let named = expect_problem(
        app.delete(
            &format!("{}/home_visits", kinds_path(&municipality)),
            &coordinator,
        )
        .await,
        409,
    )
    .await;
    assert!(
        named["detail"]
            .as_str()
            .is_some_and(|d| d.contains("requirement rule")),
        "{named}"
    );
    assert_eq!(
        codes(&app, &coordinator, &municipality).await.last(),
        Some(&"home_visits".to_owned())
    );
}
