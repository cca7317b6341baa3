//! Calendars of planned visits (`text/calendar`, RFC 5545) for a volunteer, a unit and a
//! volunteer's own, read with an iCalendar parser; and a volunteer's own placements and
//! visits. Each calendar holds one event per planned visit in its window, at the local time of
//! the schedule, and tells about a home only what its reader needs.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{Europe::Oslo, Tz};
use icalendar::parser::{read_calendar, unfold};
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

/// One event of a calendar, as its properties say.
#[derive(Debug, Clone)]
struct Event {
    uid: String,
    starts: DateTime<Tz>,
    ends: DateTime<Tz>,
    summary: String,
    location: Option<String>,
    status: String,
    stamped: bool,
}

/// A date-time property as an instant in Oslo: UTC (`…Z`), or local in its `TZID`.
fn instant(value: &str, tzid: Option<&str>) -> DateTime<Tz> {
    let naive = |v: &str| {
        NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
            .unwrap_or_else(|e| panic!("not a date-time: {v}: {e}"))
    };
    match (value.strip_suffix('Z'), tzid) {
        (Some(utc), _) => Utc.from_utc_datetime(&naive(utc)).with_timezone(&Oslo),
        (None, Some(zone)) => {
            let zone: Tz = zone
                .parse()
                .unwrap_or_else(|_| panic!("unknown TZID {zone}"));
            zone.from_local_datetime(&naive(value))
                .single()
                .unwrap_or_else(|| panic!("ambiguous local time {value}"))
                .with_timezone(&Oslo)
        }
        (None, None) => panic!("a floating time: {value}"),
    }
}

/// Reads a calendar as text and parses it with the `icalendar` crate's parser; checks the
/// content lines (CRLF, at most 75 octets) on the way.
async fn calendar(response: reqwest::Response) -> (String, Vec<Event>) {
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, 200, "{text}");
    assert_eq!(media, "text/calendar; charset=utf-8");
    assert!(text.ends_with("\r\n"), "{text}");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n'), "a bare line feed: {line:?}");
    }
    let unfolded = unfold(&text);
    let parsed = read_calendar(&unfolded).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let property = |props: &[icalendar::parser::Property<'_>], name: &str| {
        props
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| p.val.as_str().to_owned())
    };
    assert_eq!(
        property(&parsed.properties, "VERSION").as_deref(),
        Some("2.0")
    );
    assert!(property(&parsed.properties, "PRODID").is_some());
    let mut events = Vec::new();
    for component in &parsed.components {
        assert_eq!(component.name.as_str(), "VEVENT", "{text}");
        let time = |name: &str| {
            let found = component
                .find_prop(name)
                .unwrap_or_else(|| panic!("no {name}: {text}"));
            let tzid = found
                .params
                .iter()
                .find(|p| p.key.as_str() == "TZID")
                .and_then(|p| p.val.as_ref().map(|v| v.as_str().to_owned()));
            instant(found.val.as_str(), tzid.as_deref())
        };
        events.push(Event {
            uid: property(&component.properties, "UID").unwrap_or_default(),
            starts: time("DTSTART"),
            ends: time("DTEND"),
            summary: property(&component.properties, "SUMMARY").unwrap_or_default(),
            location: property(&component.properties, "LOCATION"),
            status: property(&component.properties, "STATUS").unwrap_or_default(),
            stamped: property(&component.properties, "DTSTAMP").is_some_and(|s| s.ends_with('Z')),
        });
    }
    (text, events)
}

/// A page of visits of `path` (up to 200).
async fn visits(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let page = expect_status(app.get(path, token).await, 200).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

fn weekday_name(date: NaiveDate) -> &'static str {
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][date.weekday().num_days_from_monday() as usize]
}

/// Places `volunteer` at `place` (`unit_id` or `recipient_id`) from `starts_on` and adds a
/// weekly schedule; returns the placement id.
async fn placed(
    app: &TestApp,
    s: &MunicipalitySetup,
    volunteer: &str,
    place: (&str, &str),
    starts_on: NaiveDate,
    rule: Value,
) -> String {
    let mut body = json!({"volunteer_id": volunteer, "activity_kind": "companionship",
                          "starts_on": starts_on.to_string()});
    body[place.0] = json!(place.1);
    let placement = id_of(
        &expect_status(
            app.post("/api/v1/placements", &s.coordinator, &body).await,
            201,
        )
        .await,
    );
    let mut schedule = json!({"starts_on": starts_on.to_string(), "start_time": "14:00",
                              "duration_minutes": 90});
    for (key, value) in rule.as_object().cloned().unwrap_or_default() {
        schedule[key] = value;
    }
    expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
            &schedule,
        )
        .await,
        201,
    )
    .await;
    placement
}

