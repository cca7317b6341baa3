//! Webhooks over HTTP with a real receiver on a loopback port: what a change sends, signed so an
//! independent Standard Webhooks implementation verifies it; retries with the same `webhook-id`;
//! 410 disabling the endpoint; `Retry-After`; secret rotation; no event from a rolled-back
//! transaction; and the endpoints' management API with its address checks.

use chrono::{DateTime, Days, TimeDelta, Utc};
use diesel::{Connection, PgConnection};
use reqwest::Method;
use samspill_domain::{
    auth::TenantScope,
    ids::{MunicipalityId, StaffUserId, VolunteerId},
    volunteer::VolunteerStatus,
};
use samspill_persistence::{RepoError, outbox, volunteers};
use samspill_tests::{
    MunicipalitySetup, Received, Receiver, TestApp, days_ago, error_fields, expect_problem,
    expect_status, id_of, police_certificate, send, today,
};
use serde_json::{Value, json};
use std::time::Duration;

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

/// Adds an endpoint for `types` at `url`; returns the answer (with its secret).
async fn endpoint(app: &TestApp, token: &str, url: &str, types: &[&str]) -> Value {
    expect_status(
        app.post(
            "/api/v1/webhook-endpoints",
            token,
            &json!({"url": url, "event_types": types, "description": "Fagsystem"}),
        )
        .await,
        201,
    )
    .await
}

/// A receiver answering `script` (then 200), and an endpoint of the set-up's municipality for
/// `volunteer.status_changed` that sends to it.
async fn status_hook(app: &TestApp, s: &MunicipalitySetup, script: &[u16]) -> (Receiver, Value) {
    let receiver = Receiver::start().await;
    receiver.answer_with(script);
    let hook = endpoint(
        app,
        &s.coordinator,
        &receiver.url,
        &["volunteer.status_changed"],
    )
    .await;
    (receiver, hook)
}

/// Makes a new volunteer and moves them into screening: one `volunteer.status_changed`.
async fn one_status_change(app: &TestApp, s: &MunicipalitySetup, name: &str) -> String {
    let volunteer = registered(app, s, name).await;
    into_screening(app, s, &volunteer).await;
    volunteer
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_default()
}

/// Checks `received` with the `standardwebhooks` crate (an implementation independent of the
/// service's): `Ok` when one of its signatures verifies under `secret`.
fn verify(secret: &str, received: &Received) -> Result<(), String> {
    let mut headers = http::HeaderMap::new();
    for (name, value) in &received.headers {
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(name.as_bytes()),
            http::header::HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    let webhook = standardwebhooks::Webhook::new(secret).map_err(|e| format!("{e:?}"))?;
    webhook
        .verify(received.body.as_bytes(), &headers)
        .map_err(|e| format!("{e:?}"))
}

/// A new volunteer of the set-up, still registered; returns its id.
async fn registered(app: &TestApp, s: &MunicipalitySetup, name: &str) -> String {
    id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": name, "family_name": "Frivillig",
                    "email": format!("{name}@example.no"), "activity_kinds": ["companionship"],
                    "home_unit_id": s.unit, "contact_person_id": s.contact}),
        )
        .await,
    )
}

async fn into_screening(app: &TestApp, s: &MunicipalitySetup, volunteer: &str) {
    expect_status(
        app.transition(
            &s.coordinator,
            samspill_tests::Subject::Volunteer(volunteer),
            "in_screening",
        )
        .await,
        200,
    )
    .await;
}

/// Reads `path` until `done` holds of the answer (up to 20 seconds); returns that answer.
async fn read_until(
    app: &TestApp,
    token: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = expect_status(app.get(path, token).await, 200).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never reached the expected state: {last}");
}

fn deliveries_path(endpoint: &Value) -> String {
    format!("/api/v1/webhook-endpoints/{}/deliveries", id_of(endpoint))
}

fn first_item(page: &Value) -> Value {
    page["items"][0].clone()
}

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

