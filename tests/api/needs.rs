//! Needs over HTTP: a unit asks, the public board shows only what strangers may see, people
//! say they are interested (at registration, logged in, through a coordinator), candidates are
//! ranked with their clearance answers, and placing from a need fills it.

use chrono::TimeDelta;
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, TestApp, days_ago, days_ahead, error_fields, expect_problem, expect_status,
    id_of, police_certificate, send,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

/// A need of the set-up's unit, Thursday afternoons from two weeks ahead, with `extra` fields.
fn need_body(s: &MunicipalitySetup, extra: Value) -> Value {
    let mut body = json!({
        "unit_id": s.unit,
        "activity_kind": "companionship",
        "starts_on": days_ahead(14),
        "weekdays": ["thursday"],
        "start_time": "14:00",
        "duration_minutes": 90,
        "places": 2,
        "languages": ["no"],
        "description": "Reading aloud for residents on Thursday afternoons.",
        "published": true,
        "status": "open",
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            body.insert(k.clone(), v.clone());
        }
    }
    body
}

async fn create_need(app: &TestApp, token: &str, body: &Value) -> Value {
    expect_status(app.post("/api/v1/needs", token, body).await, 201).await
}

async fn board(app: &TestApp, code: &str) -> reqwest::Response {
    send(app.request(
        Method::GET,
        &format!("/api/v1/public/municipalities/{code}/needs"),
        None,
    ))
    .await
}