#[tokio::test]
async fn a_weekly_tuesday_at_two_is_at_two_in_the_calendar_on_both_sides_of_summer_time() {
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
    let year = today().year() + 1;
    let march = NaiveDate::from_ymd_opt(year, 3, 1).unwrap_or_default();
    let placement = placed(
        &app,
        &s,
        &volunteer,
        ("unit_id", &s.unit),
        march,
        json!({"weekdays": ["tuesday"]}),
    )
    .await;
    let last_sunday_of_march = (25..=31)
        .filter_map(|d| NaiveDate::from_ymd_opt(year, 3, d))
        .find(|d| d.weekday() == chrono::Weekday::Sun)
        .unwrap_or_default();
    let (from, to) = (
        last_sunday_of_march - Days::new(6),
        last_sunday_of_march + Days::new(2),
    );
    let window = format!("from={from}&to={to}");
    let path = format!("/api/v1/volunteers/{volunteer}/calendar.ics?{window}");

    let (text, events) = calendar(app.get(&path, &s.coordinator).await).await;
    let planned = visits(
        &app,
        &s.coordinator,
        &format!("/api/v1/visits?placement_id={placement}&{window}"),
    )
    .await;
    assert_eq!(planned.len(), 2, "{planned:?}");
    assert_eq!(events.len(), 2, "{text}");
    let uids: Vec<String> = planned
        .iter()
        .map(|v| format!("{}@samspill", v["id"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        events.iter().map(|e| e.uid.clone()).collect::<Vec<_>>(),
        uids
    );
    for (event, visit) in events.iter().zip(&planned) {
        assert_eq!(event.starts.format("%H:%M").to_string(), "14:00", "{text}");
        assert_eq!(event.starts.weekday(), chrono::Weekday::Tue);
        assert_eq!(
            event.starts.date_naive().to_string(),
            visit["date"].as_str().unwrap_or_default()
        );
        assert_eq!(event.ends - event.starts, chrono::TimeDelta::minutes(90));
        assert_eq!(
            event.summary,
            "Companionship (samvær og nærvær) at Solsiden sykehjem"
        );
        assert_eq!(event.location.as_deref(), Some("Solsiden sykehjem"));
        assert_eq!(event.status, "TENTATIVE", "the placement is only proposed");
        assert!(event.stamped, "{text}");
    }
    // 13:00 UTC before the clocks go forward, 12:00 UTC after.
    assert_eq!(
        events[0]
            .starts
            .with_timezone(&Utc)
            .format("%H")
            .to_string(),
        "13"
    );
    assert_eq!(
        events[1]
            .starts
            .with_timezone(&Utc)
            .format("%H")
            .to_string(),
        "12"
    );

    // Once the placement is active the visits are confirmed; the unit's calendar holds them too.
    expect_status(
        app.post(
            &format!("/api/v1/placements/{placement}/transitions"),
            &s.coordinator,
            &json!({"to": "active", "reason": "Starts in March."}),
        )
        .await,
        200,
    )
    .await;
    let (_, unit_events) = calendar(
        app.get(
            &format!("/api/v1/units/{}/calendar.ics?{window}", s.unit),
            &s.coordinator,
        )
        .await,
    )
    .await;
    assert_eq!(unit_events.len(), 2);
    assert!(unit_events.iter().all(|e| e.status == "CONFIRMED"));
    assert_eq!(unit_events[1].starts, events[1].starts);

    // A cancelled visit leaves the calendar; the other keeps its UID.
    let cancelled = planned[0]["id"].as_str().unwrap_or_default();
    expect_status(
        app.post(
            &format!("/api/v1/visits/{cancelled}/transitions"),
            &s.coordinator,
            &json!({"to": "cancelled", "reason": "Easter outing instead."}),
        )
        .await,
        200,
    )
    .await;
    let (_, after) = calendar(app.get(&path, &s.coordinator).await).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].uid, uids[1]);
    assert!(
        after
            .iter()
            .all(|e| e.uid != format!("{cancelled}@samspill"))
    );

    // The whole year: one event per planned Tuesday, all at two in the afternoon.
    let year_window = format!("from={march}&to={}", march + Days::new(365));
    let all_planned = visits(
        &app,
        &s.coordinator,
        &format!("/api/v1/visits?placement_id={placement}&status=planned&limit=200&{year_window}"),
    )
    .await;
    let (_, all) = calendar(
        app.get(
            &format!("/api/v1/volunteers/{volunteer}/calendar.ics?{year_window}"),
            &s.coordinator,
        )
        .await,
    )
    .await;
    assert!(all.len() > 30, "{}", all.len());
    assert_eq!(all.len(), all_planned.len());
    assert!(
        all.iter()
            .all(|e| e.starts.format("%a %H:%M").to_string() == "Tue 14:00")
    );
}

