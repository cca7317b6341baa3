//! Health, metrics, and riding out a database outage.

use reqwest::Method;
use samspill_tests::{TestApp, expect_problem, expect_status, send};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

#[tokio::test]
async fn liveness_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let live = expect_status(
        send(app.request(Method::GET, "/health/live", None)).await,
        200,
    )
    .await;
    assert_eq!(live["status"], "ok");
    expect_status(
        send(app.request(Method::GET, "/health/ready", None)).await,
        200,
    )
    .await;
    let metrics = send(app.request(Method::GET, "/metrics", None)).await;
    assert!(
        metrics
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
    );
    let text = metrics.text().await.unwrap_or_default();
    assert!(text.contains("samspill_http_requests_total"), "{text}");
    assert!(text.contains("endpoint=\"/health/ready\""), "{text}");
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(e) => panic!("proxy: {e}"),
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let (accepting, cuts) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = cuts.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { port, up, cut }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|generation| *generation += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn while_the_database_is_away_the_api_answers_503_and_recovers_by_itself() {
    let upstream = {
        let url =
            reqwest::Url::parse(&samspill_tests::server_url()).unwrap_or_else(|e| panic!("{e}"));
        format!(
            "{}:{}",
            url.host_str().unwrap_or("127.0.0.1"),
            url.port().unwrap_or(5432)
        )
    };
    let proxy = Proxy::start(upstream.clone()).await;
    let port = proxy.port;
    let app = TestApp::spawn_with(move |config| {
        let mut url = reqwest::Url::parse(&config.database_url).unwrap_or_else(|e| panic!("{e}"));
        let _ = url.set_port(Some(port));
        config.database_url = url.to_string();
        config.db_timeout = Duration::from_millis(500);
    })
    .await;
    let admin = app.admin_token().await;
    expect_status(app.get("/api/v1/units", &admin).await, 200).await;

    proxy.down();
    let ready = send(app.request(Method::GET, "/health/ready", None)).await;
    assert_eq!(
        ready
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    expect_problem(ready, 503).await;
    expect_problem(app.get("/api/v1/units", &admin).await, 503).await;
    let login = send(
        app.request(Method::POST, "/api/v1/auth/token", None)
            .form(&[
                ("grant_type", "password"),
                ("username", samspill_tests::ADMIN_EMAIL),
                ("password", samspill_tests::ADMIN_PASSWORD),
            ]),
    )
    .await;
    expect_problem(login, 503).await;
    expect_status(
        send(app.request(Method::GET, "/health/live", None)).await,
        200,
    )
    .await;

    proxy.restore();
    let started = Instant::now();
    loop {
        let status = send(app.request(Method::GET, "/health/ready", None))
            .await
            .status()
            .as_u16();
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not ready 15 s after the database returned"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    expect_status(app.get("/api/v1/units", &admin).await, 200).await;
}
