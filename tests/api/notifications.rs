//! Email reminders over a real SMTP server (Python's aiosmtpd): the visit reminder arrives once,
//! in the municipality's language, and not after the volunteer opts out; coordinators are
//! warned of certificates running out and assignees of overdue follow-ups; preferences have a
//! version.

use chrono::{DateTime, Days, TimeDelta, Utc};
use diesel::{Connection, PgConnection};
use reqwest::Method;
use samspill_domain::ids::MunicipalityId;
use samspill_persistence::notifications;
use samspill_tests::{
    MunicipalitySetup, SmtpSink, TestApp, expect_problem, expect_status, id_of, police_certificate,
    send, today,
};
use serde_json::{Value, json};
use std::time::Duration;

async fn app_with_email(sink: &SmtpSink) -> TestApp {
    let url = sink.url.clone();
    TestApp::spawn_with(move |config| {
        config.smtp_url = Some(url);
        config.mail_from = "Samspill <varsel@test.samspill.no>".to_owned();
    })
    .await
}

async fn setup(app: &TestApp, country: &str, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .country(country)
        .unit("Solsiden")
        .contact_person("Randi")
        .build()
        .await
}

/// Places `volunteer` at the set-up's unit and adds a visit `days` days ahead at 12:00 local
/// time; returns when it starts.
async fn visit_ahead(
    app: &TestApp,
    s: &MunicipalitySetup,
    volunteer: &str,
    days: u64,
) -> DateTime<Utc> {
    let placement = id_of(
        &expect_status(
            app.post(
                "/api/v1/placements",
                &s.coordinator,
                &json!({"volunteer_id": volunteer, "unit_id": s.unit,
                        "activity_kind": "companionship", "starts_on": today().to_string()}),
            )
            .await,
            201,
        )
        .await,
    );
    let visit = expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/visits"),
            &s.coordinator,
            &json!({"date": (today() + Days::new(days)).to_string(), "start_time": "12:00",
                    "duration_minutes": 90}),
        )
        .await,
        201,
    )
    .await;
    visit["starts_at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("no starts_at: {visit}"))
}

/// Moves the service's clock to `at`.
fn move_clock_to(app: &TestApp, at: DateTime<Utc>) {
    let by = at - app.clock.now();
    assert!(by > TimeDelta::zero(), "the clock only moves forward");
    app.clock.advance(by);
}

async fn plan(app: &TestApp) -> Value {
    let admin = app.admin_token().await;
    expect_status(
        app.post("/api/v1/jobs/plan_notifications/runs", &admin, &json!({}))
            .await,
        200,
    )
    .await
}

/// Gives the volunteer `volunteer` a login; returns its token.
async fn volunteer_login(app: &TestApp, s: &MunicipalitySetup, volunteer: &str) -> String {
    let (account, token) = app.user(Some(&s.municipality), "volunteer").await;
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{volunteer}"),
            &s.coordinator,
            &json!({"staff_user_id": account}),
        )
        .await,
        200,
    )
    .await;
    token
}

fn stored(app: &TestApp, municipality: &str) -> Vec<notifications::Stored> {
    let id = MunicipalityId::from(uuid::Uuid::parse_str(municipality).unwrap_or_default());
    let mut conn = PgConnection::establish(&app.database_url).unwrap_or_else(|e| panic!("{e}"));
    notifications::of_municipality(&mut conn, id).unwrap_or_default()
}

