//! Surveys over HTTP: a ready template sent to volunteers through one-time links; results
//! withheld with four answers and shown with five, per unit, care district and municipality,
//! free text only to coordinators; a link works once; volunteers answer signed in once and see
//! nobody's answers; rounds keep the questions they were sent with and take answers only
//! between their dates; bad input is refused naming the field.

use chrono::{Days, TimeDelta};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, TestApp, error_fields, expect_problem, expect_status, id_of, local_today,
    send,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Solsiden sykehjem")
        .contact_person_with_login("Randi")
        .build()
        .await
}

async fn ready(app: &TestApp, s: &MunicipalitySetup, code: &str) -> Value {
    expect_status(
        app.post(
            "/api/v1/survey-templates",
            &s.coordinator,
            &json!({"ready": code}),
        )
        .await,
        201,
    )
    .await
}

async fn round(app: &TestApp, s: &MunicipalitySetup, body: &Value) -> Value {
    expect_status(
        app.post("/api/v1/survey-rounds", &s.coordinator, body)
            .await,
        201,
    )
    .await
}

async fn links(app: &TestApp, s: &MunicipalitySetup, round: &str) -> Vec<Value> {
    let made = expect_status(
        app.post(
            &format!("/api/v1/survey-rounds/{round}/links"),
            &s.coordinator,
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    made["links"].as_array().cloned().unwrap_or_default()
}

async fn by_link(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .request(method, path, None)
        .header("survey-token", token);
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

fn motivation(satisfaction: u8, comment: &str) -> Value {
    json!({"answers": {"motivation": ["meaning", "social"], "satisfaction": satisfaction,
                       "hours_a_month": 6, "continue": "yes", "comments": comment}})
}

async fn results(app: &TestApp, token: &str, round: &str, by: &str) -> Value {
    expect_status(
        app.get(
            &format!("/api/v1/survey-rounds/{round}/results?by={by}"),
            token,
        )
        .await,
        200,
    )
    .await
}

fn question<'a>(group: &'a Value, key: &str) -> &'a Value {
    group["questions"]
        .as_array()
        .and_then(|qs| qs.iter().find(|q| q["key"] == key))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn results_are_withheld_with_four_answers_and_shown_with_five_and_a_link_works_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3401").await;
    let north = app
        .unit_under(&s, "Omsorgsdistrikt Nord", "care_district", None)
        .await;
    let home = app
        .unit_under(
            &s,
            "Lia bo- og aktivitetssenter",
            "activity_center",
            Some(&north),
        )
        .await;
    let beside = app
        .unit_under(&s, "Lia dagsenter", "day_center", Some(&north))
        .await;
    let finn = app
        .approved_volunteer(&s, "Finn")
        .home_unit(&beside)
        .create()
        .await;
    let mut volunteers = Vec::new();
    for name in ["Aud", "Bror", "Cato", "Dina", "Eli"] {
        volunteers.push(
            app.approved_volunteer(&s, name)
                .home_unit(&home)
                .create()
                .await,
        );
    }
    let aud_token = app.volunteer_login(&s, &volunteers[0]).await;

    let template = ready(&app, &s, "volunteer_motivation").await;
    assert_eq!(template["audience"], "volunteers");
    assert_eq!(template["ready_code"], "volunteer_motivation");
    assert_eq!(template["questions"].as_array().map(Vec::len), Some(7));
    // Three rounds open today only: four answer the first, five the second, and the five and
    // Finn the third.
    let mut rounds = Vec::new();
    for title in ["Fire svar", "Fem svar", "Seks svar"] {
        let sent = round(
            &app,
            &s,
            &json!({"template_id": id_of(&template), "title": title, "opens_on": local_today(),
                    "closes_on": local_today(), "audience": {"all": true}}),
        )
        .await;
        assert_eq!(sent["status"], "open");
        assert_eq!(sent["asked"], 6);
        assert_eq!(sent["answered"], 0);
        let made = links(&app, &s, &id_of(&sent)).await;
        assert_eq!(made.len(), 6);
        rounds.push((id_of(&sent), made));
    }
    let token_of = |round: usize, volunteer: &str| {
        rounds[round]
            .1
            .iter()
            .find(|l| l["volunteer_id"] == volunteer)
            .and_then(|l| l["token"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let (four, five, six) = (
        rounds[0].0.clone(),
        rounds[1].0.clone(),
        rounds[2].0.clone(),
    );

    // The link opens the questions without a login.
    let first = token_of(0, &volunteers[0]);
    let form = expect_status(
        by_link(&app, Method::GET, "/api/v1/public/survey", &first, None).await,
        200,
    )
    .await;
    assert_eq!(form["questions"].as_array().map(Vec::len), Some(7));
    assert_eq!(form["audience"], "volunteers");

    let answer = |round: usize, volunteer: &str, satisfaction: u8| {
        let token = token_of(round, volunteer);
        let app = &app;
        async move {
            let sent = by_link(
                app,
                Method::POST,
                "/api/v1/public/survey/answers",
                &token,
                Some(&motivation(satisfaction, &format!("Svar {satisfaction}"))),
            )
            .await;
            expect_status(sent, 200).await;
        }
    };
    for (n, volunteer) in volunteers.iter().enumerate() {
        let satisfaction = u8::try_from(n).unwrap_or(0) + 3;
        if n < 4 {
            answer(0, volunteer, satisfaction).await;
        }
        answer(1, volunteer, satisfaction).await;
        answer(2, volunteer, satisfaction).await;
    }
    answer(2, &finn, 1).await;

    // The link works once.
    let again = by_link(
        &app,
        Method::POST,
        "/api/v1/public/survey/answers",
        &first,
        Some(&motivation(7, "Igjen")),
    )
    .await;
    expect_problem(again, 410).await;
    expect_problem(
        by_link(&app, Method::GET, "/api/v1/public/survey", &first, None).await,
        410,
    )
    .await;
    expect_problem(
        by_link(
            &app,
            Method::GET,
            "/api/v1/public/survey",
            "not-a-link",
            None,
        )
        .await,
        404,
    )
    .await;
    expect_problem(
        send(app.request(Method::GET, "/api/v1/public/survey", None)).await,
        401,
    )
    .await;

    // While the rounds take answers their results are not shown, only how many answered.
    expect_problem(
        app.get(
            &format!("/api/v1/survey-rounds/{five}/results"),
            &s.coordinator,
        )
        .await,
        409,
    )
    .await;
    let counted = expect_status(
        app.get(&format!("/api/v1/survey-rounds/{five}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(counted["answered"], 5);

    // The next day the rounds have closed.
    app.clock.advance(TimeDelta::days(1));

    // Four answers: every group is withheld, showing only its count.
    for by in ["unit", "district", "municipality"] {
        let results = results(&app, &s.coordinator, &four, by).await;
        assert_eq!(results["round"]["status"], "closed");
        let groups = results["groups"].as_array().cloned().unwrap_or_default();
        assert_eq!(groups.len(), 1, "{results}");
        assert_eq!(groups[0]["responses"], 4);
        assert_eq!(groups[0]["withheld"], true, "{results}");
        assert_eq!(groups[0]["questions"].as_array().map(Vec::len), Some(0));
    }

    // Five answers: shown, per unit, care district and municipality.
    let by_unit = results(&app, &s.coordinator, &five, "unit").await;
    let group = &by_unit["groups"][0];
    assert_eq!(group["name"], "Lia bo- og aktivitetssenter");
    assert_eq!(group["id"], home.as_str());
    assert_eq!(group["responses"], 5);
    assert_eq!(group["withheld"], false, "{by_unit}");
    let satisfaction = question(group, "satisfaction");
    assert_eq!(satisfaction["answered"], 5);
    assert_eq!(satisfaction["withheld"], false);
    // 3, 4, 5, 6 and 7.
    assert_eq!(satisfaction["mean"], 5.0);
    assert_eq!(satisfaction["counts"][5], json!({"value": "6", "count": 1}));
    assert_eq!(
        question(group, "motivation")["counts"][0],
        json!({"value": "meaning", "count": 5})
    );
    // Nobody answered how they are followed up: only that is shown.
    let followed = question(group, "followed_up");
    assert_eq!(
        (
            &followed["answered"],
            &followed["withheld"],
            &followed["mean"]
        ),
        (&json!(0), &json!(true), &Value::Null)
    );
    let texts = question(group, "comments")["texts"].clone();
    assert_eq!(
        texts,
        json!(["Svar 3", "Svar 4", "Svar 5", "Svar 6", "Svar 7"])
    );
    assert_eq!(by_unit["texts_shown"], true);
    assert_eq!(by_unit["round"]["answered"], 5);
    let by_district = results(&app, &s.coordinator, &five, "district").await;
    assert_eq!(by_district["groups"][0]["name"], "Omsorgsdistrikt Nord");
    assert_eq!(by_district["groups"][0]["id"], north.as_str());
    let whole = results(&app, &s.coordinator, &five, "municipality").await;
    assert_eq!(whole["groups"][0]["responses"], 5);
    assert_eq!(whole["groups"][0]["id"], Value::Null);

    // Six answers, one of them Finn's at the day centre in the same care district: the
    // district's total less the five shown would give his away, so both units are withheld;
    // the district shows all six.
    let by_unit = results(&app, &s.coordinator, &six, "unit").await;
    let groups = by_unit["groups"].as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 2, "{by_unit}");
    assert!(groups.iter().all(|g| g["withheld"] == true), "{by_unit}");
    let by_district = results(&app, &s.coordinator, &six, "district").await;
    assert_eq!(by_district["groups"][0]["responses"], 6);
    assert_eq!(by_district["groups"][0]["withheld"], false);
    // The day centre leaves the district after the round closed: the results stay as they
    // were (a reading before less one after would otherwise show Finn's answer).
    expect_status(
        app.patch(
            &format!("/api/v1/units/{beside}"),
            &s.coordinator,
            &json!({"parent_id": null}),
        )
        .await,
        200,
    )
    .await;
    let after_move = results(&app, &s.coordinator, &six, "district").await;
    assert_eq!(after_move["groups"], by_district["groups"]);

    // Free text only for coordinators: a contact person sees the rest.
    let contact = results(&app, &s.contact_token, &five, "unit").await;
    assert_eq!(contact["texts_shown"], false);
    assert_eq!(
        question(&contact["groups"][0], "comments")["texts"],
        json!([])
    );
    assert_eq!(question(&contact["groups"][0], "satisfaction")["mean"], 5.0);

    // A volunteer sees no results and nobody's answers, only that they answered themselves.
    for path in [
        format!("/api/v1/survey-rounds/{five}/results"),
        format!("/api/v1/survey-rounds/{five}"),
        format!("/api/v1/survey-rounds/{five}/recipients"),
    ] {
        expect_problem(app.get(&path, &aud_token).await, 403).await;
    }
    let mine = expect_status(app.get("/api/v1/me/surveys", &aud_token).await, 200).await;
    let items = mine["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 3, "{mine}");
    assert!(items.iter().all(|i| i["answered_at"].is_string()));
    assert!(items.iter().all(|i| i.get("answers").is_none()));
    // Who answered is known, not when.
    let recipients = expect_status(
        app.get(
            &format!("/api/v1/survey-rounds/{four}/recipients"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let answered = recipients["items"]
        .as_array()
        .map(|r| r.iter().filter(|x| x["answered"] == true).count());
    assert_eq!(answered, Some(4));
    assert!(
        recipients["items"][0].get("answered_at").is_none(),
        "{recipients}"
    );

    // Another municipality does not find the round.
    let other = setup(&app, "3402").await;
    expect_problem(
        app.get(
            &format!("/api/v1/survey-rounds/{five}/results"),
            &other.coordinator,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn volunteers_answer_signed_in_once_between_the_dates_and_rounds_keep_their_questions() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3403").await;
    let asked = app.approved_volunteer(&s, "Frida").create().await;
    let other = app.approved_volunteer(&s, "Geir").create().await;
    let asked_token = app.volunteer_login(&s, &asked).await;
    let other_token = app.volunteer_login(&s, &other).await;

    // A template of the municipality's own; bad questions are named.
    let bad = app
        .post(
            "/api/v1/survey-templates",
            &s.coordinator,
            &json!({"name": "Sjekk", "audience": "volunteers", "questions": [
                {"key": "Hvor", "text": "Hvor?", "kind": "single_choice", "choices": [{"key": "a", "label": "A"}]},
                {"key": "timer", "text": "Timer?", "kind": "number", "min": 10, "max": 1}
            ]}),
        )
        .await;
    let mut fields = error_fields(&expect_problem(bad, 422).await);
    fields.sort();
    assert_eq!(
        fields,
        [
            "questions[0].choices",
            "questions[0].key",
            "questions[1].max"
        ]
    );
    let own = expect_status(
        app.post(
            "/api/v1/survey-templates",
            &s.coordinator,
            &json!({"name": "Etter sommerfesten", "audience": "volunteers", "questions": [
                {"key": "trivsel", "text": "Hvordan trivdes du? (1-7)", "kind": "scale", "required": true},
                {"key": "timer", "text": "Hvor mange timer hjalp du til?", "kind": "number", "min": 0, "max": 24}
            ]}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(own["revision"], 1);

    // Rounds are refused for what the municipality does not have, or nobody to ask.
    let stranger = app
        .post(
            "/api/v1/survey-rounds",
            &s.coordinator,
            &json!({"template_id": id_of(&own), "opens_on": local_today(), "closes_on": local_today(),
                    "audience": {"volunteer_ids": [uuid::Uuid::now_v7()]}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(stranger, 422).await),
        ["audience.volunteer_ids[0]"]
    );
    let backwards = app
        .post(
            "/api/v1/survey-rounds",
            &s.coordinator,
            &json!({"template_id": id_of(&own), "opens_on": local_today() + Days::new(3),
                    "closes_on": local_today(), "min_group_size": 3, "audience": {"all": true}}),
        )
        .await;
    let mut fields = error_fields(&expect_problem(backwards, 422).await);
    fields.sort();
    assert_eq!(fields, ["min_group_size"]);
    let backwards = app
        .post(
            "/api/v1/survey-rounds",
            &s.coordinator,
            &json!({"template_id": id_of(&own), "opens_on": local_today() + Days::new(3),
                    "closes_on": local_today(), "audience": {"all": true}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(backwards, 422).await),
        ["closes_on"]
    );

    let sent = round(
        &app,
        &s,
        &json!({"template_id": id_of(&own), "title": "Sommerfesten", "opens_on": local_today(),
                "closes_on": local_today() + Days::new(7), "audience": {"volunteer_ids": [asked]}}),
    )
    .await;
    let id = id_of(&sent);
    assert_eq!(sent["asked"], 1);

    // The template changes; the round keeps what it asked.
    let revised = send(
        app.request(Method::PATCH, &format!("/api/v1/survey-templates/{}", id_of(&own)), Some(&s.coordinator))
            .header("if-match", format!("\"{}\"", own["version"]))
            .json(&json!({"questions": [
                {"key": "trivsel", "text": "Hvordan trivdes du? (1-7)", "kind": "scale", "required": true}
            ]})),
    )
    .await;
    let revised = expect_status(revised, 200).await;
    assert_eq!(revised["revision"], 2);
    let kept = expect_status(
        app.get(&format!("/api/v1/survey-rounds/{id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(kept["template_revision"], 1);
    assert_eq!(kept["questions"].as_array().map(Vec::len), Some(2));

    // Only the one asked sees it; a bad answer is named; the first good one counts, once.
    let theirs = expect_status(app.get("/api/v1/me/surveys", &other_token).await, 200).await;
    assert_eq!(theirs["items"], json!([]));
    expect_problem(
        app.post(
            &format!("/api/v1/me/surveys/{id}/answers"),
            &other_token,
            &json!({"answers": {"trivsel": 5}}),
        )
        .await,
        404,
    )
    .await;
    let wrong = app
        .post(
            &format!("/api/v1/me/surveys/{id}/answers"),
            &asked_token,
            &json!({"answers": {"trivsel": 9, "timer": "mange", "sko": 42}}),
        )
        .await;
    let mut fields = error_fields(&expect_problem(wrong, 422).await);
    fields.sort();
    assert_eq!(fields, ["answers.sko", "answers.timer", "answers.trivsel"]);
    expect_status(
        app.post(
            &format!("/api/v1/me/surveys/{id}/answers"),
            &asked_token,
            &json!({"answers": {"trivsel": 6, "timer": 3.5}}),
        )
        .await,
        200,
    )
    .await;
    expect_problem(
        app.post(
            &format!("/api/v1/me/surveys/{id}/answers"),
            &asked_token,
            &json!({"answers": {"trivsel": 2}}),
        )
        .await,
        409,
    )
    .await;
    // Their link, made after they answered, is not made at all.
    assert!(links(&app, &s, &id).await.is_empty());
    let counted = expect_status(
        app.get(&format!("/api/v1/survey-rounds/{id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(counted["answered"], 1);
    // The round is open: no results yet.
    expect_problem(
        app.get(
            &format!("/api/v1/survey-rounds/{id}/results"),
            &s.coordinator,
        )
        .await,
        409,
    )
    .await;

    // A round called off takes no more answers.
    let off = round(
        &app,
        &s,
        &json!({"template_id": id_of(&own), "opens_on": local_today(),
                "closes_on": local_today() + Days::new(10), "audience": {"all": true}}),
    )
    .await;
    let off_links = links(&app, &s, &id_of(&off)).await;
    let cancelled = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/survey-rounds/{}", id_of(&off)),
            Some(&s.coordinator),
        )
        .header("if-match", format!("\"{}\"", off["version"]))
        .json(&json!({"cancelled": true})),
    )
    .await;
    let cancelled = expect_status(cancelled, 200).await;
    assert_eq!(cancelled["status"], "cancelled");
    let after = by_link(
        &app,
        Method::POST,
        "/api/v1/public/survey/answers",
        off_links[0]["token"].as_str().unwrap_or_default(),
        Some(&json!({"answers": {"trivsel": 4}})),
    )
    .await;
    expect_problem(after, 410).await;
    // One answer, once the round has closed, is never shown.
    app.clock.advance(TimeDelta::days(8));
    let few = results(&app, &s.coordinator, &id, "municipality").await;
    assert_eq!(few["groups"][0]["withheld"], true);
    app.clock.advance(TimeDelta::days(-8));

    // A round that has not opened takes no answers; after its last day, none either.
    let later = round(
        &app,
        &s,
        &json!({"template_id": id_of(&own), "opens_on": local_today() + Days::new(2),
                "closes_on": local_today() + Days::new(4), "audience": {"all": true}}),
    )
    .await;
    assert_eq!(later["status"], "scheduled");
    let later_id = id_of(&later);
    let later_links = links(&app, &s, &later_id).await;
    assert_eq!(later_links.len(), 2);
    let token = later_links[0]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let early = by_link(
        &app,
        Method::POST,
        "/api/v1/public/survey/answers",
        &token,
        Some(&json!({"answers": {"trivsel": 4}})),
    )
    .await;
    expect_problem(early, 409).await;
    // A new link replaces the old one.
    let renewed = links(&app, &s, &later_id).await;
    let old = by_link(&app, Method::GET, "/api/v1/public/survey", &token, None).await;
    expect_problem(old, 404).await;
    app.clock.advance(TimeDelta::days(5));
    let late = by_link(
        &app,
        Method::POST,
        "/api/v1/public/survey/answers",
        renewed[0]["token"].as_str().unwrap_or_default(),
        Some(&json!({"answers": {"trivsel": 4}})),
    )
    .await;
    expect_problem(late, 410).await;
    let closed = expect_status(
        app.get(&format!("/api/v1/survey-rounds/{later_id}"), &s.coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    // A closed round keeps its last day: its results are final.
    let reopened = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/survey-rounds/{later_id}"),
            Some(&s.coordinator),
        )
        .header("if-match", format!("\"{}\"", closed["version"]))
        .json(&json!({"closes_on": local_today() + Days::new(10)})),
    )
    .await;
    expect_problem(reopened, 409).await;
}

#[tokio::test]
async fn a_unit_survey_asks_every_unit_but_care_districts() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3404").await;
    let north = app
        .unit_under(&s, "Omsorgsdistrikt Nord", "care_district", None)
        .await;
    let home = app
        .unit_under(&s, "Hjemmetjenesten Nord", "home_care", Some(&north))
        .await;
    let template = ready(&app, &s, "unit_resource_mapping").await;
    assert_eq!(template["audience"], "units");
    let named = app
        .post(
            "/api/v1/survey-rounds",
            &s.coordinator,
            &json!({"template_id": id_of(&template), "opens_on": local_today(), "closes_on": local_today(),
                    "audience": {"volunteer_ids": [uuid::Uuid::now_v7()]}}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(named, 422).await),
        ["audience.volunteer_ids"]
    );
    let sent = round(
        &app,
        &s,
        &json!({"template_id": id_of(&template), "opens_on": local_today(), "closes_on": local_today(),
                "audience": {"all": true}}),
    )
    .await;
    assert_eq!(sent["asked"], 2);
    // It closes today and nobody has answered: on the work list.
    let closing = || async {
        let page = expect_status(
            app.get(
                "/api/v1/work-items?kind=survey_closing_unanswered",
                &s.coordinator,
            )
            .await,
            200,
        )
        .await;
        page["items"].as_array().cloned().unwrap_or_default()
    };
    let listed = closing().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["subject"], "survey_round");
    assert_eq!(listed[0]["subject_id"], id_of(&sent).as_str());
    assert_eq!(listed[0]["due_on"], local_today().to_string());
    let made = links(&app, &s, &id_of(&sent)).await;
    let mut names: Vec<&str> = made.iter().filter_map(|l| l["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Hjemmetjenesten Nord", "Solsiden sykehjem"]);
    let for_home = made
        .iter()
        .find(|l| l["unit_id"] == home.as_str())
        .and_then(|l| l["token"].as_str())
        .unwrap_or_default()
        .to_owned();
    let form = expect_status(
        by_link(&app, Method::GET, "/api/v1/public/survey", &for_home, None).await,
        200,
    )
    .await;
    assert_eq!(form["unit_name"], "Hjemmetjenesten Nord");
    let missing = by_link(
        &app,
        Method::POST,
        "/api/v1/public/survey/answers",
        &for_home,
        Some(&json!({"answers": {"activities": ["companionship"], "cooperation": 5}})),
    )
    .await;
    assert_eq!(
        error_fields(&expect_problem(missing, 422).await),
        ["answers.hours_a_month"]
    );
    // The same link answering twice at once: one counts, the other is told it was used.
    let mapping = json!({"answers": {"activities": ["companionship", "outdoors"], "hours_a_month": 40,
                                     "cooperation": 5, "wants_more": ["culture"]}});
    let (one, two) = tokio::join!(
        by_link(
            &app,
            Method::POST,
            "/api/v1/public/survey/answers",
            &for_home,
            Some(&mapping),
        ),
        by_link(
            &app,
            Method::POST,
            "/api/v1/public/survey/answers",
            &for_home,
            Some(&mapping),
        ),
    );
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 410]);
    // Half have answered: off the list.
    assert!(closing().await.is_empty());
    let recipients = expect_status(
        app.get(
            &format!("/api/v1/survey-rounds/{}/recipients", id_of(&sent)),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    let answered: Vec<&Value> = recipients["items"]
        .as_array()
        .map(|items| items.iter().filter(|r| r["answered"] == true).collect())
        .unwrap_or_default();
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0]["unit_id"], home.as_str());
}
