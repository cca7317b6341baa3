//! Events over HTTP: a theme training with two sessions grants a training credential to those
//! who attended both, which a requirement rule asks for, which clearance reports as met,
//! expiring soon and expired, and which the work list shows running out; a full event puts the
//! next yes on the waiting list and moves it up when someone declines; invitees see only their
//! own invitations; bad input is refused naming the field.

use chrono::{Days, Months, NaiveDate, TimeDelta};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, Subject, TestApp, error_fields, expect_problem, expect_status, id_of,
    requirement, send, today,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person("Randi")
        .build()
        .await
}

/// `days` from today at 16:00 UTC.
fn at_four(days: u64) -> String {
    format!("{}T16:00:00Z", today() + Days::new(days))
}

fn at_seven(days: u64) -> String {
    format!("{}T19:00:00Z", today() + Days::new(days))
}

async fn with_version(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    version: &Value,
    body: &Value,
) -> reqwest::Response {
    send(
        app.request(method, path, Some(token))
            .header("if-match", format!("\"{version}\""))
            .json(body),
    )
    .await
}

async fn transition(app: &TestApp, token: &str, event: &Value, to: &str) -> reqwest::Response {
    with_version(
        app,
        Method::POST,
        &format!("/api/v1/events/{}/transitions", id_of(event)),
        token,
        &event["version"],
        &json!({"to": to}),
    )
    .await
}

