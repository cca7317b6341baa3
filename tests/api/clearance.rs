//! Clearance scenarios over HTTP: certificates, dogs, private homes, municipality rules, the
//! status feed and the work list.

use chrono::{Days, Months, NaiveDate};
use reqwest::Method;
use samspill_tests::{
    MunicipalitySetup, Subject::Volunteer, TestApp, days_ago, days_ahead, error_fields,
    expect_problem, expect_status, id_of, police_certificate, requirement, send, today,
};
use serde_json::{Value, json};

async fn setup(app: &TestApp, code: &str) -> MunicipalitySetup {
    app.municipality(code)
        .unit("Bofellesskapet")
        .contact_person("Randi")
        .build()
        .await
}

async fn clearance(app: &TestApp, token: &str, id: &str, query: &str) -> Value {
    app.clearance(token, Volunteer(id), query).await
}

#[tokio::test]
async fn a_norwegian_volunteer_for_people_with_intellectual_disabilities_needs_a_fresh_politiattest()
 {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1103").await;
    let id = app.approved_volunteer(&s, "Ola").create().await;
    let question =
        "activity_kind=companionship&setting=institution&target_group=intellectual_disability";

    let without = clearance(&app, &s.coordinator, &id, question).await;
    assert_eq!(without["cleared"], false);
    assert_eq!(requirement(&without, "politiattest")["state"], "missing");
    assert_eq!(requirement(&without, "approved_status")["state"], "met");
    assert_eq!(
        requirement(&without, "politiattest")["rules"],
        json!(["default:intellectual_disability"])
    );

    // Issued four months before it was shown: the law says three.
    let four_months = (today() - Months::new(4)).to_string();
    let stale = expect_problem(
        app.post(
            &format!("/api/v1/volunteers/{id}/police-certificates"),
            &s.coordinator,
            &police_certificate("politiattest", &four_months, &today().to_string()),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&stale), ["issued_on"]);
    assert_eq!(stale["errors"][0]["code"], "too_old");
    let still = clearance(&app, &s.coordinator, &id, question).await;
    assert_eq!(still["cleared"], false);

    let issued = today() - Days::new(20);
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{id}/police-certificates"),
            &s.coordinator,
            &police_certificate("politiattest", &issued.to_string(), &days_ago(5)),
        )
        .await,
        201,
    )
    .await;
    let cleared = clearance(&app, &s.coordinator, &id, question).await;
    assert_eq!(cleared["cleared"], true);
    let met = requirement(&cleared, "politiattest");
    assert_eq!(met["state"], "met");
    let renewal_ends = (issued + Months::new(36) - Days::new(1)).to_string();
    assert_eq!(met["valid_until"], renewal_ends.as_str());
    assert_eq!(met["since"], days_ago(5).as_str());
    assert_eq!(
        cleared["changes_on"],
        (issued + Months::new(36)).to_string().as_str()
    );

    // Asked about a day after the renewal period: expired.
    let later = clearance(
        &app,
        &s.coordinator,
        &id,
        &format!("{question}&on={}", issued + Months::new(36) + Days::new(1)),
    )
    .await;
    assert_eq!(later["cleared"], false);
    assert_eq!(requirement(&later, "politiattest")["state"], "expired");
}

async fn dog_approval(app: &TestApp, token: &str, dog: &str, vet_checked_days_ago: u64) {
    expect_status(
        app.post(
            &format!("/api/v1/dogs/{dog}/approvals"),
            token,
            &json!({"programme": "Røde Kors besøkshund", "categories": ["institution_common_room", "walk"],
                    "assessed_on": days_ago(vet_checked_days_ago), "assessor": "Kari Nordmann",
                    "vet_checked_on": days_ago(vet_checked_days_ago), "vaccinations_valid_until": days_ahead(200),
                    "insurance_valid_until": days_ahead(200), "valid_until": days_ahead(300),
                    "restrictions": "not in rooms with residents who fear dogs"}),
        )
        .await,
        201,
    )
    .await;
}

