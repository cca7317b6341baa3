//! Personal data over HTTP: an export holds every kind of record made for a volunteer and
//! nothing of another, and is audited; reads of the full record and erasures are audited with
//! their request and outlive the erasure; retention warns in the work list and anonymises a
//! week later by the test clock, an extension keeps a volunteer, and `delete` removes the
//! record while its audit log stays; consents keep their history, and withdrawing a consent to
//! home visits stops them.

use chrono::{Days, TimeDelta};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, Subject, TestApp, days_ago, error_fields, expect_problem, expect_status,
    id_of, local_today, police_certificate, send, today,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

async fn export(app: &TestApp, token: &str, path: &str) -> (String, Value) {
    let response = app.get(path, token).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let text = response.text().await.unwrap_or_default();
    let document: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (text, document)
}

async fn audit_log(app: &TestApp, token: &str, volunteer: &str) -> Vec<Value> {
    let page = expect_status(
        app.get(
            &format!("/api/v1/volunteers/{volunteer}/audit-log?limit=200"),
            token,
        )
        .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

fn entries<'a>(log: &'a [Value], action: &str, resource: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["action"] == action && e["resource"] == resource)
        .collect()
}

/// Gives `volunteer` a placement at the set-up's unit with a visit yesterday, completed (so an
/// hours entry), a follow-up with a contact logged, a consent, a dog, a police certificate and
/// a training credential.
async fn full_history(app: &TestApp, s: &MunicipalitySetup, volunteer: &str) {
    let c = &s.coordinator;
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{volunteer}/police-certificates"),
            c,
            &police_certificate("politiattest", &days_ago(20), &days_ago(5)),
        )
        .await,
        201,
    )
    .await;
    let placement = id_of(
        &expect_status(
            app.post(
                "/api/v1/placements",
                c,
                &json!({"volunteer_id": volunteer, "unit_id": s.unit,
                        "activity_kind": "companionship", "starts_on": days_ago(3)}),
            )
            .await,
            201,
        )
        .await,
    );
    let visit = id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/placements/{placement}/visits"),
                c,
                &json!({"date": days_ago(1), "start_time": "10:00", "duration_minutes": 60}),
            )
            .await,
            201,
        )
        .await,
    );
    expect_status(
        app.post(
            &format!("/api/v1/visits/{visit}/transitions"),
            c,
            &json!({"to": "completed"}),
        )
        .await,
        200,
    )
    .await;
    let follow_up = id_of(
        &expect_status(
            app.post(
                "/api/v1/follow-ups",
                c,
                &json!({"subject": "volunteer", "subject_id": volunteer, "purpose": "periodic",
                        "due_on": (today() + Days::new(20)).to_string(),
                        "assignee_id": s.coordinator_id}),
            )
            .await,
            201,
        )
        .await,
    );
    expect_status(
        app.post(
            "/api/v1/contact-log",
            c,
            &json!({"follow_up_id": follow_up, "occurred_at": app.clock.now(),
                    "counterpart": "the volunteer", "channel": "phone", "reached": true,
                    "note": "Glad i besøkene."}),
        )
        .await,
        201,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{volunteer}/consents"),
            c,
            &json!({"purpose": "photos_at_events", "text_version": "foto-2026-1",
                    "given_on": days_ago(2), "given_by": "self"}),
        )
        .await,
        201,
    )
    .await;
    expect_status(
        app.post(
            "/api/v1/dogs",
            c,
            &json!({"handler_id": volunteer, "name": "Luna", "breed": "Golden retriever",
                    "birth_date": "2021-04-01"}),
        )
        .await,
        201,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{volunteer}/training-credentials"),
            c,
            &json!({"training": "dementia_basics", "completed_on": days_ago(4)}),
        )
        .await,
        201,
    )
    .await;
}

