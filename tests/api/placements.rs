//! Placements over HTTP: made only when clearance clears, the accompanied first home visit,
//! recurring schedules across summer time, edits that keep what took place, and the re-check
//! that suspends a placement when clearance runs out.

use chrono::{Datelike, Days, TimeDelta};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, TestApp, days_ago, days_ahead, error_fields, expect_problem, expect_status,
    id_of, police_certificate, send, today,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

/// Creates a placement and expects 201.
async fn place(app: &TestApp, token: &str, body: &Value) -> Value {
    expect_status(app.post("/api/v1/placements", token, body).await, 201).await
}

async fn recipient(app: &TestApp, s: &MunicipalitySetup) -> String {
    let body = json!({
        "display_name": "Ingrid H.",
        "address": "Storgata 12, 0155 Oslo",
        "contact_phone": "22 33 44 55",
        "responsible_unit_id": s.unit,
        "consent_given_by": "representative",
        "consent_representative": "Ola Hansen",
        "consent_given_on": days_ago(3),
    });
    id_of(
        &expect_status(
            app.post("/api/v1/recipients", &s.coordinator, &body).await,
            201,
        )
        .await,
    )
}

async fn step(app: &TestApp, token: &str, placement: &str, to: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/placements/{placement}/transitions"),
        token,
        &json!({"to": to, "reason": format!("to {to}")}),
    )
    .await
}