#[tokio::test]
async fn an_approval_is_delivered_once_signed_as_the_standard_says() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let (receiver, hook) = status_hook(&app, &s, &[]).await;
    let secret = str_of(&hook, "secret");
    assert!(secret.starts_with("whsec_"), "{hook}");

    let kari = app.approved_volunteer(&s, "Kari").create().await;
    // Registered -> in screening -> approved: two status changes, two deliveries.
    let received = receiver.wait_for(2).await;
    let approvals: Vec<&Received> = received
        .iter()
        .filter(|r| r.json()["data"]["to"] == "approved")
        .collect();
    assert_eq!(approvals.len(), 1, "{received:?}");
    let approval = approvals[0];
    let body = approval.json();
    assert_eq!(body["type"], "volunteer.status_changed");
    assert_eq!(body["data"]["volunteer_id"], kari.as_str());
    assert_eq!(body["data"]["municipality_id"], s.municipality.as_str());
    assert_eq!(body["data"]["from"], "in_screening");
    assert!(body["timestamp"].is_string(), "{body}");
    // Thin: ids and statuses, no names or contact details.
    assert!(!approval.body.contains("Kari") && !approval.body.contains("example.no"));
    assert_eq!(approval.header("content-type"), Some("application/json"));
    let id = approval.header("webhook-id").unwrap_or_default();
    assert!(id.starts_with("msg_") && !id.contains('.'), "{id}");
    verify(secret, approval).unwrap_or_else(|e| panic!("the signature does not verify: {e}"));
    // A body changed in transit does not verify.
    let mut tampered = approval.clone();
    tampered.body = tampered.body.replace("approved", "rejected");
    assert!(verify(secret, &tampered).is_err());

    // The deliveries list shows both, delivered at the first attempt, with the same webhook-id.
    let page = read_until(&app, &s.coordinator, &deliveries_path(&hook), |page| {
        page["items"].as_array().is_some_and(|items| {
            items.len() == 2 && items.iter().all(|d| d["status"] == "delivered")
        })
    })
    .await;
    let ids: Vec<&str> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| d["webhook_id"].as_str().unwrap_or_default())
        .collect();
    assert!(ids.contains(&id), "{page}");
    for delivery in page["items"].as_array().into_iter().flatten() {
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["attempt_log"][0]["status_code"], 200);
    }
    // Nothing more arrives: each change was delivered once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_receiver_answering_500_then_200_gets_the_same_webhook_id_twice() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let (receiver, hook) = status_hook(&app, &s, &[500]).await;
    one_status_change(&app, &s, "Kari").await;
    receiver.wait_for(1).await;
    let failed = first_item(
        &read_until(&app, &s.coordinator, &deliveries_path(&hook), |page| {
            first_item(page)["attempt_log"][0]["status_code"] == 500
        })
        .await,
    );
    assert_eq!(failed["status"], "pending");
    let wait = at(&failed["next_attempt_at"]) - at(&failed["attempt_log"][0]["attempted_at"]);
    assert_eq!(wait, TimeDelta::seconds(5), "{failed}");

    // Five seconds later (by the service's clock) it is sent again, and delivered.
    app.clock.advance(TimeDelta::seconds(6));
    let received = receiver.wait_for(2).await;
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    assert_eq!(received[0].body, received[1].body);
    assert_eq!((received[0].status, received[1].status), (500, 200));
    let secret = str_of(&hook, "secret");
    for attempt in &received {
        verify(secret, attempt).unwrap_or_else(|e| panic!("{e}"));
    }
    let delivered = first_item(
        &read_until(&app, &s.coordinator, &deliveries_path(&hook), |page| {
            first_item(page)["status"] == "delivered"
        })
        .await,
    );
    assert_eq!(delivered["attempts"], 2);
    assert_eq!(delivered["attempt_log"][1]["status_code"], 200);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let receiver = Receiver::start().await;
    receiver.answer_with_retry_after(503, "120");
    let hook = endpoint(
        &app,
        &s.coordinator,
        &receiver.url,
        &["volunteer.status_changed"],
    )
    .await;
    one_status_change(&app, &s, "Kari").await;
    let failed = first_item(
        &read_until(&app, &s.coordinator, &deliveries_path(&hook), |page| {
            first_item(page)["attempt_log"][0]["status_code"] == 503
        })
        .await,
    );
    let wait = at(&failed["next_attempt_at"]) - at(&failed["attempt_log"][0]["attempted_at"]);
    assert_eq!(wait, TimeDelta::seconds(120), "{failed}");
    // Not after the usual 5 seconds ...
    app.clock.advance(TimeDelta::seconds(10));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.received().len(), 1);
    // ... but after the two minutes asked for.
    app.clock.advance(TimeDelta::seconds(115));
    receiver.wait_for(2).await;
}