#[tokio::test]
async fn an_export_holds_every_kind_of_record_of_the_volunteer_and_nothing_of_another() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    full_history(&app, &s, &kari).await;
    full_history(&app, &s, &ola).await;
    // A read of the full record, and an extension, so that both are in the export.
    expect_status(
        app.get(&format!("/api/v1/volunteers/{kari}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{kari}/retention-extensions"),
            &s.coordinator,
            &json!({"until": (today() + Days::new(400)).to_string(),
                    "reason": "Saken er ikke avsluttet."}),
        )
        .await,
        201,
    )
    .await;

    let (text, document) = export(
        &app,
        &s.coordinator,
        &format!("/api/v1/volunteers/{kari}/export"),
    )
    .await;
    assert_eq!(document["format"], "samspill.volunteer-export.v1");
    assert_eq!(document["volunteer_id"], kari.as_str());
    let sections = document["sections"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for name in [
        "profile",
        "status_history",
        "screenings",
        "declarations",
        "police_certificate_checks",
        "dogs",
        "placements",
        "placement_history",
        "visits",
        "time_entries",
        "time_entry_history",
        "follow_ups",
        "contact_log",
        "training_credentials",
        "consents",
        "retention_extensions",
        "audit_log",
    ] {
        let rows = sections
            .get(name)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert!(rows > 0, "section {name} is empty: {text}");
    }
    assert_eq!(sections["profile"][0]["given_name"], "Kari");
    assert_eq!(sections["contact_log"][0]["note"], "Glad i besøkene.");
    // The certificate is only its check: nothing beyond what is stored.
    let check = &sections["police_certificate_checks"][0];
    assert_eq!(check["outcome"], "no_remarks");
    assert!(check.get("remarks").is_none() && check.get("document").is_none());
    // Nothing of Ola: not his id, not his name.
    assert!(!text.contains(&ola), "Ola's id is in Kari's export");
    assert!(!text.contains("Ola@example.no"));

    // The export is in the audit log with the request that made it; so is the read.
    let log = audit_log(&app, &s.coordinator, &kari).await;
    let exported = entries(&log, "export", "volunteer");
    assert_eq!(exported.len(), 1, "{log:?}");
    assert_eq!(exported[0]["actor_id"], s.coordinator_id.as_str());
    assert!(exported[0]["request_id"].is_string());
    assert_eq!(entries(&log, "read", "volunteer").len(), 1, "{log:?}");

    // Kari exports her own data; she cannot export Ola's.
    let kari_login = app.volunteer_login(&s, &kari).await;
    let (_, own) = export(&app, &kari_login, "/api/v1/me/export").await;
    assert_eq!(own["volunteer_id"], kari.as_str());
    assert_eq!(own["sections"]["visits"], document["sections"]["visits"]);
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{ola}/export"), &kari_login)
            .await,
        403,
    )
    .await;
    // Another municipality's coordinator finds no such volunteer.
    let other = setup(&app, "0301").await;
    expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{kari}/export"),
            &other.coordinator,
        )
        .await,
        404,
    )
    .await;
    let log = audit_log(&app, &s.coordinator, &kari).await;
    assert_eq!(entries(&log, "export", "volunteer").len(), 2);
}

#[tokio::test]
async fn an_erasure_is_audited_and_the_audit_log_outlives_it() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let read = app
        .get(&format!("/api/v1/volunteers/{kari}"), &s.coordinator)
        .await;
    let request_id = read
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    let version = expect_status(read, 200).await["version"].clone();
    let erased = send(
        app.request(
            Method::DELETE,
            &format!("/api/v1/volunteers/{kari}"),
            Some(&s.coordinator),
        )
        .header("if-match", format!("\"{version}\"")),
    )
    .await;
    assert_eq!(erased.status().as_u16(), 204);
    let log = audit_log(&app, &s.coordinator, &kari).await;
    let reads = entries(&log, "read", "volunteer");
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["request_id"], request_id.as_str());
    assert_eq!(entries(&log, "erase", "volunteer").len(), 1, "{log:?}");
    // The entries hold ids only.
    let text = serde_json::to_string(&log).unwrap_or_default();
    assert!(!text.contains("Kari"));
    // Gone from lookups, and from exports.
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{kari}/export"), &s.coordinator)
            .await,
        404,
    )
    .await;
}

async fn put_policy(app: &TestApp, token: &str, category: &str, body: Value) -> Value {
    expect_status(
        send(
            app.request(
                Method::PUT,
                &format!("/api/v1/retention-policies/{category}"),
                Some(token),
            )
            .json(&body),
        )
        .await,
        200,
    )
    .await
}

