//! Police certificates: recorded data-minimised, checked against the country's rules, seen only
//! by coordinators and administrators, and every read and change written to the audit log.

use samspill_tests::{
    TestApp, error_fields, expect_problem, expect_status, id_of, police_certificate,
};
use serde_json::{Value, json};

struct Setup {
    municipality: String,
    coordinator_id: String,
    coordinator: String,
    contact_token: String,
    volunteer: String,
}

/// A municipality with a coordinator, a contact person linked to a login, and a volunteer whose
/// contact person that is (so the contact person sees the volunteer itself).
async fn setup(app: &TestApp, code: &str) -> Setup {
    let municipality = app.create_municipality(code).await;
    setup_in(app, municipality).await
}

async fn setup_in(app: &TestApp, municipality: String) -> Setup {
    let staff = app
        .existing_municipality(&municipality)
        .contact_person_with_login("Randi")
        .build()
        .await;
    let volunteer = app
        .create_volunteer(
            &staff.coordinator,
            &json!({"given_name": "Kari", "family_name": "Nordmann", "email": "kari@example.no", "contact_person_id": staff.contact}),
        )
        .await;
    Setup {
        municipality,
        coordinator_id: staff.coordinator_id,
        coordinator: staff.coordinator,
        contact_token: staff.contact_token,
        volunteer: id_of(&volunteer),
    }
}

fn certificates(volunteer: &str) -> String {
    format!("/api/v1/volunteers/{volunteer}/police-certificates")
}

fn politiattest(issued_on: &str, presented_on: &str) -> Value {
    police_certificate("politiattest", issued_on, presented_on)
}

/// Records a certificate for the setup's volunteer as its coordinator.
async fn record(app: &TestApp, s: &Setup, body: &Value) -> Value {
    record_for(app, s, &s.volunteer, body).await
}

async fn record_for(app: &TestApp, s: &Setup, volunteer: &str, body: &Value) -> Value {
    expect_status(
        app.post(&certificates(volunteer), &s.coordinator, body)
            .await,
        201,
    )
    .await
}

async fn audit_log(app: &TestApp, token: &str, volunteer: &str, query: &str) -> Value {
    expect_status(
        app.get(
            &format!("/api/v1/volunteers/{volunteer}/audit-log{query}"),
            token,
        )
        .await,
        200,
    )
    .await
}