#[tokio::test]
async fn a_dog_visit_is_refused_with_an_expired_vet_check_and_cleared_when_it_is_renewed() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "4601").await;
    let id = app.approved_volunteer(&s, "Kari").create().await;
    let dog = expect_status(
        app.post(
            "/api/v1/dogs",
            &s.coordinator,
            &json!({"handler_id": id, "name": "Luna", "breed": "Golden retriever", "birth_date": "2021-03-01"}),
        )
        .await,
        201,
    )
    .await;
    let dog = id_of(&dog);
    let question = format!(
        "activity_kind=companionship&setting=institution&target_group=general&dog_id={dog}"
    );

    let unapproved = clearance(&app, &s.coordinator, &id, &question).await;
    assert_eq!(unapproved["cleared"], false);
    assert_eq!(requirement(&unapproved, "dog_approval")["state"], "missing");

    // Assessed and vet-checked 400 days ago: the yearly vet check has run out.
    dog_approval(&app, &s.coordinator, &dog, 400).await;
    let expired = clearance(&app, &s.coordinator, &id, &question).await;
    assert_eq!(expired["cleared"], false);
    let approval = requirement(&expired, "dog_approval");
    assert_eq!(approval["state"], "expired");
    assert!(
        approval["detail"]
            .as_str()
            .is_some_and(|d| d.contains("vet_check")),
        "{approval}"
    );

    dog_approval(&app, &s.coordinator, &dog, 10).await;
    let renewed = clearance(&app, &s.coordinator, &id, &question).await;
    assert_eq!(renewed["cleared"], true, "{renewed}");
    assert_eq!(requirement(&renewed, "dog_approval")["state"], "met");
    assert!(
        renewed["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["kind"] == "dog_restrictions"))
    );

    // The team is not approved for home visits.
    let home = clearance(
        &app,
        &s.coordinator,
        &id,
        &format!("activity_kind=companionship&setting=private_home&dog_id={dog}"),
    )
    .await;
    assert_eq!(home["cleared"], false);
    assert_eq!(home["question"]["dog_category"], "home_visit");

    // Another volunteer cannot borrow the team's approval.
    let other = app.approved_volunteer(&s, "Per").create().await;
    let borrowed = clearance(&app, &s.coordinator, &other, &question).await;
    assert_eq!(borrowed["cleared"], false);

    // A dog of another municipality, or none at all, is a 422 naming dog_id.
    let missing = expect_problem(
        app.get(
            &format!(
                "/api/v1/volunteers/{id}/clearance?activity_kind=companionship&setting=institution&dog_id={}",
                uuid::Uuid::now_v7()
            ),
            &s.coordinator,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&missing), ["dog_id"]);
}

#[tokio::test]
async fn a_private_home_companionship_visit_is_cleared_with_the_first_visit_condition() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "3005").await;
    let id = app.approved_volunteer(&s, "Liv").create().await;
    let answer = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=companionship&setting=private_home",
    )
    .await;
    assert_eq!(answer["cleared"], true, "{answer}");
    assert_eq!(answer["question"]["target_group"], "general");
    assert_eq!(answer["conditions"][0]["kind"], "accompanied_first_visit");
    let codes: Vec<&Value> = answer["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| &r["requirement"])
        .collect();
    assert_eq!(
        codes,
        [
            "approved_status",
            "confidentiality_declaration",
            "privacy_guidelines"
        ]
    );

    // Paused: the same question is refused and says why.
    expect_status(
        app.transition(&s.coordinator, Volunteer(&id), "paused")
            .await,
        200,
    )
    .await;
    let paused = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=companionship&setting=private_home",
    )
    .await;
    assert_eq!(paused["cleared"], false);
    assert_eq!(requirement(&paused, "approved_status")["state"], "missing");
    assert_eq!(
        requirement(&paused, "approved_status")["detail"],
        "status is paused"
    );

    // Bad questions are 4xx problems naming the parameter.
    let unknown = expect_problem(
        app.get(
            &format!(
                "/api/v1/volunteers/{id}/clearance?activity_kind=skydiving&setting=institution"
            ),
            &s.coordinator,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&unknown), ["activity_kind"]);
    let response = app
        .get(
            &format!("/api/v1/volunteers/{id}/clearance?activity_kind=escort&setting=garden"),
            &s.coordinator,
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let far = expect_problem(
        app.get(
            &format!("/api/v1/volunteers/{id}/clearance?activity_kind=escort&setting=institution&on=3000-01-01"),
            &s.coordinator,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&far), ["on"]);
}

