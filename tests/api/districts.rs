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
    let north = app
        .unit_under(&s, "Omsorgsdistrikt Nord", "care_district", None)
        .await;
    let nordlys = app
        .unit_under(&s, "Nordlys sykehjem", "nursing_home", Some(&north))
        .await;
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
    let own = expect_problem(
        set_districts(&app, &s.coordinator, &s.coordinator_id, json!([north])).await,
        409,
    )
    .await;
    assert!(
        own["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("care districts"),
        "{own}"
    );
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
    // The contact log: calls about either, Dina's list holds Nils's only.
    for who in [&kari, &nils] {
        expect_status(
            app.post(
                "/api/v1/contact-log",
                &s.coordinator,
                &json!({"subject": "volunteer", "subject_id": who, "occurred_at": app.clock.now(),
                        "counterpart": "the volunteer", "channel": "phone", "reached": true}),
            )
            .await,
            201,
        )
        .await;
    }
    let calls = items(&app, &dina_token, "/api/v1/contact-log?limit=200").await;
    assert_eq!(ids(&calls, "subject_id"), vec![nils.clone()]);
    let all_calls = items(&app, &s.coordinator, "/api/v1/contact-log?limit=200").await;
    assert_eq!(ids(&all_calls, "subject_id").len(), 2);

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

/// A request's 404 or 422 (with the field) for a district coordinator reaching outside.
async fn refused(response: reqwest::Response, status: u16, field: Option<&str>) {
    let problem = expect_problem(response, status).await;
    if let Some(field) = field {
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
}

#[tokio::test]
async fn a_district_coordinator_can_neither_lift_their_limit_nor_reach_outside_their_districts() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4702").await;
    let north = app
        .unit_under(&s, "Omsorgsdistrikt Nord", "care_district", None)
        .await;
    let nordlys = app
        .unit_under(&s, "Nordlys sykehjem", "nursing_home", Some(&north))
        .await;
    let east = app
        .unit_under(&s, "Omsorgsdistrikt Øst", "care_district", None)
        .await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let nils = app
        .approved_volunteer(&s, "Nils")
        .home_unit(&nordlys)
        .create()
        .await;
    let (dina, dina_token) = app.user(Some(&s.municipality), "coordinator").await;
    let (other, _) = app.user(Some(&s.municipality), "coordinator").await;
    expect_status(
        set_districts(&app, &s.coordinator, &dina, json!([north, east])).await,
        200,
    )
    .await;

    // What the whole municipality shares is not theirs to change: accounts (which would lift
    // the limit), service accounts, units, activity kinds and settings.
    let wide_account = json!({"email": "ny.koordinator@test.samspill.no",
                              "display_name": "Ny Koordinator", "role": "coordinator"});
    refused(
        app.post("/api/v1/users", &dina_token, &wide_account).await,
        403,
        None,
    )
    .await;
    refused(
        app.post(
            &format!("/api/v1/users/{other}/password-reset"),
            &dina_token,
            &json!({}),
        )
        .await,
        403,
        None,
    )
    .await;
    refused(
        app.patch(
            &format!("/api/v1/users/{other}"),
            &dina_token,
            &json!({"role": "contact_person"}),
        )
        .await,
        403,
        None,
    )
    .await;
    refused(
        set_districts(&app, &dina_token, &other, json!([north])).await,
        403,
        None,
    )
    .await;
    refused(
        app.post(
            "/api/v1/service-accounts",
            &dina_token,
            &json!({"name": "Fagsystem", "scopes": ["clearance:read"]}),
        )
        .await,
        403,
        None,
    )
    .await;
    // Moving Solsiden under their district would make its volunteers theirs.
    refused(
        app.patch(
            &format!("/api/v1/units/{}", s.unit),
            &dina_token,
            &json!({"parent_id": north}),
        )
        .await,
        403,
        None,
    )
    .await;
    refused(
        app.post(
            "/api/v1/units",
            &dina_token,
            &json!({"name": "Nytt", "kind": "day_center"}),
        )
        .await,
        403,
        None,
    )
    .await;
    refused(
        app.post(
            &format!("/api/v1/municipalities/{}/activity-kinds", s.municipality),
            &dina_token,
            &json!({"code": "music", "name": "Musikk"}),
        )
        .await,
        403,
        None,
    )
    .await;
    refused(
        app.patch(
            &format!("/api/v1/municipalities/{}", s.municipality),
            &dina_token,
            &json!({"settings": {"expiring_soon_days": 20}}),
        )
        .await,
        403,
        None,
    )
    .await;
    // Contact persons are linked to accounts (and follow-ups go with them); declaration
    // documents are the municipality's.
    refused(
        app.post(
            "/api/v1/contact-persons",
            &dina_token,
            &json!({"kind": "staff", "name": "Ny Kontakt"}),
        )
        .await,
        403,
        None,
    )
    .await;
    refused(
        app.post(
            &format!("/api/v1/municipalities/{}/documents", s.municipality),
            &dina_token,
            &json!({"kind": "volunteer_agreement", "version_label": "2026-9"}),
        )
        .await,
        403,
        None,
    )
    .await;
    // A unit that is someone's district stays until it is taken out of the districts.
    refused(
        app.delete(&format!("/api/v1/units/{east}"), &s.coordinator)
            .await,
        409,
        None,
    )
    .await;
    expect_status(
        set_districts(&app, &s.coordinator, &dina, json!([north])).await,
        200,
    )
    .await;
    let gone = app
        .delete(&format!("/api/v1/units/{east}"), &s.coordinator)
        .await;
    assert_eq!(gone.status().as_u16(), 204);
    // Sending the districts back as they are is no change, also on one's own account.
    let same = expect_status(
        set_districts(&app, &s.coordinator, &dina, json!([north])).await,
        200,
    )
    .await;
    assert_eq!(same["districts"], json!([north]));
    expect_status(
        set_districts(&app, &s.coordinator, &s.coordinator_id, json!([])).await,
        200,
    )
    .await;

    // Dogs: Kari's dog is not theirs to change or delete.
    let dog = |handler: String| {
        let app = &app;
        let token = s.coordinator.clone();
        async move {
            let body = json!({"handler_id": handler, "name": "Luna", "breed": "Golden retriever",
                              "birth_date": "2021-03-01"});
            id_of(&expect_status(app.post("/api/v1/dogs", &token, &body).await, 201).await)
        }
    };
    let karis_dog = dog(kari.clone()).await;
    refused(
        app.delete(&format!("/api/v1/dogs/{karis_dog}"), &dina_token)
            .await,
        404,
        None,
    )
    .await;
    refused(
        app.patch(
            &format!("/api/v1/dogs/{karis_dog}"),
            &dina_token,
            &json!({"name": "Bella"}),
        )
        .await,
        404,
        None,
    )
    .await;
    let nils_dog = dog(nils.clone()).await;
    let deleted = app
        .delete(&format!("/api/v1/dogs/{nils_dog}"), &dina_token)
        .await;
    assert_eq!(deleted.status().as_u16(), 204);

    // People visited at home: made, changed and erased for the district's units only.
    let recipient = |unit: String, token: String| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/recipients",
                &token,
                &json!({"display_name": "Ingrid H.", "address": "Storgata 12, 0155 Oslo",
                        "contact_phone": "22 33 44 55", "responsible_unit_id": unit,
                        "consent_given_by": "recipient", "consent_given_on": today().to_string()}),
            )
            .await
        }
    };
    refused(
        recipient(s.unit.clone(), dina_token.clone()).await,
        422,
        Some("responsible_unit_id"),
    )
    .await;
    let solsiden_home =
        id_of(&expect_status(recipient(s.unit.clone(), s.coordinator.clone()).await, 201).await);
    let nordlys_home =
        id_of(&expect_status(recipient(nordlys.clone(), dina_token.clone()).await, 201).await);
    refused(
        app.patch(
            &format!("/api/v1/recipients/{solsiden_home}"),
            &dina_token,
            &json!({"contact_phone": "22 33 44 66"}),
        )
        .await,
        404,
        None,
    )
    .await;
    refused(
        app.delete(&format!("/api/v1/recipients/{solsiden_home}"), &dina_token)
            .await,
        404,
        None,
    )
    .await;
    refused(
        app.patch(
            &format!("/api/v1/recipients/{nordlys_home}"),
            &dina_token,
            &json!({"responsible_unit_id": s.unit}),
        )
        .await,
        422,
        Some("responsible_unit_id"),
    )
    .await;

    // Groups: registered with a home unit of the districts, others are not found.
    let lead = app.representative(&s.coordinator, "Per Leder").await;
    let group = |home: Option<String>, token: String| {
        let app = &app;
        let lead = lead.clone();
        async move {
            app.post(
                "/api/v1/groups",
                &token,
                &json!({"name": "Turlaget", "kind": "association", "contact_person_id": lead,
                        "head_count": 8, "home_unit_id": home}),
            )
            .await
        }
    };
    refused(
        group(None, dina_token.clone()).await,
        422,
        Some("home_unit_id"),
    )
    .await;
    refused(
        group(Some(s.unit.clone()), dina_token.clone()).await,
        422,
        Some("home_unit_id"),
    )
    .await;
    let solsiden_group = id_of(
        &expect_status(
            group(Some(s.unit.clone()), s.coordinator.clone()).await,
            201,
        )
        .await,
    );
    let nordlys_group =
        id_of(&expect_status(group(Some(nordlys.clone()), dina_token.clone()).await, 201).await);
    refused(
        app.patch(
            &format!("/api/v1/groups/{solsiden_group}"),
            &dina_token,
            &json!({"home_unit_id": nordlys}),
        )
        .await,
        404,
        None,
    )
    .await;
    refused(
        app.patch(
            &format!("/api/v1/groups/{nordlys_group}"),
            &dina_token,
            &json!({"home_unit_id": s.unit}),
        )
        .await,
        422,
        Some("home_unit_id"),
    )
    .await;
    // Members they add are of their districts; one already in the group stays.
    let with_members = |members: Value| {
        json!({"name": "Lesevenner", "kind": "association", "contact_person_id": lead,
               "head_count": 2, "home_unit_id": nordlys, "member_ids": members})
    };
    refused(
        app.post(
            "/api/v1/groups",
            &dina_token,
            &with_members(json!([nils, kari])),
        )
        .await,
        422,
        Some("member_ids[1]"),
    )
    .await;
    let readers = expect_status(
        app.post("/api/v1/groups", &dina_token, &with_members(json!([nils])))
            .await,
        201,
    )
    .await;
    let readers_path = format!("/api/v1/groups/{}", id_of(&readers));
    refused(
        app.patch(
            &readers_path,
            &dina_token,
            &json!({"member_ids": [kari, nils]}),
        )
        .await,
        422,
        Some("member_ids[0]"),
    )
    .await;
    expect_status(
        app.patch(
            &readers_path,
            &s.coordinator,
            &json!({"member_ids": [nils, kari]}),
        )
        .await,
        200,
    )
    .await;
    let kept = expect_status(
        app.patch(&readers_path, &dina_token, &json!({"member_ids": [kari]}))
            .await,
        200,
    )
    .await;
    assert_eq!(kept["member_ids"], json!([kari]));
    // Their lists hold their districts' groups and homes only.
    let groups_seen = ids(
        &items(&app, &dina_token, "/api/v1/groups?limit=200").await,
        "id",
    );
    let mut expected = vec![nordlys_group.clone(), id_of(&readers)];
    expected.sort();
    assert_eq!(groups_seen, expected);
    let homes_seen = ids(
        &items(&app, &dina_token, "/api/v1/recipients?limit=200").await,
        "id",
    );
    assert_eq!(homes_seen, vec![nordlys_home.clone()]);
    let all_homes = ids(
        &items(&app, &s.coordinator, "/api/v1/recipients?limit=200").await,
        "id",
    );
    assert!(all_homes.contains(&solsiden_home), "{all_homes:?}");
    let question = "activity_kind=companionship&setting=institution&target_group=general";
    refused(
        app.get(
            &format!("/api/v1/groups/{solsiden_group}/clearance?{question}"),
            &dina_token,
        )
        .await,
        404,
        None,
    )
    .await;
    expect_status(
        app.get(
            &format!("/api/v1/groups/{nordlys_group}/clearance?{question}"),
            &dina_token,
        )
        .await,
        200,
    )
    .await;

    // Needs: asked for the district's units, with the district's candidates.
    let need = |unit: &str| {
        json!({"unit_id": unit, "activity_kind": "companionship", "starts_on": days_ahead(14),
               "weekdays": ["thursday"], "start_time": "14:00", "duration_minutes": 90,
               "places": 2, "description": "Reading aloud.", "published": true, "status": "open"})
    };
    refused(
        app.post("/api/v1/needs", &dina_token, &need(&s.unit)).await,
        422,
        Some("unit_id"),
    )
    .await;
    // A home outside is not found, before anything is said about it (that it takes no visits).
    expect_status(
        app.patch(
            &format!("/api/v1/recipients/{solsiden_home}"),
            &s.coordinator,
            &json!({"active": false}),
        )
        .await,
        200,
    )
    .await;
    let mut at_home = need(&s.unit);
    at_home["unit_id"] = Value::Null;
    at_home["recipient_id"] = json!(solsiden_home);
    let problem = expect_problem(app.post("/api/v1/needs", &dina_token, &at_home).await, 422).await;
    assert_eq!(error_fields(&problem), ["recipient_id"]);
    assert_eq!(problem["errors"][0]["code"], "not_found");
    let nordlys_need = id_of(
        &expect_status(
            app.post("/api/v1/needs", &dina_token, &need(&nordlys))
                .await,
            201,
        )
        .await,
    );
    let solsiden_need = id_of(
        &expect_status(
            app.post("/api/v1/needs", &s.coordinator, &need(&s.unit))
                .await,
            201,
        )
        .await,
    );
    let needs_seen = ids(
        &items(&app, &dina_token, "/api/v1/needs?limit=200").await,
        "id",
    );
    assert_eq!(needs_seen, vec![nordlys_need.clone()]);
    expect_problem(
        app.get(&format!("/api/v1/needs/{solsiden_need}"), &dina_token)
            .await,
        404,
    )
    .await;
    let candidates = |token: String| {
        let app = &app;
        let path = format!("/api/v1/needs/{nordlys_need}/candidates");
        async move { ids(&items(app, &token, &path).await, "id") }
    };
    let for_wide = candidates(s.coordinator.clone()).await;
    assert!(
        for_wide.contains(&kari) && for_wide.contains(&nils),
        "{for_wide:?}"
    );
    assert_eq!(candidates(dina_token.clone()).await, vec![nils.clone()]);
    refused(
        app.post(
            &format!("/api/v1/needs/{nordlys_need}/interests"),
            &dina_token,
            &json!({"volunteer_id": kari}),
        )
        .await,
        422,
        Some("volunteer_id"),
    )
    .await;
    // Kari is placed at Nordlys by a municipality-wide coordinator: the clearance answer a
    // placement keeps is about her, and she is not theirs.
    refused(
        app.post(
            "/api/v1/placements",
            &dina_token,
            &json!({"volunteer_id": kari, "unit_id": nordlys, "activity_kind": "companionship",
                    "starts_on": today().to_string()}),
        )
        .await,
        422,
        Some("volunteer_id"),
    )
    .await;

    // Hours: Kari (from elsewhere) visits Nordlys; her time there is logged by the district's
    // coordinator and seen by them, while her time elsewhere is not.
    let kari_at_nordlys = place(&app, &s.coordinator, &kari, &nordlys).await;
    let logged = expect_status(
        app.post(
            "/api/v1/time-entries",
            &dina_token,
            &json!({"volunteer_id": kari, "occurred_on": today().to_string(), "minutes": 50,
                    "placement_id": kari_at_nordlys}),
        )
        .await,
        201,
    )
    .await;
    expect_status(
        app.get(
            &format!("/api/v1/time-entries/{}", id_of(&logged)),
            &dina_token,
        )
        .await,
        200,
    )
    .await;
    refused(
        app.post(
            "/api/v1/time-entries",
            &dina_token,
            &json!({"volunteer_id": kari, "occurred_on": days_ago(1), "minutes": 30,
                    "unit_id": s.unit, "activity_kind": "companionship"}),
        )
        .await,
        422,
        Some("volunteer_id"),
    )
    .await;
    refused(
        app.post(
            "/api/v1/time-entries",
            &dina_token,
            &json!({"volunteer_id": kari, "occurred_on": days_ago(1), "minutes": 30,
                    "unit_id": nordlys, "activity_kind": "companionship"}),
        )
        .await,
        422,
        Some("volunteer_id"),
    )
    .await;
    // A visit of the placement at Nordlys left unmarked is on their work list, though Kari
    // herself is not theirs.
    let visit = json!({"date": (today() + Days::new(1)).to_string(), "start_time": "10:00",
                       "duration_minutes": 60});
    let unmarked = id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/placements/{kari_at_nordlys}/visits"),
                &s.coordinator,
                &visit,
            )
            .await,
            201,
        )
        .await,
    );
    app.clock.advance(TimeDelta::days(10));
    let work = items(&app, &dina_token, "/api/v1/work-items?limit=200").await;
    assert!(
        work.iter()
            .any(|item| item["kind"] == "visit_not_marked"
                && item["related_id"] == unmarked.as_str()),
        "Kari's visit at Nordlys: {work:?}"
    );
}