/// Each audit line about police certificates as `action:resource_id-or-list:actor_id` (reads
/// of the full record are left out).
fn lines(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|e| e["resource"] != "volunteer")
        .map(|e| {
            assert_eq!(e["resource"], "police_certificate", "{e}");
            assert_eq!(e["actor_kind"], "staff_user", "{e}");
            format!(
                "{}:{}:{}",
                e["action"].as_str().unwrap_or_default(),
                e["resource_id"].as_str().unwrap_or("-"),
                e["actor_id"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[tokio::test]
async fn a_norwegian_coordinator_records_a_politiattest_presented_ten_days_after_issue() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4601").await;
    let response = app
        .post(
            &certificates(&s.volunteer),
            &s.coordinator,
            &politiattest("2026-09-01", "2026-09-11"),
        )
        .await;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let created = expect_status(response, 201).await;
    let id = id_of(&created);
    assert_eq!(
        location,
        Some(format!("{}/{id}", certificates(&s.volunteer)))
    );
    assert_eq!(created["volunteer_id"], s.volunteer.as_str());
    assert_eq!(created["kind"], "politiattest");
    assert_eq!(created["purpose"], "Helse- og omsorgstjenesteloven § 5-4");
    assert_eq!(created["issued_on"], "2026-09-01");
    assert_eq!(created["presented_on"], "2026-09-11");
    assert_eq!(created["checked_by"], s.coordinator_id.as_str());
    assert_eq!(created["outcome"], "no_remarks");
    let mut keys: Vec<&str> = created
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "checked_by",
            "created_at",
            "id",
            "issued_on",
            "kind",
            "outcome",
            "presented_on",
            "purpose",
            "volunteer_id"
        ],
        "a certificate record holds no remarks and no document"
    );
    let stored = expect_status(
        app.get(&location.unwrap_or_default(), &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(stored, created);
}

#[tokio::test]
async fn a_politiattest_presented_four_months_after_issue_is_too_old() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4602").await;
    let problem = expect_problem(
        app.post(
            &certificates(&s.volunteer),
            &s.coordinator,
            &politiattest("2026-05-10", "2026-09-10"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["issued_on"], "{problem}");
    assert_eq!(problem["errors"][0]["code"], "too_old");
    let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("must be presented within 3 months of its issue date")
            && message.contains("ask for a new one"),
        "{message}"
    );
    // Three calendar months to the day are still in time.
    record(&app, &s, &politiattest("2026-05-10", "2026-08-10")).await;
}

#[tokio::test]
async fn the_presentation_limit_follows_the_municipality_setting() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4603").await;
    let admin = app.admin_token().await;
    expect_status(
        app.patch(
            &format!("/api/v1/municipalities/{}", s.municipality),
            &admin,
            &json!({"settings": {"police_certificate_presentation_months": 6}}),
        )
        .await,
        200,
    )
    .await;
    record(&app, &s, &politiattest("2026-05-10", "2026-09-10")).await;
}

#[tokio::test]
async fn a_boerneattest_in_a_norwegian_municipality_is_refused_naming_kind() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4604").await;
    let mut body = politiattest("2026-09-01", "2026-09-11");
    body["kind"] = json!("boerneattest");
    let problem = expect_problem(
        app.post(&certificates(&s.volunteer), &s.coordinator, &body)
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["kind"], "{problem}");
    assert_eq!(problem["errors"][0]["code"], "wrong_country");
}

#[tokio::test]
async fn a_danish_municipality_records_a_straffeattest_presented_a_year_after_issue() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality_in("DK", "173").await;
    let s = setup_in(&app, municipality).await;
    let created = record(
        &app,
        &s,
        &json!({
            "kind": "straffeattest",
            "purpose": "Adgang til borgerens hjem",
            "issued_on": "2025-06-01",
            "presented_on": "2026-06-01",
            "outcome": "remarks_not_relevant",
        }),
    )
    .await;
    assert_eq!(created["kind"], "straffeattest");
    assert_eq!(created["outcome"], "remarks_not_relevant");
    // A Norwegian politiattest is not a Danish certificate.
    let problem = expect_problem(
        app.post(
            &certificates(&s.volunteer),
            &s.coordinator,
            &politiattest("2026-09-01", "2026-09-11"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["kind"], "{problem}");
}

#[tokio::test]
async fn remarks_cannot_be_sent_with_a_certificate() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4605").await;
    for (field, value) in [
        ("remarks", json!("dømt for ...")),
        ("document", json!("JVBERi0xLjQK")),
    ] {
        let mut body = politiattest("2026-09-01", "2026-09-11");
        body[field] = value;
        let problem = expect_problem(
            app.post(&certificates(&s.volunteer), &s.coordinator, &body)
                .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
        assert_eq!(problem["errors"][0]["code"], "unknown_field");
    }
    let listed = expect_status(
        app.get(&certificates(&s.volunteer), &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn purpose_dates_and_checker_are_validated() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4606").await;
    let post = |body: Value| {
        let app = &app;
        let s = &s;
        async move {
            let problem = expect_problem(
                app.post(&certificates(&s.volunteer), &s.coordinator, &body)
                    .await,
                422,
            )
            .await;
            problem["errors"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| {
                    format!(
                        "{}:{}",
                        e["field"].as_str().unwrap_or_default(),
                        e["code"].as_str().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let mut body = politiattest("1850-01-01", "2999-01-01");
    body["purpose"] = json!("  ");
    assert_eq!(
        post(body).await,
        [
            "purpose:required",
            "issued_on:out_of_range",
            "presented_on:in_future"
        ]
    );
    let mut body = politiattest("2026-09-01", "2026-09-11");
    body["purpose"] = json!("x".repeat(301));
    assert_eq!(post(body).await, ["purpose:too_long"]);
    assert_eq!(
        post(politiattest("2026-09-11", "2026-09-01")).await,
        ["presented_on:before_issue"]
    );

    // The checker is an active staff account of the municipality, never a volunteer's login.
    let (volunteer_login, _) = app.user(Some(&s.municipality), "volunteer").await;
    let other = app.create_municipality("4607").await;
    let (other_coordinator, _) = app.user(Some(&other), "coordinator").await;
    for checker in [
        volunteer_login,
        other_coordinator,
        uuid::Uuid::now_v7().to_string(),
    ] {
        let mut body = politiattest("2026-09-01", "2026-09-11");
        body["checked_by"] = json!(checker);
        assert_eq!(post(body).await, ["checked_by:not_found"]);
    }
    let (colleague, _) = app.user(Some(&s.municipality), "contact_person").await;
    let mut body = politiattest("2026-09-01", "2026-09-11");
    body["checked_by"] = json!(colleague);
    let created = record(&app, &s, &body).await;
    assert_eq!(created["checked_by"], colleague.as_str());
}

#[tokio::test]
async fn reads_and_changes_are_written_to_the_volunteers_audit_log() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4608").await;
    let first = id_of(&record(&app, &s, &politiattest("2026-03-01", "2026-03-10")).await);
    let second = id_of(&record(&app, &s, &politiattest("2026-09-01", "2026-09-11")).await);

    let listed = expect_status(
        app.get(&certificates(&s.volunteer), &s.coordinator).await,
        200,
    )
    .await;
    let order: Vec<&str> = listed
        .as_array()
        .map(|items| items.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        order,
        [second.as_str(), first.as_str()],
        "latest issued first"
    );

    // An administrator reads one; a coordinator deletes the other (entered by mistake).
    let admin = app.admin_token().await;
    let admin_id = expect_status(app.get("/api/v1/me", &admin).await, 200).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    expect_status(
        app.get(&format!("{}/{second}", certificates(&s.volunteer)), &admin)
            .await,
        200,
    )
    .await;
    expect_status(
        app.delete(
            &format!("{}/{first}", certificates(&s.volunteer)),
            &s.coordinator,
        )
        .await,
        204,
    )
    .await;
    expect_problem(
        app.get(
            &format!("{}/{first}", certificates(&s.volunteer)),
            &s.coordinator,
        )
        .await,
        404,
    )
    .await;
    expect_problem(
        app.delete(
            &format!("{}/{first}", certificates(&s.volunteer)),
            &s.coordinator,
        )
        .await,
        404,
    )
    .await;

    let c = &s.coordinator_id;
    let expected = [
        format!("create:{first}:{c}"),
        format!("create:{second}:{c}"),
        format!("list:-:{c}"),
        format!("read:{second}:{admin_id}"),
        format!("delete:{first}:{c}"),
    ];
    let log = audit_log(&app, &s.coordinator, &s.volunteer, "").await;
    assert_eq!(lines(&log), expected, "{log}");
    assert_eq!(log["next_cursor"], Value::Null);
    let entry = &log["items"][0];
    assert!(
        entry["id"].is_string() && entry["at"].is_string(),
        "{entry}"
    );

    // Pages of two, in the same order.
    let mut paged = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let page = audit_log(&app, &admin, &s.volunteer, &query).await;
        paged.extend(lines(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, expected);
    expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{}/audit-log?cursor=nope", s.volunteer),
            &s.coordinator,
        )
        .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn contact_persons_volunteers_and_service_accounts_are_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4609").await;
    let certificate = id_of(&record(&app, &s, &politiattest("2026-09-01", "2026-09-11")).await);
    // The contact person sees the volunteer itself, but not the certificates.
    expect_status(
        app.get(
            &format!("/api/v1/volunteers/{}", s.volunteer),
            &s.contact_token,
        )
        .await,
        200,
    )
    .await;
    let (_, volunteer_token) = app.user(Some(&s.municipality), "volunteer").await;
    let service_token = &app
        .service_token(&s.coordinator, &["status:read", "clearance:read"])
        .await;
    let one = format!("{}/{certificate}", certificates(&s.volunteer));
    let log = format!("/api/v1/volunteers/{}/audit-log", s.volunteer);
    for token in [s.contact_token.as_str(), &volunteer_token, service_token] {
        expect_problem(app.get(&certificates(&s.volunteer), token).await, 403).await;
        expect_problem(app.get(&one, token).await, 403).await;
        expect_problem(
            app.post(
                &certificates(&s.volunteer),
                token,
                &politiattest("2026-09-01", "2026-09-11"),
            )
            .await,
            403,
        )
        .await;
        expect_problem(app.delete(&one, token).await, 403).await;
        expect_problem(app.get(&log, token).await, 403).await;
    }
    // Refused callers read nothing, so nothing is logged beyond the creation.
    let entries = audit_log(&app, &s.coordinator, &s.volunteer, "").await;
    assert_eq!(
        lines(&entries),
        [format!("create:{certificate}:{}", s.coordinator_id)]
    );
}

#[tokio::test]
async fn another_municipalitys_coordinator_gets_404() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4610").await;
    let certificate = id_of(&record(&app, &s, &politiattest("2026-09-01", "2026-09-11")).await);
    let other = app.create_municipality("4611").await;
    let (_, stranger) = app.user(Some(&other), "coordinator").await;
    let one = format!("{}/{certificate}", certificates(&s.volunteer));
    expect_problem(app.get(&certificates(&s.volunteer), &stranger).await, 404).await;
    expect_problem(app.get(&one, &stranger).await, 404).await;
    expect_problem(
        app.post(
            &certificates(&s.volunteer),
            &stranger,
            &politiattest("2026-09-01", "2026-09-11"),
        )
        .await,
        404,
    )
    .await;
    expect_problem(app.delete(&one, &stranger).await, 404).await;
    expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{}/audit-log", s.volunteer),
            &stranger,
        )
        .await,
        404,
    )
    .await;
    // A certificate id under another of the stranger's own volunteers is not found either.
    let own = setup_in(&app, other).await;
    expect_problem(
        app.get(
            &format!("{}/{certificate}", certificates(&own.volunteer)),
            &own.coordinator,
        )
        .await,
        404,
    )
    .await;
    let entries = audit_log(&app, &s.coordinator, &s.volunteer, "").await;
    assert_eq!(entries["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn erasing_a_volunteer_removes_certificates_and_dogs_and_keeps_the_audit_log() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4612").await;
    record(&app, &s, &politiattest("2026-03-01", "2026-03-10")).await;
    record(&app, &s, &politiattest("2026-09-01", "2026-09-11")).await;
    let other = app
        .create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Ola", "family_name": "Hansen", "phone": "+4791234567"}),
        )
        .await;
    let other = id_of(&other);
    let other_certificate =
        record_for(&app, &s, &other, &politiattest("2026-09-01", "2026-09-11")).await;

    // Dogs have no endpoint here yet: the volunteer's own dog with its approval, and another
    // volunteer's dog once approved with this volunteer as handler.
    let volunteer = s.volunteer.clone();
    let municipality = s.municipality.clone();
    let coordinator = s.coordinator_id.clone();
    let other_handler = other.clone();
    run_sql(
        &app,
        format!(
            "INSERT INTO dogs (id, municipality_id, handler_id, name, breed, birth_date) VALUES \
             ('0196b6b0-0000-7000-8000-0000000000d1', '{municipality}', '{volunteer}', 'Bamse', 'Golden retriever', '2020-05-01'), \
             ('0196b6b0-0000-7000-8000-0000000000d2', '{municipality}', '{other_handler}', 'Luna', 'Labrador', '2021-05-01'); \
             INSERT INTO dog_approvals (id, dog_id, handler_id, programme, categories, assessed_on, assessor, vet_checked_on, \
             vaccinations_valid_until, insurance_valid_until, valid_until, recorded_by) VALUES \
             ('0196b6b0-0000-7000-8000-0000000000a1', '0196b6b0-0000-7000-8000-0000000000d1', '{volunteer}', 'Besøkshund', '{{walk}}', \
              '2026-01-10', 'Assessor', '2026-01-05', '2027-01-01', '2027-01-01', '2027-01-10', '{coordinator}'), \
             ('0196b6b0-0000-7000-8000-0000000000a2', '0196b6b0-0000-7000-8000-0000000000d2', '{volunteer}', 'Besøkshund', '{{walk}}', \
              '2025-01-10', 'Assessor', '2025-01-05', '2026-01-01', '2026-01-01', '2026-01-10', '{coordinator}'), \
             ('0196b6b0-0000-7000-8000-0000000000a3', '0196b6b0-0000-7000-8000-0000000000d2', '{other_handler}', 'Besøkshund', '{{walk}}', \
              '2026-02-10', 'Assessor', '2026-02-05', '2027-01-01', '2027-01-01', '2027-02-10', '{coordinator}')"
        ),
    )
    .await;

    expect_status(
        app.delete(
            &format!("/api/v1/volunteers/{}", s.volunteer),
            &s.coordinator,
        )
        .await,
        204,
    )
    .await;

    let volunteer = s.volunteer.clone();
    let left = query_text(
        &app,
        format!(
            "SELECT concat_ws('|', \
             (SELECT count(*) FROM police_certificates WHERE volunteer_id = '{volunteer}'), \
             (SELECT count(*) FROM police_certificates), \
             (SELECT string_agg(name, ',' ORDER BY name) FROM dogs), \
             (SELECT string_agg(right(id::text, 2), ',' ORDER BY id) FROM dog_approvals), \
             (SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE volunteer_id = '{volunteer}')) AS left"
        ),
    )
    .await;
    // The erasure is logged first, then the certificates it deletes.
    assert_eq!(left, "0|1|Luna|a3|create,create,erase,delete,delete");
    // The other volunteer's certificate is untouched.
    expect_status(
        app.get(
            &format!("{}/{}", certificates(&other), id_of(&other_certificate)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    // The audit log stays for the municipality to show, read by the erased volunteer's id.
    let kept = audit_log(&app, &s.coordinator, &s.volunteer, "").await;
    let actions: Vec<&str> = kept["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["create", "create", "erase", "delete", "delete"]);
}

async fn run_sql(app: &TestApp, sql: String) {
    use diesel::{Connection, connection::SimpleConnection};
    let url = app.database_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap_or_else(|e| panic!("{e}"));
        conn.batch_execute(&sql).unwrap_or_else(|e| panic!("{e}"));
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

async fn query_text(app: &TestApp, sql: String) -> String {
    use diesel::{Connection, RunQueryDsl, sql_types::Text};
    #[derive(diesel::QueryableByName)]
    struct Left {
        #[diesel(sql_type = Text)]
        left: String,
    }
    let url = app.database_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query(sql)
            .get_result::<Left>(&mut conn)
            .map(|l| l.left)
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn nothing_is_read_or_recorded_when_the_audit_log_cannot_be_written() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4613").await;
    let certificate = id_of(&record(&app, &s, &politiattest("2026-09-01", "2026-09-11")).await);
    run_sql(
        &app,
        "ALTER TABLE audit_log ADD CONSTRAINT audit_log_closed CHECK (false) NOT VALID".to_owned(),
    )
    .await;
    let one = format!("{}/{certificate}", certificates(&s.volunteer));
    let refused = expect_problem(
        app.get(&certificates(&s.volunteer), &s.coordinator).await,
        500,
    )
    .await;
    assert!(refused.get("errors").is_none(), "{refused}");
    expect_problem(app.get(&one, &s.coordinator).await, 500).await;
    expect_problem(
        app.post(
            &certificates(&s.volunteer),
            &s.coordinator,
            &politiattest("2026-10-01", "2026-10-11"),
        )
        .await,
        500,
    )
    .await;
    expect_problem(app.delete(&one, &s.coordinator).await, 500).await;
    run_sql(
        &app,
        "ALTER TABLE audit_log DROP CONSTRAINT audit_log_closed".to_owned(),
    )
    .await;
    // The failed creation and deletion left nothing behind, and the log has no gaps.
    let listed = expect_status(
        app.get(&certificates(&s.volunteer), &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], certificate.as_str());
    let entries = audit_log(&app, &s.coordinator, &s.volunteer, "").await;
    let c = &s.coordinator_id;
    assert_eq!(
        lines(&entries),
        [format!("create:{certificate}:{c}"), format!("list:-:{c}")]
    );
}