#[tokio::test]
async fn a_visit_reminder_arrives_once_in_the_right_language_and_not_after_opting_out() {
    let sink = SmtpSink::start().await;
    let app = app_with_email(&sink).await;
    let oslo = setup(&app, "NO", "0301").await;
    let aarhus = setup(&app, "DK", "751").await;
    let kari = app.approved_volunteer(&oslo, "Kari").create().await;
    let jens = app.approved_volunteer(&aarhus, "Jens").create().await;
    let kari_token = volunteer_login(&app, &oslo, &kari).await;
    let kari_visit = visit_ahead(&app, &oslo, &kari, 2).await;
    let jens_visit = visit_ahead(&app, &aarhus, &jens, 2).await;
    assert_eq!(
        kari_visit - jens_visit,
        TimeDelta::zero(),
        "noon in Oslo and Aarhus alike"
    );

    // Nothing is planned two days ahead; 23 hours before the visits (13:00 local, daytime)
    // the reminders are planned and sent at once, their 24-hour lead time having passed.
    assert_eq!(plan(&app).await["rows"], 0);
    move_clock_to(&app, kari_visit - TimeDelta::hours(23));
    assert_eq!(plan(&app).await["rows"], 2);
    let mails = sink.wait_for(2).await;
    let to_kari = mails
        .iter()
        .find(|m| m.to.contains("kari@example.no"))
        .unwrap_or_else(|| panic!("{mails:?}"));
    let to_jens = mails
        .iter()
        .find(|m| m.to.contains("jens@example.no"))
        .unwrap_or_else(|| panic!("{mails:?}"));
    let day = (today() + Days::new(2)).format("%d.%m.%Y").to_string();
    assert_eq!(
        to_kari.subject,
        format!("Påminnelse: besøk {day} kl. 12:00")
    );
    assert!(to_kari.body.starts_with("Hei Kari!"), "{}", to_kari.body);
    assert!(
        to_kari.body.contains("(90 minutter) på Solsiden"),
        "{}",
        to_kari.body
    );
    assert_eq!(
        to_jens.subject,
        format!("Påmindelse: besøg {day} kl. 12:00")
    );
    assert!(to_jens.body.starts_with("Hej Jens!"), "{}", to_jens.body);

    // Planning again changes nothing: each visit is reminded of once.
    assert_eq!(plan(&app).await["rows"], 0);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sink.messages().len(), 2);

    // Kari opts out of visit reminders; her next visit's reminder is skipped, not sent.
    let prefs = expect_status(
        app.get("/api/v1/me/notification-preferences", &kari_token)
            .await,
        200,
    )
    .await;
    assert!(
        prefs["kinds"]
            .as_array()
            .is_some_and(|k| k.iter().all(|k| k["receive"] == true)),
        "{prefs}"
    );
    let change = |version: &str| {
        send(
            app.request(
                Method::PATCH,
                "/api/v1/me/notification-preferences",
                Some(&kari_token),
            )
            .header("if-match", version.to_owned())
            .json(&json!({"visit_reminder": false})),
        )
    };
    expect_problem(change("\"5\"").await, 412).await;
    let changed = expect_status(change("\"1\"").await, 200).await;
    assert_eq!(changed["version"], 2);
    let visit_reminder = changed["kinds"]
        .as_array()
        .and_then(|k| k.iter().find(|k| k["kind"] == "visit_reminder").cloned())
        .unwrap_or_default();
    assert_eq!(visit_reminder["receive"], false);
    let next = visit_ahead(&app, &oslo, &kari, 4).await;
    move_clock_to(&app, next - TimeDelta::hours(23));
    assert_eq!(plan(&app).await["rows"], 1);
    for _ in 0..100 {
        if stored(&app, &oslo.municipality)
            .iter()
            .all(|n| n.status != "pending")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kept = stored(&app, &oslo.municipality);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(
        (kept[0].status.as_str(), kept[1].status.as_str()),
        ("sent", "skipped")
    );
    assert_eq!(kept[1].reason.as_deref(), Some("opted out of this kind"));
    assert_eq!(sink.messages().len(), 2);
    // Administrators belong to no municipality and have no preferences.
    let admin = app.admin_token().await;
    expect_problem(
        app.get("/api/v1/me/notification-preferences", &admin).await,
        403,
    )
    .await;
}

#[tokio::test]
async fn coordinators_are_warned_of_expiries_and_assignees_of_overdue_follow_ups() {
    let sink = SmtpSink::start().await;
    let app = app_with_email(&sink).await;
    let s = setup(&app, "NO", "0301").await;
    let me = expect_status(app.get("/api/v1/me", &s.coordinator).await, 200).await;
    let coordinator_email = me["email"].as_str().unwrap_or_default().to_owned();
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    // A certificate issued almost three years ago: it runs out within the 30-day window.
    let issued = today() - chrono::Months::new(36) + Days::new(10);
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{kari}/police-certificates"),
            &s.coordinator,
            &police_certificate(
                "politiattest",
                &issued.to_string(),
                &(issued + Days::new(5)).to_string(),
            ),
        )
        .await,
        201,
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
    // Two days on, at noon in Oslo, the follow-up is overdue.
    let noon = (today() + Days::new(2))
        .and_hms_opt(11, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default();
    move_clock_to(&app, noon);
    assert_eq!(plan(&app).await["rows"], 2);
    let mails = sink.wait_for(2).await;
    assert!(
        mails.iter().all(|m| m.to.contains(&coordinator_email)),
        "{mails:?}"
    );
    let expiry = mails
        .iter()
        .find(|m| m.subject.starts_with("Utløper snart"))
        .unwrap_or_else(|| panic!("{mails:?}"));
    assert_eq!(expiry.subject, "Utløper snart: Kari Frivillig");
    let overdue = mails
        .iter()
        .find(|m| m.subject.starts_with("Oppfølging på overtid"))
        .unwrap_or_else(|| panic!("{mails:?}"));
    assert_eq!(overdue.subject, "Oppfølging på overtid: Kari Frivillig");
    assert!(
        overdue
            .body
            .contains(&today().format("%d.%m.%Y").to_string()),
        "{}",
        overdue.body
    );
    assert_eq!(plan(&app).await["rows"], 0);
}

