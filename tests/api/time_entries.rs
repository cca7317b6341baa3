//! The hours log over HTTP: a completed visit makes a pending entry that a coordinator
//! approves and the report counts (as JSON and CSV); revoked and declined entries leave the
//! report and stay in the history; volunteers log and read only their own; dates ahead and
//! days over 24 hours are refused naming the field.

use chrono::{Days, TimeDelta};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, TestApp, days_ago, days_ahead, error_fields, expect_problem, expect_status,
    id_of, send, today,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

/// A placement of `body` (a volunteer or a group) at the set-up's unit for companionship from
/// today; returns its id.
async fn place(app: &TestApp, s: &MunicipalitySetup, who: Value) -> String {
    let mut body = json!({"unit_id": s.unit, "activity_kind": "companionship",
                          "starts_on": today().to_string()});
    if let (Some(body), Some(who)) = (body.as_object_mut(), who.as_object()) {
        body.extend(who.clone());
    }
    id_of(
        &expect_status(
            app.post("/api/v1/placements", &s.coordinator, &body).await,
            201,
        )
        .await,
    )
}

/// A visit of `placement` tomorrow at 10:00 for `minutes`; returns its id.
async fn visit_tomorrow(app: &TestApp, token: &str, placement: &str, minutes: i32) -> String {
    let body = json!({"date": (today() + Days::new(1)).to_string(), "start_time": "10:00",
                      "duration_minutes": minutes});
    let made = app
        .post(
            &format!("/api/v1/placements/{placement}/visits"),
            token,
            &body,
        )
        .await;
    id_of(&expect_status(made, 201).await)
}

async fn complete(app: &TestApp, token: &str, visit: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/visits/{visit}/transitions"),
        token,
        &json!({"to": "completed"}),
    )
    .await
}