async fn retention_items(app: &TestApp, token: &str) -> Vec<Value> {
    let page = expect_status(
        app.get("/api/v1/work-items?kind=retention_due&limit=200", token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn ended(app: &TestApp, s: &MunicipalitySetup, name: &str) -> String {
    let made = app
        .create_volunteer(
            &s.coordinator,
            &json!({"given_name": name, "family_name": "Frivillig",
                    "email": format!("{name}@example.no")}),
        )
        .await;
    let id = id_of(&made);
    expect_status(
        app.transition(&s.coordinator, Subject::Volunteer(&id), "withdrawn")
            .await,
        200,
    )
    .await;
    id
}

#[tokio::test]
async fn an_ended_volunteer_is_warned_a_week_ahead_then_anonymised_unless_kept_longer() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let ola = ended(&app, &s, "Ola").await;
    let kari = ended(&app, &s, "Kari").await;
    let active = app.approved_volunteer(&s, "Per").create().await;
    assert!(retention_items(&app, &s.coordinator).await.is_empty());

    let policy = put_policy(
        &app,
        &s.coordinator,
        "ended_volunteers",
        json!({"months": 0, "action": "anonymise", "warn_days": 7}),
    )
    .await;
    assert_eq!(policy["version"], 1);
    // Replacing it needs its version.
    let stale = send(
        app.request(
            Method::PUT,
            "/api/v1/retention-policies/ended_volunteers",
            Some(&s.coordinator),
        )
        .header("if-match", "\"7\"")
        .json(&json!({"months": 0, "action": "anonymise", "warn_days": 7})),
    )
    .await;
    expect_problem(stale, 412).await;

    // Both ended volunteers are on the work list, due a week from now; Per is not.
    app.run_job("apply_retention").await;
    let warned = retention_items(&app, &s.coordinator).await;
    let ids: Vec<&str> = warned
        .iter()
        .filter_map(|i| i["subject_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{warned:?}");
    assert!(ids.contains(&ola.as_str()) && ids.contains(&kari.as_str()));
    assert!(!ids.contains(&active.as_str()));
    let week = (local_today() + Days::new(7)).to_string();
    assert!(
        warned.iter().all(|i| i["due_on"] == week.as_str()),
        "{warned:?}"
    );

    // The dry run a week ahead names both; today, nobody.
    let dry = expect_status(
        app.get(&format!("/api/v1/retention/due?on={week}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(dry["items"].as_array().map_or(0, Vec::len), 2, "{dry}");
    assert_eq!(dry["items"][0]["action"], "anonymise");
    let now = expect_status(app.get("/api/v1/retention/due", &s.coordinator).await, 200).await;
    assert_eq!(now["items"].as_array().map_or(9, Vec::len), 0, "{now}");

    // Kari is kept for a year, with a reason.
    let until = (local_today() + Days::new(365)).to_string();
    let kept = expect_status(
        app.post(
            &format!("/api/v1/volunteers/{kari}/retention-extensions"),
            &s.coordinator,
            &json!({"until": until, "reason": "Arkivplikt: saken er ikke avsluttet."}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(kept["extended_by"], s.coordinator_id.as_str());

    // Six days on: nothing yet.
    app.clock.advance(TimeDelta::days(6));
    app.run_job("apply_retention").await;
    expect_status(
        app.get(&format!("/api/v1/volunteers/{ola}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    // The seventh day: Ola is anonymised, Kari kept.
    app.clock.advance(TimeDelta::days(1));
    app.run_job("apply_retention").await;
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{ola}"), &s.coordinator)
            .await,
        404,
    )
    .await;
    let history = expect_status(
        app.get(&format!("/api/v1/volunteers/{ola}/history"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert!(history.to_string().contains("erased"), "{history}");
    let log = audit_log(&app, &s.coordinator, &ola).await;
    let anonymised = entries(&log, "anonymise", "volunteer");
    assert_eq!(anonymised.len(), 1, "{log:?}");
    assert_eq!(anonymised[0]["actor_kind"], "scheduler");
    let kari_now = expect_status(
        app.get(&format!("/api/v1/volunteers/{kari}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(kari_now["given_name"], "Kari");
    let status = expect_status(
        app.get(
            &format!("/api/v1/volunteers/{kari}/retention"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(status["category"], "ended_volunteers");
    assert_eq!(
        status["due_on"],
        (local_today() + Days::new(366)).to_string().as_str()
    );
    assert_eq!(
        status["extensions"][0]["reason"],
        "Arkivplikt: saken er ikke avsluttet."
    );
    // Nobody left on the work list: Ola is gone, Kari kept beyond the warning.
    assert!(retention_items(&app, &s.coordinator).await.is_empty());

    // Bad input names the field.
    let bad = send(
        app.request(
            Method::PUT,
            "/api/v1/retention-policies/rejected_applications",
            Some(&s.coordinator),
        )
        .json(&json!({"months": 999, "action": "anonymise", "warn_days": 400})),
    )
    .await;
    let problem = expect_problem(bad, 422).await;
    assert_eq!(error_fields(&problem), ["months", "warn_days"]);
    let past = app
        .post(
            &format!("/api/v1/volunteers/{kari}/retention-extensions"),
            &s.coordinator,
            &json!({"until": days_ago(1), "reason": ""}),
        )
        .await;
    let problem = expect_problem(past, 422).await;
    assert_eq!(error_fields(&problem), ["until", "reason"]);
    expect_problem(
        send(
            app.request(
                Method::PUT,
                "/api/v1/retention-policies/everything",
                Some(&s.coordinator),
            )
            .json(&json!({"months": 1, "action": "delete"})),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_delete_policy_removes_the_record_and_its_placements_and_keeps_the_audit_log() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    full_history(&app, &s, &kari).await;
    full_history(&app, &s, &ola).await;
    // Kari ends; her placements end with her.
    let placements = expect_status(
        app.get(
            &format!("/api/v1/placements?volunteer_id={kari}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    for placement in placements["items"].as_array().cloned().unwrap_or_default() {
        expect_status(
            app.post(
                &format!("/api/v1/placements/{}/transitions", id_of(&placement)),
                &s.coordinator,
                &json!({"to": "ended", "reason": "Flytter"}),
            )
            .await,
            200,
        )
        .await;
    }
    expect_status(
        app.transition(&s.coordinator, Subject::Volunteer(&kari), "withdrawn")
            .await,
        200,
    )
    .await;
    put_policy(
        &app,
        &s.coordinator,
        "ended_volunteers",
        json!({"months": 0, "action": "delete", "warn_days": 0}),
    )
    .await;
    // Noticed on the first run, acted on by the next.
    app.run_job("apply_retention").await;
    app.run_job("apply_retention").await;
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{kari}"), &s.coordinator)
            .await,
        404,
    )
    .await;
    let left = expect_status(
        app.get(
            &format!("/api/v1/time-entries?volunteer_id={kari}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(left["items"].as_array().map_or(9, Vec::len), 0, "{left}");
    // Ola's records are all there.
    let (_, ola_export) = export(
        &app,
        &s.coordinator,
        &format!("/api/v1/volunteers/{ola}/export"),
    )
    .await;
    assert_eq!(
        ola_export["sections"]["time_entries"]
            .as_array()
            .map_or(0, Vec::len),
        1
    );
    // Her audit log is still read by her id: the deletion, by the schedule, is its last line.
    let log = audit_log(&app, &s.coordinator, &kari).await;
    assert_eq!(entries(&log, "anonymise", "volunteer").len(), 1, "{log:?}");
    let deleted = entries(&log, "delete", "volunteer");
    assert_eq!(deleted.len(), 1, "{log:?}");
    assert_eq!(deleted[0]["actor_kind"], "scheduler");
    assert_eq!(log.last(), Some(deleted[0]));
    // Not by another municipality.
    let other = setup(&app, "0301").await;
    expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{kari}/audit-log"),
            &other.coordinator,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn consents_keep_their_history_and_withdrawing_home_visits_stops_them() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let path = format!("/api/v1/volunteers/{kari}/consents");
    let given = expect_status(
        app.post(
            &path,
            &s.coordinator,
            &json!({"purpose": "photos_at_events", "text_version": "foto-2026-1",
                    "given_on": days_ago(10), "given_by": "self"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(given["in_force"], true);
    // One in force per purpose.
    let again = app
        .post(
            &path,
            &s.coordinator,
            &json!({"purpose": "photos_at_events", "text_version": "foto-2026-2",
                    "given_on": days_ago(1), "given_by": "self"}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(again, 409).await), ["purpose"]);
    // Withdrawn with If-Match; a second withdrawal is 409; a new consent is then taken.
    let withdraw = |id: String, version: Value| {
        let app = &app;
        let token = s.coordinator.clone();
        async move {
            send(
                app.request(
                    Method::POST,
                    &format!("/api/v1/consents/{id}/withdrawal"),
                    Some(&token),
                )
                .header("if-match", format!("\"{version}\""))
                .json(&json!({"withdrawn_on": days_ago(1), "withdrawn_by": "self"})),
            )
            .await
        }
    };
    let withdrawn =
        expect_status(withdraw(id_of(&given), given["version"].clone()).await, 200).await;
    assert_eq!(withdrawn["in_force"], false);
    assert_eq!(withdrawn["withdrawn_on"], days_ago(1).as_str());
    expect_problem(
        withdraw(id_of(&given), withdrawn["version"].clone()).await,
        409,
    )
    .await;
    expect_status(
        app.post(
            &path,
            &s.coordinator,
            &json!({"purpose": "photos_at_events", "text_version": "foto-2026-2",
                    "given_on": days_ago(0), "given_by": "representative",
                    "representative": "Nils Hansen"}),
        )
        .await,
        201,
    )
    .await;
    let history = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    let items = history["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["in_force"], false);
    assert_eq!(items[1]["representative"], "Nils Hansen");

    // Bad input names the fields.
    let bad = app
        .post(
            &path,
            &s.coordinator,
            &json!({"purpose": "home_visits", "text_version": " ",
                    "given_on": (today() + Days::new(3)).to_string(), "given_by": "representative"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(bad, 422).await),
        ["purpose", "text_version", "given_on", "representative"]
    );

    // A person visited at home: their consent to visits is recorded with them; withdrawing
    // it makes them inactive and suspends the placement with them.
    let recipient = id_of(
        &expect_status(
            app.post(
                "/api/v1/recipients",
                &s.coordinator,
                &json!({"display_name": "Ingrid H.", "address": "Storgata 12, 0155 Oslo",
                        "responsible_unit_id": s.unit, "consent_given_by": "recipient",
                        "consent_given_on": days_ago(5)}),
            )
            .await,
            201,
        )
        .await,
    );
    let placement = id_of(
        &expect_status(
            app.post(
                "/api/v1/placements",
                &s.coordinator,
                &json!({"volunteer_id": kari, "recipient_id": recipient,
                        "activity_kind": "companionship", "starts_on": today().to_string()}),
            )
            .await,
            201,
        )
        .await,
    );
    let consents = expect_status(
        app.get(
            &format!("/api/v1/recipients/{recipient}/consents"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let visits = &consents["items"][0];
    assert_eq!(visits["purpose"], "home_visits");
    assert_eq!(visits["given_by"], "self");
    assert_eq!(visits["given_on"], days_ago(5).as_str());
    expect_status(
        withdraw(id_of(visits), visits["version"].clone()).await,
        200,
    )
    .await;
    let person = expect_status(
        app.get(&format!("/api/v1/recipients/{recipient}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(person["active"], false);
    let placed = expect_status(
        app.get(&format!("/api/v1/placements/{placement}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(placed["status"], "suspended");
    // Made active again only with a new consent.
    let reactivate = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/recipients/{recipient}"),
            Some(&s.coordinator),
        )
        .header("if-match", format!("\"{}\"", person["version"]))
        .json(&json!({"active": true})),
    )
    .await;
    assert_eq!(
        error_fields(&expect_problem(reactivate, 422).await),
        ["active"]
    );
}

async fn csv(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let response = send(
        app.request(Method::GET, path, Some(token))
            .header("accept", "text/csv"),
    )
    .await;
    let status = response.status().as_u16();
    if status == 200 {
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/csv; charset=utf-8")
        );
    }
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn csv_exports_hold_every_selected_row_in_either_dialect_and_are_audited() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    full_history(&app, &s, &kari).await;
    app.create_volunteer(
        &s.coordinator,
        &json!({"given_name": "Ingrid", "family_name": "Berg, jr.", "email": "ingrid@example.no"}),
    )
    .await;
    app.create_volunteer(
        &s.coordinator,
        &json!({"given_name": "=HYPERLINK(\"x\")", "family_name": "Hansen", "phone": "912 34 567"}),
    )
    .await;

    // RFC 4180 by default: a header and one line per volunteer, more than a page would hold.
    let (status, text) = csv(&app, &s.coordinator, "/api/v1/volunteers?limit=1").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("id,status,given_name,family_name,email"));
    assert!(text.contains("\"Berg, jr.\""), "{text}");
    assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
    // The filters apply.
    let (_, approved) = csv(&app, &s.coordinator, "/api/v1/volunteers?status=approved").await;
    assert_eq!(approved.split("\r\n").filter(|l| !l.is_empty()).count(), 2);
    // Nordic spreadsheets: a byte order mark and `;`.
    let (_, excel) = csv(&app, &s.coordinator, "/api/v1/volunteers?dialect=excel").await;
    assert!(
        excel.starts_with("\u{feff}id;status;given_name;"),
        "{excel}"
    );
    assert!(excel.contains(";Berg, jr.;"), "{excel}");

    for (path, rows) in [
        ("/api/v1/placements", 1),
        (
            &format!("/api/v1/visits?from={}&to={}", days_ago(7), days_ago(0)) as &str,
            1,
        ),
        ("/api/v1/time-entries", 1),
    ] {
        let (status, text) = csv(&app, &s.coordinator, path).await;
        assert_eq!(status, 200, "{path}: {text}");
        assert_eq!(
            text.split("\r\n").filter(|l| !l.is_empty()).count(),
            rows + 1,
            "{path}: {text}"
        );
        assert!(
            path.starts_with("/api/v1/visits") || text.contains(&kari),
            "{path}: {text}"
        );
    }

    // Every export is in the municipality's audit log, naming no volunteer.
    let log = expect_status(
        app.get("/api/v1/audit-log?action=export", &s.coordinator)
            .await,
        200,
    )
    .await;
    let resources: Vec<&str> = log["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["resource"].as_str())
        .collect();
    assert_eq!(
        resources,
        [
            "volunteer_list",
            "volunteer_list",
            "volunteer_list",
            "placement_list",
            "visit_list",
            "time_entry_list"
        ]
    );
    assert!(log["items"][0]["volunteer_id"].is_null());

    // Contact persons get no CSV; an administrator names the municipality.
    let (status, _) = csv(&app, &s.contact_token, "/api/v1/volunteers").await;
    assert_eq!(status, 403);
    let admin = app.admin_token().await;
    let (status, text) = csv(&app, &admin, "/api/v1/volunteers").await;
    assert_eq!(status, 422, "{text}");
    let (status, _) = csv(
        &app,
        &admin,
        &format!("/api/v1/volunteers?municipality_id={}", s.municipality),
    )
    .await;
    assert_eq!(status, 200);
    // Bad dialects are refused naming the parameter.
    let bad = send(
        app.request(
            Method::GET,
            "/api/v1/volunteers?dialect=lotus",
            Some(&s.coordinator),
        )
        .header("accept", "text/csv"),
    )
    .await;
    expect_problem(bad, 400).await;
}

async fn import(app: &TestApp, token: &str, mode: &str, file: &str) -> reqwest::Response {
    send(
        app.request(
            Method::POST,
            &format!("/api/v1/imports/volunteers?mode={mode}"),
            Some(token),
        )
        .header("content-type", "text/csv")
        .body(file.to_owned()),
    )
    .await
}

async fn volunteer_count(app: &TestApp, s: &MunicipalitySetup) -> usize {
    let (_, text) = csv(app, &s.coordinator, "/api/v1/volunteers").await;
    text.split("\r\n").filter(|l| !l.is_empty()).count() - 1
}

#[tokio::test]
async fn a_thousand_row_semicolon_file_with_a_bom_and_three_bad_rows_imports_997_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let mut file =
        String::from("\u{feff}Fornavn;Etternavn;E-post;Mobil;Postnr;Aktiviteter;Skostørrelse\r\n");
    for n in 1..=1000 {
        let line = match n {
            10 => "Kari;Nordmann;ikke-en-epost;;0150;companionship;38".to_owned(),
            500 => ";Hansen;uten.fornavn@example.no;;0150;companionship;41".to_owned(),
            900 => "Per;Olsen;per.olsen@example.no;;0150;paragliding;44".to_owned(),
            _ => format!("Frivillig {n};Nordmann;frivillig{n}@example.no;;0150;companionship;40"),
        };
        file.push_str(&line);
        file.push_str("\r\n");
    }

    let dry = expect_status(import(&app, &s.coordinator, "dry_run", &file).await, 201).await;
    assert_eq!(dry["status"], "validated");
    assert_eq!(dry["separator"], ";");
    assert_eq!(dry["bom"], true);
    assert_eq!(dry["ignored_columns"], json!(["Skostørrelse"]));
    assert_eq!(
        dry["counts"],
        json!({"rows": 1000, "create": 997, "update": 0, "skip": 0, "error": 3})
    );
    let failed = expect_status(
        app.get(
            &format!("/api/v1/imports/{}/rows?action=error", id_of(&dry)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let reported: Vec<(i64, String)> = failed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["line"].as_i64().unwrap_or_default(),
                r["errors"][0]["field"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        reported,
        [
            (11, "email".to_owned()),
            (501, "given_name".to_owned()),
            (901, "activity_kinds[0]".to_owned())
        ]
    );
    assert_eq!(volunteer_count(&app, &s).await, 0);

    // All-or-nothing (the default): one bad row keeps every row out.
    let refused = expect_status(import(&app, &s.coordinator, "commit", &file).await, 201).await;
    assert_eq!(refused["status"], "rejected");
    assert_eq!(volunteer_count(&app, &s).await, 0);

    // Valid rows: 997 are written, once.
    expect_status(
        app.patch(
            &format!("/api/v1/municipalities/{}", s.municipality),
            &app.admin_token().await,
            &json!({"settings": {"import_all_or_nothing": 0}}),
        )
        .await,
        200,
    )
    .await;
    let committed = expect_status(import(&app, &s.coordinator, "commit", &file).await, 201).await;
    assert_eq!(committed["status"], "committed");
    assert_eq!(committed["counts"]["create"], 997);
    assert_eq!(volunteer_count(&app, &s).await, 997);
    let again = expect_status(import(&app, &s.coordinator, "commit", &file).await, 200).await;
    assert_eq!(again["repeated"], true);
    assert_eq!(again["id"], committed["id"]);
    assert_eq!(volunteer_count(&app, &s).await, 997);

    // The failed rows come back in the file's own form, with what is wrong.
    let response = app
        .get(
            &format!("/api/v1/imports/{}/errors.csv", id_of(&committed)),
            &s.coordinator,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let errors = response.text().await.unwrap_or_default();
    let lines: Vec<&str> = errors.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{errors}");
    assert!(lines[0].starts_with("\u{feff}Fornavn;Etternavn;"));
    assert!(lines[0].ends_with(";errors"));
    assert!(
        lines[1].starts_with("Kari;Nordmann;ikke-en-epost;"),
        "{errors}"
    );
    assert!(
        lines[3].contains("activity_kinds[0]: paragliding"),
        "{errors}"
    );

    // Fixed and sent again (the errors column is read past): the three are created; a changed
    // row updates, an unchanged one is skipped.
    let fixed = errors
        .replace("ikke-en-epost", "kari.nordmann@example.no")
        .replace(";Hansen;uten", "Anne;Hansen;uten")
        .replace("paragliding", "companionship");
    let second = expect_status(import(&app, &s.coordinator, "commit", &fixed).await, 201).await;
    assert_eq!(second["counts"]["create"], 3, "{second}");
    assert_eq!(second["ignored_columns"], json!(["Skostørrelse", "errors"]));
    assert_eq!(volunteer_count(&app, &s).await, 1000);
    let update = "given_name,family_name,email,city\r\n\
                  Frivillig 1,Nordmann,frivillig1@example.no,Bergen\r\n\
                  Frivillig 2,Nordmann,FRIVILLIG2@example.no,\r\n";
    let changed = expect_status(import(&app, &s.coordinator, "commit", update).await, 201).await;
    assert_eq!(changed["separator"], ",");
    assert_eq!(
        changed["counts"],
        json!({"rows": 2, "create": 0, "update": 1, "skip": 1, "error": 0})
    );
    assert_eq!(volunteer_count(&app, &s).await, 1000);

    // Lines are the file's own, with `\n` line ends and blank lines; two rows about one
    // volunteer (by email, then by the reference the first gave) make the second an error.
    let plain = "given_name,family_name,email,external_reference\n\n\
                 Frivillig 3,Nordmann,frivillig3@example.no,HR-3\n\
                 Ny,Person,ikke-epost\n\
                 Frivillig 3,Nordmann,annen@example.no,HR-3\n";
    let checked = expect_status(import(&app, &s.coordinator, "dry_run", plain).await, 201).await;
    let rows = expect_status(
        app.get(
            &format!("/api/v1/imports/{}/rows", id_of(&checked)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let summary: Vec<(i64, &str, &str)> = rows["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["line"].as_i64().unwrap_or_default(),
                r["action"].as_str().unwrap_or_default(),
                r["errors"][0]["code"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (3, "update", ""),
            (4, "error", "wrong_field_count"),
            (5, "error", "duplicate_in_file")
        ]
    );

    // Certificate data is never imported; the file is refused naming the column.
    let certificates =
        "fornavn;etternavn;epost;Politiattest utstedt\r\nKari;Berg;k@example.no;2026-01-01\r\n";
    let problem = expect_problem(
        import(&app, &s.coordinator, "dry_run", certificates).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["columns[3]"]);
    // Not UTF-8, and not a contact person's to do.
    let latin1 = send(
        app.request(
            Method::POST,
            "/api/v1/imports/volunteers?mode=dry_run",
            Some(&s.coordinator),
        )
        .header("content-type", "text/csv")
        .body(b"fornavn;etternavn;epost\r\nS\xF8ren;Berg;s@example.no\r\n".to_vec()),
    )
    .await;
    assert_eq!(error_fields(&expect_problem(latin1, 422).await), ["file"]);
    expect_problem(import(&app, &s.contact_token, "dry_run", update).await, 403).await;
}

#[tokio::test]
async fn hours_and_contact_notes_past_their_period_go_only_after_the_warning() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    full_history(&app, &s, &kari).await;
    put_policy(
        &app,
        &s.coordinator,
        "time_entries",
        json!({"months": 0, "action": "delete", "warn_days": 7}),
    )
    .await;
    put_policy(
        &app,
        &s.coordinator,
        "contact_log_notes",
        json!({"months": 0, "action": "anonymise", "warn_days": 7}),
    )
    .await;
    let week = (local_today() + Days::new(7)).to_string();
    let dry = expect_status(
        app.get(&format!("/api/v1/retention/due?on={week}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    let bulk = dry["bulk"].as_array().cloned().unwrap_or_default();
    assert_eq!(bulk.len(), 2, "{dry}");
    assert!(
        bulk.iter()
            .all(|b| b["rows"] == 1 && b["acts_from"] == week.as_str()),
        "{dry}"
    );
    let path = format!("/api/v1/time-entries?volunteer_id={kari}");
    let entries = || async {
        let page = expect_status(app.get(&path, &s.coordinator).await, 200).await;
        page["items"].as_array().map_or(0, Vec::len)
    };
    app.run_job("apply_retention").await;
    assert_eq!(entries().await, 1);
    app.clock.advance(TimeDelta::days(7));
    app.run_job("apply_retention").await;
    assert_eq!(entries().await, 0);
    let (_, document) = export(
        &app,
        &s.coordinator,
        &format!("/api/v1/volunteers/{kari}/export"),
    )
    .await;
    assert!(
        document["sections"]["contact_log"][0]["note"].is_null(),
        "{document}"
    );
    assert_eq!(document["sections"]["contact_log"][0]["reached"], true);
}