#[tokio::test]
async fn a_danish_private_home_needs_a_straffeattest() {
    let app = TestApp::spawn().await;
    let s = app
        .municipality("173")
        .country("DK")
        .unit("Plejecenter Solgården")
        .contact_person("Mette")
        .build()
        .await;
    let id = app.approved_volunteer(&s, "Mads").create().await;
    let home = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=escort&setting=private_home",
    )
    .await;
    assert_eq!(home["cleared"], false);
    assert_eq!(requirement(&home, "straffeattest")["state"], "missing");
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{id}/police-certificates"),
            &s.coordinator,
            &police_certificate("straffeattest", &days_ago(200), &days_ago(30)),
        )
        .await,
        201,
    )
    .await;
    let cleared = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=escort&setting=private_home",
    )
    .await;
    assert_eq!(cleared["cleared"], true, "{cleared}");
    let children = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=escort&setting=institution&target_group=children",
    )
    .await;
    assert_eq!(requirement(&children, "boerneattest")["state"], "missing");
    assert_eq!(s.municipality.len(), 36);
}

#[tokio::test]
async fn a_municipality_rule_adds_its_requirement_and_is_managed_through_the_api() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "5001").await;
    // Screened 45 days ago: older than the one month the rule below allows.
    let id = app
        .approved_volunteer(&s, "Siri")
        .vetted_days_ago(45)
        .create()
        .await;
    let rules_path = format!(
        "/api/v1/municipalities/{}/requirement-rules",
        s.municipality
    );

    let listed = expect_status(app.get(&rules_path, &s.coordinator).await, 200).await;
    let defaults: Vec<&Value> = listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| &r["source"])
        .collect();
    assert!(defaults.contains(&&json!("default:intellectual_disability")));
    assert!(listed["items"][0]["id"].is_null());

    let rule = expect_status(
        app.post(
            &rules_path,
            &s.coordinator,
            &json!({"name": "Escorts need a recent screening", "activity_kind": "escort",
                    "requirement": "suitable_screening", "max_age_months": 1}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(rule["strict"], true);
    assert_eq!(rule["version"], 1);
    let rule_id = id_of(&rule);

    let escort = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=escort&setting=institution",
    )
    .await;
    assert_eq!(escort["cleared"], false, "{escort}");
    let screening = requirement(&escort, "suitable_screening");
    assert_eq!(screening["state"], "expired");
    assert_eq!(screening["rules"], json!([rule_id]));
    let companionship = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=companionship&setting=institution",
    )
    .await;
    assert_eq!(companionship["cleared"], true);

    // Made advisory, the rule is still reported but no longer blocks.
    let stale = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/requirement-rules/{rule_id}"),
            Some(&s.coordinator),
        )
        .header("if-match", "\"7\"")
        .json(&json!({"strict": false})),
    )
    .await;
    assert_eq!(expect_problem(stale, 412).await["current_version"], 1);
    let advisory = send(
        app.request(
            Method::PATCH,
            &format!("/api/v1/requirement-rules/{rule_id}"),
            Some(&s.coordinator),
        )
        .header("if-match", "\"1\"")
        .json(&json!({"strict": false})),
    )
    .await;
    assert_eq!(expect_status(advisory, 200).await["version"], 2);
    let escort = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=escort&setting=institution",
    )
    .await;
    assert_eq!(escort["cleared"], true);
    assert_eq!(requirement(&escort, "suitable_screening")["strict"], false);

    // Rules that cannot hold are refused, naming the field.
    for (body, field) in [
        (
            json!({"name": "x", "requirement": "boerneattest"}),
            "requirement",
        ),
        (
            json!({"name": "x", "requirement": "approved_status"}),
            "requirement",
        ),
        (
            json!({"name": "x", "requirement": "dog_approval", "with_dog": false}),
            "with_dog",
        ),
        (
            json!({"name": "x", "requirement": "politiattest", "activity_kind": "skydiving"}),
            "activity_kind",
        ),
        (
            json!({"name": "x", "requirement": "politiattest", "max_age_months": 0}),
            "max_age_months",
        ),
        (json!({"name": " ", "requirement": "politiattest"}), "name"),
    ] {
        let refused = expect_problem(app.post(&rules_path, &s.coordinator, &body).await, 422).await;
        assert_eq!(error_fields(&refused), [field], "{body}");
    }

    // Contact persons read rules but do not make them; other municipalities do not see them.
    let (_, contact_token) = app.user(Some(&s.municipality), "contact_person").await;
    expect_status(app.get(&rules_path, &contact_token).await, 200).await;
    expect_problem(
        app.post(
            &rules_path,
            &contact_token,
            &json!({"name": "x", "requirement": "politiattest"}),
        )
        .await,
        403,
    )
    .await;
    let other = app.create_municipality("5006").await;
    let (_, stranger) = app.user(Some(&other), "coordinator").await;
    expect_problem(
        app.get(&format!("/api/v1/requirement-rules/{rule_id}"), &stranger)
            .await,
        404,
    )
    .await;
    expect_problem(app.get(&rules_path, &stranger).await, 404).await;
    expect_problem(
        app.delete(&format!("/api/v1/requirement-rules/{rule_id}"), &stranger)
            .await,
        404,
    )
    .await;

    expect_status(
        app.delete(
            &format!("/api/v1/requirement-rules/{rule_id}"),
            &s.coordinator,
        )
        .await,
        204,
    )
    .await;
    let after = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=escort&setting=institution",
    )
    .await;
    assert!(requirement(&after, "suitable_screening").is_null());
}