async fn entries(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let page = expect_status(app.get(path, token).await, 200).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn decide(app: &TestApp, token: &str, entry: &Value, body: Value) -> reqwest::Response {
    send(
        app.request(
            Method::POST,
            &format!("/api/v1/time-entries/{}/decision", id_of(entry)),
            Some(token),
        )
        .header("if-match", format!("\"{}\"", entry["version"]))
        .json(&body),
    )
    .await
}

/// The report of the set-up's municipality by `group_by` over the last and next 30 days.
async fn report(app: &TestApp, token: &str, group_by: &str) -> Value {
    let path = format!(
        "/api/v1/reports/hours?group_by={group_by}&from={}&to={}",
        days_ago(30),
        days_ahead(30)
    );
    expect_status(app.get(&path, token).await, 200).await
}

#[tokio::test]
async fn a_completed_visit_makes_a_pending_entry_that_counts_in_the_report_once_approved() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let placement = place(&app, &s, json!({"volunteer_id": kari})).await;
    let visit = visit_tomorrow(&app, &s.coordinator, &placement, 90).await;
    app.clock.advance(TimeDelta::days(2));
    expect_status(complete(&app, &s.coordinator, &visit).await, 200).await;

    let made = entries(
        &app,
        &s.coordinator,
        &format!("/api/v1/time-entries?placement_id={placement}"),
    )
    .await;
    assert_eq!(made.len(), 1, "{made:?}");
    let entry = &made[0];
    assert_eq!(entry["status"], "pending");
    assert_eq!(entry["source"], "visit");
    assert_eq!(entry["volunteer_id"], kari.as_str());
    assert_eq!(entry["visit_id"], visit.as_str());
    assert_eq!(entry["minutes"], 90);
    assert_eq!(entry["occurred_on"], (today() + Days::new(1)).to_string());
    assert_eq!(entry["unit_id"], s.unit.as_str());
    assert_eq!(entry["activity_kind"], "companionship");
    assert_eq!(entry["history"][0]["to_status"], "pending");

    // A second completion is refused, and makes no second entry; nor may anyone log the visit
    // again.
    expect_problem(complete(&app, &s.coordinator, &visit).await, 409).await;
    let again = app
        .post(
            "/api/v1/time-entries",
            &s.coordinator,
            &json!({"volunteer_id": kari, "visit_id": visit}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(again, 409).await),
        ["visit_id"]
    );
    let still = entries(
        &app,
        &s.coordinator,
        &format!("/api/v1/time-entries?volunteer_id={kari}"),
    )
    .await;
    assert_eq!(still.len(), 1);

    // Pending time does not count.
    assert_eq!(
        report(&app, &s.coordinator, "unit").await["totals"]["entries"],
        0
    );

    // The volunteer's contact person reads it; the coordinator approves it with its version.
    let read = expect_status(
        app.get(
            &format!("/api/v1/time-entries/{}", id_of(entry)),
            &s.contact_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(read["id"], entry["id"]);
    let stale = send(
        app.request(
            Method::POST,
            &format!("/api/v1/time-entries/{}/decision", id_of(entry)),
            Some(&s.coordinator),
        )
        .header("if-match", "\"7\"")
        .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(expect_problem(stale, 412).await["current_version"], 1);
    let approved = expect_status(
        decide(&app, &s.coordinator, entry, json!({"decision": "approve"})).await,
        200,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], s.coordinator_id.as_str());
    assert_eq!(approved["version"], 2);
    assert_eq!(approved["history"].as_array().map(Vec::len), Some(2));

    let by_unit = report(&app, &s.coordinator, "unit").await;
    assert_eq!(by_unit["group_by"], "unit");
    assert_eq!(
        by_unit["lines"],
        json!([{"key": s.unit, "label": "Solsiden sykehjem", "entries": 1, "minutes": 90,
                "hours": 1.5, "person_minutes": 90, "person_hours": 1.5}])
    );
    let by_kind = report(&app, &s.coordinator, "activity_kind").await;
    assert_eq!(by_kind["lines"][0]["key"], "companionship");
    assert_eq!(
        by_kind["lines"][0]["label"],
        "Companionship (samvær og nærvær)"
    );
    let by_person = report(&app, &s.coordinator, "volunteer").await;
    assert_eq!(by_person["lines"][0]["key"], kari.as_str());
    assert_eq!(by_person["lines"][0]["label"], "Kari Frivillig");
    let month = (today() + Days::new(1)).format("%Y-%m").to_string();
    let by_month = report(&app, &s.coordinator, "month").await;
    assert_eq!(by_month["lines"][0]["key"], month.as_str());

    let csv = send(
        app.request(
            Method::GET,
            &format!(
                "/api/v1/reports/hours?group_by=unit&from={}&to={}",
                days_ago(30),
                days_ahead(30)
            ),
            Some(&s.coordinator),
        )
        .header("accept", "text/csv"),
    )
    .await;
    assert_eq!(csv.status(), 200);
    assert_eq!(
        csv.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let text = csv.text().await.unwrap_or_default();
    assert_eq!(
        text,
        format!(
            "\u{feff}key;label;entries;minutes;hours;person_minutes;person_hours\r\n\
             {};Solsiden sykehjem;1;90;1,50;90;1,50\r\n",
            s.unit
        )
    );
}

#[tokio::test]
async fn a_revoked_entry_leaves_the_report_and_declining_or_revoking_needs_a_reason() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let logged = expect_status(
        app.post(
            "/api/v1/time-entries",
            &s.coordinator,
            &json!({"volunteer_id": kari, "occurred_on": days_ago(1), "minutes": 120,
                    "unit_id": s.unit, "activity_kind": "party_or_arrangement",
                    "note": "=HYPERLINK(\"x\"); helped at the Christmas market"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        logged["status"], "approved",
        "a coordinator's time counts at once"
    );
    assert_eq!(logged["decided_by"], s.coordinator_id.as_str());
    assert_eq!(
        report(&app, &s.coordinator, "unit").await["totals"]["minutes"],
        120
    );

    let unsaid = decide(&app, &s.coordinator, &logged, json!({"decision": "revoke"})).await;
    assert_eq!(error_fields(&expect_problem(unsaid, 422).await), ["reason"]);
    let revoked = expect_status(
        decide(
            &app,
            &s.coordinator,
            &logged,
            json!({"decision": "revoke", "reason": "Logged on the wrong day."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(revoked["status"], "pending");
    assert_eq!(revoked["decided_by"], Value::Null);
    assert_eq!(
        report(&app, &s.coordinator, "unit").await["totals"]["entries"],
        0
    );
    let history = &revoked["history"];
    assert_eq!(history[0]["from_status"], Value::Null);
    assert_eq!(history[0]["to_status"], "approved");
    assert_eq!(history[1]["from_status"], "approved");
    assert_eq!(history[1]["to_status"], "pending");
    assert_eq!(history[1]["reason"], "Logged on the wrong day.");
    assert_eq!(history[1]["changed_by"], s.coordinator_id.as_str());

    let unsaid = decide(
        &app,
        &s.coordinator,
        &revoked,
        json!({"decision": "decline"}),
    )
    .await;
    assert_eq!(error_fields(&expect_problem(unsaid, 422).await), ["reason"]);
    let declined = expect_status(
        decide(
            &app,
            &s.coordinator,
            &revoked,
            json!({"decision": "decline", "reason": "Logged again on the right day."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(declined["status"], "declined");
    let final_step = decide(
        &app,
        &s.coordinator,
        &declined,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(
        error_fields(&expect_problem(final_step, 409).await),
        ["decision"]
    );
    // There is no deleting: a wrong entry is declined.
    let deleting = app
        .delete(
            &format!("/api/v1/time-entries/{}", id_of(&logged)),
            &s.coordinator,
        )
        .await;
    expect_problem(deleting, 405).await;
    let listed = entries(&app, &s.coordinator, "/api/v1/time-entries?status=declined").await;
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn volunteers_log_and_read_only_their_own_time_and_never_decide_it() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let kari_token = app.volunteer_login(&s, &kari).await;
    let ola_token = app.volunteer_login(&s, &ola).await;
    let olas_placement = place(&app, &s, json!({"volunteer_id": ola})).await;

    let own = expect_status(
        app.post(
            "/api/v1/me/time-entries",
            &kari_token,
            &json!({"occurred_on": days_ago(2), "minutes": 45, "note": "Prepared the songs."}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        own["status"], "pending",
        "by default a volunteer's own time waits"
    );
    assert_eq!(own["source"], "volunteer");
    assert_eq!(own["volunteer_id"], kari.as_str());
    let olas = expect_status(
        app.post(
            "/api/v1/me/time-entries",
            &ola_token,
            &json!({"placement_id": olas_placement, "occurred_on": today().to_string(),
                    "minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(olas["unit_id"], s.unit.as_str());

    // Kari links Ola's placement: refused on the field.
    let foreign = app
        .post(
            "/api/v1/me/time-entries",
            &kari_token,
            &json!({"placement_id": olas_placement, "occurred_on": today().to_string(),
                    "minutes": 30}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(foreign, 422).await),
        ["placement_id"]
    );

    let mine = entries(&app, &kari_token, "/api/v1/me/time-entries").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], own["id"]);
    expect_status(
        app.get(
            &format!("/api/v1/me/time-entries/{}", id_of(&own)),
            &kari_token,
        )
        .await,
        200,
    )
    .await;
    expect_problem(
        app.get(
            &format!("/api/v1/me/time-entries/{}", id_of(&olas)),
            &kari_token,
        )
        .await,
        404,
    )
    .await;
    expect_problem(app.get("/api/v1/time-entries", &kari_token).await, 403).await;
    let self_approval = decide(&app, &kari_token, &own, json!({"decision": "approve"})).await;
    expect_problem(self_approval, 403).await;
    let report_path = "/api/v1/reports/hours";
    expect_problem(app.get(report_path, &kari_token).await, 403).await;
    expect_problem(app.get(report_path, &s.contact_token).await, 403).await;

    // Another municipality's coordinator does not see it.
    let other = setup(&app, "1106").await;
    expect_problem(
        app.get(
            &format!("/api/v1/time-entries/{}", id_of(&own)),
            &other.coordinator,
        )
        .await,
        404,
    )
    .await;

    // With the setting off, a volunteer's own time counts at once.
    expect_status(
        app.patch(
            &format!("/api/v1/municipalities/{}", s.municipality),
            &s.coordinator,
            &json!({"settings": {"own_time_entries_need_approval": 0}}),
        )
        .await,
        200,
    )
    .await;
    let counted = expect_status(
        app.post(
            "/api/v1/me/time-entries",
            &kari_token,
            &json!({"occurred_on": days_ago(1), "minutes": 30}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(counted["status"], "approved");
    assert_eq!(counted["decided_by"], Value::Null);
}

#[tokio::test]
async fn dates_ahead_and_days_over_24_hours_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let log = |body: Value| {
        let app = &app;
        let token = s.coordinator.clone();
        async move { app.post("/api/v1/time-entries", &token, &body).await }
    };
    let ahead =
        log(json!({"volunteer_id": kari, "occurred_on": days_ahead(2), "minutes": 60})).await;
    let ahead = expect_problem(ahead, 422).await;
    assert_eq!(error_fields(&ahead), ["occurred_on"]);
    assert_eq!(ahead["errors"][0]["code"], "in_future");
    for minutes in [0, 1441] {
        let bad =
            log(json!({"volunteer_id": kari, "occurred_on": days_ago(3), "minutes": minutes}))
                .await;
        assert_eq!(error_fields(&expect_problem(bad, 422).await), ["minutes"]);
    }
    let unnamed = log(json!({"occurred_on": days_ago(3), "minutes": 60})).await;
    assert_eq!(
        error_fields(&expect_problem(unnamed, 422).await),
        ["volunteer_id"]
    );
    let undated = log(json!({"volunteer_id": kari, "minutes": 60})).await;
    assert_eq!(
        error_fields(&expect_problem(undated, 422).await),
        ["occurred_on"]
    );

    let long = expect_status(
        log(json!({"volunteer_id": kari, "occurred_on": days_ago(3), "minutes": 1000})).await,
        201,
    )
    .await;
    let over = log(json!({"volunteer_id": kari, "occurred_on": days_ago(3), "minutes": 441})).await;
    let over = expect_problem(over, 422).await;
    assert_eq!(error_fields(&over), ["minutes"]);
    assert_eq!(over["errors"][0]["code"], "over_24_hours");
    // Another day, or the same day once the long entry is declined, holds it.
    expect_status(
        log(json!({"volunteer_id": kari, "occurred_on": days_ago(4), "minutes": 441})).await,
        201,
    )
    .await;
    let revoked = expect_status(
        decide(
            &app,
            &s.coordinator,
            &long,
            json!({"decision": "revoke", "reason": "too long"}),
        )
        .await,
        200,
    )
    .await;
    expect_status(
        decide(
            &app,
            &s.coordinator,
            &revoked,
            json!({"decision": "decline", "reason": "too long"}),
        )
        .await,
        200,
    )
    .await;
    expect_status(
        log(json!({"volunteer_id": kari, "occurred_on": days_ago(3), "minutes": 441})).await,
        201,
    )
    .await;

    // A report's window runs forwards and over at most five years.
    let backwards = app
        .get(
            &format!(
                "/api/v1/reports/hours?from={}&to={}",
                days_ago(1),
                days_ago(2)
            ),
            &s.coordinator,
        )
        .await;
    assert_eq!(error_fields(&expect_problem(backwards, 422).await), ["to"]);
    let long_window = app
        .get(
            "/api/v1/reports/hours?from=2020-01-01&to=2026-01-01",
            &s.coordinator,
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(long_window, 422).await),
        ["to"]
    );
    let admin = app.admin_token().await;
    let unnamed = app.get("/api/v1/reports/hours", &admin).await;
    assert_eq!(
        error_fields(&expect_problem(unnamed, 422).await),
        ["municipality_id"]
    );
    let named = app
        .get(
            &format!("/api/v1/reports/hours?municipality_id={}", s.municipality),
            &admin,
        )
        .await;
    expect_status(named, 200).await;
}

#[tokio::test]
async fn a_groups_completed_visit_counts_person_hours_by_its_head_count() {
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
    let body = json!({"group_id": group, "head_count": 8, "unit_id": s.unit,
                      "activity_kind": "cultural_event", "starts_on": today().to_string()});
    let placement = id_of(
        &expect_status(
            app.post("/api/v1/placements", &s.coordinator, &body).await,
            201,
        )
        .await,
    );
    let visit = visit_tomorrow(&app, &s.coordinator, &placement, 90).await;
    app.clock.advance(TimeDelta::days(2));
    expect_status(complete(&app, &s.coordinator, &visit).await, 200).await;
    let made = entries(
        &app,
        &s.coordinator,
        &format!("/api/v1/time-entries?group_id={group}&status=pending"),
    )
    .await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["head_count"], 8);
    assert_eq!(made[0]["person_minutes"], 720);
    expect_status(
        decide(
            &app,
            &s.coordinator,
            &made[0],
            json!({"decision": "approve"}),
        )
        .await,
        200,
    )
    .await;
    let line = &report(&app, &s.coordinator, "volunteer").await["lines"][0];
    assert_eq!(line["key"], group.as_str());
    assert_eq!(line["label"], "Sanglaget");
    assert_eq!(line["minutes"], 90);
    assert_eq!(line["hours"], 1.5);
    assert_eq!(line["person_minutes"], 720);
    assert_eq!(line["person_hours"], 12.0);
}

#[tokio::test]
async fn erasing_a_volunteer_keeps_their_hours_in_the_report_and_forgets_what_was_written() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let logged = expect_status(
        app.post(
            "/api/v1/time-entries",
            &s.coordinator,
            &json!({"volunteer_id": kari, "occurred_on": days_ago(1), "minutes": 60,
                    "note": "Walked with Ingrid to the pharmacy."}),
        )
        .await,
        201,
    )
    .await;
    let revoked = expect_status(
        decide(
            &app,
            &s.coordinator,
            &logged,
            json!({"decision": "revoke", "reason": "Kari was ill that day, check the date."}),
        )
        .await,
        200,
    )
    .await;
    expect_status(
        decide(
            &app,
            &s.coordinator,
            &revoked,
            json!({"decision": "approve"}),
        )
        .await,
        200,
    )
    .await;
    let erased = app
        .delete(&format!("/api/v1/volunteers/{kari}"), &s.coordinator)
        .await;
    assert_eq!(erased.status(), 204);

    let kept = expect_status(
        app.get(
            &format!("/api/v1/time-entries/{}", id_of(&logged)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(kept["status"], "approved");
    assert_eq!(kept["minutes"], 60);
    assert_eq!(kept["note"], Value::Null);
    assert_eq!(kept["history"][1]["reason"], "(erased)");
    let line = &report(&app, &s.coordinator, "volunteer").await["lines"][0];
    assert_eq!(line["key"], kari.as_str());
    assert_eq!(line["label"], "(erased)");
    assert_eq!(line["minutes"], 60);
}

#[tokio::test]
async fn approving_asks_the_24_hour_rule_again_and_a_visit_that_did_not_happen_takes_its_time_back()
{
    let app = TestApp::spawn().await;
    let s = setup(&app, "1109").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let placement = place(&app, &s, json!({"volunteer_id": kari})).await;
    let visit = visit_tomorrow(&app, &s.coordinator, &placement, 90).await;
    let tomorrow = (today() + Days::new(1)).to_string();
    app.clock.advance(TimeDelta::days(2));
    // The whole day is logged already; the visit's entry is made all the same, but waits.
    expect_status(
        app.post(
            "/api/v1/time-entries",
            &s.coordinator,
            &json!({"volunteer_id": kari, "occurred_on": tomorrow, "minutes": 1400}),
        )
        .await,
        201,
    )
    .await;
    expect_status(complete(&app, &s.coordinator, &visit).await, 200).await;
    let pending = entries(
        &app,
        &s.coordinator,
        &format!("/api/v1/time-entries?placement_id={placement}"),
    )
    .await;
    assert_eq!(pending.len(), 1);
    let refused = expect_problem(
        decide(
            &app,
            &s.coordinator,
            &pending[0],
            json!({"decision": "approve"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&refused), ["minutes"]);

    // Time a volunteer logged ahead on a visit that then did not take place is declined.
    let second = id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/placements/{placement}/visits"),
                &s.coordinator,
                &json!({"date": app.clock.today().to_string(), "start_time": "23:00",
                        "duration_minutes": 60}),
            )
            .await,
            201,
        )
        .await,
    );
    let own = app.volunteer_login(&s, &kari).await;
    let logged = expect_status(
        app.post(
            "/api/v1/me/time-entries",
            &own,
            &json!({"visit_id": second, "note": "Will read aloud."}),
        )
        .await,
        201,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/visits/{second}/transitions"),
            &s.coordinator,
            &json!({"to": "cancelled", "reason": "The ward is closed for visits."}),
        )
        .await,
        200,
    )
    .await;
    let after = expect_status(
        app.get(
            &format!("/api/v1/time-entries/{}", id_of(&logged)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(after["status"], "declined", "{after}");
    assert_eq!(
        after["history"][1]["reason"], "the visit was marked cancelled",
        "{after}"
    );
}
