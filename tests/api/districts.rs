//! Coordinators per care district over HTTP: a coordinator limited to a district (a unit and
//! the units below it) sees only the volunteers whose home unit is there, and the follow-ups,
//! placements, visits, hours and work items about them, on every list and by id; anything else
//! answers 404 (or 422 where they name it in a request), the hours report counts their
//! districts only, and `[]` makes them municipality-wide again.

use chrono::{Days, TimeDelta};
use samspill_tests::{
    MunicipalitySetup, TestApp, days_ago, days_ahead, error_fields, expect_problem, expect_status,
    id_of, today,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

async fn unit(
    app: &TestApp,
    s: &MunicipalitySetup,
    name: &str,
    kind: &str,
    parent: Option<&str>,
) -> String {
    let made = app
        .post(
            "/api/v1/units",
            &s.coordinator,
            &json!({"name": name, "kind": kind, "parent_id": parent}),
        )
        .await;
    id_of(&expect_status(made, 201).await)
}

async fn items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let page = expect_status(app.get(path, token).await, 200).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

fn ids(items: &[Value], field: &str) -> Vec<String> {
    let mut ids: Vec<String> = items
        .iter()
        .filter_map(|item| item[field].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

async fn set_districts(
    app: &TestApp,
    token: &str,
    account: &str,
    units: Value,
) -> reqwest::Response {
    app.patch(
        &format!("/api/v1/users/{account}"),
        token,
        &json!({"districts": units}),
    )
    .await
}

/// Places `volunteer` at `unit` for companionship from today; returns the placement id.
async fn place(app: &TestApp, token: &str, volunteer: &str, unit: &str) -> String {
    let body = json!({"volunteer_id": volunteer, "unit_id": unit,
                      "activity_kind": "companionship", "starts_on": today().to_string()});
    id_of(&expect_status(app.post("/api/v1/placements", token, &body).await, 201).await)
}

async fn log_hours(
    app: &TestApp,
    token: &str,
    volunteer: &str,
    unit: &str,
    minutes: i32,
) -> String {
    let body = json!({"volunteer_id": volunteer, "occurred_on": days_ago(1), "minutes": minutes,
                      "unit_id": unit, "activity_kind": "companionship"});
    id_of(&expect_status(app.post("/api/v1/time-entries", token, &body).await, 201).await)
}

async fn report_minutes(app: &TestApp, token: &str) -> i64 {
    let path = format!(
        "/api/v1/reports/hours?group_by=volunteer&from={}&to={}",
        days_ago(30),
        days_ahead(0)
    );
    expect_status(app.get(&path, token).await, 200).await["totals"]["minutes"]
        .as_i64()
        .unwrap_or(-1)
}

#[tokio::test]
async fn a_district_coordinator_sees_and_manages_only_their_districts_on_every_list_and_by_id() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4701").await;
    let north = unit(&app, &s, "Omsorgsdistrikt Nord", "care_district", None).await;
    let nordlys = unit(&app, &s, "Nordlys sykehjem", "nursing_home", Some(&north)).await;
    // Kari lives at Solsiden (outside the district), Nils at Nordlys, below Nord.
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let nils = app
        .approved_volunteer(&s, "Nils")
        .home_unit(&nordlys)
        .create()
        .await;
    let (dina, dina_token) = app.user(Some(&s.municipality), "coordinator").await;

    // Limited by a municipality-wide coordinator; the account shows its district.
    let limited = expect_status(
        set_districts(&app, &s.coordinator, &dina, json!([north])).await,
        200,
    )
    .await;
    assert_eq!(limited["districts"], json!([north]));
    let shown = expect_status(
        app.get(&format!("/api/v1/users/{dina}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(shown["districts"], json!([north]));
    // Nobody draws their own districts; a district coordinator draws none; units are checked.
    expect_problem(
        set_districts(&app, &dina_token, &dina, json!([])).await,
        403,
    )
    .await;
    let foreign = expect_problem(
        set_districts(&app, &s.coordinator, &dina, json!([uuid::Uuid::now_v7()])).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&foreign), ["districts"]);
    let (randi_login, _) = app.user(Some(&s.municipality), "contact_person").await;
    let not_coordinator = expect_problem(
        set_districts(&app, &s.coordinator, &randi_login, json!([north])).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&not_coordinator), ["districts"]);

    // Volunteers: the list and by id.
    let wide = ids(
        &items(&app, &s.coordinator, "/api/v1/volunteers?limit=200").await,
        "id",
    );
    assert!(wide.contains(&kari) && wide.contains(&nils));
    let theirs = ids(
        &items(&app, &dina_token, "/api/v1/volunteers?limit=200").await,
        "id",
    );
    assert_eq!(theirs, vec![nils.clone()], "only the district's volunteer");
    expect_status(
        app.get(&format!("/api/v1/volunteers/{nils}"), &dina_token)
            .await,
        200,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{kari}"), &dina_token)
            .await,
        404,
    )
    .await;
    expect_problem(
        app.patch(
            &format!("/api/v1/volunteers/{kari}"),
            &dina_token,
            &json!({"notes": "x"}),
        )
        .await,
        404,
    )
    .await;

    // Follow-ups: the plan makes both intros; Dina's list and reads hold Nils's only.
    let admin = app.admin_token().await;
    expect_status(
        app.post("/api/v1/jobs/plan_follow_ups/runs", &admin, &json!({}))
            .await,
        200,
    )
    .await;
    let all = items(&app, &s.coordinator, "/api/v1/follow-ups?limit=200").await;
    let kari_intro = all
        .iter()
        .find(|f| f["subject_id"] == kari.as_str())
        .map(id_of)
        .unwrap_or_default();
    assert!(!kari_intro.is_empty(), "Kari's intro: {all:?}");
    let dinas = items(&app, &dina_token, "/api/v1/follow-ups?limit=200").await;
    assert!(!dinas.is_empty());
    assert_eq!(ids(&dinas, "subject_id"), vec![nils.clone()]);
    expect_problem(
        app.get(&format!("/api/v1/follow-ups/{kari_intro}"), &dina_token)
            .await,
        404,
    )
    .await;
    let outside = expect_problem(
        app.post(
            "/api/v1/follow-ups",
            &dina_token,
            &json!({"subject": "volunteer", "subject_id": kari, "purpose": "concern",
                    "channel": "phone", "due_on": days_ahead(3)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&outside), ["subject_id"]);

    // Placements and visits: at Solsiden for Kari, at Nordlys for Nils.
    let kari_placement = place(&app, &s.coordinator, &kari, &s.unit).await;
    let nils_placement = place(&app, &s.coordinator, &nils, &nordlys).await;
    let placements = ids(
        &items(&app, &dina_token, "/api/v1/placements?limit=200").await,
        "id",
    );
    assert_eq!(placements, vec![nils_placement.clone()]);
    expect_problem(
        app.get(&format!("/api/v1/placements/{kari_placement}"), &dina_token)
            .await,
        404,
    )
    .await;
    let refused = expect_problem(
        app.post(
            "/api/v1/placements",
            &dina_token,
            &json!({"volunteer_id": kari, "unit_id": s.unit, "activity_kind": "companionship",
                    "starts_on": today().to_string()}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&refused), ["volunteer_id"]);
    let visit = |placement: String| {
        let app = &app;
        let coordinator = s.coordinator.clone();
        async move {
            let body = json!({"date": (today() + Days::new(1)).to_string(), "start_time": "10:00",
                              "duration_minutes": 60});
            let made = app
                .post(
                    &format!("/api/v1/placements/{placement}/visits"),
                    &coordinator,
                    &body,
                )
                .await;
            id_of(&expect_status(made, 201).await)
        }
    };
    let kari_visit = visit(kari_placement.clone()).await;
    let nils_visit = visit(nils_placement.clone()).await;
    let visits = ids(
        &items(
            &app,
            &dina_token,
            &format!(
                "/api/v1/visits?from={}&to={}&limit=200",
                today(),
                days_ahead(3)
            ),
        )
        .await,
        "id",
    );
    assert!(visits.contains(&nils_visit) && !visits.contains(&kari_visit));
    expect_problem(
        app.get(&format!("/api/v1/visits/{kari_visit}"), &dina_token)
            .await,
        404,
    )
    .await;

    // Hours: the list, by id and the report count the district's only.
    let kari_hours = log_hours(&app, &s.coordinator, &kari, &s.unit, 120).await;
    let nils_hours = log_hours(&app, &s.coordinator, &nils, &nordlys, 45).await;
    let hours = ids(
        &items(&app, &dina_token, "/api/v1/time-entries?limit=200").await,
        "id",
    );
    assert_eq!(hours, vec![nils_hours.clone()]);
    expect_problem(
        app.get(&format!("/api/v1/time-entries/{kari_hours}"), &dina_token)
            .await,
        404,
    )
    .await;
    assert_eq!(report_minutes(&app, &s.coordinator).await, 165);
    assert_eq!(report_minutes(&app, &dina_token).await, 45);
    let unlogged = expect_problem(
        app.post(
            "/api/v1/time-entries",
            &dina_token,
            &json!({"volunteer_id": kari, "occurred_on": days_ago(1), "minutes": 30}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&unlogged), ["volunteer_id"]);

    // The work list: once the intros are overdue, Dina's is about Nils only.
    app.clock.advance(TimeDelta::days(20));
    let wide_work = items(&app, &s.coordinator, "/api/v1/work-items?limit=200").await;
    assert!(ids(&wide_work, "subject_id").contains(&kari));
    let dina_work = items(&app, &dina_token, "/api/v1/work-items?limit=200").await;
    assert!(
        dina_work
            .iter()
            .any(|item| item["kind"] == "follow_up_overdue" && item["subject_id"] == nils.as_str()),
        "Nils's overdue intro: {dina_work:?}"
    );
    let about: Vec<String> = ids(&dina_work, "subject_id");
    assert!(
        about
            .iter()
            .all(|id| *id == nils || *id == nils_placement || *id == nordlys),
        "only the district's: {about:?}"
    );
    // The status feed is the whole municipality's: not for a district coordinator.
    expect_problem(app.get("/api/v1/volunteer-status", &dina_token).await, 403).await;

    // `[]` makes Dina municipality-wide again.
    expect_status(
        set_districts(&app, &s.coordinator, &dina, json!([])).await,
        200,
    )
    .await;
    let everyone = ids(
        &items(&app, &dina_token, "/api/v1/volunteers?limit=200").await,
        "id",
    );
    assert!(everyone.contains(&kari) && everyone.contains(&nils));
    assert_eq!(report_minutes(&app, &dina_token).await, 165);
}