async fn invitations(app: &TestApp, token: &str, event: &str, query: &str) -> Vec<Value> {
    let page = expect_status(
        app.get(&format!("/api/v1/events/{event}/invitations{query}"), token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

fn invitation_of<'a>(all: &'a [Value], volunteer: &str) -> &'a Value {
    all.iter()
        .find(|i| i["volunteer_id"] == volunteer)
        .unwrap_or(&Value::Null)
}

async fn answer_for(
    app: &TestApp,
    token: &str,
    event: &str,
    invitation: &Value,
    answer: &str,
) -> Value {
    expect_status(
        app.post(
            &format!(
                "/api/v1/events/{event}/invitations/{}/answer",
                id_of(invitation)
            ),
            token,
            &json!({"answer": answer}),
        )
        .await,
        200,
    )
    .await
}

async fn attendance(
    app: &TestApp,
    token: &str,
    event: &str,
    session: &Value,
    marks: Value,
) -> reqwest::Response {
    send(
        app.request(
            Method::PUT,
            &format!(
                "/api/v1/events/{event}/sessions/{}/attendance",
                id_of(session)
            ),
            Some(token),
        )
        .json(&json!({ "attendance": marks })),
    )
    .await
}

async fn event(app: &TestApp, token: &str, id: &str) -> Value {
    expect_status(app.get(&format!("/api/v1/events/{id}"), token).await, 200).await
}

fn dementia_question(on: NaiveDate) -> String {
    format!("activity_kind=companionship&setting=institution&target_group=dementia&on={on}")
}

fn training_state(answer: &Value) -> (Value, Value) {
    let found = requirement(answer, "training");
    (found["state"].clone(), found["valid_until"].clone())
}

#[tokio::test]
async fn a_two_session_training_grants_a_credential_a_rule_requires_until_it_runs_out() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3301").await;
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let ola_token = app.volunteer_login(&s, &ola).await;

    // A rule: people with dementia only with the dementia course, at most three years old.
    let rule = app
        .post(
            &format!("/api/v1/municipalities/{}/requirement-rules", s.municipality),
            &s.coordinator,
            &json!({"name": "Dementia course", "target_group": "dementia",
                    "requirement": "training", "training": "dementia_basics", "max_age_months": 36}),
        )
        .await;
    let rule = expect_status(rule, 201).await;
    assert_eq!(rule["training"], "dementia_basics");
    let before = app
        .clearance(
            &s.coordinator,
            Subject::Volunteer(&ola),
            &dementia_question(today()),
        )
        .await;
    assert_eq!(before["cleared"], false);
    assert_eq!(requirement(&before, "training")["state"], "missing");
    assert_eq!(
        requirement(&before, "training")["training"],
        "dementia_basics"
    );

    let created = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "theme_training", "title": "Demensomsorg – grunnkurs",
                    "sessions": [
                        {"starts_at": at_four(9), "ends_at": at_seven(9), "place": "Kultursalen"},
                        {"starts_at": at_four(2), "ends_at": at_seven(2), "place": "Kultursalen"}
                    ],
                    "capacity": 10, "audience": {"all_approved": true},
                    "grants_training": "dementia_basics", "grant_mode": "all_sessions",
                    "grant_validity_months": 12}),
        )
        .await;
    let created = expect_status(created, 201).await;
    let id = id_of(&created);
    assert_eq!(created["status"], "draft");
    let sessions = created["sessions"].as_array().cloned().unwrap_or_default();
    assert_eq!(sessions.len(), 2);
    assert_eq!(
        sessions[0]["starts_at"],
        at_four(2),
        "sessions are kept in time order"
    );

    let published = expect_status(
        transition(&app, &s.coordinator, &created, "published").await,
        200,
    )
    .await;
    assert_eq!(published["invitations"]["invited"], 2);

    // Ola answers for himself; the coordinator answers for Kari.
    let mine = expect_status(app.get("/api/v1/me/events", &ola_token).await, 200).await;
    let mine = mine["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["event"]["grants_training"], "dementia_basics");
    let answered = app
        .post(
            &format!("/api/v1/me/events/{id}/answer"),
            &ola_token,
            &json!({"answer": "yes"}),
        )
        .await;
    assert_eq!(expect_status(answered, 200).await["status"], "registered");
    let all = invitations(&app, &s.coordinator, &id, "").await;
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &kari), "yes").await;
    let all = invitations(&app, &s.coordinator, &id, "?status=registered").await;
    assert_eq!(all.len(), 2);
    let (ola_inv, kari_inv) = (
        invitation_of(&all, &ola).clone(),
        invitation_of(&all, &kari).clone(),
    );

    // Attendance waits for the session to start.
    let early = attendance(
        &app,
        &s.coordinator,
        &id,
        &sessions[0],
        json!([{"invitation_id": id_of(&ola_inv), "status": "attended"}]),
    )
    .await;
    expect_problem(early, 409).await;

    app.clock.advance(TimeDelta::days(3));
    let first = attendance(
        &app,
        &s.coordinator,
        &id,
        &sessions[0],
        json!([{"invitation_id": id_of(&ola_inv), "status": "attended"},
               {"invitation_id": id_of(&kari_inv), "status": "attended"}]),
    )
    .await;
    expect_status(first, 200).await;
    let current = event(&app, &s.coordinator, &id).await;
    let not_yet = transition(&app, &s.coordinator, &current, "held").await;
    expect_problem(not_yet, 409).await;

    app.clock.advance(TimeDelta::days(7));
    let second = attendance(
        &app,
        &s.coordinator,
        &id,
        &sessions[1],
        json!([{"invitation_id": id_of(&ola_inv), "status": "attended"}]),
    )
    .await;
    expect_status(second, 200).await;
    let current = event(&app, &s.coordinator, &id).await;
    let held = expect_status(
        transition(&app, &s.coordinator, &current, "held").await,
        200,
    )
    .await;
    // Kari's second session is not recorded: the event cannot close yet.
    let missing =
        expect_problem(transition(&app, &s.coordinator, &held, "closed").await, 409).await;
    assert!(
        missing["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("1 times"),
        "{missing}"
    );
    expect_status(
        attendance(
            &app,
            &s.coordinator,
            &id,
            &sessions[1],
            json!([{"invitation_id": id_of(&kari_inv), "status": "absent"}]),
        )
        .await,
        200,
    )
    .await;
    let recorded = expect_status(
        app.get(
            &format!(
                "/api/v1/events/{id}/sessions/{}/attendance?limit=1",
                id_of(&sessions[1])
            ),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(recorded["items"].as_array().map(Vec::len), Some(1));
    let cursor = recorded["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rest = expect_status(
        app.get(
            &format!(
                "/api/v1/events/{id}/sessions/{}/attendance?cursor={cursor}",
                id_of(&sessions[1])
            ),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let statuses: Vec<&Value> = recorded["items"]
        .as_array()
        .into_iter()
        .chain(rest["items"].as_array())
        .flatten()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses.len(), 2, "{rest}");
    assert!(statuses.contains(&&json!("absent")) && statuses.contains(&&json!("attended")));
    let held = event(&app, &s.coordinator, &id).await;
    let closed = expect_status(transition(&app, &s.coordinator, &held, "closed").await, 200).await;
    let pending = expect_status(
        app.get(
            "/api/v1/work-items?kind=training_grant_pending",
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(pending["items"][0]["subject_id"], id.as_str(), "{pending}");

    // The coordinator confirms: Ola attended both sessions, Kari one.
    let granted = with_version(
        &app,
        Method::POST,
        &format!("/api/v1/events/{id}/credential-grants"),
        &s.coordinator,
        &closed["version"],
        &json!({}),
    )
    .await;
    let granted = expect_status(granted, 200).await;
    let credentials = granted["granted"].as_array().cloned().unwrap_or_default();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0]["volunteer_id"], ola.as_str());
    let completed = today() + Days::new(9);
    let valid_until = completed + Months::new(12) - Days::new(1);
    assert_eq!(credentials[0]["completed_on"], completed.to_string());
    assert_eq!(credentials[0]["valid_until"], valid_until.to_string());
    let again = with_version(
        &app,
        Method::POST,
        &format!("/api/v1/events/{id}/credential-grants"),
        &s.coordinator,
        &granted["event"]["version"],
        &json!({}),
    )
    .await;
    expect_problem(again, 409).await;
    let confirmed = expect_status(
        app.get(
            "/api/v1/work-items?kind=training_grant_pending",
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(confirmed["items"].as_array().map(Vec::len), Some(0));
    let listed = expect_status(
        app.get(
            &format!("/api/v1/volunteers/{ola}/training-credentials"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));

    // Cleared now; expiring soon inside the look-ahead; expired after its last day.
    let today_now = today() + Days::new(10);
    let ask = |on: NaiveDate| dementia_question(on);
    let ola_now = app
        .clearance(&s.coordinator, Subject::Volunteer(&ola), &ask(today_now))
        .await;
    assert_eq!(ola_now["cleared"], true, "{ola_now}");
    assert_eq!(
        training_state(&ola_now),
        (json!("met"), json!(valid_until.to_string()))
    );
    let kari_now = app
        .clearance(&s.coordinator, Subject::Volunteer(&kari), &ask(today_now))
        .await;
    assert_eq!(kari_now["cleared"], false);
    assert_eq!(training_state(&kari_now).0, "missing");
    let soon = app
        .clearance(
            &s.coordinator,
            Subject::Volunteer(&ola),
            &ask(valid_until - Days::new(10)),
        )
        .await;
    assert_eq!(soon["cleared"], true);
    assert_eq!(training_state(&soon).0, "expiring_soon");
    let after = app
        .clearance(
            &s.coordinator,
            Subject::Volunteer(&ola),
            &ask(valid_until + Days::new(1)),
        )
        .await;
    assert_eq!(after["cleared"], false);
    assert_eq!(training_state(&after).0, "expired");

    // Kari took the course elsewhere long ago; her credential has no end of its own, but the
    // rule's maximum age of 36 months ends it.
    let kari_done = valid_until - Days::new(5) - Months::new(36);
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{kari}/training-credentials"),
            &s.coordinator,
            &json!({"training": "dementia_basics", "completed_on": kari_done}),
        )
        .await,
        201,
    )
    .await;
    let kari_last = kari_done + Months::new(36) - Days::new(1);

    // The work list shows them running out, then run out.
    let ahead = (valid_until - Days::new(10) - today_now).num_days();
    app.clock.advance(TimeDelta::days(ahead));
    let work = expect_status(
        app.get("/api/v1/work-items?kind=training_expiring", &s.coordinator)
            .await,
        200,
    )
    .await;
    let items = work["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{work}");
    let item_of = |who: &str| {
        items
            .iter()
            .find(|i| i["subject_id"] == who)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(item_of(&ola)["due_on"], valid_until.to_string());
    assert_eq!(item_of(&kari)["due_on"], kari_last.to_string(), "{work}");
    app.clock.advance(TimeDelta::days(11));
    let work = expect_status(
        app.get("/api/v1/work-items?kind=training_expired", &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(work["items"].as_array().map(Vec::len), Some(2), "{work}");
}

#[tokio::test]
async fn a_full_event_waitlists_the_next_yes_and_moves_it_up_when_someone_declines() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3302").await;
    let a = app.approved_volunteer(&s, "Anna").create().await;
    let b = app.approved_volunteer(&s, "Bjarne").create().await;
    let c = app.approved_volunteer(&s, "Cecilie").create().await;
    let c_token = app.volunteer_login(&s, &c).await;
    let created = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "recognition", "title": "Frivilligfest",
                    "sessions": [{"starts_at": at_four(14), "ends_at": at_seven(14), "place": "Rådhuset"}],
                    "capacity": 2, "audience": {"volunteer_ids": [a, b, c]}}),
        )
        .await;
    let created = expect_status(created, 201).await;
    let id = id_of(&created);
    expect_status(
        transition(&app, &s.coordinator, &created, "published").await,
        200,
    )
    .await;
    let all = invitations(&app, &s.coordinator, &id, "").await;
    assert_eq!(all.len(), 3);
    // Nobody has consented to photos yet; once Anna has, the list says so for her alone.
    assert!(all.iter().all(|i| i["photos_allowed"] == false), "{all:?}");
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{a}/consents"),
            &s.coordinator,
            &json!({"purpose": "photos_at_events", "text_version": "foto-1",
                    "given_on": today().to_string(), "given_by": "self"}),
        )
        .await,
        201,
    )
    .await;
    let all = invitations(&app, &s.coordinator, &id, "").await;
    assert_eq!(invitation_of(&all, &a)["photos_allowed"], true);
    assert_eq!(invitation_of(&all, &b)["photos_allowed"], false);
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &a), "yes").await;
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &b), "yes").await;
    let third = app
        .post(
            &format!("/api/v1/me/events/{id}/answer"),
            &c_token,
            &json!({"answer": "yes"}),
        )
        .await;
    let third = expect_status(third, 200).await;
    assert_eq!(third["status"], "waitlisted");
    assert_eq!(third["event"]["places_free"], 0);
    let full = event(&app, &s.coordinator, &id).await;
    assert_eq!(full["invitations"]["waitlisted"], 1);
    assert_eq!(full["seats_taken"], 2);

    // A second yes keeps the place in the queue.
    let again = app
        .post(
            &format!("/api/v1/me/events/{id}/answer"),
            &c_token,
            &json!({"answer": "yes"}),
        )
        .await;
    assert_eq!(expect_status(again, 200).await["status"], "waitlisted");

    // Bjarne declines: Cecilie moves up.
    let declined = answer_for(&app, &s.coordinator, &id, invitation_of(&all, &b), "no").await;
    assert_eq!(declined["status"], "declined");
    let mine = expect_status(app.get("/api/v1/me/events", &c_token).await, 200).await;
    assert_eq!(mine["items"][0]["status"], "registered", "{mine}");
    assert!(
        invitations(&app, &s.coordinator, &id, "?status=waitlisted")
            .await
            .is_empty()
    );
    let after = event(&app, &s.coordinator, &id).await;
    assert_eq!(after["invitations"]["registered"], 2);
    assert_eq!(after["invitations"]["declined"], 1);

    // Fewer places than are taken is refused; more move nobody (nobody waits).
    let smaller = with_version(
        &app,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        &s.coordinator,
        &after["version"],
        &json!({"capacity": 1}),
    )
    .await;
    assert_eq!(
        error_fields(&expect_problem(smaller, 422).await),
        ["capacity"]
    );
    // Who is invited is fixed once published.
    let audience = with_version(
        &app,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        &s.coordinator,
        &after["version"],
        &json!({"audience": {"all_approved": true}}),
    )
    .await;
    expect_problem(audience, 409).await;
}