#[tokio::test]
async fn a_rules_maximum_age_holds_for_reference_checks_and_needs_a_dated_requirement() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "5001").await;
    let id = app.approved_volunteer(&s, "Solveig").create().await;
    let rules_path = format!(
        "/api/v1/municipalities/{}/requirement-rules",
        s.municipality
    );
    let reference = |contacted: NaiveDate| {
        json!({"referee_name": "Tidligere arbeidsgiver", "relation": "employer",
               "contacted_at": format!("{contacted}T12:00:00Z"), "outcome": "satisfactory"})
    };
    let references = format!("/api/v1/volunteers/{id}/reference-checks");
    let thirteen_months = today() - Months::new(13);
    expect_status(
        app.post(&references, &s.coordinator, &reference(thirteen_months))
            .await,
        201,
    )
    .await;
    let rule = expect_status(
        app.post(
            &rules_path,
            &s.coordinator,
            &json!({"name": "Escorts need recent references", "activity_kind": "escort",
                    "requirement": "reference_checks", "max_age_months": 12}),
        )
        .await,
        201,
    )
    .await;
    let rule_id = id_of(&rule);
    let escort = "activity_kind=escort&setting=institution";

    // Completed thirteen months ago: no longer counts under a twelve-month rule.
    let answer = clearance(&app, &s.coordinator, &id, escort).await;
    assert_eq!(answer["cleared"], false, "{answer}");
    let checks = requirement(&answer, "reference_checks");
    assert_eq!(checks["state"], "expired", "{answer}");
    assert_eq!(checks["since"], thirteen_months.to_string().as_str());
    let ended = thirteen_months + Months::new(12) - Days::new(1);
    assert_eq!(checks["valid_until"], ended.to_string().as_str());
    assert_eq!(checks["rules"], json!([rule_id]));
    let companionship = clearance(
        &app,
        &s.coordinator,
        &id,
        "activity_kind=companionship&setting=institution",
    )
    .await;
    assert_eq!(companionship["cleared"], true);

    // A newer check renews them; its twelve months end inside the look-ahead window.
    let recent = today() - Months::new(12) + Days::new(10);
    expect_status(
        app.post(&references, &s.coordinator, &reference(recent))
            .await,
        201,
    )
    .await;
    let answer = clearance(&app, &s.coordinator, &id, escort).await;
    assert_eq!(answer["cleared"], true, "{answer}");
    let checks = requirement(&answer, "reference_checks");
    assert_eq!(checks["state"], "expiring_soon", "{answer}");
    let ends = recent + Months::new(12) - Days::new(1);
    assert_eq!(checks["valid_until"], ends.to_string().as_str());

    // A contact person has no date to age: a maximum age for it is refused, made or changed.
    let refused = expect_problem(
        app.post(
            &rules_path,
            &s.coordinator,
            &json!({"name": "x", "requirement": "contact_person", "max_age_months": 6}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&refused), ["max_age_months"]);
    assert_eq!(refused["errors"][0]["code"], "not_applicable");
    let contact_rule = expect_status(
        app.post(
            &rules_path,
            &s.coordinator,
            &json!({"name": "Escorts have a contact person", "activity_kind": "escort",
                    "requirement": "contact_person"}),
        )
        .await,
        201,
    )
    .await;
    for (rule, change) in [
        (id_of(&contact_rule), json!({"max_age_months": 6})),
        (rule_id.clone(), json!({"requirement": "contact_person"})),
    ] {
        let refused = expect_problem(
            app.patch(
                &format!("/api/v1/requirement-rules/{rule}"),
                &s.coordinator,
                &change,
            )
            .await,
            422,
        )
        .await;
        assert_eq!(error_fields(&refused), ["max_age_months"], "{change}");
    }
    let unchanged = expect_status(
        app.get(
            &format!("/api/v1/requirement-rules/{rule_id}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            unchanged["requirement"].clone(),
            unchanged["version"].clone()
        ),
        (json!("reference_checks"), json!(1))
    );
}

#[tokio::test]
async fn a_reference_check_without_a_contact_date_ages_from_its_outcome_not_from_later_edits() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "5006").await;
    let id = app.approved_volunteer(&s, "Trine").create().await;
    expect_status(
        app.post(
            &format!(
                "/api/v1/municipalities/{}/requirement-rules",
                s.municipality
            ),
            &s.coordinator,
            &json!({"name": "Escorts need recent references", "activity_kind": "escort",
                    "requirement": "reference_checks", "max_age_months": 12}),
        )
        .await,
        201,
    )
    .await;
    let check = expect_status(
        app.post(
            &format!("/api/v1/volunteers/{id}/reference-checks"),
            &s.coordinator,
            &json!({"referee_name": "Lærer", "relation": "teacher", "outcome": "satisfactory"}),
        )
        .await,
        201,
    )
    .await;
    let check_id = id_of(&check);
    app.execute_sql(&format!(
        "UPDATE reference_checks SET outcome_recorded_at = now() - interval '13 months' WHERE id = '{check_id}'"
    ));
    let escort = "activity_kind=escort&setting=institution";
    let expired = |answer: &Value| requirement(answer, "reference_checks")["state"].clone();
    assert_eq!(
        expired(&clearance(&app, &s.coordinator, &id, escort).await),
        "expired"
    );
    // Correcting the notes does not make the old outcome new.
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{id}/reference-checks/{check_id}"),
            &s.coordinator,
            &json!({"outcome": "satisfactory", "notes": "Ringte på nytt for å rette en skrivefeil"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        expired(&clearance(&app, &s.coordinator, &id, escort).await),
        "expired"
    );
}

