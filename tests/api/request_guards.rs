use reqwest::Method;
use samspill_tests::{TestApp, expect_problem, send};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn bodies_with_a_content_coding_are_refused_before_they_are_read() {
    let app = TestApp::spawn().await;
    // The start of a gzip stream of zeros: the service must not inflate it.
    let gzip: Vec<u8> = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff]
        .into_iter()
        .chain(std::iter::repeat_n(0, 4_000))
        .collect();
    for (path, coding, media_type) in [
        ("/api/v1/registrations", "gzip", "application/json"),
        ("/api/v1/registrations", "zstd", "application/json"),
        (
            "/api/v1/auth/token",
            "gzip",
            "application/x-www-form-urlencoded",
        ),
        (
            "/api/v1/auth/token",
            "br",
            "application/x-www-form-urlencoded",
        ),
        ("/api/v1/registrations", "foo", "application/json"),
        (
            "/api/v1/registrations",
            "identity, gzip",
            "application/json",
        ),
    ] {
        let response = send(
            app.request(Method::POST, path, None)
                .header("Content-Encoding", coding)
                .header("Content-Type", media_type)
                .body(gzip.clone()),
        )
        .await;
        let accept = response
            .headers()
            .get("accept-encoding")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let problem = expect_problem(response, 415).await;
        assert_eq!(
            problem["type"], "urn:samspill:problem:unsupported-encoding",
            "{coding}"
        );
        assert_eq!(accept.as_deref(), Some("identity"));
    }
    // `identity` is no coding at all: the body is read as usual.
    let plain = send(
        app.request(Method::POST, "/api/v1/registrations", None)
            .header("Content-Encoding", "identity")
            .json(&serde_json::json!({})),
    )
    .await;
    expect_problem(plain, 422).await;
}

/// Sends `head`, then trickles a piece of body every 200 ms; returns what came back and
/// whether the service closed the connection (within 8 s).
async fn trickle(address: &str, head: &str, chunked: bool) -> (String, bool, Duration) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let started = Instant::now();
    let _ = stream.write_all(head.as_bytes()).await;
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    let closed = loop {
        let piece: &[u8] = if chunked { b"1\r\n{\r\n" } else { b"{" };
        let _ = stream.write_all(piece).await;
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Err(_) => {}
        }
        if started.elapsed() > Duration::from_secs(8) {
            break false;
        }
    };
    (
        String::from_utf8_lossy(&answer).into_owned(),
        closed,
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_body_nobody_reads_does_not_hold_the_connection() {
    let app = TestApp::spawn().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // Answered without reading the body: a chunked body would otherwise be drained for as long
    // as the client trickles it.
    for path in ["/health/live", "/api/v1/volunteers"] {
        let head =
            format!("POST {path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n");
        let (text, closed, _) = trickle(&address, &head, true).await;
        assert!(
            text.starts_with("HTTP/1.1 4") || text.starts_with("HTTP/1.1 2"),
            "{path}: {text}"
        );
        assert!(closed, "{path}: the connection stayed open");
    }
}

#[tokio::test]
async fn a_body_that_trickles_in_is_answered_408_and_its_connection_closed() {
    let app = TestApp::spawn_with(|c| c.body_timeout = Duration::from_secs(1)).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    for framing in ["Content-Length: 1000", "Transfer-Encoding: chunked"] {
        let head = format!(
            "POST /api/v1/registrations HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
        );
        let (text, closed, took) = trickle(&address, &head, framing.starts_with("Transfer")).await;
        assert!(text.starts_with("HTTP/1.1 408"), "{framing}: {text}");
        assert!(
            text.contains("application/problem+json")
                && text.contains("urn:samspill:problem:request-timeout"),
            "{text}"
        );
        assert!(closed, "{framing}: the connection stayed open");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}

#[tokio::test]
async fn the_token_endpoint_answers_a_too_large_body_like_every_other_endpoint() {
    let app = TestApp::spawn().await;
    let big = format!("grant_type=password&username={}", "a".repeat(70_000));
    let response = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(big),
    )
    .await;
    let problem = expect_problem(response, 413).await;
    assert_eq!(problem["type"], "urn:samspill:problem:payload-too-large");
}