async fn candidates(app: &TestApp, token: &str, need: &str) -> Vec<Value> {
    let page = expect_status(
        app.get(&format!("/api/v1/needs/{need}/candidates"), token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_published_need_shows_on_the_public_board_without_anything_personal() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3301").await;
    let home = create_need(&app, &s.coordinator, &need_body(&s, json!({}))).await;
    assert_eq!(home["status"], "open");
    assert_eq!(home["setting"], "institution");
    assert_eq!(home["places_filled"], 0);
    assert_eq!(home["contact_person_id"], Value::Null);
    let recipient = expect_status(
        app.post(
            "/api/v1/recipients",
            &s.coordinator,
            &json!({"display_name": "Ingrid Hagen", "address": "Storgata 12, 0155 Oslo",
                    "contact_phone": "22 33 44 55", "responsible_unit_id": s.unit,
                    "consent_given_by": "recipient", "consent_given_on": days_ago(3)}),
        )
        .await,
        201,
    )
    .await;
    let at_home = create_need(
        &app,
        &s.coordinator,
        &json!({"recipient_id": recipient["id"], "activity_kind": "companionship",
                "starts_on": days_ahead(10), "start_time": "11:00",
                "duration_minutes": 60, "description": "A walk and coffee with an older woman who misses company.",
                "published": true, "status": "open"}),
    )
    .await;
    assert_eq!(at_home["setting"], "private_home");
    assert_eq!(
        at_home["unit_id"],
        s.unit.as_str(),
        "the responsible unit asks"
    );
    assert_eq!(at_home["weekdays"], json!([]), "one date");
    // A home visit for a particular target group would tell strangers about the person.
    let revealing = expect_problem(
        app.post(
            "/api/v1/needs",
            &s.coordinator,
            &json!({"recipient_id": recipient["id"], "activity_kind": "companionship",
                    "target_group": "dementia", "starts_on": days_ahead(10), "start_time": "11:00",
                    "duration_minutes": 60, "description": "Company.", "published": true}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&revealing), ["published"]);
    let group_home = create_need(
        &app,
        &s.coordinator,
        &need_body(&s, json!({"target_group": "intellectual_disability"})),
    )
    .await;
    let draft = create_need(
        &app,
        &s.coordinator,
        &need_body(&s, json!({"status": "draft"})),
    )
    .await;
    create_need(
        &app,
        &s.coordinator,
        &need_body(&s, json!({"published": false})),
    )
    .await;

    let response = board(&app, "3301").await;
    let tag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=60")
    );
    let text = response.text().await.unwrap_or_default();
    for personal in [
        "Ingrid",
        "Hagen",
        "Storgata",
        "22 33",
        "+4722",
        recipient["id"].as_str().unwrap_or("-"),
    ] {
        assert!(!text.contains(personal), "the board shows {personal}");
    }
    let page: Value = serde_json::from_str(&text).unwrap_or_default();
    let items = page["items"].as_array().cloned().unwrap_or_default();
    let listed = ids(&items);
    assert_eq!(
        listed.len(),
        3,
        "neither the draft nor the unpublished need: {page}"
    );
    assert!(listed.contains(&id_of(&home)) && listed.contains(&id_of(&at_home)));
    assert!(!listed.contains(&id_of(&draft)));
    let shown_home = items
        .iter()
        .find(|i| i["id"] == home["id"])
        .cloned()
        .unwrap_or_default();
    assert_eq!(shown_home["unit_name"], "Solsiden sykehjem");
    assert_eq!(shown_home["places_free"], 2);
    assert_eq!(shown_home["start_time"], "14:00");
    assert_eq!(
        shown_home["activity_name"],
        "Companionship (samvær og nærvær)"
    );
    assert_eq!(page["municipality"], "Kommune 3301");
    let shown_visit = items
        .iter()
        .find(|i| i["id"] == at_home["id"])
        .cloned()
        .unwrap_or_default();
    assert_eq!(shown_visit["setting"], "private_home");
    assert_eq!(shown_visit["target_group"], "general");
    let shown_group_home = items
        .iter()
        .find(|i| i["id"] == group_home["id"])
        .cloned()
        .unwrap_or_default();
    let required: Vec<&Value> = shown_group_home["requires"]
        .as_array()
        .map(|r| r.iter().map(|x| &x["requirement"]).collect())
        .unwrap_or_default();
    assert!(
        required.contains(&&json!("politiattest")),
        "people with intellectual disabilities ask for a police certificate: {shown_group_home}"
    );
    for forbidden in [
        "recipient_id",
        "display_name",
        "address",
        "contact_person_id",
        "created_by",
    ] {
        assert!(shown_visit.get(forbidden).is_none(), "{forbidden} is shown");
    }

    let cached = send(
        app.request(
            Method::GET,
            "/api/v1/public/municipalities/3301/needs",
            None,
        )
        .header("If-None-Match", &tag),
    )
    .await;
    assert_eq!(cached.status().as_u16(), 304);
    expect_problem(board(&app, "9997").await, 404).await;
}

#[tokio::test]
async fn a_volunteer_who_registered_naming_the_need_comes_first_among_its_candidates() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3302").await;
    let need = create_need(&app, &s.coordinator, &need_body(&s, json!({}))).await;
    let need_id = id_of(&need);
    // Approved, wants the activity, speaks the language, belongs to the unit: a strong fit.
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{ola}"),
            &s.coordinator,
            &json!({"languages": ["no"], "availability": ["thursday:afternoon"]}),
        )
        .await,
        200,
    )
    .await;
    let register = |body: Value| {
        send(
            app.request(Method::POST, "/api/v1/registrations", None)
                .json(&body),
        )
    };
    let body = json!({"municipality_code": "3302", "given_name": "Siri", "family_name": "Lie",
                      "email": "siri@example.no", "privacy_notice_accepted": true,
                      "privacy_notice_version": "2026-1", "needs": [need_id]});
    expect_status(register(body.clone()).await, 202).await;
    let mut unknown = body.clone();
    unknown["email"] = json!("other@example.no");
    unknown["needs"] = json!(["0193a0c2-5b1e-7000-8000-00000000dead"]);
    assert_eq!(
        error_fields(&expect_problem(register(unknown).await, 422).await),
        ["needs[0]"]
    );

    let listed = candidates(&app, &s.coordinator, &need_id).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["name"], "Siri Lie");
    assert_eq!(listed[0]["status"], "registered");
    assert_eq!(listed[0]["reasons"], json!(["interested"]));
    assert_eq!(listed[0]["cleared"], false);
    assert_eq!(listed[1]["id"], ola.as_str());
    assert_eq!(
        listed[1]["reasons"],
        json!([
            "wants_activity",
            "available_every_time",
            "speaks_language",
            "home_unit"
        ])
    );
    assert_eq!(listed[1]["score"], 23);
    assert_eq!(listed[1]["cleared"], true);

    let interests = expect_status(
        app.get(
            &format!("/api/v1/needs/{need_id}/interests"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(interests["items"][0]["source"], "registration");
    assert_eq!(interests["items"][0]["recorded_by"], Value::Null);
    let read = expect_status(
        app.get(&format!("/api/v1/needs/{need_id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(read["interested"], 1);

    // A second page continues after the first.
    let first = expect_status(
        app.get(
            &format!("/api/v1/needs/{need_id}/candidates?limit=1"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let second = expect_status(
        app.get(
            &format!("/api/v1/needs/{need_id}/candidates?limit=1&cursor={cursor}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        ids(second["items"].as_array().map_or(&[], |v| v)),
        vec![ola.clone()]
    );
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_candidate_without_the_certificate_the_need_requires_is_placed_only_once_it_is_recorded()
{
    let app = TestApp::spawn().await;
    let s = setup(&app, "3303").await;
    let need = create_need(
        &app,
        &s.coordinator,
        &need_body(
            &s,
            json!({"target_group": "intellectual_disability", "places": 1}),
        ),
    )
    .await;
    let need_id = id_of(&need);
    let ola = app.approved_volunteer(&s, "Ola").create().await;

    let listed = candidates(&app, &s.coordinator, &need_id).await;
    assert_eq!(ids(&listed), vec![ola.clone()]);
    assert_eq!(listed[0]["cleared"], false);
    assert_eq!(listed[0]["missing"], json!(["politiattest"]));
    assert_eq!(
        listed[0]["clearance"]["question"]["target_group"],
        "intellectual_disability"
    );

    let path = format!("/api/v1/needs/{need_id}/placements");
    let refused = expect_problem(
        app.post(&path, &s.coordinator, &json!({"volunteer_id": ola}))
            .await,
        409,
    )
    .await;
    assert_eq!(refused["type"], "urn:samspill:problem:not-cleared");
    assert_eq!(refused["missing"], json!(["politiattest"]));
    let unchanged = expect_status(
        app.get(&format!("/api/v1/needs/{need_id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(unchanged["places_filled"], 0);
    assert_eq!(unchanged["version"], need["version"], "nothing was written");

    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{ola}/police-certificates"),
            &s.coordinator,
            &police_certificate("politiattest", &days_ago(20), &days_ago(5)),
        )
        .await,
        201,
    )
    .await;
    let cleared = candidates(&app, &s.coordinator, &need_id).await;
    assert_eq!(cleared[0]["cleared"], true);
    let placed = expect_status(
        app.post(&path, &s.coordinator, &json!({"volunteer_id": ola}))
            .await,
        201,
    )
    .await;
    assert_eq!(placed["placement"]["need_id"], need_id.as_str());
    assert_eq!(placed["placement"]["status"], "proposed");
    assert_eq!(
        placed["placement"]["target_group"],
        "intellectual_disability"
    );
    assert_eq!(placed["placement"]["starts_on"], need["starts_on"]);
    assert_eq!(placed["need"]["status"], "filled");
    let placement = placed["placement"]["id"].as_str().unwrap_or_default();
    let schedules = expect_status(
        app.get(
            &format!("/api/v1/placements/{placement}/schedules"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(schedules[0]["weekdays"], json!(["thursday"]));
    assert_eq!(schedules[0]["start_time"], "14:00:00");
    assert!(
        candidates(&app, &s.coordinator, &need_id).await.is_empty(),
        "whoever is placed is no longer a candidate"
    );
}

#[tokio::test]
async fn placing_two_volunteers_fills_a_need_for_two() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3304").await;
    let need = create_need(&app, &s.coordinator, &need_body(&s, json!({}))).await;
    let need_id = id_of(&need);
    let path = format!("/api/v1/needs/{need_id}/placements");
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let per = app.approved_volunteer(&s, "Per").create().await;

    let first = expect_status(
        app.post(&path, &s.coordinator, &json!({"volunteer_id": ola}))
            .await,
        201,
    )
    .await;
    assert_eq!(first["need"]["status"], "open");
    assert_eq!(first["need"]["places_filled"], 1);
    let twice = expect_problem(
        app.post(&path, &s.coordinator, &json!({"volunteer_id": ola}))
            .await,
        409,
    )
    .await;
    assert_eq!(error_fields(&twice), ["volunteer_id"]);
    let second = expect_status(
        app.post(&path, &s.coordinator, &json!({"volunteer_id": kari}))
            .await,
        201,
    )
    .await;
    assert_eq!(second["need"]["status"], "filled");
    assert_eq!(second["need"]["places_filled"], 2);
    let full = expect_problem(
        app.post(&path, &s.coordinator, &json!({"volunteer_id": per}))
            .await,
        409,
    )
    .await;
    assert_eq!(error_fields(&full), ["status"], "a filled need is not open");
    let board = expect_status(board(&app, "3304").await, 200).await;
    assert_eq!(board["items"], json!([]), "a filled need leaves the board");

    // One more place opens it again, and it fills once more.
    let reopened = expect_status(
        send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/needs/{need_id}"),
                Some(&s.coordinator),
            )
            .header("If-Match", format!("\"{}\"", second["need"]["version"]))
            .json(&json!({"places": 3})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(reopened["status"], "open");
    let stale = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/needs/{need_id}"),
            Some(&s.coordinator),
        )
        .header("If-Match", format!("\"{}\"", second["need"]["version"]))
        .json(&json!({"places": 4})),
    )
    .await;
    expect_problem(stale, 412).await;
    let third = expect_status(
        app.post(&path, &s.coordinator, &json!({"volunteer_id": per}))
            .await,
        201,
    )
    .await;
    assert_eq!(third["need"]["status"], "filled");
    let placements = expect_status(
        app.get("/api/v1/placements?limit=10", &s.coordinator).await,
        200,
    )
    .await;
    assert_eq!(placements["items"].as_array().map_or(0, Vec::len), 3);
}

#[tokio::test]
async fn volunteers_and_coordinators_say_who_is_interested_and_contact_persons_manage_their_needs()
{
    let app = TestApp::spawn().await;
    let s = app
        .municipality("3305")
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .representative("Guri")
        .build()
        .await;
    // The unit's contact person asks, as themselves, in a draft the coordinator opens.
    expect_problem(
        app.post("/api/v1/needs", &s.contact_token, &need_body(&s, json!({})))
            .await,
        403,
    )
    .await;
    let need = create_need(
        &app,
        &s.contact_token,
        &need_body(&s, json!({"open_to": "both", "status": "draft"})),
    )
    .await;
    assert_eq!(need["contact_person_id"], s.contact.as_str());
    let need_id = id_of(&need);
    let open = format!("/api/v1/needs/{need_id}/transitions");
    expect_problem(
        app.post(&open, &s.contact_token, &json!({"to": "open"}))
            .await,
        403,
    )
    .await;
    expect_status(
        app.post(&open, &s.coordinator, &json!({"to": "open"}))
            .await,
        200,
    )
    .await;
    let mine = expect_status(app.get("/api/v1/needs", &s.contact_token).await, 200).await;
    assert_eq!(mine["items"].as_array().map_or(0, Vec::len), 1);
    let other = create_need(&app, &s.coordinator, &need_body(&s, json!({}))).await;
    expect_problem(
        app.get(
            &format!("/api/v1/needs/{}", id_of(&other)),
            &s.contact_token,
        )
        .await,
        404,
    )
    .await;
    expect_problem(
        app.get(
            &format!("/api/v1/needs/{need_id}/candidates"),
            &s.contact_token,
        )
        .await,
        403,
    )
    .await;

    // A volunteer with a login says they are interested, twice; the first stands.
    let ola = app.approved_volunteer(&s, "Ola").create().await;
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
    let interest = format!("/api/v1/me/needs/{need_id}/interest");
    let said = send(app.request(Method::PUT, &interest, Some(&token))).await;
    let said = expect_status(said, 201).await;
    assert_eq!(said["volunteer_id"], ola.as_str());
    assert_eq!(said["source"], "volunteer");
    let again = expect_status(
        send(app.request(Method::PUT, &interest, Some(&token))).await,
        200,
    )
    .await;
    assert_eq!(again["id"], said["id"]);
    expect_problem(app.get("/api/v1/needs", &token).await, 403).await;

    // A group, as its contact person tells the coordinator; the unit's contact person may
    // not record interest.
    let group = app
        .approved_group(
            &s.coordinator,
            json!({"name": "Sangkoret", "kind": "association", "contact_person_id": s.representative,
                    "head_count": 12, "home_unit_id": s.unit}),
        )
        .create()
        .await;
    let interests = format!("/api/v1/needs/{need_id}/interests");
    let said = expect_status(
        app.post(&interests, &s.coordinator, &json!({"group_id": group}))
            .await,
        201,
    )
    .await;
    assert_eq!(said["group_id"], group.as_str());
    assert_eq!(said["source"], "coordinator");
    expect_problem(
        app.post(&interests, &s.contact_token, &json!({"group_id": group}))
            .await,
        403,
    )
    .await;
    expect_problem(
        send(app.request(Method::PUT, &interest, Some(&s.contact_token))).await,
        403,
    )
    .await;
    let listed = candidates(&app, &s.coordinator, &need_id).await;
    let kinds: Vec<(&Value, &Value)> = listed.iter().map(|c| (&c["kind"], &c["id"])).collect();
    assert_eq!(
        kinds,
        vec![
            (&json!("volunteer"), &json!(ola)),
            (&json!("group"), &json!(group))
        ],
        "both interested; volunteers before groups at the same score"
    );

    // Withdrawn, the volunteer is no longer interested (but still a candidate by fit).
    let gone = send(app.request(Method::DELETE, &interest, Some(&token))).await;
    assert_eq!(gone.status().as_u16(), 204);
    let listed = candidates(&app, &s.coordinator, &need_id).await;
    assert_eq!(listed[0]["id"], group.as_str());
    assert!(
        !listed[1]["reasons"]
            .as_array()
            .is_none_or(|r| r.contains(&json!("interested")))
    );

    // Closing is for good: no more interest, no changes.
    let closed = expect_status(
        app.post(
            &format!("/api/v1/needs/{need_id}/transitions"),
            &s.contact_token,
            &json!({"to": "closed"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let late = expect_problem(
        send(app.request(Method::PUT, &interest, Some(&token))).await,
        409,
    )
    .await;
    assert_eq!(error_fields(&late), ["status"]);
    expect_problem(
        app.post(
            &format!("/api/v1/needs/{need_id}/transitions"),
            &s.coordinator,
            &json!({"to": "open"}),
        )
        .await,
        409,
    )
    .await;
    expect_problem(
        app.patch(
            &format!("/api/v1/needs/{need_id}"),
            &s.coordinator,
            &json!({"places": 5}),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn bad_needs_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3306").await;
    let (app, s) = (&app, &s);
    let refused = |body: Value| async move {
        let problem =
            expect_problem(app.post("/api/v1/needs", &s.coordinator, &body).await, 422).await;
        error_fields(&problem)
    };
    assert_eq!(
        refused(need_body(s, json!({"activity_kind": "knitting"}))).await,
        ["activity_kind"]
    );
    assert_eq!(
        refused(need_body(
            s,
            json!({"weekdays": [], "until": days_ahead(40)})
        ))
        .await,
        ["until"]
    );
    assert_eq!(
        refused(need_body(s, json!({"until": days_ago(40)}))).await,
        ["until"]
    );
    assert_eq!(
        refused(need_body(s, json!({"places": 0}))).await,
        ["places"]
    );
    assert_eq!(
        refused(need_body(s, json!({"description": " "}))).await,
        ["description"]
    );
    assert_eq!(
        refused(need_body(s, json!({"languages": ["norsk!"]}))).await,
        ["languages[0]"]
    );
    assert_eq!(
        refused(need_body(s, json!({"status": "filled"}))).await,
        ["status"]
    );
    assert_eq!(
        refused(need_body(
            s,
            json!({"unit_id": "0193a0c2-5b1e-7000-8000-00000000dead"})
        ))
        .await,
        ["unit_id"]
    );
    assert_eq!(
        refused(need_body(s, json!({"start_time": "25:00"}))).await,
        ["start_time"]
    );
    assert_eq!(
        refused(need_body(s, json!({"diagnosis": "dementia"}))).await,
        ["diagnosis"]
    );
    let none = expect_status(app.get("/api/v1/needs", &s.coordinator).await, 200).await;
    assert_eq!(none["items"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn open_needs_nobody_answers_and_needs_starting_soon_enter_the_work_list() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3307").await;
    let soon = create_need(
        &app,
        &s.coordinator,
        &need_body(&s, json!({"starts_on": days_ahead(5)})),
    )
    .await;
    let later = create_need(
        &app,
        &s.coordinator,
        &need_body(&s, json!({"starts_on": days_ahead(60)})),
    )
    .await;
    let work = |kind: &'static str| {
        let app = &app;
        let token = s.coordinator.clone();
        async move {
            let page = expect_status(
                app.get(&format!("/api/v1/work-items?kind={kind}"), &token)
                    .await,
                200,
            )
            .await;
            page["items"].as_array().cloned().unwrap_or_default()
        }
    };
    let starting = work("need_starting_soon").await;
    assert_eq!(
        starting
            .iter()
            .map(|i| i["subject_id"].clone())
            .collect::<Vec<_>>(),
        vec![soon["id"].clone()]
    );
    assert_eq!(starting[0]["subject"], "need");
    assert_eq!(starting[0]["name"], "companionship at Solsiden sykehjem");
    assert!(work("need_unanswered").await.is_empty());

    app.clock.advance(TimeDelta::days(15));
    let unanswered = work("need_unanswered").await;
    assert_eq!(unanswered.len(), 2, "{unanswered:?}");
    // Someone interested answers it.
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    expect_status(
        app.post(
            &format!("/api/v1/needs/{}/interests", id_of(&later)),
            &s.coordinator,
            &json!({"volunteer_id": ola}),
        )
        .await,
        201,
    )
    .await;
    let unanswered = work("need_unanswered").await;
    assert_eq!(
        unanswered
            .iter()
            .map(|i| i["subject_id"].clone())
            .collect::<Vec<_>>(),
        vec![soon["id"].clone()]
    );
}

#[tokio::test]
async fn erasing_a_person_visited_closes_their_needs_and_a_kind_asked_for_stays() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3308").await;
    let kinds = format!("/api/v1/municipalities/{}/activity-kinds", s.municipality);
    expect_status(
        app.post(
            &kinds,
            &s.coordinator,
            &json!({"code": "chess", "name": "Chess"}),
        )
        .await,
        201,
    )
    .await;
    let chess = create_need(
        &app,
        &s.coordinator,
        &need_body(&s, json!({"activity_kind": "chess"})),
    )
    .await;
    expect_problem(
        app.delete(&format!("{kinds}/chess"), &s.coordinator).await,
        409,
    )
    .await;

    let recipient = expect_status(
        app.post(
            "/api/v1/recipients",
            &s.coordinator,
            &json!({"display_name": "Ingrid Hagen", "address": "Storgata 12, 0155 Oslo",
                    "responsible_unit_id": s.unit, "consent_given_by": "recipient",
                    "consent_given_on": days_ago(3)}),
        )
        .await,
        201,
    )
    .await;
    let at_home = create_need(
        &app,
        &s.coordinator,
        &json!({"recipient_id": recipient["id"], "activity_kind": "companionship",
                "starts_on": days_ahead(10), "start_time": "11:00", "duration_minutes": 60,
                "description": "A walk and coffee.", "published": true, "status": "open"}),
    )
    .await;
    // A placement from it that ends before it starts is refused.
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let backwards = expect_problem(
        app.post(
            &format!("/api/v1/needs/{}/placements", id_of(&at_home)),
            &s.coordinator,
            &json!({"volunteer_id": ola, "ends_on": days_ahead(2)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&backwards), ["ends_on"]);
    // Weekly on the weekday eight days ahead, for one week from seven days ahead.
    let eighth = samspill_tests::today() + chrono::Days::new(8);
    let weekday = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][chrono::Datelike::weekday(&eighth).num_days_from_monday() as usize];
    let weekly = create_need(
        &app,
        &s.coordinator,
        &need_body(
            &s,
            json!({"weekdays": [weekday], "starts_on": days_ahead(7), "until": days_ahead(13),
                    "published": false}),
        ),
    )
    .await;
    let path = format!("/api/v1/needs/{}/placements", id_of(&weekly));
    let after = expect_problem(
        app.post(
            &path,
            &s.coordinator,
            &json!({"volunteer_id": ola, "starts_on": days_ahead(14)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        error_fields(&after),
        ["starts_on"],
        "after the need's last day"
    );
    let unvisited = expect_problem(
        app.post(
            &path,
            &s.coordinator,
            &json!({"volunteer_id": ola, "starts_on": days_ahead(7), "ends_on": days_ahead(7)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(unvisited["errors"][0]["code"], "no_visits");
    let unchanged = expect_status(
        app.get(&format!("/api/v1/needs/{}", id_of(&weekly)), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(unchanged["places_filled"], 0, "nothing was placed");
    expect_status(
        app.delete(
            &format!("/api/v1/recipients/{}", id_of(&recipient)),
            &s.coordinator,
        )
        .await,
        204,
    )
    .await;
    let closed = expect_status(
        app.get(
            &format!("/api/v1/needs/{}", id_of(&at_home)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let board = expect_status(board(&app, "3308").await, 200).await;
    assert_eq!(
        ids(board["items"].as_array().map_or(&[], |v| v)),
        vec![id_of(&chess)]
    );
}

#[tokio::test]
async fn another_municipality_reaches_no_need_and_needs_close_after_their_last_day() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3309").await;
    let other = setup(&app, "3310").await;
    let one_day = create_need(
        &app,
        &s.coordinator,
        &need_body(&s, json!({"weekdays": [], "starts_on": days_ahead(3)})),
    )
    .await;
    let id = id_of(&one_day);
    let stranger = app.approved_volunteer(&other, "Eva").create().await;
    for response in [
        app.get(&format!("/api/v1/needs/{id}"), &other.coordinator)
            .await,
        app.patch(
            &format!("/api/v1/needs/{id}"),
            &other.coordinator,
            &json!({"places": 5}),
        )
        .await,
        app.post(
            &format!("/api/v1/needs/{id}/transitions"),
            &other.coordinator,
            &json!({"to": "closed"}),
        )
        .await,
        app.get(
            &format!("/api/v1/needs/{id}/candidates"),
            &other.coordinator,
        )
        .await,
        app.get(&format!("/api/v1/needs/{id}/interests"), &other.coordinator)
            .await,
        app.post(
            &format!("/api/v1/needs/{id}/interests"),
            &other.coordinator,
            &json!({"volunteer_id": stranger}),
        )
        .await,
        app.post(
            &format!("/api/v1/needs/{id}/placements"),
            &other.coordinator,
            &json!({"volunteer_id": stranger}),
        )
        .await,
    ] {
        expect_problem(response, 404).await;
    }
    let theirs = expect_status(app.get("/api/v1/needs", &other.coordinator).await, 200).await;
    assert_eq!(theirs["items"], json!([]));

    // Filled another way, the need stays filled when its text changes.
    let filled = expect_status(
        app.post(
            &format!("/api/v1/needs/{id}/transitions"),
            &s.coordinator,
            &json!({"to": "filled"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(filled["places_filled"], 0);
    let edited = expect_status(
        app.patch(
            &format!("/api/v1/needs/{id}"),
            &s.coordinator,
            &json!({"description": "Christmas tree decorating.", "places": 2}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(edited["status"], "filled");

    // A registration naming a need that filled meanwhile still goes through.
    let registered = send(
        app.request(Method::POST, "/api/v1/registrations", None)
            .json(
                &json!({"municipality_code": "3309", "given_name": "Siri", "family_name": "Lie",
                          "email": "siri@example.no", "privacy_notice_accepted": true,
                          "privacy_notice_version": "2026-1", "needs": [id]}),
            ),
    )
    .await;
    expect_status(registered, 202).await;
    let interests = expect_status(
        app.get(&format!("/api/v1/needs/{id}/interests"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(interests["items"], json!([]), "passed over, not recorded");

    // An open need has days to come; a draft's date may lie behind it, and the service leaves
    // drafts to their writers.
    let past = expect_problem(
        app.post(
            "/api/v1/needs",
            &s.coordinator,
            &need_body(&s, json!({"weekdays": [], "starts_on": days_ago(1)})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&past), ["starts_on"]);
    let draft = create_need(
        &app,
        &s.coordinator,
        &need_body(
            &s,
            json!({"weekdays": [], "starts_on": days_ahead(2), "status": "draft"}),
        ),
    )
    .await;

    // After its one date the service closes it.
    let admin = app.admin_token().await;
    app.clock.advance(TimeDelta::days(4));
    let run = expect_status(
        app.post("/api/v1/jobs/close_needs/runs", &admin, &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(run["rows"], 1, "{run}");
    let closed = expect_status(
        app.get(&format!("/api/v1/needs/{id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let kept = expect_status(
        app.get(&format!("/api/v1/needs/{}", id_of(&draft)), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(kept["status"], "draft", "drafts stay with their writers");
    let reopened = expect_problem(
        app.post(
            &format!("/api/v1/needs/{}/transitions", id_of(&draft)),
            &s.coordinator,
            &json!({"to": "open"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(error_fields(&reopened), ["status"], "it is over");
}

#[tokio::test]
async fn two_coordinators_placing_the_last_place_at_once_fill_it_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3311").await;
    let (_, colleague) = app.user(Some(&s.municipality), "coordinator").await;
    let need = create_need(&app, &s.coordinator, &need_body(&s, json!({"places": 1}))).await;
    let path = format!("/api/v1/needs/{}/placements", id_of(&need));
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let kari = app.approved_volunteer(&s, "Kari").create().await;
    let (for_ola, for_kari) = (json!({"volunteer_id": ola}), json!({"volunteer_id": kari}));
    let (first, second) = tokio::join!(
        app.post(&path, &s.coordinator, &for_ola),
        app.post(&path, &colleague, &for_kari),
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let read = expect_status(
        app.get(&format!("/api/v1/needs/{}", id_of(&need)), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(read["places_filled"], 1);
    assert_eq!(read["status"], "filled");
    let placements = expect_status(app.get("/api/v1/placements", &s.coordinator).await, 200).await;
    assert_eq!(placements["items"].as_array().map_or(0, Vec::len), 1);
}

#[tokio::test]
async fn a_placement_from_an_every_other_week_need_visits_on_the_needs_weeks() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3312").await;
    // Every other Monday from the Monday of the week four weeks ahead, placed from 9 days later.
    let today = samspill_tests::today();
    let monday = today + chrono::Days::new(28)
        - chrono::Days::new(u64::from(
            chrono::Datelike::weekday(&today).num_days_from_monday(),
        ));
    let need = create_need(
        &app,
        &s.coordinator,
        &need_body(
            &s,
            json!({"starts_on": monday.to_string(), "weekdays": ["monday"], "interval_weeks": 2}),
        ),
    )
    .await;
    let ola = app.approved_volunteer(&s, "Ola").create().await;
    let from = monday + chrono::Days::new(9);
    let placed = expect_status(
        app.post(
            &format!("/api/v1/needs/{}/placements", id_of(&need)),
            &s.coordinator,
            &json!({"volunteer_id": ola, "starts_on": from.to_string()}),
        )
        .await,
        201,
    )
    .await;
    let placement = placed["placement"]["id"].as_str().unwrap_or_default();
    let visits = expect_status(
        app.get(
            &format!(
                "/api/v1/visits?placement_id={placement}&from={from}&to={}",
                from + chrono::Days::new(40)
            ),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let dates: Vec<String> = visits["items"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| x["date"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let expected: Vec<String> = [14u64, 28, 42]
        .iter()
        .map(|d| (monday + chrono::Days::new(*d)).to_string())
        .filter(|d| *d <= (from + chrono::Days::new(40)).to_string())
        .collect();
    assert_eq!(
        dates, expected,
        "the need's Mondays, not the weeks of the placement's start"
    );
}