fn feed_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_service_account_reads_the_status_feed_of_its_own_municipality_only() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "0301").await;
    let other = setup(&app, "1103").await;
    let ours = app.approved_volunteer(&s, "Anne").create().await;
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{ours}"),
            &s.coordinator,
            &json!({"external_reference": "HR-1001"}),
        )
        .await,
        200,
    )
    .await;
    let second = app.approved_volunteer(&s, "Bjørn").create().await;
    let theirs = app.approved_volunteer(&other, "Carl").create().await;

    let status = app.service_token(&s.coordinator, &["status:read"]).await;
    let page = expect_status(app.get("/api/v1/volunteer-status", &status).await, 200).await;
    let ids = feed_ids(&page);
    assert!(ids.contains(&ours) && ids.contains(&second));
    assert!(!ids.contains(&theirs));
    assert_eq!(page["as_of"], today().to_string().as_str());
    let record = page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == ours.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(record["external_reference"], "HR-1001");
    assert_eq!(record["status"], "approved");
    assert_eq!(record["erased"], false);
    let institution_companionship = record["cleared_for"]
        .as_array()
        .and_then(|lines| {
            lines
                .iter()
                .find(|l| l["activity_kind"] == "companionship" && l["setting"] == "institution")
        })
        .cloned()
        .unwrap_or_default();
    assert!(
        institution_companionship["target_groups"]
            .as_array()
            .is_some_and(
                |g| g.contains(&json!("general")) && !g.contains(&json!("intellectual_disability"))
            ),
        "{record}"
    );

    // Nothing else: not another municipality's feed, not volunteers, not clearance.
    expect_problem(
        app.get(
            &format!(
                "/api/v1/volunteer-status?municipality_id={}",
                other.municipality
            ),
            &status,
        )
        .await,
        404,
    )
    .await;
    expect_problem(app.get("/api/v1/volunteers", &status).await, 403).await;
    expect_problem(
        app.get(&format!("/api/v1/volunteers/{ours}"), &status)
            .await,
        403,
    )
    .await;
    expect_problem(
        app.get(
            &format!(
                "/api/v1/volunteers/{ours}/clearance?activity_kind=escort&setting=institution"
            ),
            &status,
        )
        .await,
        403,
    )
    .await;
    let clearance_token = app.service_token(&s.coordinator, &["clearance:read"]).await;
    expect_problem(
        app.get("/api/v1/volunteer-status", &clearance_token).await,
        403,
    )
    .await;
    clearance(
        &app,
        &clearance_token,
        &ours,
        "activity_kind=escort&setting=institution",
    )
    .await;
    expect_problem(
        app.get(
            &format!(
                "/api/v1/volunteers/{theirs}/clearance?activity_kind=escort&setting=institution"
            ),
            &clearance_token,
        )
        .await,
        404,
    )
    .await;

    // Paging with limit and cursor visits every record once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/volunteer-status?limit=1".to_owned();
    loop {
        let page = expect_status(app.get(&path, &status).await, 200).await;
        seen.extend(feed_ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/volunteer-status?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), ids.len());

    // A certificate moves only its volunteer past the last position seen.
    let last_seen = page["items"]
        .as_array()
        .and_then(|items| items.iter().map(|r| r["updated_at"].as_str()).max())
        .flatten()
        .unwrap_or_default()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{second}/police-certificates"),
            &s.coordinator,
            &police_certificate("politiattest", &days_ago(20), &days_ago(2)),
        )
        .await,
        201,
    )
    .await;
    let since = expect_status(
        send(
            app.request(Method::GET, "/api/v1/volunteer-status", Some(&status))
                .query(&[("updated_since", last_seen.as_str())]),
        )
        .await,
        200,
    )
    .await;
    let changed = feed_ids(&since);
    assert!(changed.contains(&second), "{since}");
    assert!(!changed.contains(&ours));

    // Erasure shows as a record to forget.
    expect_status(
        app.delete(&format!("/api/v1/volunteers/{ours}"), &s.coordinator)
            .await,
        204,
    )
    .await;
    let page = expect_status(app.get("/api/v1/volunteer-status", &status).await, 200).await;
    let erased = page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == ours.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(erased["erased"], true);
    assert_eq!(erased["cleared_for"], json!([]));

    // Contact persons and bad cursors are refused.
    let (_, contact_token) = app.user(Some(&s.municipality), "contact_person").await;
    expect_problem(
        app.get("/api/v1/volunteer-status", &contact_token).await,
        403,
    )
    .await;
    expect_problem(
        app.get("/api/v1/volunteer-status?cursor=bm9wZQ", &status)
            .await,
        400,
    )
    .await;
}