#[tokio::test]
async fn invitees_see_only_their_own_invitations_and_staff_routes_are_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3303").await;
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let ola_token = app.volunteer_login(&s, &ola).await;
    let kari_token = app.volunteer_login(&s, &kari).await;
    let only_kari = expect_status(
        app.post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "social", "title": "Julekaffe",
                    "sessions": [{"starts_at": at_four(5), "ends_at": at_seven(5), "place": "Kafeen"}],
                    "audience": {"volunteer_ids": [kari]}}),
        )
        .await,
        201,
    )
    .await;
    let id = id_of(&only_kari);
    // A draft is nobody's yet.
    let none = expect_status(app.get("/api/v1/me/events", &kari_token).await, 200).await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    expect_status(
        transition(&app, &s.coordinator, &only_kari, "published").await,
        200,
    )
    .await;
    let theirs = expect_status(app.get("/api/v1/me/events", &kari_token).await, 200).await;
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(1));
    assert!(
        theirs["items"][0]["event"].get("audience").is_none(),
        "an invitee never sees who else is invited"
    );
    let mine = expect_status(app.get("/api/v1/me/events", &ola_token).await, 200).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(0));
    let not_invited = app
        .post(
            &format!("/api/v1/me/events/{id}/answer"),
            &ola_token,
            &json!({"answer": "yes"}),
        )
        .await;
    expect_problem(not_invited, 404).await;
    for path in [
        "/api/v1/events".to_owned(),
        format!("/api/v1/events/{id}"),
        format!("/api/v1/events/{id}/invitations"),
        format!("/api/v1/volunteers/{kari}/training-credentials"),
    ] {
        expect_problem(app.get(&path, &ola_token).await, 403).await;
    }

    // Staff are invited by account: a coordinator or contact person of the municipality.
    let (staff_account, staff_token) = app.user(Some(&s.municipality), "contact_person").await;
    let (volunteer_account, _) = app.user(Some(&s.municipality), "volunteer").await;
    let wrong = app
        .post(
            &format!("/api/v1/events/{id}/invitations"),
            &s.coordinator,
            &json!({"staff_user_ids": [staff_account, volunteer_account]}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(wrong, 422).await),
        ["staff_user_ids[1]"]
    );
    let invited = app
        .post(
            &format!("/api/v1/events/{id}/invitations"),
            &s.coordinator,
            &json!({"staff_user_ids": [staff_account], "volunteer_ids": [kari]}),
        )
        .await;
    assert_eq!(expect_status(invited, 200).await["invited"], 1);
    let staff_events = expect_status(app.get("/api/v1/me/events", &staff_token).await, 200).await;
    assert_eq!(staff_events["items"].as_array().map(Vec::len), Some(1));

    // A coordinator limited to a care district does not run events or read who is invited.
    let (district_account, district_token) = app.user(Some(&s.municipality), "coordinator").await;
    expect_status(
        app.patch(
            &format!("/api/v1/users/{district_account}"),
            &s.coordinator,
            &json!({"districts": [s.unit]}),
        )
        .await,
        200,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/events/{id}/invitations"), &district_token)
            .await,
        403,
    )
    .await;

    // Another municipality's coordinator does not find it.
    let other = setup(&app, "3304").await;
    expect_problem(
        app.get(&format!("/api/v1/events/{id}"), &other.coordinator)
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn bad_events_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3305").await;
    let backwards = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "recognition", "title": " ",
                    "sessions": [{"starts_at": at_seven(3), "ends_at": at_four(3), "place": "Hall"}],
                    "capacity": 0, "audience": {},
                    "grants_training": "Dementia Basics"}),
        )
        .await;
    let problem = expect_problem(backwards, 422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        ["capacity", "grants_training", "title"],
        "{problem}"
    );
    let sessions = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "recognition", "title": "Fest",
                    "sessions": [{"starts_at": at_seven(3), "ends_at": at_four(3), "place": "Hall"}],
                    "audience": {}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(sessions, 422).await),
        ["sessions[0].ends_at"]
    );
    let granting = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "recognition", "title": "Fest",
                    "sessions": [{"starts_at": at_four(3), "ends_at": at_seven(3), "place": "Hall"}],
                    "audience": {"unit_ids": [s.unit]}, "grants_training": "dementia_basics"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(granting, 422).await),
        ["grants_training"]
    );
    let stranger = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "social", "title": "Fest",
                    "sessions": [{"starts_at": at_four(3), "ends_at": at_seven(3), "place": "Hall"}],
                    "audience": {"volunteer_ids": [uuid::Uuid::now_v7()]}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(stranger, 422).await),
        ["audience.volunteer_ids[0]"]
    );
    // Moments and dates outside the years a record can carry.
    let far = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "social", "title": "Fest",
                    "sessions": [{"starts_at": "9999-01-01T16:00:00Z", "ends_at": "9999-01-01T19:00:00Z",
                                  "place": "Hall"}],
                    "audience": {}}),
        )
        .await;
    let mut fields = error_fields(&expect_problem(far, 422).await);
    fields.sort();
    assert_eq!(fields, ["sessions[0].ends_at", "sessions[0].starts_at"]);
    let opens = app
        .post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "social", "title": "Fest",
                    "sessions": [{"starts_at": at_four(3), "ends_at": at_seven(3), "place": "Hall"}],
                    "registration_opens_at": "0100-01-01T00:00:00Z", "audience": {}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(opens, 422).await),
        ["registration_opens_at"]
    );
    let volunteer = app.approved_volunteer(&s, "Dato").create().await;
    let ancient = app
        .post(
            &format!("/api/v1/volunteers/{volunteer}/training-credentials"),
            &s.coordinator,
            &json!({"training": "first_aid", "completed_on": "1000-01-01", "valid_until": "9999-12-31"}),
        )
        .await;
    let mut fields = error_fields(&expect_problem(ancient, 422).await);
    fields.sort();
    assert_eq!(fields, ["completed_on", "valid_until"]);
    // A grant's details without a grant are refused, not dropped.
    let social = expect_status(
        app.post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "social", "title": "Sommerfest",
                    "sessions": [{"starts_at": at_four(3), "ends_at": at_seven(3), "place": "Hall"}],
                    "audience": {}}),
        )
        .await,
        201,
    )
    .await;
    let details = with_version(
        &app,
        Method::PATCH,
        &format!("/api/v1/events/{}", id_of(&social)),
        &s.coordinator,
        &social["version"],
        &json!({"grant_validity_months": 12}),
    )
    .await;
    assert_eq!(
        error_fields(&expect_problem(details, 422).await),
        ["grants_training"]
    );
    // Nobody invited: publishing is refused.
    let empty = expect_status(
        app.post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "information", "title": "Informasjonsmøte",
                    "sessions": [{"starts_at": at_four(3), "ends_at": at_seven(3), "place": "Hall"}],
                    "audience": {}}),
        )
        .await,
        201,
    )
    .await;
    expect_problem(
        transition(&app, &s.coordinator, &empty, "published").await,
        409,
    )
    .await;
    expect_problem(
        transition(&app, &s.coordinator, &empty, "closed").await,
        409,
    )
    .await;
    // A training rule must name its training; other rules must not.
    let rules = format!(
        "/api/v1/municipalities/{}/requirement-rules",
        s.municipality
    );
    let unnamed = app
        .post(
            &rules,
            &s.coordinator,
            &json!({"name": "Course", "requirement": "training"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(unnamed, 422).await),
        ["training"]
    );
    let misplaced = app
        .post(
            &rules,
            &s.coordinator,
            &json!({"name": "Screening", "requirement": "suitable_screening", "training": "first_aid"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(misplaced, 422).await),
        ["training"]
    );
}

#[tokio::test]
async fn groups_take_their_seats_and_an_invitee_may_say_no_after_registration_closes() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3306").await;
    let a = app.approved_volunteer(&s, "Asta").create().await;
    let b = app.approved_volunteer(&s, "Birger").create().await;
    let a_token = app.volunteer_login(&s, &a).await;
    let lead = app.representative(&s.coordinator, "Per Leder").await;
    let group = expect_status(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &json!({"name": "Turlaget", "kind": "association", "contact_person_id": lead,
                    "head_count": 8}),
        )
        .await,
        201,
    )
    .await;
    let created = expect_status(
        app.post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "social", "title": "Julebord",
                    "sessions": [{"starts_at": at_four(10), "ends_at": at_seven(10), "place": "Rådhuset"}],
                    "capacity": 4,
                    "registration_closes_at": format!("{}T12:00:00Z", today() + Days::new(5)),
                    "audience": {"volunteer_ids": [a, b], "group_ids": [id_of(&group)]}}),
        )
        .await,
        201,
    )
    .await;
    let id = id_of(&created);
    expect_status(
        transition(&app, &s.coordinator, &created, "published").await,
        200,
    )
    .await;
    let all = invitations(&app, &s.coordinator, &id, "").await;
    let group_invitation = all
        .iter()
        .find(|i| i["group_id"] == id_of(&group))
        .cloned()
        .unwrap_or(Value::Null);
    let answer_path = format!(
        "/api/v1/events/{id}/invitations/{}/answer",
        id_of(&group_invitation)
    );

    // More seats than the event has in all can never be given: refused on the field.
    let too_many = app
        .post(
            &answer_path,
            &s.coordinator,
            &json!({"answer": "yes", "seats": 5}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(too_many, 422).await),
        ["seats"]
    );

    // Asta and Birger take two places; the group's three seats wait.
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &a), "yes").await;
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &b), "yes").await;
    let waiting = expect_status(
        app.post(
            &answer_path,
            &s.coordinator,
            &json!({"answer": "yes", "seats": 3}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(waiting["status"], "waitlisted");
    assert_eq!(waiting["seats"], 3);
    // A stale If-Match on the answer is refused; the fresh one is taken.
    let stale = with_version(
        &app,
        Method::POST,
        &answer_path,
        &s.coordinator,
        &group_invitation["version"],
        &json!({"answer": "yes", "seats": 2}),
    )
    .await;
    expect_problem(stale, 412).await;
    // The waiting group asks for two seats: it fits now and moves up.
    let fewer = with_version(
        &app,
        Method::POST,
        &answer_path,
        &s.coordinator,
        &waiting["version"],
        &json!({"answer": "yes", "seats": 2}),
    )
    .await;
    let fewer = expect_status(fewer, 200).await;
    assert_eq!(fewer["status"], "registered", "{fewer}");
    assert_eq!(fewer["seats"], 2);
    // More seats than are free keep the group where it is.
    let more = app
        .post(
            &answer_path,
            &s.coordinator,
            &json!({"answer": "yes", "seats": 3}),
        )
        .await;
    expect_problem(more, 409).await;
    let full = event(&app, &s.coordinator, &id).await;
    assert_eq!(full["seats_taken"], 4);
    // Fewer places than a group on the waiting list asks for are refused: none waits now, so
    // lowering to the seats taken would be fine, but not below.
    let lower = with_version(
        &app,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        &s.coordinator,
        &full["version"],
        &json!({"capacity": 3}),
    )
    .await;
    assert_eq!(
        error_fields(&expect_problem(lower, 422).await),
        ["capacity"]
    );

    // Registration has closed: Asta cannot say yes any more, but her no is taken and frees the
    // place.
    app.clock.advance(TimeDelta::days(6));
    let no = expect_status(
        app.post(
            &format!("/api/v1/me/events/{id}/answer"),
            &a_token,
            &json!({"answer": "no"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(no["status"], "declined", "{no}");
    let yes = app
        .post(
            &format!("/api/v1/me/events/{id}/answer"),
            &a_token,
            &json!({"answer": "yes"}),
        )
        .await;
    expect_problem(yes, 409).await;
    assert_eq!(event(&app, &s.coordinator, &id).await["seats_taken"], 3);
}

#[tokio::test]
async fn a_waiting_group_that_asks_for_more_seats_queues_again_behind_those_who_came_meanwhile() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3307").await;
    let x = app.approved_volunteer(&s, "Xenia").create().await;
    let y = app.approved_volunteer(&s, "Yngve").create().await;
    let c = app.approved_volunteer(&s, "Cora").create().await;
    let lead = app.representative(&s.coordinator, "Per Leder").await;
    let group = expect_status(
        app.post(
            "/api/v1/groups",
            &s.coordinator,
            &json!({"name": "Sangkoret", "kind": "association", "contact_person_id": lead,
                    "head_count": 12}),
        )
        .await,
        201,
    )
    .await;
    let created = expect_status(
        app.post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "social", "title": "Vårkonsert",
                    "sessions": [{"starts_at": at_four(10), "ends_at": at_seven(10), "place": "Rådhuset"}],
                    "capacity": 2,
                    "audience": {"volunteer_ids": [x, y, c], "group_ids": [id_of(&group)]}}),
        )
        .await,
        201,
    )
    .await;
    let id = id_of(&created);
    expect_status(
        transition(&app, &s.coordinator, &created, "published").await,
        200,
    )
    .await;
    let all = invitations(&app, &s.coordinator, &id, "").await;
    let group_path = format!(
        "/api/v1/events/{id}/invitations/{}/answer",
        all.iter()
            .find(|i| i["group_id"] == id_of(&group))
            .map(id_of)
            .unwrap_or_default()
    );
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &x), "yes").await;
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &y), "yes").await;
    let waiting = expect_status(
        app.post(
            &group_path,
            &s.coordinator,
            &json!({"answer": "yes", "seats": 1}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(waiting["status"], "waitlisted");
    let cora = answer_for(&app, &s.coordinator, &id, invitation_of(&all, &c), "yes").await;
    assert_eq!(cora["status"], "waitlisted");
    // The group now wants both places: it waits again, behind Cora.
    let more = expect_status(
        app.post(
            &group_path,
            &s.coordinator,
            &json!({"answer": "yes", "seats": 2}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (&more["status"], &more["seats"]),
        (&json!("waitlisted"), &json!(2))
    );
    // Yngve declines: the one place goes to Cora, not held empty for the group.
    answer_for(&app, &s.coordinator, &id, invitation_of(&all, &y), "no").await;
    let after = invitations(&app, &s.coordinator, &id, "").await;
    assert_eq!(
        invitation_of(&after, &c)["status"],
        "registered",
        "{after:?}"
    );
    let group_now = after
        .iter()
        .find(|i| i["group_id"] == id_of(&group))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(group_now["status"], "waitlisted");
}
