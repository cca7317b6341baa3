//! The committed spec is what the server serves, and every non-public operation needs a token.

use reqwest::Method;
use samspill_tests::{TestApp, expect_status, send};
use serde_json::Value;

const REGENERATE: &str = "cargo run -q -p samspill -- openapi > openapi/openapi.json";

fn committed() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_committed_spec_is_what_the_server_serves() {
    let app = TestApp::spawn().await;
    let served = expect_status(
        send(app.request(Method::GET, "/api-docs/openapi.json", None)).await,
        200,
    )
    .await;
    assert!(
        served == committed(),
        "openapi/openapi.json differs from the spec the server serves. Regenerate it with:\n    {REGENERATE}"
    );
    let config = samspill_tests::test_config("postgres://unused").unwrap_or_else(|e| panic!("{e}"));
    let generated = samspill::app::openapi_json(&config).unwrap_or_default();
    let committed_text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json"),
    )
    .unwrap_or_default();
    assert!(
        generated == committed_text,
        "openapi/openapi.json is not formatted as generated. Regenerate it with:\n    {REGENERATE}"
    );
}

#[tokio::test]
async fn every_operation_outside_the_public_list_refuses_anonymous_callers() {
    let app = TestApp::spawn().await;
    let spec = committed();
    let paths = spec["paths"].as_object().cloned().unwrap_or_default();
    assert!(
        paths.len() >= 15,
        "the spec lists too few paths: {}",
        paths.len()
    );
    let mut checked = 0;
    for (path, item) in paths {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "0196b6b0-0000-7000-8000-000000000000"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, operation) in item.as_object().cloned().unwrap_or_default() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let public = samspill::openapi::PUBLIC_OPERATIONS.contains(&id.as_str());
            assert_eq!(
                operation.get("security").is_none(),
                public,
                "{id}: security does not match the public list"
            );
            if public {
                continue;
            }
            let method =
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap_or(Method::GET);
            let response = send(
                app.request(method, &concrete, None)
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await;
            assert_eq!(
                response.status().as_u16(),
                401,
                "{id} answered {} without a token",
                response.status()
            );
            assert!(
                operation["responses"]["401"].is_object(),
                "{id} does not document 401"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} operations checked");
}

#[tokio::test]
async fn every_operation_documents_its_errors_as_problem_json() {
    let spec = committed();
    for (path, item) in spec["paths"].as_object().cloned().unwrap_or_default() {
        for (method, operation) in item.as_object().cloned().unwrap_or_default() {
            let responses = operation["responses"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for status in ["400", "500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
    let problem = &spec["components"]["responses"]["UnprocessableContent"]["content"]["application/problem+json"];
    assert_eq!(problem["schema"]["$ref"], "#/components/schemas/Problem");
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let redirect = send(app.request(Method::GET, "/swagger-ui", None)).await;
    assert_eq!(redirect.status().as_u16(), 301);
    assert_eq!(
        redirect
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/swagger-ui/")
    );
    let page = send(app.request(Method::GET, "/swagger-ui/", None)).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("swagger-ui"), "{html}");
    let config = send(app.request(Method::GET, "/swagger-ui/swagger-initializer.js", None)).await;
    let script = config.text().await.unwrap_or_default();
    assert!(script.contains("/api-docs/openapi.json"), "{script}");
}