#[tokio::test]
async fn those_registered_for_an_event_are_reminded_before_each_session_they_still_attend() {
    let sink = SmtpSink::start().await;
    let app = app_with_email(&sink).await;
    let s = setup(&app, "NO", "0302").await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let (staff, _) = app.user(Some(&s.municipality), "contact_person").await;
    // Noon in Oslo (UTC+1 in winter, UTC+2 in summer) two and four days ahead.
    let noon = |days: u64| {
        let day = today() + Days::new(days);
        let local = day
            .and_hms_opt(12, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::Europe::Oslo).single())
            .unwrap_or_else(|| panic!("no noon on {day}"));
        local.with_timezone(&Utc)
    };
    let (first, second) = (noon(2), noon(4));
    let created = expect_status(
        app.post(
            "/api/v1/events",
            &s.coordinator,
            &json!({"kind": "theme_training", "title": "Demensomsorg",
                    "sessions": [
                        {"starts_at": first, "ends_at": first + TimeDelta::hours(3), "place": "Kultursalen"},
                        {"starts_at": second, "ends_at": second + TimeDelta::hours(3), "place": "Kultursalen"}
                    ],
                    "audience": {"volunteer_ids": [kari]}}),
        )
        .await,
        201,
    )
    .await;
    let event = id_of(&created);
    let published = send(
        app.request(
            Method::POST,
            &format!("/api/v1/events/{event}/transitions"),
            Some(&s.coordinator),
        )
        .header("if-match", format!("\"{}\"", created["version"]))
        .json(&json!({"to": "published"})),
    )
    .await;
    expect_status(published, 200).await;
    expect_status(
        app.post(
            &format!("/api/v1/events/{event}/invitations"),
            &s.coordinator,
            &json!({"staff_user_ids": [staff]}),
        )
        .await,
        200,
    )
    .await;
    let invitations = expect_status(
        app.get(
            &format!("/api/v1/events/{event}/invitations"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let invitations = invitations["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(invitations.len(), 2);
    let answer = |invitation: &Value, answer: &str| {
        send(
            app.request(
                Method::POST,
                &format!(
                    "/api/v1/events/{event}/invitations/{}/answer",
                    id_of(invitation)
                ),
                Some(&s.coordinator),
            )
            .json(&json!({ "answer": answer })),
        )
    };
    for invitation in &invitations {
        expect_status(answer(invitation, "yes").await, 200).await;
    }

    assert_eq!(plan(&app).await["rows"], 0);
    move_clock_to(&app, first - TimeDelta::hours(23));
    assert_eq!(plan(&app).await["rows"], 2);
    let mails = sink.wait_for(2).await;
    let day = first
        .with_timezone(&chrono_tz::Europe::Oslo)
        .format("%d.%m.%Y");
    assert!(
        mails
            .iter()
            .all(|m| m.subject == format!("Påminnelse: Demensomsorg {day} kl. 12:00")),
        "{mails:?}"
    );
    let to_kari = mails
        .iter()
        .find(|m| m.to.contains("kari@example.no"))
        .unwrap_or_else(|| panic!("{mails:?}"));
    assert!(
        to_kari.body.starts_with("Hei Kari!") && to_kari.body.contains("på Kultursalen"),
        "{}",
        to_kari.body
    );

    // Kari says no before the second evening: only the staff member is reminded of it.
    let kari_invitation = invitations
        .iter()
        .find(|i| i["volunteer_id"] == kari.as_str())
        .unwrap_or_else(|| panic!("{invitations:?}"));
    expect_status(answer(kari_invitation, "no").await, 200).await;
    move_clock_to(&app, second - TimeDelta::hours(23));
    assert_eq!(plan(&app).await["rows"], 1);
    // (The sink lists mails by file name, which does not keep the order of arrival within a
    // second: count them by whom they went to.)
    let mails = sink.wait_for(3).await;
    let to_kari = mails
        .iter()
        .filter(|m| m.to.contains("kari@example.no"))
        .count();
    assert_eq!((mails.len(), to_kari), (3, 1), "Kari declined: {mails:?}");
    assert_eq!(plan(&app).await["rows"], 0);
}
