//! Follow-ups over HTTP: the municipality's plan makes them (intro after approval, review after
//! a new placement's first visit, periodic ones of volunteers and units) once each, the
//! assignee sees and closes them, `action_needed` opens a concern, overdue ones and volunteers
//! nobody has reached fill the work list, and the contact log keeps calls nobody answered.

use chrono::{Days, TimeDelta};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, TestApp, error_fields, expect_problem, expect_status, id_of, send, today,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

async fn plan(app: &TestApp) -> u64 {
    let admin = app.admin_token().await;
    let run = expect_status(
        app.post("/api/v1/jobs/plan_follow_ups/runs", &admin, &json!({}))
            .await,
        200,
    )
    .await;
    run["rows"].as_u64().unwrap_or(u64::MAX)
}

async fn follow_ups(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = expect_status(
        app.get(&format!("/api/v1/follow-ups?limit=200&{query}"), token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn work_items(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = expect_status(
        app.get(&format!("/api/v1/work-items?limit=200&{query}"), token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn account_of(app: &TestApp, token: &str) -> String {
    let me = expect_status(app.get("/api/v1/me", token).await, 200).await;
    id_of(&me)
}

async fn close(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.patch(&format!("/api/v1/follow-ups/{id}"), token, body)
        .await
}

#[tokio::test]
async fn approval_plans_the_intro_call_once_for_the_contact_person_and_done_starts_the_periodic_ones()
 {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4601").await;
    let randi = account_of(&app, &s.contact_token).await;
    let volunteer = app.approved_volunteer(&s, "Kari").create().await;

    assert_eq!(plan(&app).await, 1, "the intro, nothing else yet");
    assert_eq!(plan(&app).await, 0, "nothing twice");
    let listed = follow_ups(
        &app,
        &s.coordinator,
        &format!("subject=volunteer&subject_id={volunteer}"),
    )
    .await;
    assert_eq!(listed.len(), 1);
    let intro = &listed[0];
    assert_eq!(intro["purpose"], "intro");
    assert_eq!(intro["source"], "plan");
    assert_eq!(intro["status"], "scheduled");
    assert_eq!(intro["channel"], "phone");
    assert_eq!(
        intro["due_on"],
        (today() + Days::new(14)).to_string(),
        "intro_follow_up_days after approval"
    );
    assert_eq!(intro["assignee_id"], randi.as_str(), "the contact person");
    assert_eq!(intro["subject_name"], "Kari Frivillig");
    assert_eq!(intro["overdue"], false);

    // The contact person's own list.
    let mine = follow_ups(&app, &s.contact_token, "assignee=me").await;
    assert_eq!(mine.len(), 1);
    let id = id_of(intro);
    let done = expect_status(
        close(
            &app,
            &s.contact_token,
            &id,
            &json!({"status": "done", "outcome": "ok", "note": "Looking forward to starting."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["closed_by"], randi.as_str());
    assert_eq!(done["concern_id"], Value::Null);

    // With the intro held, the plan asks for the next call after the interval.
    assert_eq!(plan(&app).await, 1);
    let periodic = follow_ups(
        &app,
        &s.coordinator,
        &format!("subject=volunteer&subject_id={volunteer}&status=scheduled"),
    )
    .await;
    assert_eq!(periodic.len(), 1);
    assert_eq!(periodic[0]["purpose"], "periodic");
    assert_eq!(
        periodic[0]["due_on"],
        (today() + Days::new(90)).to_string(),
        "follow_up_interval_days after the last contact"
    );
    assert_eq!(plan(&app).await, 0);
}

#[tokio::test]
async fn an_overdue_follow_up_is_on_its_assignees_work_list_until_done_and_action_needed_opens_a_concern()
 {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4602").await;
    let randi = account_of(&app, &s.contact_token).await;
    let volunteer = app.approved_volunteer(&s, "Kari").create().await;
    plan(&app).await;

    app.clock.advance(TimeDelta::days(15));
    let overdue = |items: &[Value]| {
        items
            .iter()
            .filter(|i| i["kind"] == "follow_up_overdue")
            .cloned()
            .collect::<Vec<_>>()
    };
    let theirs = overdue(&work_items(&app, &s.coordinator, &format!("assignee={randi}")).await);
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["subject"], "volunteer");
    assert_eq!(theirs[0]["subject_id"], volunteer.as_str());
    assert_eq!(theirs[0]["assignee_id"], randi.as_str());
    assert_eq!(theirs[0]["name"], "Kari Frivillig");
    let follow_up = theirs[0]["related_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        overdue(&work_items(&app, &s.coordinator, "assignee=me").await).is_empty(),
        "not on the coordinator's own list"
    );
    let listed = follow_ups(&app, &s.contact_token, "assignee=me&overdue=true").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["overdue"], true);

    // A call nobody answered is logged; the follow-up stays.
    let missed = expect_status(
        app.post(
            "/api/v1/contact-log",
            &s.contact_token,
            &json!({"follow_up_id": follow_up, "occurred_at": app.clock.now(),
                    "counterpart": "the volunteer", "channel": "phone", "reached": false,
                    "note": "No answer."}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(missed["subject"], "volunteer");
    assert_eq!(missed["reached"], false);
    assert_eq!(
        overdue(&work_items(&app, &s.coordinator, &format!("assignee={randi}")).await).len(),
        1,
        "still to do"
    );

    // Done with action needed: off the list, and a concern opens for the same person.
    let done = expect_status(
        close(
            &app,
            &s.contact_token,
            &follow_up,
            &json!({"status": "done", "outcome": "action_needed",
                    "note": "Feels unsure on the ward; needs a talk with the head nurse."}),
        )
        .await,
        200,
    )
    .await;
    let concern = done["concern_id"].as_str().unwrap_or_default().to_owned();
    assert!(!concern.is_empty(), "{done}");
    assert!(
        overdue(&work_items(&app, &s.coordinator, "").await).is_empty(),
        "gone from the work list"
    );
    let opened = expect_status(
        app.get(&format!("/api/v1/follow-ups/{concern}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(opened["purpose"], "concern");
    assert_eq!(opened["source"], "outcome");
    assert_eq!(opened["raised_by_id"], follow_up.as_str());
    assert_eq!(opened["subject_id"], volunteer.as_str());
    assert_eq!(opened["assignee_id"], randi.as_str());
    assert_eq!(
        opened["due_on"],
        (app.clock.today() + Days::new(7)).to_string()
    );

    // A closed follow-up keeps all but its note.
    let closed = expect_problem(
        close(
            &app,
            &s.contact_token,
            &follow_up,
            &json!({"status": "missed"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(error_fields(&closed), ["status"]);
    expect_status(
        close(
            &app,
            &s.contact_token,
            &follow_up,
            &json!({"note": "Talked with the head nurse as well."}),
        )
        .await,
        200,
    )
    .await;

    // The contact log keeps the unanswered call, with its note for whoever logged it.
    let log = expect_status(
        app.get(
            &format!("/api/v1/contact-log?follow_up_id={follow_up}"),
            &s.contact_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(log["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(log["items"][0]["note"], "No answer.");
}

#[tokio::test]
async fn follow_ups_refuse_bad_input_and_keep_notes_and_other_municipalities_apart() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4603").await;
    let randi = account_of(&app, &s.contact_token).await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let other = setup(&app, "4604").await;
    let foreign = app.approved_volunteer(&other, "Per").create().await;

    let bad = expect_problem(
        app.post(
            "/api/v1/follow-ups",
            &s.coordinator,
            &json!({"subject": "volunteer", "subject_id": foreign, "purpose": "periodic",
                    "due_on": "2027-01-15", "assignee_id": other.coordinator_id}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&bad), ["subject_id"]);
    let bad = expect_problem(
        app.post(
            "/api/v1/follow-ups",
            &s.coordinator,
            &json!({"subject": "volunteer", "subject_id": kari, "purpose": "periodic",
                    "due_on": "2027-01-15", "assignee_id": other.coordinator_id}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&bad), ["assignee_id"]);
    let bad = expect_problem(
        app.post(
            "/api/v1/follow-ups",
            &s.coordinator,
            &json!({"subject": "planet", "subject_id": kari, "purpose": "periodic",
                    "due_on": "2027-01-15"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(bad["status"], 422);

    // Made by a coordinator, for the coordinator: the contact person does not see it at all
    // unless it is about a volunteer assigned to them, and then without the note.
    let unit_follow_up = expect_status(
        app.post(
            "/api/v1/follow-ups",
            &s.coordinator,
            &json!({"subject": "unit", "subject_id": s.unit, "purpose": "periodic",
                    "channel": "meeting", "due_on": "2027-01-15",
                    "assignee_id": s.coordinator_id, "note": "Staffing is thin in January."}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(unit_follow_up["subject_name"], "Solsiden sykehjem");
    assert_eq!(unit_follow_up["source"], "manual");
    let unit_id = id_of(&unit_follow_up);
    expect_problem(
        app.get(&format!("/api/v1/follow-ups/{unit_id}"), &s.contact_token)
            .await,
        404,
    )
    .await;
    let about_kari = expect_status(
        app.post(
            "/api/v1/follow-ups",
            &s.coordinator,
            &json!({"subject": "volunteer", "subject_id": kari, "purpose": "exit",
                    "due_on": "2027-01-20", "assignee_id": s.coordinator_id,
                    "note": "Moving away in February."}),
        )
        .await,
        201,
    )
    .await;
    let seen = expect_status(
        app.get(
            &format!("/api/v1/follow-ups/{}", id_of(&about_kari)),
            &s.contact_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(seen["note"], Value::Null, "the note is the assignee's");
    // Only coordinators and the assignee change it; only coordinators assign.
    expect_problem(
        close(
            &app,
            &s.contact_token,
            &id_of(&about_kari),
            &json!({"status": "cancelled"}),
        )
        .await,
        403,
    )
    .await;
    let reassigned = expect_status(
        close(
            &app,
            &s.coordinator,
            &id_of(&about_kari),
            &json!({"assignee_id": randi}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(reassigned["version"], 2);
    expect_problem(
        close(
            &app,
            &s.contact_token,
            &id_of(&about_kari),
            &json!({"assignee_id": null}),
        )
        .await,
        403,
    )
    .await;
    // Done needs an outcome; an outcome needs done; If-Match guards lost updates.
    let no_outcome = expect_problem(
        close(
            &app,
            &s.contact_token,
            &id_of(&about_kari),
            &json!({"status": "done"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&no_outcome), ["outcome"]);
    let stale = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/follow-ups/{}", id_of(&about_kari)),
            Some(&s.coordinator),
        )
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "cancelled"})),
    )
    .await;
    expect_problem(stale, 412).await;

    // Another municipality's follow-up is not found; volunteers keep out.
    let theirs = expect_status(
        app.post(
            "/api/v1/follow-ups",
            &other.coordinator,
            &json!({"subject": "volunteer", "subject_id": foreign, "purpose": "periodic",
                    "due_on": "2027-01-15"}),
        )
        .await,
        201,
    )
    .await;
    expect_problem(
        app.get(
            &format!("/api/v1/follow-ups/{}", id_of(&theirs)),
            &s.coordinator,
        )
        .await,
        404,
    )
    .await;
    assert!(
        follow_ups(&app, &s.coordinator, "")
            .await
            .iter()
            .all(|f| f["municipality_id"] == s.municipality.as_str())
    );
    let (_, volunteer_token) = app.user(Some(&s.municipality), "volunteer").await;
    expect_problem(app.get("/api/v1/follow-ups", &volunteer_token).await, 403).await;

    // The contact log refuses a contact in the future and one with nothing to be about.
    let future = expect_problem(
        app.post(
            "/api/v1/contact-log",
            &s.coordinator,
            &json!({"subject": "volunteer", "subject_id": kari,
                    "occurred_at": app.clock.now() + TimeDelta::days(2),
                    "counterpart": "the volunteer", "channel": "phone", "reached": true}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&future), ["occurred_at"]);
    let nothing = expect_problem(
        app.post(
            "/api/v1/contact-log",
            &s.coordinator,
            &json!({"occurred_at": app.clock.now(), "counterpart": "someone",
                    "channel": "phone", "reached": true, "duration_minutes": 0}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&nothing), ["duration_minutes"]);
    let nothing = expect_problem(
        app.post(
            "/api/v1/contact-log",
            &s.coordinator,
            &json!({"occurred_at": app.clock.now(), "counterpart": "someone",
                    "channel": "phone", "reached": true}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&nothing), ["follow_up_id"]);
}

#[tokio::test]
async fn a_placements_first_visit_is_reviewed_its_unit_followed_up_and_a_volunteer_nobody_reaches_is_listed()
 {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4605").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let placement = id_of(
        &expect_status(
            app.post(
                "/api/v1/placements",
                &s.coordinator,
                &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "activity",
                        "starts_on": today().to_string()}),
            )
            .await,
            201,
        )
        .await,
    );
    expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/transitions"),
            &s.coordinator,
            &json!({"to": "active", "reason": "introduced to the ward"}),
        )
        .await,
        200,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/visits"),
            &s.coordinator,
            &json!({"date": (today() + Days::new(2)).to_string(), "start_time": "10:00",
                    "duration_minutes": 60}),
        )
        .await,
        201,
    )
    .await;
    // Intro of the volunteer and the unit's periodic follow-up; no review before the visit.
    assert_eq!(plan(&app).await, 2);
    let unit = follow_ups(
        &app,
        &s.coordinator,
        &format!("subject=unit&subject_id={}", s.unit),
    )
    .await;
    assert_eq!(unit.len(), 1);
    assert_eq!(unit[0]["purpose"], "periodic");
    assert_eq!(
        unit[0]["assignee_id"],
        Value::Null,
        "nobody's until assigned"
    );
    assert_eq!(unit[0]["due_on"], (today() + Days::new(90)).to_string());

    app.clock.advance(TimeDelta::days(2));
    assert_eq!(
        plan(&app).await,
        1,
        "the review once the first visit's day came"
    );
    let review = follow_ups(
        &app,
        &s.coordinator,
        &format!("subject=placement&subject_id={placement}"),
    )
    .await;
    assert_eq!(review.len(), 1);
    assert_eq!(review[0]["purpose"], "first_visit_review");
    assert_eq!(
        review[0]["due_on"],
        (today() + Days::new(9)).to_string(),
        "first_visit_review_days after the visit"
    );
    assert_eq!(review[0]["assignee_id"], s.coordinator_id.as_str());
    assert_eq!(review[0]["subject_name"], "Ola Frivillig");
    assert_eq!(plan(&app).await, 0);

    // Sixty days without anyone reaching Ola: on the work list, until a call gets through.
    let no_contact = |items: Vec<Value>| {
        items
            .into_iter()
            .filter(|i| i["kind"] == "no_recent_contact")
            .collect::<Vec<_>>()
    };
    assert!(no_contact(work_items(&app, &s.coordinator, "").await).is_empty());
    app.clock.advance(TimeDelta::days(58));
    let listed = no_contact(work_items(&app, &s.coordinator, "").await);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["subject_id"], volunteer.as_str());
    assert_eq!(listed[0]["due_on"], (today() + Days::new(60)).to_string());
    expect_status(
        app.post(
            "/api/v1/contact-log",
            &s.coordinator,
            &json!({"subject": "volunteer", "subject_id": volunteer,
                    "occurred_at": app.clock.now() - TimeDelta::hours(1),
                    "counterpart": "the volunteer", "channel": "phone", "reached": true,
                    "duration_minutes": 15}),
        )
        .await,
        201,
    )
    .await;
    assert!(no_contact(work_items(&app, &s.coordinator, "").await).is_empty());
}

#[tokio::test]
async fn erasing_a_volunteer_forgets_their_follow_ups_contacts_and_the_notes_about_their_placements()
 {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4606").await;
    let volunteer = app.approved_volunteer(&s, "Ola").create().await;
    let placement = id_of(
        &expect_status(
            app.post(
                "/api/v1/placements",
                &s.coordinator,
                &json!({"volunteer_id": volunteer, "unit_id": s.unit, "activity_kind": "activity",
                        "starts_on": today().to_string()}),
            )
            .await,
            201,
        )
        .await,
    );
    let about_placement = expect_status(
        app.post(
            "/api/v1/follow-ups",
            &s.coordinator,
            &json!({"subject": "placement", "subject_id": placement, "purpose": "exit",
                    "due_on": today().to_string(), "note": "Ola finds the ward too noisy."}),
        )
        .await,
        201,
    )
    .await;
    expect_status(
        app.post(
            "/api/v1/contact-log",
            &s.coordinator,
            &json!({"subject": "volunteer", "subject_id": volunteer, "occurred_at": app.clock.now(),
                    "counterpart": "Ola", "channel": "phone", "reached": true,
                    "note": "Talked about his health."}),
        )
        .await,
        201,
    )
    .await;
    plan(&app).await;
    assert!(
        !follow_ups(
            &app,
            &s.coordinator,
            &format!("subject=volunteer&subject_id={volunteer}")
        )
        .await
        .is_empty()
    );

    let erased = app
        .delete(&format!("/api/v1/volunteers/{volunteer}"), &s.coordinator)
        .await;
    assert_eq!(erased.status(), 204);
    assert!(
        follow_ups(
            &app,
            &s.coordinator,
            &format!("subject=volunteer&subject_id={volunteer}")
        )
        .await
        .is_empty()
    );
    let log = expect_status(
        app.get(
            &format!("/api/v1/contact-log?subject=volunteer&subject_id={volunteer}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(log["items"], json!([]));
    let kept = expect_status(
        app.get(
            &format!("/api/v1/follow-ups/{}", id_of(&about_placement)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        kept["note"],
        Value::Null,
        "the note about the person is gone"
    );
    assert_eq!(kept["purpose"], "exit", "the follow-up itself stays");
}

#[tokio::test]
async fn the_plan_hands_follow_ups_on_with_the_contact_person_and_cancels_its_own_when_a_volunteer_pauses()
 {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4607").await;
    let volunteer = app.approved_volunteer(&s, "Kari").create().await;
    plan(&app).await;
    let intro = follow_ups(&app, &s.contact_token, "assignee=me").await;
    assert_eq!(intro.len(), 1);
    let intro = id_of(&intro[0]);

    // Kari gets another contact person, who has no login: the intro is nobody's now, and the
    // former contact person no longer reads it.
    let siv = id_of(
        &expect_status(
            app.post(
                "/api/v1/contact-persons",
                &s.coordinator,
                &json!({"kind": "staff", "name": "Siv"}),
            )
            .await,
            201,
        )
        .await,
    );
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{volunteer}"),
            &s.coordinator,
            &json!({"contact_person_id": siv}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(plan(&app).await, 1, "handed on");
    let moved = expect_status(
        app.get(&format!("/api/v1/follow-ups/{intro}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(moved["assignee_id"], Value::Null);
    expect_problem(
        app.get(&format!("/api/v1/follow-ups/{intro}"), &s.contact_token)
            .await,
        404,
    )
    .await;

    // Paused: the plan's follow-up of her is cancelled, and nothing new is planned.
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{volunteer}/transitions"),
            &s.coordinator,
            &json!({"to": "paused", "reason": "Away for the winter."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(plan(&app).await, 1, "cancelled");
    let cancelled = expect_status(
        app.get(&format!("/api/v1/follow-ups/{intro}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(plan(&app).await, 0);
}