fn kinds(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or_default().to_owned(),
                i["subject_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_work_list_shows_waiting_registrations_expiring_certificates_and_missing_contacts() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "1506").await;
    let waiting = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Vente", "family_name": "Lenge", "email": "vente@example.no"}),
        )
        .await,
    );
    app.execute_sql(&format!(
        "UPDATE volunteers SET created_at = now() - interval '20 days' WHERE id = '{waiting}'"
    ));
    let fresh = id_of(
        &app.create_volunteer(
            &s.coordinator,
            &json!({"given_name": "Ny", "family_name": "Her", "email": "ny@example.no"}),
        )
        .await,
    );
    let certified = app.approved_volunteer(&s, "Attest").create().await;
    // Issued 35 months and 20 days ago: the 36-month renewal period ends within 30 days.
    let issued = today() - Months::new(36) + Days::new(10);
    expect_status(
        app.post(
            &format!("/api/v1/volunteers/{certified}/police-certificates"),
            &s.coordinator,
            &police_certificate(
                "politiattest",
                &issued.to_string(),
                &(issued + Days::new(7)).to_string(),
            ),
        )
        .await,
        201,
    )
    .await;
    let alone = app.approved_volunteer(&s, "Alene").create().await;
    expect_status(
        app.patch(
            &format!("/api/v1/volunteers/{alone}"),
            &s.coordinator,
            &json!({"contact_person_id": null}),
        )
        .await,
        200,
    )
    .await;

    let list = expect_status(app.get("/api/v1/work-items", &s.coordinator).await, 200).await;
    let found = kinds(&list);
    assert!(
        found.contains(&("screening_overdue".to_owned(), waiting.clone())),
        "{list}"
    );
    assert!(!found.iter().any(|(_, v)| *v == fresh));
    assert!(found.contains(&("certificate_expiring".to_owned(), certified.clone())));
    assert!(found.contains(&("contact_person_missing".to_owned(), alone.clone())));
    assert_eq!(found.len(), 3, "{list}");
    let expiring = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["kind"] == "certificate_expiring"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        expiring["due_on"],
        (issued + Months::new(36) - Days::new(1))
            .to_string()
            .as_str()
    );
    assert_eq!(expiring["name"], "Attest Frivillig");
    assert_eq!(expiring["subject"], "volunteer");
    // Earliest due first.
    let dues: Vec<&str> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["due_on"].as_str())
        .collect();
    let mut sorted = dues.clone();
    sorted.sort_unstable();
    assert_eq!(dues, sorted);

    let only = expect_status(
        app.get(
            "/api/v1/work-items?kind=contact_person_missing",
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(kinds(&only), [("contact_person_missing".to_owned(), alone)]);
    let first = expect_status(
        app.get("/api/v1/work-items?limit=2", &s.coordinator).await,
        200,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap_or_default();
    let rest = expect_status(
        app.get(
            &format!("/api/v1/work-items?limit=2&cursor={cursor}"),
            &s.coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(kinds(&first).len() + kinds(&rest).len(), 3);
    assert!(rest["next_cursor"].is_null());

    let (_, contact_token) = app.user(Some(&s.municipality), "contact_person").await;
    expect_problem(app.get("/api/v1/work-items", &contact_token).await, 403).await;
    let other = app.create_municipality("1508").await;
    let (_, stranger) = app.user(Some(&other), "coordinator").await;
    expect_problem(
        app.get(
            &format!("/api/v1/work-items?municipality_id={}", s.municipality),
            &stranger,
        )
        .await,
        404,
    )
    .await;
    let admin = app.admin_token().await;
    let needs_municipality = expect_problem(app.get("/api/v1/work-items", &admin).await, 422).await;
    assert_eq!(error_fields(&needs_municipality), ["municipality_id"]);
    let as_admin = expect_status(
        app.get(
            &format!("/api/v1/work-items?municipality_id={}", s.municipality),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(kinds(&as_admin).len(), 3);
}
