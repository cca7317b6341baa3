use samspill_tests::{TestApp, error_fields, expect_problem, expect_status};
use serde_json::json;

#[tokio::test]
async fn units_nest_but_never_in_a_loop() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("4204").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let district = expect_status(
        app.post(
            "/api/v1/units",
            &coordinator,
            &json!({"name": "Distrikt Øst", "kind": "care_district"}),
        )
        .await,
        201,
    )
    .await;
    let district_id = district["id"].as_str().unwrap_or_default();
    assert_eq!(district["municipality_id"], municipality.as_str());
    let home = expect_status(
        app.post(
            "/api/v1/units",
            &coordinator,
            &json!({"name": "Østbyen sykehjem", "kind": "nursing_home", "parent_id": district_id}),
        )
        .await,
        201,
    )
    .await;
    let home_id = home["id"].as_str().unwrap_or_default();
    assert_eq!(home["parent_id"], district_id);

    let loop_ = app
        .patch(
            &format!("/api/v1/units/{district_id}"),
            &coordinator,
            &json!({"parent_id": home_id}),
        )
        .await;
    let problem = expect_problem(loop_, 422).await;
    assert_eq!(error_fields(&problem), ["parent_id"]);
    assert_eq!(problem["errors"][0]["code"], "cycle");
    let self_parent = app
        .patch(
            &format!("/api/v1/units/{home_id}"),
            &coordinator,
            &json!({"parent_id": home_id}),
        )
        .await;
    expect_problem(self_parent, 422).await;

    let children = expect_status(
        app.get(
            &format!("/api/v1/units?parent_id={district_id}"),
            &coordinator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(children["items"].as_array().map(Vec::len), Some(1));

    let in_use = app
        .delete(&format!("/api/v1/units/{district_id}"), &coordinator)
        .await;
    expect_problem(in_use, 409).await;
    let detached = expect_status(
        app.patch(
            &format!("/api/v1/units/{home_id}"),
            &coordinator,
            &json!({"parent_id": null}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(detached["parent_id"], serde_json::Value::Null);
    expect_status(
        app.delete(&format!("/api/v1/units/{district_id}"), &coordinator)
            .await,
        204,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/units/{district_id}"), &coordinator)
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_parent_must_be_a_unit_of_the_same_municipality() {
    let app = TestApp::spawn().await;
    let oslo = app.create_municipality("0301").await;
    let bergen = app.create_municipality("4601").await;
    let bergen_unit = app.unit(&bergen, "Bergen sykehjem").await;
    let (_, coordinator) = app.user(Some(&oslo), "coordinator").await;
    let response = app
        .post(
            "/api/v1/units",
            &coordinator,
            &json!({"name": "Oslo hjem", "kind": "nursing_home", "parent_id": bergen_unit}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(response, 422).await),
        ["parent_id"]
    );
}

#[tokio::test]
async fn unit_names_are_unique_in_a_municipality_ignoring_case() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("3401").await;
    app.unit(&municipality, "Lindehjemmet").await;
    let admin = app.admin_token().await;
    let twice = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"municipality_id": municipality, "name": "LINDEHJEMMET", "kind": "other"}),
        )
        .await;
    assert_eq!(error_fields(&expect_problem(twice, 409).await), ["name"]);
    let missing = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"name": "Uten kommune", "kind": "other"}),
        )
        .await;
    assert_eq!(
        error_fields(&expect_problem(missing, 422).await),
        ["municipality_id"]
    );
    let unknown = app
        .post("/api/v1/units", &admin, &json!({"municipality_id": "0196b6b0-0000-7000-8000-000000000000", "name": "X", "kind": "other"}))
        .await;
    assert_eq!(
        error_fields(&expect_problem(unknown, 422).await),
        ["municipality_id"]
    );
}

#[tokio::test]
async fn only_managers_change_units() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("1506").await;
    let unit = app.unit(&municipality, "Molde sjukeheim").await;
    for role in ["contact_person", "volunteer"] {
        let (_, token) = app.user(Some(&municipality), role).await;
        expect_status(app.get(&format!("/api/v1/units/{unit}"), &token).await, 200).await;
        expect_problem(
            app.post(
                "/api/v1/units",
                &token,
                &json!({"name": "Ny", "kind": "other"}),
            )
            .await,
            403,
        )
        .await;
        expect_problem(
            app.patch(
                &format!("/api/v1/units/{unit}"),
                &token,
                &json!({"name": "Ny"}),
            )
            .await,
            403,
        )
        .await;
        expect_problem(
            app.delete(&format!("/api/v1/units/{unit}"), &token).await,
            403,
        )
        .await;
    }
}

#[tokio::test]
async fn housing_and_activity_centres_are_kinds_of_their_own() {
    let app = TestApp::spawn().await;
    let municipality = app.create_municipality("5001").await;
    let (_, coordinator) = app.user(Some(&municipality), "coordinator").await;
    let mut created = Vec::new();
    for (name, kind) in [
        ("Lindelia bofellesskap", "disability_housing"),
        ("Eikely omsorgsboliger", "sheltered_housing"),
        ("Sentrum aktivitetssenter", "activity_center"),
    ] {
        let unit = expect_status(
            app.post(
                "/api/v1/units",
                &coordinator,
                &json!({"name": name, "kind": kind}),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(unit["kind"], kind);
        created.push(unit["id"].as_str().unwrap_or_default().to_owned());
    }
    let sheltered = expect_status(
        app.get("/api/v1/units?kind=sheltered_housing", &coordinator)
            .await,
        200,
    )
    .await;
    assert_eq!(sheltered["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(sheltered["items"][0]["id"], created[1].as_str());
    let moved = expect_status(
        app.patch(
            &format!("/api/v1/units/{}", created[0]),
            &coordinator,
            &json!({"kind": "activity_center"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(moved["kind"], "activity_center");
    let british = app
        .post(
            "/api/v1/units",
            &coordinator,
            &json!({"name": "Nytt senter", "kind": "activity_centre"}),
        )
        .await;
    let status = british.status().as_u16();
    assert!(status == 400 || status == 422, "{status}");
}

#[tokio::test]
async fn the_spec_says_what_each_unit_kind_means() {
    let app = TestApp::spawn().await;
    let spec = expect_status(
        samspill_tests::send(app.request(reqwest::Method::GET, "/api-docs/openapi.json", None))
            .await,
        200,
    )
    .await;
    let schema = &spec["components"]["schemas"]["UnitKind"];
    let description = schema["description"].as_str().unwrap_or_default();
    let values: Vec<&str> = schema["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        values,
        [
            "nursing_home",
            "home_care",
            "day_center",
            "care_district",
            "disability_housing",
            "sheltered_housing",
            "activity_center",
            "other"
        ]
    );
    for value in values {
        assert!(
            description.contains(&format!("- `{value}`: ")),
            "{value} missing from {description:?}"
        );
    }
    assert!(description.contains("bofellesskap"), "{description}");
}