async fn visits(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = expect_status(
        app.get(&format!("/api/v1/visits?limit=200&{query}"), token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_placement_is_refused_with_the_whole_clearance_answer_until_the_certificate_is_recorded()
{
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let body = json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                      "target_group": "intellectual_disability", "starts_on": today().to_string(),
                      "contact_person_id": s.contact});

    let refused = expect_problem(
        app.post("/api/v1/placements", &s.coordinator, &body).await,
        409,
    )
    .await;
    assert_eq!(refused["type"], "urn:samspill:problem:not-cleared");
    assert_eq!(refused["missing"], json!(["politiattest"]));
    assert_eq!(refused["clearance"]["cleared"], false);
    assert_eq!(refused["clearance"]["volunteer_id"], volunteer.as_str());
    assert_eq!(refused["clearance"]["question"]["setting"], "institution");
    let politiattest = refused["clearance"]["requirements"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["requirement"] == "politiattest"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(politiattest["state"], "missing");
    let listed = expect_status(app.get("/api/v1/placements", &s.coordinator).await, 200).await;
    assert_eq!(listed["items"], json!([]), "nothing was stored");

    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{volunteer}/police-certificates"),
            &s.coordinator,
            &police_certificate("politiattest", &days_ago(20), &days_ago(5)),
        )
        .await,
        201,
    )
    .await;
    let made = place(&app, &s.coordinator, &body).await;
    assert_eq!(made["status"], "proposed");
    assert_eq!(made["setting"], "institution");
    assert_eq!(made["coordinator_id"], s.coordinator_id.as_str());
    assert_eq!(made["clearance"]["cleared"], true);
    let id = id_of(&made);
    let read = expect_status(
        app.get(&format!("/api/v1/placements/{id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(read, made);

    let active = expect_status(step(&app, &s.coordinator, &id, "active").await, 200).await;
    assert_eq!(active["status"], "active");
    let history = expect_status(
        app.get(&format!("/api/v1/placements/{id}/history"), &s.coordinator)
            .await,
        200,
    )
    .await;
    let steps: Vec<(&Value, &Value)> = history
        .as_array()
        .map(|h| {
            h.iter()
                .map(|r| (&r["from_status"], &r["to_status"]))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        steps,
        [
            (&Value::Null, &json!("proposed")),
            (&json!("proposed"), &json!("active"))
        ]
    );

    // The status feed names the active placement on the volunteer's record.
    let system = app.service_token(&s.coordinator, &["status:read"]).await;
    let feed = expect_status(app.get("/api/v1/volunteer-status", &system).await, 200).await;
    let record = feed["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == volunteer.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        record["placements"],
        json!([{"id": id, "activity_kind": "companionship"}])
    );

    // The contact person of the unit reads it; the volunteer's listing by filter finds it.
    let seen = expect_status(
        app.get(&format!("/api/v1/placements/{id}"), &s.contact_token)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["id"], id.as_str());
    let filtered = expect_status(
        app.get(
            &format!("/api/v1/placements?volunteer_id={volunteer}&status=active"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(filtered["items"][0]["id"], id.as_str());
}

#[tokio::test]
async fn placements_refuse_bad_input_naming_the_field_and_stay_in_their_municipality() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let refused = |body: Value| {
        let (app, token) = (&app, &s.coordinator);
        async move { expect_problem(app.post("/api/v1/placements", token, &body).await, 422).await }
    };

    let both = refused(
        json!({"volunteer_id": volunteer, "group_id": volunteer, "unit_id": s.unit,
                             "activity_kind": "companionship", "starts_on": today().to_string()}),
    )
    .await;
    assert_eq!(error_fields(&both), ["volunteer_id"]);
    let nowhere = refused(
        json!({"volunteer_id": volunteer, "activity_kind": "companionship",
                                "starts_on": today().to_string()}),
    )
    .await;
    assert_eq!(error_fields(&nowhere), ["unit_id"]);
    let unknown_kind = refused(json!({"volunteer_id": volunteer, "unit_id": s.unit,
                                     "activity_kind": "juggling", "starts_on": today().to_string()}))
    .await;
    assert_eq!(error_fields(&unknown_kind), ["activity_kind"]);
    let backwards = refused(json!({"volunteer_id": volunteer, "unit_id": s.unit,
                                  "activity_kind": "companionship", "starts_on": days_ahead(10),
                                  "ends_on": days_ahead(3)}))
    .await;
    assert_eq!(error_fields(&backwards), ["ends_on"]);
    let stranger = refused(json!({"volunteer_id": uuid::Uuid::now_v7(), "unit_id": s.unit,
                                 "activity_kind": "companionship", "starts_on": today().to_string()}))
    .await;
    assert_eq!(error_fields(&stranger), ["volunteer_id"]);

    // Another municipality's coordinator sees nothing of it.
    let made = place(
        &app,
        &s.coordinator,
        &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                "starts_on": today().to_string()}),
    )
    .await;
    let other = app.municipality("0301").build().await;
    let id = id_of(&made);
    expect_problem(
        app.get(&format!("/api/v1/placements/{id}"), &other.coordinator)
            .await,
        404,
    )
    .await;
    expect_problem(step(&app, &other.coordinator, &id, "active").await, 404).await;
    let theirs = expect_status(app.get("/api/v1/placements", &other.coordinator).await, 200).await;
    assert_eq!(theirs["items"], json!([]));
    // A kind of the municipality's own that a placement is for stays while the placement runs.
    let kinds = format!("/api/v1/municipalities/{}/activity-kinds", s.municipality);
    expect_status(
        app.post(
            &kinds,
            &s.coordinator,
            &json!({"code": "reading_aloud", "name": "Reading aloud"}),
        )
        .await,
        201,
    )
    .await;
    let reading = place(
        &app,
        &s.coordinator,
        &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "reading_aloud",
                "starts_on": today().to_string()}),
    )
    .await;
    let in_use = expect_problem(
        app.delete(&format!("{kinds}/reading_aloud"), &s.coordinator)
            .await,
        409,
    )
    .await;
    assert!(
        in_use["detail"]
            .as_str()
            .unwrap_or("")
            .contains("placement"),
        "{in_use}"
    );
    expect_status(
        step(&app, &s.coordinator, &id_of(&reading), "ended").await,
        200,
    )
    .await;
    let gone = app
        .delete(&format!("{kinds}/reading_aloud"), &s.coordinator)
        .await;
    assert_eq!(gone.status(), 204);

    // Suspension is the service's.
    let suspended = expect_problem(step(&app, &s.coordinator, &id, "suspended").await, 409).await;
    assert_eq!(suspended["errors"][0]["code"], "suspended_by_service");
}

#[tokio::test]
async fn recipients_keep_only_what_visits_need() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let id = recipient(&app, &s).await;
    let read = expect_status(
        app.get(&format!("/api/v1/recipients/{id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(read["contact_phone"], "+4722334455");
    assert_eq!(read["consent"]["given_by"], "representative");
    assert_eq!(read["consent"]["representative"], "Ola Hansen");
    assert_eq!(read["consent"]["recorded_by"], s.coordinator_id.as_str());

    let health = expect_problem(
        app.post(
            "/api/v1/recipients",
            &s.coordinator,
            &json!({"display_name": "Per", "address": "Vei 1", "responsible_unit_id": s.unit,
                    "consent_given_by": "recipient", "consent_given_on": days_ago(1),
                    "diagnosis": "dementia"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&health), ["diagnosis"]);
    let no_representative = expect_problem(
        app.post(
            "/api/v1/recipients",
            &s.coordinator,
            &json!({"display_name": "Per", "address": "Vei 1", "responsible_unit_id": s.unit,
                    "consent_given_by": "representative", "consent_given_on": days_ago(1)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&no_representative), ["consent_representative"]);

    let stale = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/recipients/{id}"),
            Some(&s.coordinator),
        )
        .header("If-Match", "\"7\"")
        .json(&json!({"active": false})),
    )
    .await;
    expect_problem(stale, 412).await;
    let changed = expect_status(
        app.patch(
            &format!("/api/v1/recipients/{id}"),
            &s.coordinator,
            &json!({"active": false, "contact_phone": null}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["active"], false);
    assert_eq!(changed["contact_phone"], Value::Null);
    assert_eq!(changed["version"], 2);
    expect_problem(app.get("/api/v1/recipients", &s.contact_token).await, 403).await;
}

#[tokio::test]
async fn a_private_home_placement_becomes_active_only_after_its_accompanied_first_visit() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Kari").create().await;
    let home = recipient(&app, &s).await;
    let made = place(
        &app,
        &s.coordinator,
        &json!({"volunteer_id": volunteer, "recipient_id": home, "activity_kind": "companionship",
                "starts_on": today().to_string()}),
    )
    .await;
    assert_eq!(made["setting"], "private_home");
    let conditions = made["clearance"]["conditions"].to_string();
    assert!(
        conditions.contains("accompanied_first_visit"),
        "{conditions}"
    );
    let id = id_of(&made);

    let early = expect_problem(step(&app, &s.coordinator, &id, "active").await, 409).await;
    assert_eq!(early["errors"][0]["field"], "to");
    assert_eq!(early["errors"][0]["code"], "first_visit_not_completed");

    let tomorrow = today() + Days::new(1);
    let first = expect_status(
        app.post(
            &format!("/api/v1/placements/{id}/visits"),
            &s.coordinator,
            &json!({"date": tomorrow.to_string(), "start_time": "10:00", "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    let visit = id_of(&first);
    let ahead = expect_problem(
        app.post(
            &format!("/api/v1/visits/{visit}/transitions"),
            &s.coordinator,
            &json!({"to": "completed"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(ahead["errors"][0]["code"], "not_yet_begun");

    app.clock.advance(TimeDelta::days(2));
    let alone = expect_problem(
        app.post(
            &format!("/api/v1/visits/{visit}/transitions"),
            &s.coordinator,
            &json!({"to": "completed"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(alone["errors"][0]["field"], "accompanied_by");
    assert_eq!(alone["errors"][0]["code"], "companion_required");

    let volunteer_login = expect_problem(
        app.patch(
            &format!("/api/v1/visits/{visit}"),
            &s.coordinator,
            &json!({"accompanied_by": {"contact_person_id": uuid::Uuid::now_v7()}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        error_fields(&volunteer_login),
        ["accompanied_by.contact_person_id"]
    );
    let accompanied = expect_status(
        app.patch(
            &format!("/api/v1/visits/{visit}"),
            &s.coordinator,
            &json!({"accompanied_by": {"contact_person_id": s.contact}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        accompanied["accompanied_by"]["contact_person_id"],
        s.contact.as_str()
    );
    let done = expect_status(
        app.post(
            &format!("/api/v1/visits/{visit}/transitions"),
            &s.coordinator,
            &json!({"to": "completed", "reason": "Good first visit."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(done["status"], "completed");

    let active = expect_status(step(&app, &s.coordinator, &id, "active").await, 200).await;
    assert_eq!(active["status"], "active");
    assert_eq!(active["clearance"]["cleared"], true);
}

#[tokio::test]
async fn a_weekly_tuesday_schedule_keeps_two_in_the_afternoon_across_summer_time() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    expect_status(
        app.patch(
            &format!("/api/v1/municipalities/{}", s.municipality),
            &app.admin_token().await,
            &json!({"settings": {"visit_horizon_weeks": 52}}),
        )
        .await,
        200,
    )
    .await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    // A Tuesday in March, before summer time begins on the last Sunday of March.
    let year = today().year() + 1;
    let march = chrono::NaiveDate::from_ymd_opt(year, 3, 1).unwrap_or_default();
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                    "starts_on": march.to_string()}),
        )
        .await,
    );
    let schedule = expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
            &json!({"starts_on": march.to_string(), "weekdays": ["tuesday"], "start_time": "14:00",
                    "duration_minutes": 90}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(schedule["schedule"]["time_zone"], "Europe/Oslo");
    assert_eq!(
        schedule["schedule"]["rrule"],
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;WKST=MO"
    );
    assert!(schedule["visits_planned"].as_u64().unwrap_or(0) > 30);

    let planned = visits(
        &app,
        &s.coordinator,
        &format!(
            "placement_id={placement}&from={march}&to={}",
            march + Days::new(365)
        ),
    )
    .await;
    assert!(!planned.is_empty());
    let mut winter = 0;
    let mut summer = 0;
    for visit in &planned {
        let date =
            chrono::NaiveDate::parse_from_str(visit["date"].as_str().unwrap_or(""), "%Y-%m-%d")
                .unwrap_or_default();
        assert_eq!(date.weekday(), chrono::Weekday::Tue, "{visit}");
        let starts = visit["starts_at"].as_str().unwrap_or("");
        let local = chrono::DateTime::parse_from_rfc3339(starts)
            .map(|t| t.with_timezone(&chrono_tz::Europe::Oslo))
            .unwrap_or_else(|e| panic!("{starts}: {e}"));
        assert_eq!(local.format("%H:%M").to_string(), "14:00", "{visit}");
        assert_eq!(local.date_naive(), date);
        // 13:00 UTC in winter, 12:00 UTC in summer.
        match local.format("%z").to_string().as_str() {
            "+0100" => {
                winter += 1;
                assert!(starts.contains("T13:00:00"), "{starts}");
            }
            _ => {
                summer += 1;
                assert!(starts.contains("T12:00:00"), "{starts}");
            }
        }
    }
    assert!(
        winter >= 5 && summer >= 25,
        "winter {winter}, summer {summer}"
    );
    let last_sunday_of_march = (25..=31)
        .filter_map(|d| chrono::NaiveDate::from_ymd_opt(year, 3, d))
        .find(|d| d.weekday() == chrono::Weekday::Sun)
        .unwrap_or_default();
    let around = visits(
        &app,
        &s.coordinator,
        &format!(
            "placement_id={placement}&from={}&to={}",
            last_sunday_of_march - Days::new(6),
            last_sunday_of_march + Days::new(2)
        ),
    )
    .await;
    let times: Vec<&str> = around
        .iter()
        .filter_map(|v| v["starts_at"].as_str())
        .collect();
    assert_eq!(times.len(), 2, "{times:?}");
    assert!(
        times[0].contains("T13:00:00") && times[1].contains("T12:00:00"),
        "{times:?}"
    );

    // Paging follows start order without repeats.
    let query = format!(
        "placement_id={placement}&from={march}&to={}&limit=7",
        march + Days::new(365)
    );
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/visits?{query}&cursor={c}"),
            None => format!("/api/v1/visits?{query}"),
        };
        let page = expect_status(app.get(&path, &s.coordinator).await, 200).await;
        seen.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, planned);

    // Planning again adds nothing.
    let again = app.run_job("plan_visits").await;
    assert_eq!(again["ran"], true);
    let after = visits(
        &app,
        &s.coordinator,
        &format!(
            "placement_id={placement}&from={march}&to={}",
            march + Days::new(365)
        ),
    )
    .await;
    assert_eq!(after.len(), planned.len());
}

#[tokio::test]
async fn replacing_a_schedule_keeps_the_visits_that_took_place_and_plans_the_rest_again() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "activity",
                    "starts_on": today().to_string()}),
        )
        .await,
    );
    let every_day = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let made = expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
            &json!({"starts_on": days_ahead(1), "weekdays": every_day, "start_time": "11:00",
                    "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    let schedule = made["schedule"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let window = format!(
        "placement_id={placement}&from={}&to={}",
        today(),
        days_ahead(120)
    );
    let before = visits(&app, &s.coordinator, &window).await;
    assert_eq!(before.len(), 84, "twelve weeks of daily visits");

    // A few days later: the first visit took place, the second did not.
    app.clock.advance(TimeDelta::days(3));
    let mark = |visit: &Value, to: &str| {
        let (app, token, id) = (&app, &s.coordinator, id_of(visit));
        let to = to.to_owned();
        async move {
            expect_status(
                app.post(
                    &format!("/api/v1/visits/{id}/transitions"),
                    token,
                    &json!({"to": to}),
                )
                .await,
                200,
            )
            .await
        }
    };
    mark(&before[0], "completed").await;
    mark(&before[1], "no_show").await;

    let replaced = send(
        app.request(
            Method::PUT,
            &format!("/api/v1/placements/{placement}/schedules/{schedule}"),
            Some(&s.coordinator),
        )
        .header("If-Match", "\"1\"")
        .json(
            &json!({"starts_on": days_ahead(1), "weekdays": ["wednesday"], "start_time": "15:30",
                      "duration_minutes": 45}),
        ),
    )
    .await;
    let replaced = expect_status(replaced, 200).await;
    assert_eq!(replaced["schedule"]["version"], 2);

    let after = visits(&app, &s.coordinator, &window).await;
    assert_eq!(after[0]["id"], before[0]["id"]);
    assert_eq!(after[0]["status"], "completed");
    assert_eq!(after[1]["id"], before[1]["id"]);
    assert_eq!(after[1]["status"], "no_show");
    let now = app.clock.now();
    for visit in &after[2..] {
        let starts =
            chrono::DateTime::parse_from_rfc3339(visit["starts_at"].as_str().unwrap_or(""))
                .unwrap_or_default();
        if starts >= now {
            let date =
                chrono::NaiveDate::parse_from_str(visit["date"].as_str().unwrap_or(""), "%Y-%m-%d")
                    .unwrap_or_default();
            assert_eq!(date.weekday(), chrono::Weekday::Wed, "{visit}");
            assert_eq!(
                starts
                    .with_timezone(&chrono_tz::Europe::Oslo)
                    .format("%H:%M")
                    .to_string(),
                "15:30"
            );
        }
    }
    // A stale schedule version is refused.
    let stale = send(
        app.request(
            Method::PUT,
            &format!("/api/v1/placements/{placement}/schedules/{schedule}"),
            Some(&s.coordinator),
        )
        .header("If-Match", "\"1\"")
        .json(
            &json!({"starts_on": days_ahead(1), "weekdays": ["friday"], "start_time": "15:30",
                      "duration_minutes": 45}),
        ),
    )
    .await;
    expect_problem(stale, 412).await;
}

#[tokio::test]
async fn an_expired_dog_approval_suspends_the_dog_visit_placement_and_flags_its_visits() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let dog = id_of(
        &expect_status(
            app.post(
                "/api/v1/dogs",
                &s.coordinator,
                &json!({"handler_id": volunteer, "name": "Luna", "breed": "Golden retriever",
                        "birth_date": "2021-04-01"}),
            )
            .await,
            201,
        )
        .await,
    );
    // The insurance runs out in five days.
    expect_status(
        app.post(
            &format!("/api/v1/dogs/{dog}/approvals"),
            &s.coordinator,
            &json!({"programme": "Røde Kors besøkshund", "categories": ["institution_common_room"],
                    "assessed_on": days_ago(30), "assessor": "Kari Nordmann",
                    "vet_checked_on": days_ago(30), "vaccinations_valid_until": days_ahead(200),
                    "insurance_valid_until": days_ahead(5), "valid_until": days_ahead(300)}),
        )
        .await,
        201,
    )
    .await;
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                    "dog_id": dog, "starts_on": today().to_string()}),
        )
        .await,
    );
    expect_status(step(&app, &s.coordinator, &placement, "active").await, 200).await;
    expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
            &json!({"starts_on": days_ahead(1), "weekdays": ["monday", "thursday"],
                    "start_time": "13:00", "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;

    // Still cleared today: the check changes nothing.
    let first = app.run_job("recheck_placements").await;
    assert_eq!(first["rows"], 0);

    app.clock.advance(TimeDelta::days(10));
    let second = app.run_job("recheck_placements").await;
    assert_eq!(second["rows"], 1);
    let suspended = expect_status(
        app.get(&format!("/api/v1/placements/{placement}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(suspended["clearance"]["cleared"], false);
    let history = expect_status(
        app.get(
            &format!("/api/v1/placements/{placement}/history"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let last = history
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["to_status"], "suspended");
    assert_eq!(last["changed_by"], Value::Null);
    assert!(
        last["reason"]
            .as_str()
            .unwrap_or("")
            .contains("dog_approval"),
        "{last}"
    );
    let now = app.clock.today();
    let ahead = visits(
        &app,
        &s.coordinator,
        &format!(
            "placement_id={placement}&from={now}&to={}",
            now + Days::new(60)
        ),
    )
    .await;
    let moment = app.clock.now();
    let upcoming: Vec<&Value> = ahead
        .iter()
        .filter(|v| {
            chrono::DateTime::parse_from_rfc3339(v["starts_at"].as_str().unwrap_or(""))
                .is_ok_and(|at| at >= moment)
        })
        .collect();
    assert!(!upcoming.is_empty());
    assert!(
        upcoming.iter().all(|v| v["flag"] == "placement_suspended"),
        "{upcoming:?}"
    );
    let items = expect_status(app.get("/api/v1/work-items", &s.coordinator).await, 200).await;
    let listed = items["items"]
        .as_array()
        .map(|i| {
            i.iter().any(|i| {
                i["kind"] == "placement_suspended" && i["related_id"] == placement.as_str()
            })
        })
        .unwrap_or(false);
    assert!(listed, "{items}");

    // Resuming asks clearance again: refused until a new approval is recorded.
    let refused = expect_problem(step(&app, &s.coordinator, &placement, "active").await, 409).await;
    assert_eq!(refused["type"], "urn:samspill:problem:not-cleared");
}

#[tokio::test]
async fn pausing_the_volunteer_suspends_their_running_placement_at_the_next_check() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                    "starts_on": today().to_string()}),
        )
        .await,
    );
    expect_status(step(&app, &s.coordinator, &placement, "active").await, 200).await;
    assert_eq!(app.run_job("recheck_placements").await["rows"], 0);
    let paused = app
        .transition(
            &s.coordinator,
            samspill_tests::Subject::Volunteer(&volunteer),
            "paused",
        )
        .await;
    expect_status(paused, 200).await;
    assert_eq!(app.run_job("recheck_placements").await["rows"], 1);
    let read = expect_status(
        app.get(&format!("/api/v1/placements/{placement}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(read["status"], "suspended");
    let metrics = send(app.request(Method::GET, "/metrics", None)).await;
    let metrics = metrics.text().await.unwrap_or_default();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("samspill_job_rows_total{job=\"recheck_placements\"}")),
        "{metrics}"
    );
    let unknown = expect_problem(
        app.post(
            "/api/v1/jobs/no_such_job/runs",
            &app.admin_token().await,
            &json!({}),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(unknown["status"], 404);
    expect_problem(
        app.post(
            "/api/v1/jobs/recheck_placements/runs",
            &s.coordinator,
            &json!({}),
        )
        .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn a_group_is_placed_with_its_head_count_through_the_same_clearance() {
    let app = TestApp::spawn().await;
    let s = app
        .municipality("1103")
        .unit("Solsiden sykehjem")
        .representative("Leder")
        .build()
        .await;
    let group = app
        .approved_group(
            &s.coordinator,
            json!({"name": "Sanglaget", "kind": "association", "contact_person_id": s.representative,
                   "head_count": 12, "home_unit_id": s.unit}),
        )
        .create()
        .await;
    let body = |target: &str, head_count: Option<i32>| {
        let mut body = json!({"group_id": group, "unit_id": s.unit, "activity_kind": "cultural_event",
                              "target_group": target, "starts_on": today().to_string()});
        if let Some(count) = head_count {
            body["head_count"] = json!(count);
        }
        body
    };

    let uncounted = expect_problem(
        app.post("/api/v1/placements", &s.coordinator, &body("general", None))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&uncounted), ["head_count"]);

    // Per-person requirements are asked of named members; the group names none.
    let refused = expect_problem(
        app.post(
            "/api/v1/placements",
            &s.coordinator,
            &body("intellectual_disability", Some(6)),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(refused["clearance"]["group_id"], group.as_str());
    assert!(
        refused["missing"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("named_members"))),
        "{refused}"
    );

    let made = place(&app, &s.coordinator, &body("general", Some(6))).await;
    assert_eq!(made["group_id"], group.as_str());
    assert_eq!(made["volunteer_id"], Value::Null);
    assert_eq!(made["head_count"], 6);
    assert_eq!(made["clearance"]["cleared"], true);
    let listed = expect_status(
        app.get(
            &format!("/api/v1/placements?group_id={group}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed["items"][0]["id"], made["id"]);
}

#[tokio::test]
async fn erasing_a_volunteer_ends_their_placements_and_forgets_what_was_written_about_them() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let dog = id_of(
        &expect_status(
            app.post(
                "/api/v1/dogs",
                &s.coordinator,
                &json!({"handler_id": volunteer, "name": "Luna", "breed": "Golden retriever",
                        "birth_date": "2021-04-01"}),
            )
            .await,
            201,
        )
        .await,
    );
    expect_status(
        app.post(
            &format!("/api/v1/dogs/{dog}/approvals"),
            &s.coordinator,
            &json!({"programme": "Røde Kors besøkshund", "categories": ["institution_common_room"],
                    "assessed_on": days_ago(30), "assessor": "Kari Nordmann",
                    "vet_checked_on": days_ago(30), "vaccinations_valid_until": days_ahead(200),
                    "insurance_valid_until": days_ahead(200), "valid_until": days_ahead(300)}),
        )
        .await,
        201,
    )
    .await;
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                    "dog_id": dog, "starts_on": today().to_string(),
                    "description": "Ola and Luna visit on the second floor."}),
        )
        .await,
    );
    expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
            &json!({"starts_on": days_ahead(1), "weekdays": ["monday"], "start_time": "13:00",
                    "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    // The dog comes along on a placement that runs: it stays.
    let kept = expect_problem(
        app.delete(&format!("/api/v1/dogs/{dog}"), &s.coordinator)
            .await,
        409,
    )
    .await;
    assert!(
        kept["detail"].as_str().unwrap_or("").contains("placement"),
        "{kept}"
    );

    let erased = app
        .delete(&format!("/api/v1/volunteers/{volunteer}"), &s.coordinator)
        .await;
    assert_eq!(erased.status(), 204);
    let ended = expect_status(
        app.get(&format!("/api/v1/placements/{placement}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["description"], Value::Null);
    assert_eq!(ended["dog_id"], Value::Null);
    assert_eq!(ended["clearance"], json!({"erased": true}));
    let planned = visits(
        &app,
        &s.coordinator,
        &format!(
            "placement_id={placement}&status=planned&from={}&to={}",
            today(),
            days_ahead(120)
        ),
    )
    .await;
    assert_eq!(planned, Vec::<Value>::new());
}

#[tokio::test]
async fn a_proposed_placement_is_suspended_too_and_its_first_visit_cannot_be_completed() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Kari").create().await;
    let home = recipient(&app, &s).await;
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "recipient_id": home, "activity_kind": "companionship",
                    "starts_on": today().to_string()}),
        )
        .await,
    );
    let first = id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/placements/{placement}/visits"),
                &s.coordinator,
                &json!({"date": days_ahead(1), "start_time": "10:00", "duration_minutes": 60,
                        "accompanied_by": {"contact_person_id": s.contact}}),
            )
            .await,
            201,
        )
        .await,
    );
    expect_status(
        app.transition(
            &s.coordinator,
            samspill_tests::Subject::Volunteer(&volunteer),
            "paused",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(app.run_job("recheck_placements").await["rows"], 1);
    app.clock.advance(TimeDelta::days(2));
    let refused = expect_problem(
        app.post(
            &format!("/api/v1/visits/{first}/transitions"),
            &s.coordinator,
            &json!({"to": "completed"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(refused["errors"][0]["code"], "placement_not_running");
    let read = expect_status(
        app.get(&format!("/api/v1/placements/{placement}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(read["status"], "suspended");
}

#[tokio::test]
async fn the_last_day_bounds_the_visits_and_ends_the_placement() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                    "starts_on": today().to_string()}),
        )
        .await,
    );
    expect_status(step(&app, &s.coordinator, &placement, "active").await, 200).await;
    expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
            &json!({"starts_on": days_ahead(1), "weekdays": ["monday", "wednesday", "friday"],
                    "start_time": "13:00", "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    let last = today() + Days::new(7);
    let shortened = expect_status(
        app.patch(
            &format!("/api/v1/placements/{placement}"),
            &s.coordinator,
            &json!({"ends_on": last.to_string()}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(shortened["ends_on"], last.to_string().as_str());
    let window = format!(
        "placement_id={placement}&from={}&to={}",
        today(),
        days_ahead(120)
    );
    let after_last: Vec<Value> = visits(&app, &s.coordinator, &window)
        .await
        .into_iter()
        .filter(|v| v["date"].as_str().unwrap_or("") > last.to_string().as_str())
        .collect();
    assert_eq!(
        after_last,
        Vec::<Value>::new(),
        "no visit after the last day"
    );
    // Moved later again, the schedule plans ahead once more.
    expect_status(
        app.patch(
            &format!("/api/v1/placements/{placement}"),
            &s.coordinator,
            &json!({"ends_on": null}),
        )
        .await,
        200,
    )
    .await;
    let far = today() + Days::new(60);
    let replanned = visits(
        &app,
        &s.coordinator,
        &format!(
            "placement_id={placement}&status=planned&from={far}&to={}",
            // Seven days, both ends included: three visits whatever weekday `far` is.
            far + Days::new(6)
        ),
    )
    .await;
    assert_eq!(replanned.len(), 3, "{replanned:?}");

    expect_status(
        app.patch(
            &format!("/api/v1/placements/{placement}"),
            &s.coordinator,
            &json!({"ends_on": last.to_string()}),
        )
        .await,
        200,
    )
    .await;
    app.clock.advance(TimeDelta::days(9));
    app.run_job("recheck_placements").await;
    let over = expect_status(
        app.get(&format!("/api/v1/placements/{placement}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(over["status"], "ended");
}

#[tokio::test]
async fn withdrawn_consent_suspends_the_home_placement_and_pausing_flags_visits() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Kari").create().await;
    let home = recipient(&app, &s).await;
    let at_home = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "recipient_id": home, "activity_kind": "companionship",
                    "starts_on": today().to_string()}),
        )
        .await,
    );
    let at_unit = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "activity",
                    "starts_on": today().to_string(), "contact_person_id": s.contact}),
        )
        .await,
    );
    expect_status(step(&app, &s.coordinator, &at_unit, "active").await, 200).await;
    let schedule = expect_status(
        app.post(
            &format!("/api/v1/placements/{at_unit}/schedules"),
            &s.coordinator,
            &json!({"starts_on": days_ahead(1), "weekdays": ["tuesday"], "start_time": "23:59:60",
                    "duration_minutes": 60}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&schedule), ["start_time"]);
    expect_status(
        app.post(
            &format!("/api/v1/placements/{at_unit}/schedules"),
            &s.coordinator,
            &json!({"starts_on": days_ahead(1), "weekdays": ["tuesday"], "start_time": "15:00",
                    "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    expect_status(step(&app, &s.coordinator, &at_unit, "paused").await, 200).await;
    let window = format!(
        "placement_id={at_unit}&from={}&to={}",
        today(),
        days_ahead(30)
    );
    let paused = visits(&app, &s.coordinator, &window).await;
    assert!(!paused.is_empty());
    assert!(
        paused.iter().all(|v| v["flag"] == "placement_paused"),
        "{paused:?}"
    );
    expect_status(step(&app, &s.coordinator, &at_unit, "active").await, 200).await;
    let resumed = visits(&app, &s.coordinator, &window).await;
    assert!(
        resumed.iter().all(|v| v["flag"] == Value::Null),
        "{resumed:?}"
    );

    // The contact person of the unit placement sees only whether it cleared.
    let seen = expect_status(
        app.get(&format!("/api/v1/placements/{at_unit}"), &s.contact_token)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["clearance"], json!({"cleared": true}));

    expect_status(
        app.patch(
            &format!("/api/v1/recipients/{home}"),
            &s.coordinator,
            &json!({"active": false}),
        )
        .await,
        200,
    )
    .await;
    let withdrawn = expect_status(
        app.get(&format!("/api/v1/placements/{at_home}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(withdrawn["status"], "suspended");
    let resume = expect_problem(step(&app, &s.coordinator, &at_home, "active").await, 409).await;
    assert_eq!(resume["errors"][0]["field"], "to");

    // Erased, the person keeps no name, address or phone, and the placement ends.
    let erased = app
        .delete(&format!("/api/v1/recipients/{home}"), &s.coordinator)
        .await;
    assert_eq!(erased.status(), 204);
    let left = expect_status(
        app.get(&format!("/api/v1/recipients/{home}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(left["display_name"], "(erased)");
    assert_eq!(left["address"], "(erased)");
    assert_eq!(left["contact_phone"], Value::Null);
    assert_eq!(left["consent"]["representative"], "(erased)");
    let ended = expect_status(
        app.get(&format!("/api/v1/placements/{at_home}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["clearance"], json!({"erased": true}));
}

#[tokio::test]
async fn replacing_a_schedule_keeps_the_companion_of_a_visit_whose_date_stays() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let placement = id_of(
        &place(
            &app,
            &s.coordinator,
            &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "companionship",
                    "starts_on": today().to_string()}),
        )
        .await,
    );
    let made = expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
            &json!({"starts_on": days_ahead(1), "weekdays": ["monday", "thursday"],
                    "start_time": "10:00", "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    let schedule = made["schedule"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let window = format!(
        "placement_id={placement}&from={}&to={}",
        today(),
        days_ahead(30)
    );
    let before = visits(&app, &s.coordinator, &window).await;
    let thursday = before
        .iter()
        .find(|v| {
            chrono::NaiveDate::parse_from_str(v["date"].as_str().unwrap_or(""), "%Y-%m-%d")
                .is_ok_and(|d| d.weekday() == chrono::Weekday::Thu)
        })
        .cloned()
        .unwrap_or_default();
    let thursday_id = id_of(&thursday);
    expect_status(
        app.patch(
            &format!("/api/v1/visits/{thursday_id}"),
            &s.coordinator,
            &json!({"accompanied_by": {"user_id": s.coordinator_id}}),
        )
        .await,
        200,
    )
    .await;
    let replaced = send(
        app.request(
            Method::PUT,
            &format!("/api/v1/placements/{placement}/schedules/{schedule}"),
            Some(&s.coordinator),
        )
        .json(
            &json!({"starts_on": days_ahead(1), "weekdays": ["thursday"], "start_time": "11:30",
                      "duration_minutes": 60}),
        ),
    )
    .await;
    expect_status(replaced, 200).await;
    let kept = expect_status(
        app.get(&format!("/api/v1/visits/{thursday_id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(kept["accompanied_by"]["user_id"], s.coordinator_id.as_str());
    let local = chrono::DateTime::parse_from_rfc3339(kept["starts_at"].as_str().unwrap_or(""))
        .map(|t| {
            t.with_timezone(&chrono_tz::Europe::Oslo)
                .format("%H:%M")
                .to_string()
        })
        .unwrap_or_default();
    assert_eq!(local, "11:30");
    let after = visits(&app, &s.coordinator, &window).await;
    assert!(
        after.iter().all(|v| {
            chrono::NaiveDate::parse_from_str(v["date"].as_str().unwrap_or(""), "%Y-%m-%d")
                .is_ok_and(|d| d.weekday() == chrono::Weekday::Thu)
        }),
        "{after:?}"
    );
}