#[tokio::test]
async fn a_volunteer_reads_only_their_own_placements_visits_and_calendar_with_the_address() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let (account, token) = app.user(Some(&s.municipality), "volunteer").await;
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{ola}"),
            &s.coordinator,
            &json!({"staff_user_id": account}),
        )
        .await,
        200,
    )
    .await;
    let home = id_of(
        &expect_status(
            app.post(
                "/api/v1/recipients",
                &s.coordinator,
                &json!({"display_name": "Ingrid H.", "address": "Storgata 12, 0155 Oslo",
                        "contact_phone": "22 33 44 55", "responsible_unit_id": s.unit,
                        "consent_given_by": "recipient", "consent_given_on": today().to_string()}),
            )
            .await,
            201,
        )
        .await,
    );
    let tomorrow = today() + Days::new(1);
    let rule = json!({"weekdays": [weekday_name(tomorrow)], "count": 3});
    let at_home = placed(
        &app,
        &s,
        &ola,
        ("recipient_id", &home),
        tomorrow,
        rule.clone(),
    )
    .await;
    let at_unit = placed(&app, &s, &kari, ("unit_id", &s.unit), tomorrow, rule).await;

    // The calendar, by default from today to twelve weeks ahead: Ola's three home visits,
    // with the person's display name and the address Ola goes to, never the phone number.
    let (text, mine) = calendar(app.get("/api/v1/me/calendar.ics", &token).await).await;
    assert_eq!(mine.len(), 3, "{text}");
    for event in &mine {
        assert_eq!(
            event.summary,
            "Companionship (samvær og nærvær): home visit to Ingrid H."
        );
        assert_eq!(event.location.as_deref(), Some("Storgata 12, 0155 Oslo"));
        assert_eq!(event.starts.format("%H:%M").to_string(), "14:00");
    }
    assert!(
        !text.contains("22334455") && !text.contains("Kari"),
        "{text}"
    );

    let own_visits = visits(&app, &token, "/api/v1/me/visits?limit=200").await;
    assert_eq!(own_visits.len(), 3);
    assert!(
        own_visits
            .iter()
            .all(|v| v["placement_id"] == at_home.as_str())
    );
    assert_eq!(
        mine.iter().map(|e| e.uid.clone()).collect::<Vec<_>>(),
        own_visits
            .iter()
            .map(|v| format!("{}@samspill", v["id"].as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
    );
    let own = expect_status(app.get("/api/v1/me/placements", &token).await, 200).await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["items"][0]["id"], at_home.as_str());
    assert_eq!(own["items"][0]["recipient_id"], home.as_str());
    assert_eq!(own["next_cursor"], Value::Null);

    // Pages of /me/visits follow start order with cursors of their own list.
    let first = expect_status(app.get("/api/v1/me/visits?limit=2", &token).await, 200).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let second = expect_status(
        app.get(
            &format!("/api/v1/me/visits?limit=2&cursor={cursor}"),
            &token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(second["items"][0], own_visits[2]);
    assert_eq!(second["next_cursor"], Value::Null);
    let elsewhere = expect_problem(
        app.get(&format!("/api/v1/visits?cursor={cursor}"), &s.coordinator)
            .await,
        400,
    )
    .await;
    assert_eq!(error_fields(&elsewhere), ["cursor"]);

    // Staff calendars: the volunteer's names the person but not the address; the unit's holds
    // the visits at the unit and in the homes of the people it answers for.
    let (staff_text, olas) = calendar(
        app.get(
            &format!("/api/v1/volunteers/{ola}/calendar.ics"),
            &s.coordinator,
        )
        .await,
    )
    .await;
    assert_eq!(olas.len(), 3);
    assert!(olas.iter().all(|e| e.location.is_none()
        && e.summary == "Companionship (samvær og nærvær): home visit to Ingrid H."));
    assert!(!staff_text.contains("Storgata"), "{staff_text}");
    let (unit_text, unit) = calendar(
        app.get(
            &format!("/api/v1/units/{}/calendar.ics", s.unit),
            &s.coordinator,
        )
        .await,
    )
    .await;
    assert_eq!(unit.len(), 6, "{unit_text}");
    assert!(!unit_text.contains("Storgata"), "{unit_text}");
    let kari_visits = visits(
        &app,
        &s.coordinator,
        &format!("/api/v1/visits?placement_id={at_unit}"),
    )
    .await;
    assert!(kari_visits.iter().all(|v| {
        let uid = format!("{}@samspill", v["id"].as_str().unwrap_or_default());
        unit.iter().any(|e| e.uid == uid) && mine.iter().all(|e| e.uid != uid)
    }));

    // The contact person of both volunteers reads their calendars, not the unit's.
    let (_, contacts) = calendar(
        app.get(
            &format!("/api/v1/volunteers/{kari}/calendar.ics"),
            &s.contact_token,
        )
        .await,
    )
    .await;
    assert_eq!(contacts.len(), 3);
    assert!(contacts.iter().all(|e| e.status == "TENTATIVE"));
    expect_problem(
        app.get(
            &format!("/api/v1/units/{}/calendar.ics", s.unit),
            &s.contact_token,
        )
        .await,
        403,
    )
    .await;

    // Volunteer accounts use /me; staff have no /me calendar, placements or visits.
    for path in [
        format!("/api/v1/volunteers/{ola}/calendar.ics"),
        format!("/api/v1/units/{}/calendar.ics", s.unit),
    ] {
        expect_problem(app.get(&path, &token).await, 403).await;
    }
    for path in [
        "/api/v1/me/calendar.ics",
        "/api/v1/me/placements",
        "/api/v1/me/visits",
    ] {
        expect_problem(app.get(path, &s.coordinator).await, 403).await;
        expect_problem(app.get(path, &s.contact_token).await, 403).await;
    }
    let anonymous = send(app.request(Method::GET, "/api/v1/me/calendar.ics", None)).await;
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn calendars_stay_in_their_municipality_and_refuse_a_bad_window_naming_the_field() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let other = setup(&app, "1804").await;
    let theirs = app.approved_volunteer(&other, "Per").create().await;
    let ours = app.approved_volunteer(&s, "Ola").create().await;

    for path in [
        format!("/api/v1/volunteers/{theirs}/calendar.ics"),
        format!("/api/v1/units/{}/calendar.ics", other.unit),
        format!("/api/v1/volunteers/{}/calendar.ics", uuid::Uuid::now_v7()),
        format!("/api/v1/units/{}/calendar.ics", uuid::Uuid::now_v7()),
    ] {
        expect_problem(app.get(&path, &s.coordinator).await, 404).await;
    }
    // A contact person reads only the volunteers assigned to them.
    let unassigned = app
        .create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Liv", "family_name": "Berg", "email": "liv@example.no"}),
        )
        .await;
    expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{}/calendar.ics", id_of(&unassigned)),
            &s.contact_token,
        )
        .await,
        404,
    )
    .await;
    // An administrator reads any municipality's.
    let admin = app.admin_token().await;
    let (_, none) = calendar(
        app.get(
            &format!("/api/v1/units/{}/calendar.ics", other.unit),
            &admin,
        )
        .await,
    )
    .await;
    assert!(none.is_empty());

    let calendar_path = format!("/api/v1/volunteers/{ours}/calendar.ics");
    let (volunteer_token, own_path) = {
        let (account, token) = app.user(Some(&s.municipality), "volunteer").await;
        expect_status(
            app.patch(
                &format!("/api/v1/volunteers/{ours}"),
                &s.coordinator,
                &json!({"staff_user_id": account}),
            )
            .await,
            200,
        )
        .await;
        (token, "/api/v1/me/calendar.ics".to_owned())
    };
    let from = today();
    for (path, token) in [
        (&calendar_path, &s.coordinator),
        (
            &format!("/api/v1/units/{}/calendar.ics", s.unit),
            &s.coordinator,
        ),
        (&own_path, &volunteer_token),
    ] {
        let backwards = expect_problem(
            app.get(
                &format!("{path}?from={from}&to={}", from - Days::new(1)),
                token,
            )
            .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&backwards), ["to"]);
        let too_long = expect_problem(
            app.get(
                &format!("{path}?from={from}&to={}", from + Days::new(400)),
                token,
            )
            .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&too_long), ["to"]);
        let ancient = expect_problem(
            app.get(&format!("{path}?from=1850-01-01"), token).await,
            422,
        )
        .await;
        assert_eq!(error_fields(&ancient), ["from"]);
        // Text that is not a date at all cannot be read, as in every query (400).
        let garbage =
            expect_problem(app.get(&format!("{path}?from=tuesday"), token).await, 400).await;
        assert_eq!(error_fields(&garbage), ["from"]);
        // A window of exactly a year is fine.
        calendar(
            app.get(
                &format!("{path}?from={from}&to={}", from + Days::new(366)),
                token,
            )
            .await,
        )
        .await;
    }
    let long_list = expect_problem(
        app.get(
            &format!("/api/v1/me/visits?from={from}&to={}", from + Days::new(400)),
            &volunteer_token,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&long_list), ["to"]);
}