#[tokio::test]
async fn a_410_disables_the_endpoint_until_it_is_enabled_again() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let (receiver, hook) = status_hook(&app, &s, &[410]).await;
    let path = format!("/api/v1/webhook-endpoints/{}", id_of(&hook));
    one_status_change(&app, &s, "Kari").await;
    let disabled = read_until(&app, &s.coordinator, &path, |e| e["enabled"] == false).await;
    assert!(
        str_of(&disabled, "disabled_reason").contains("410"),
        "{disabled}"
    );
    assert_eq!(disabled["failure_streak"], 1);
    let delivery = first_item(
        &expect_status(app.get(&deliveries_path(&hook), &s.coordinator).await, 200).await,
    );
    assert_eq!(delivery["status"], "failed");
    assert_eq!(delivery["last_status_code"], 410);
    // The coordinators' work list says so.
    let work = expect_status(app.get("/api/v1/work-items", &s.coordinator).await, 200).await;
    let failing: Vec<&Value> = work["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["kind"] == "webhook_endpoint_failing")
        .collect();
    assert_eq!(failing.len(), 1, "{work}");
    assert_eq!(failing[0]["subject"], "webhook_endpoint");
    assert_eq!(failing[0]["subject_id"], id_of(&hook).as_str());

    // While disabled, changes are not sent to it, and a retry is refused.
    one_status_change(&app, &s, "Ola").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.received().len(), 1);
    let retry = format!("{}/{}/retry", deliveries_path(&hook), id_of(&delivery));
    expect_problem(app.post(&retry, &s.coordinator, &json!({})).await, 409).await;

    // Enabled again, the failed delivery can be sent once more, with the same webhook-id.
    let enabled = expect_status(
        send(
            app.request(Method::PATCH, &path, Some(&s.coordinator))
                .header("if-match", format!("\"{}\"", disabled["version"]))
                .json(&json!({"enabled": true})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(enabled["disabled_reason"], Value::Null);
    assert_eq!(enabled["failure_streak"], 0);
    let retried = expect_status(app.post(&retry, &s.coordinator, &json!({})).await, 202).await;
    assert_eq!(retried["status"], "pending");
    let received = receiver.wait_for(2).await;
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    assert_eq!(received[1].status, 200);
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let (receiver, hook) = status_hook(&app, &s, &[]).await;
    let old = str_of(&hook, "secret").to_owned();
    let rotated = expect_status(
        send(
            app.request(
                Method::POST,
                &format!(
                    "/api/v1/webhook-endpoints/{}/secret-rotations",
                    id_of(&hook)
                ),
                Some(&s.coordinator),
            )
            .header("if-match", "\"1\""),
        )
        .await,
        200,
    )
    .await;
    let new = str_of(&rotated, "secret").to_owned();
    assert!(new.starts_with("whsec_") && new != old);
    assert_eq!(rotated["version"], 2);
    let overlap = at(&rotated["previous_secret_expires_at"]) - Utc::now();
    assert!(
        overlap > TimeDelta::hours(23) && overlap <= TimeDelta::hours(24),
        "{rotated}"
    );

    one_status_change(&app, &s, "Kari").await;
    let first = receiver.wait_for(1).await.remove(0);
    let signatures = first.header("webhook-signature").unwrap_or_default();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
    verify(&old, &first).unwrap_or_else(|e| panic!("old secret: {e}"));
    verify(&new, &first).unwrap_or_else(|e| panic!("new secret: {e}"));

    // A day later only the new secret signs.
    app.clock.advance(TimeDelta::hours(25));
    one_status_change(&app, &s, "Ola").await;
    let second = receiver.wait_for(2).await.remove(1);
    assert_eq!(
        second
            .header("webhook-signature")
            .unwrap_or_default()
            .split(' ')
            .count(),
        1
    );
}

#[tokio::test]
async fn a_rolled_back_transaction_writes_no_event() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let kari = registered(&app, &s, "Kari").await;
    let municipality =
        MunicipalityId::from(uuid::Uuid::parse_str(&s.municipality).unwrap_or_default());
    let volunteer = VolunteerId::from(uuid::Uuid::parse_str(&kari).unwrap_or_default());
    let actor = StaffUserId::from(uuid::Uuid::parse_str(&s.coordinator_id).unwrap_or_default());
    let mut conn = PgConnection::establish(&app.database_url).unwrap_or_else(|e| panic!("{e}"));
    let before = outbox::count(&mut conn, municipality).unwrap_or(-1);

    // The status change and its event are written, then the transaction rolls back.
    let rolled_back = conn.transaction::<(), RepoError, _>(|conn| {
        volunteers::transition(
            conn,
            TenantScope::All,
            volunteer,
            None,
            &volunteers::Transition {
                to: VolunteerStatus::InScreening,
                reason: "screening call booked".to_owned(),
                actor,
            },
            |_, _| Ok::<(), RepoError>(()),
        )?;
        assert_eq!(outbox::count(conn, municipality).ok(), Some(before + 1));
        Err(RepoError::Internal("rolled back on purpose".to_owned()))
    });
    assert!(rolled_back.is_err());
    assert_eq!(outbox::count(&mut conn, municipality).ok(), Some(before));

    // A refused change writes none either; the same change made over HTTP writes one.
    let stale = send(
        app.request(
            Method::POST,
            &format!("/api/v1/volunteers/{kari}/transitions"),
            Some(&s.coordinator),
        )
        .header("if-match", "\"99\"")
        .json(&json!({"to": "in_screening", "reason": "screening call booked"})),
    )
    .await;
    expect_problem(stale, 412).await;
    assert_eq!(outbox::count(&mut conn, municipality).ok(), Some(before));
    into_screening(&app, &s, &kari).await;
    assert_eq!(
        outbox::types_of(&mut conn, municipality).ok(),
        Some(vec!["volunteer.status_changed".to_owned()])
    );
}

#[tokio::test]
async fn placements_visits_hours_and_overdue_follow_ups_are_told() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let receiver = Receiver::start().await;
    endpoint(
        &app,
        &s.coordinator,
        &receiver.url,
        &[
            "placement.status_changed",
            "visit.cancelled",
            "time_entry.decided",
            "follow_up.overdue",
        ],
    )
    .await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let placement = id_of(
        &expect_status(
            app.post(
                "/api/v1/placements",
                &s.coordinator,
                &json!({"volunteer_id": kari, "unit_id": s.unit, "activity_kind": "companionship",
                        "starts_on": today().to_string()}),
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
                &s.coordinator,
                &json!({"date": (today() + Days::new(1)).to_string(), "start_time": "10:00",
                        "duration_minutes": 60}),
            )
            .await,
            201,
        )
        .await,
    );
    expect_status(
        app.post(
            &format!("/api/v1/visits/{visit}/transitions"),
            &s.coordinator,
            &json!({"to": "cancelled", "reason": "The unit has an outing."}),
        )
        .await,
        200,
    )
    .await;
    let entry = expect_status(
        app.post(
            "/api/v1/time-entries",
            &s.coordinator,
            &json!({"volunteer_id": kari, "occurred_on": today().to_string(), "minutes": 90,
                    "unit_id": s.unit, "activity_kind": "companionship"}),
        )
        .await,
        201,
    )
    .await;
    // Its approval revoked: the hours no longer count, and that is told too.
    expect_status(
        send(
            app.request(
                Method::POST,
                &format!("/api/v1/time-entries/{}/decision", id_of(&entry)),
                Some(&s.coordinator),
            )
            .header("if-match", format!("\"{}\"", entry["version"]))
            .json(&json!({"decision": "revoke", "reason": "Logged on the wrong day."})),
        )
        .await,
        200,
    )
    .await;
    expect_status(
        app.post(
            "/api/v1/follow-ups",
            &s.coordinator,
            &json!({"subject": "volunteer", "subject_id": kari, "purpose": "periodic",
                    "due_on": today().to_string(), "assignee_id": s.coordinator_id}),
        )
        .await,
        201,
    )
    .await;
    // Two days on, the follow-up is overdue: the job tells once, however often it runs.
    app.clock.advance(TimeDelta::days(2));
    let admin = app.admin_token().await;
    for _ in 0..2 {
        expect_status(
            app.post(
                "/api/v1/jobs/announce_overdue_follow_ups/runs",
                &admin,
                &json!({}),
            )
            .await,
            200,
        )
        .await;
    }
    let received = receiver.wait_for(5).await;
    let types: Vec<String> = received
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    for (wanted, times) in [
        ("placement.status_changed", 1),
        ("visit.cancelled", 1),
        ("time_entry.decided", 2),
        ("follow_up.overdue", 1),
    ] {
        assert_eq!(
            types.iter().filter(|t| *t == wanted).count(),
            times,
            "{wanted}: {types:?}"
        );
    }
    // Sent side by side, they may arrive in either order.
    let mut decisions: Vec<String> = received
        .iter()
        .map(Received::json)
        .filter(|b| b["type"] == "time_entry.decided")
        .map(|b| b["data"]["status"].as_str().unwrap_or_default().to_owned())
        .collect();
    decisions.sort();
    assert_eq!(decisions, ["approved", "pending"]);
    let by_type = |t: &str| {
        received
            .iter()
            .map(Received::json)
            .find(|b| b["type"] == t)
            .unwrap_or_default()
    };
    assert_eq!(
        by_type("placement.status_changed")["data"]["placement_id"],
        placement.as_str()
    );
    assert_eq!(
        by_type("placement.status_changed")["data"]["to"],
        "proposed"
    );
    assert_eq!(
        by_type("visit.cancelled")["data"]["visit_id"],
        visit.as_str()
    );
    assert_eq!(by_type("time_entry.decided")["data"]["minutes"], 90);
    assert_eq!(
        by_type("follow_up.overdue")["data"]["subject_id"],
        kari.as_str()
    );
    assert_eq!(
        by_type("follow_up.overdue")["data"]["due_on"],
        today().to_string()
    );
    // No volunteer.status_changed: the endpoint did not ask for it.
    assert!(!types.iter().any(|t| t == "volunteer.status_changed"));
}

#[tokio::test]
async fn endpoints_are_managed_with_versions_and_refuse_internal_addresses() {
    let app = TestApp::spawn_with(|config| config.webhooks_allow_private = false).await;
    let s = setup(&app, "0301").await;
    let other = setup(&app, "4601").await;
    for (url, code) in [
        ("http://fagsystem.kommune.no/hooks", "insecure_url"),
        ("https://127.0.0.1/hooks", "private_address"),
        ("https://localhost:8443/hooks", "private_address"),
        (
            "https://169.254.169.254/latest/meta-data",
            "private_address",
        ),
        ("https://[fd00::1]/hooks", "private_address"),
        (
            "https://user:pw@fagsystem.kommune.no/hooks",
            "credentials_in_url",
        ),
        ("fagsystem.kommune.no/hooks", "invalid_url"),
    ] {
        let problem = expect_problem(
            app.post(
                "/api/v1/webhook-endpoints",
                &s.coordinator,
                &json!({"url": url, "event_types": ["volunteer.status_changed"]}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
        assert_eq!(problem["errors"][0]["code"], code, "{url}: {problem}");
    }
    let empty = expect_problem(
        app.post(
            "/api/v1/webhook-endpoints",
            &s.coordinator,
            &json!({"url": "https://fagsystem.kommune.no/hooks", "event_types": []}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&empty), ["event_types"]);
    let unknown = app
        .post(
            "/api/v1/webhook-endpoints",
            &s.coordinator,
            &json!({"url": "https://fagsystem.kommune.no/hooks", "event_types": ["volunteer.deleted"]}),
        )
        .await;
    assert!(matches!(unknown.status().as_u16(), 400 | 422));

    let hook = endpoint(
        &app,
        &s.coordinator,
        "https://fagsystem.kommune.no/hooks",
        &["volunteer.status_changed", "volunteer.status_changed"],
    )
    .await;
    assert_eq!(hook["event_types"], json!(["volunteer.status_changed"]));
    let path = format!("/api/v1/webhook-endpoints/{}", id_of(&hook));
    let read = expect_status(app.get(&path, &s.coordinator).await, 200).await;
    assert!(read.get("secret").is_none(), "{read}");
    let list = expect_status(
        app.get("/api/v1/webhook-endpoints", &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert!(list["items"][0].get("secret").is_none());

    // Another municipality's coordinator does not see it; a contact person may not manage any.
    expect_problem(app.get(&path, &other.coordinator).await, 404).await;
    let others = expect_status(
        app.get("/api/v1/webhook-endpoints", &other.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(others["items"], json!([]));
    expect_problem(
        app.get("/api/v1/webhook-endpoints", &s.contact_token).await,
        403,
    )
    .await;

    // Changes name the version they were made against.
    let change = |version: &str, body: Value| {
        send(
            app.request(Method::PATCH, &path, Some(&s.coordinator))
                .header("if-match", version)
                .json(&body),
        )
    };
    expect_problem(change("\"7\"", json!({"enabled": false})).await, 412).await;
    let invalid = expect_problem(
        change("\"7\"", json!({"url": "https://10.0.0.1/x"})).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&invalid), ["url"]);
    let disabled = expect_status(
        change("\"1\"", json!({"enabled": false, "description": null})).await,
        200,
    )
    .await;
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["version"], 2);
    assert_eq!(disabled["description"], Value::Null);
    assert!(str_of(&disabled, "disabled_reason").contains("Disabled by"));
    let deliveries = expect_status(
        app.get(&format!("{path}/deliveries?status=failed"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(deliveries["items"], json!([]));

    expect_problem(
        send(
            app.request(Method::DELETE, &path, Some(&s.coordinator))
                .header("if-match", "\"1\""),
        )
        .await,
        412,
    )
    .await;
    let deleted = send(
        app.request(Method::DELETE, &path, Some(&s.coordinator))
            .header("if-match", "\"2\""),
    )
    .await;
    assert_eq!(deleted.status().as_u16(), 204);
    expect_problem(app.get(&path, &s.coordinator).await, 404).await;
}

#[tokio::test]
async fn clearance_changes_are_told_once_by_change_and_by_date() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let receiver = Receiver::start().await;
    endpoint(
        &app,
        &s.coordinator,
        &receiver.url,
        &["volunteer.clearance_changed"],
    )
    .await;
    let admin = app.admin_token().await;
    let run = || async {
        expect_status(
            app.post("/api/v1/jobs/announce_clearance/runs", &admin, &json!({}))
                .await,
            200,
        )
        .await
    };
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    // A police certificate, good for three years from its issue date.
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{kari}/police-certificates"),
            &s.coordinator,
            &police_certificate("politiattest", &days_ago(20), &days_ago(5)),
        )
        .await,
        201,
    )
    .await;
    let _ola = registered(&app, &s, "Ola").await;
    assert_eq!(run().await["rows"], 1, "only Kari is cleared for anything");
    let first = receiver.wait_for(1).await.remove(0).json();
    assert_eq!(first["type"], "volunteer.clearance_changed");
    assert_eq!(first["data"]["volunteer_id"], kari.as_str());
    let kinds: Vec<&str> = first["data"]["cleared_for"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["activity_kind"].as_str().unwrap_or_default())
        .collect();
    assert!(kinds.contains(&"companionship"), "{first}");
    // Nothing changed: nothing more is told, however often the job runs.
    assert_eq!(run().await["rows"], 0);

    // Paused, Kari is cleared for nothing.
    expect_status(
        app.transition(
            &s.coordinator,
            samspill_tests::Subject::Volunteer(&kari),
            "paused",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(run().await["rows"], 1);
    let paused = receiver.wait_for(2).await.remove(1).json();
    assert_eq!(paused["data"]["cleared_for"], json!([]));
    expect_status(
        app.transition(
            &s.coordinator,
            samspill_tests::Subject::Volunteer(&kari),
            "approved",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(run().await["rows"], 1);
    let back = receiver.wait_for(3).await.remove(2).json();
    assert_eq!(back["data"]["cleared_for"], first["data"]["cleared_for"]);

    // The day the answer runs out by date alone, it is told without any change being made.
    let changes_on = back["data"]["changes_on"]
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| panic!("an approval rests on dated facts: {back}"));
    let days = (changes_on - today()).num_days();
    app.clock
        .advance(TimeDelta::days(days) + TimeDelta::hours(1));
    assert_eq!(run().await["rows"], 1);
    let by_date = receiver.wait_for(4).await.remove(3).json();
    assert_ne!(
        by_date["data"]["cleared_for"], back["data"]["cleared_for"],
        "{by_date}"
    );
}

#[tokio::test]
async fn a_secret_shown_once_is_not_kept_for_idempotent_retries() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let create = || {
        send(
            app.request(
                Method::POST,
                "/api/v1/webhook-endpoints",
                Some(&s.coordinator),
            )
            .header("idempotency-key", "hook-1")
            .json(&json!({"url": "https://fagsystem.kommune.no/hooks",
                              "event_types": ["visit.cancelled"]})),
        )
    };
    let first = expect_status(create().await, 201).await;
    let secret = str_of(&first, "secret").to_owned();
    let retry = expect_problem(create().await, 409).await;
    assert!(!retry.to_string().contains(&secret), "{retry}");
    let list = expect_status(
        app.get("/api/v1/webhook-endpoints", &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(1),
        "the retry made nothing"
    );
}
