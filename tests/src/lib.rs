//! Test harness: spawns the real server on a random port against a fresh database cloned from
//! a migrated template, and offers small helpers to talk to it and builders for the set-ups
//! tests share (`builders.rs`).

mod builders;
mod receiver;
mod smtp;

pub use receiver::{Received, Receiver};
pub use smtp::{Mail, SmtpSink};

pub use builders::{
    ApprovalBuilder, DECLARATIONS, DOCUMENT_VERSION, MunicipalityBuilder, MunicipalitySetup,
    Subject, days_ago, days_ahead, local_today, police_certificate, requirement, today,
};

use anyhow::{Context, anyhow};
use diesel::{Connection, PgConnection, RunQueryDsl, sql_types::BigInt};
use reqwest::{Client, Method, RequestBuilder, Response};
use samspill::{Application, Config};
use samspill_persistence::{
    database::{create_database, drop_database},
    pool::run_migrations,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{net::TcpListener, path::Path, sync::OnceLock};

/// The PostgreSQL server tests use; `SAMSPILL_TEST_DATABASE_URL` overrides (its path is ignored).
pub fn server_url() -> String {
    std::env::var("SAMSPILL_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn database_url(name: &str) -> anyhow::Result<String> {
    let mut url = reqwest::Url::parse(&server_url())?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// The email of the administrator every test database starts with.
pub const ADMIN_EMAIL: &str = "admin@test.samspill.no";
/// Its password.
pub const ADMIN_PASSWORD: &str = "test-admin-password";
/// The password helpers give the accounts they create.
pub const USER_PASSWORD: &str = "test-user-password";

/// The template database: migrated once per migration set, under an advisory lock so that
/// parallel test processes do not race. Named by a hash of the migrations, so a changed
/// migration gets a new template.
fn template() -> anyhow::Result<&'static str> {
    static TEMPLATE: OnceLock<Result<String, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| build_template().map_err(|e| format!("{e:#}")))
        .as_deref()
        .map_err(|e| anyhow!("template database: {e}"))
}

fn migrations_hash() -> anyhow::Result<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        for file in ["up.sql", "down.sql"] {
            let path = entry.path().join(file);
            if path.exists() {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.strip_prefix(&dir)?.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file)?);
    }
    Ok(hasher
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn build_template() -> anyhow::Result<String> {
    let name = format!("samspill_test_tpl_{}", migrations_hash()?);
    let mut admin =
        PgConnection::establish(&server_url()).context("PostgreSQL is not reachable")?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(0x0074_6573_7474_706c)
        .execute(&mut admin)?;
    let result = (|| -> anyhow::Result<()> {
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let found: Found =
            diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(&name)
                .get_result(&mut admin)?;
        if found.n > 0 {
            return Ok(());
        }
        // Build under a temporary name and rename when complete, so that a crash never leaves
        // a half-migrated template behind.
        let building = format!("{name}_building");
        drop_database(&mut admin, &building).map_err(|e| anyhow!(e))?;
        create_database(&mut admin, &building, None).map_err(|e| anyhow!(e))?;
        {
            let mut conn = PgConnection::establish(&database_url(&building)?)?;
            run_migrations(&mut conn).map_err(|e| anyhow!(e))?;
        }
        diesel::sql_query(format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
        ))
        .execute(&mut admin)?;
        Ok(())
    })();
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(0x0074_6573_7474_706c)
        .execute(&mut admin)?;
    result.map(|()| name)
}

/// A running server with its own database, dropped when the test ends.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The database URL the server uses.
    pub database_url: String,
    /// An HTTP client.
    pub client: Client,
    /// The server's clock: a test moves it forward instead of waiting for a date.
    pub clock: samspill::clock::Clock,
    database: String,
    handle: actix_web::dev::ServerHandle,
}

/// Test configuration: one worker, a small pool, a fixed secret, the test administrator.
pub fn test_config(database_url: &str) -> anyhow::Result<Config> {
    let mut config = Config::from_lookup(|_| None).map_err(|e| anyhow!(e))?;
    config.database_url = database_url.to_owned();
    config.bind = "127.0.0.1:0".to_owned();
    config.jwt_secret = b"a test secret that is long enough to sign".to_vec();
    config.jwt_secret_generated = false;
    config.workers = Some(1);
    config.db_pool_size = 4;
    config.rate_limit_per_minute = 6_000;
    config.rate_limit_burst = 1_000;
    config.admin_email = Some(ADMIN_EMAIL.to_owned());
    config.admin_password = Some(ADMIN_PASSWORD.to_owned());
    // Webhook tests run their receiver on loopback and do not wait long for the worker.
    config.webhooks_allow_private = true;
    config.outbox_poll = std::time::Duration::from_millis(100);
    Ok(config)
}

/// A fresh database cloned from the template; returns its name and URL.
pub fn fresh_database() -> anyhow::Result<(String, String)> {
    let template = template()?;
    let name = format!("samspill_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = PgConnection::establish(&server_url())?;
    create_database(&mut admin, &name, Some(template)).map_err(|e| anyhow!(e))?;
    let url = database_url(&name)?;
    Ok((name, url))
}

impl TestApp {
    /// Spawns a server with the test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns a server after `adjust` has changed the test configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        match Self::try_spawn(adjust).await {
            Ok(app) => app,
            Err(e) => panic!("cannot start the test server: {e:#}"),
        }
    }

    async fn try_spawn(adjust: impl FnOnce(&mut Config)) -> anyhow::Result<Self> {
        let (database, database_url) = tokio::task::spawn_blocking(fresh_database).await??;
        let mut config = test_config(&database_url)?;
        adjust(&mut config);
        let prepared = config.clone();
        tokio::task::spawn_blocking(move || samspill::bootstrap::prepare_database(&prepared))
            .await??;
        let listener = TcpListener::bind(&config.bind)?;
        let clock = config.clock.clone();
        let app = Application::from_listener(config, listener)?;
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Ok(Self {
            address,
            database_url,
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            clock,
            database,
            handle,
        })
    }

    /// A request to `path` with an optional bearer token.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{path}", self.address));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        send(self.request(Method::GET, path, Some(token))).await
    }

    /// POST JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path, Some(token)).json(body)).await
    }

    /// PATCH JSON with a token.
    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        send(self.request(Method::PATCH, path, Some(token)).json(body)).await
    }

    /// DELETE with a token.
    pub async fn delete(&self, path: &str, token: &str) -> Response {
        send(self.request(Method::DELETE, path, Some(token))).await
    }

    /// An access token for a password login; panics if the login fails.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = send(
            self.request(Method::POST, "/api/v1/auth/token", None)
                .form(&[
                    ("grant_type", "password"),
                    ("username", email),
                    ("password", password),
                ]),
        )
        .await;
        let body = expect_status(response, 200).await;
        body["access_token"].as_str().unwrap_or_default().to_owned()
    }

    /// The test administrator's access token.
    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Runs the service's periodic job `name` now, as the administrator; returns what the run
    /// did (`{job, ran, rows}`).
    pub async fn run_job(&self, name: &str) -> Value {
        let admin = self.admin_token().await;
        expect_status(
            self.post(&format!("/api/v1/jobs/{name}/runs"), &admin, &json!({}))
                .await,
            200,
        )
        .await
    }

    /// Creates a Norwegian municipality as administrator; returns its id.
    pub async fn create_municipality(&self, code: &str) -> String {
        self.create_municipality_in("NO", code).await
    }

    /// Creates a municipality of `country` (`NO` or `DK`) as administrator; returns its id.
    pub async fn create_municipality_in(&self, country: &str, code: &str) -> String {
        let admin = self.admin_token().await;
        let response = self
            .post(
                "/api/v1/municipalities",
                &admin,
                &json!({"country": country, "code": code, "name": format!("Kommune {code}")}),
            )
            .await;
        id_of(&expect_status(response, 201).await)
    }

    /// Runs `sql` directly against this test's database (to set up what the API cannot, such
    /// as a registration made weeks ago); panics if it fails.
    pub fn execute_sql(&self, sql: &str) {
        let done = PgConnection::establish(&self.database_url)
            .map_err(|e| e.to_string())
            .and_then(|mut conn| {
                diesel::sql_query(sql)
                    .execute(&mut conn)
                    .map_err(|e| e.to_string())
            });
        assert!(done.is_ok(), "{sql}: {done:?}");
    }

    /// Creates a service account of the caller's municipality with `scopes` (as the
    /// coordinator `coordinator`) and returns a `client_credentials` access token for it.
    pub async fn service_token(&self, coordinator: &str, scopes: &[&str]) -> String {
        let account = expect_status(
            self.post(
                "/api/v1/service-accounts",
                coordinator,
                &json!({"name": "Fagsystem", "scopes": scopes}),
            )
            .await,
            201,
        )
        .await;
        let form = [
            ("grant_type", "client_credentials"),
            (
                "client_id",
                account["client_id"].as_str().unwrap_or_default(),
            ),
            (
                "client_secret",
                account["client_secret"].as_str().unwrap_or_default(),
            ),
        ];
        let tokens = expect_status(
            send(
                self.request(Method::POST, "/api/v1/auth/token", None)
                    .form(&form),
            )
            .await,
            200,
        )
        .await;
        tokens["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Creates an account with `role` in `municipality` (as administrator) and logs it in.
    /// Returns the account id and an access token.
    pub async fn user(&self, municipality: Option<&str>, role: &str) -> (String, String) {
        let admin = self.admin_token().await;
        let email = format!("{role}-{}@test.samspill.no", uuid::Uuid::now_v7().simple());
        let response = self
            .post(
                "/api/v1/users",
                &admin,
                &json!({
                    "municipality_id": municipality,
                    "email": email,
                    "display_name": format!("Test {role}"),
                    "role": role,
                    "password": USER_PASSWORD,
                }),
            )
            .await;
        let id = id_of(&expect_status(response, 201).await);
        (id, self.login(&email, USER_PASSWORD).await)
    }

    /// Creates a unit in `municipality` as administrator; returns its id.
    pub async fn unit(&self, municipality: &str, name: &str) -> String {
        let admin = self.admin_token().await;
        let response = self
            .post(
                "/api/v1/units",
                &admin,
                &json!({"municipality_id": municipality, "name": name, "kind": "nursing_home"}),
            )
            .await;
        id_of(&expect_status(response, 201).await)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Ask the server to stop (the command is sent at once; its completion needs the test's
        // runtime, which is busy dropping us, so it is not awaited), then drop the database,
        // which also closes the server's connections.
        drop(self.handle.stop(false));
        let database = self.database.clone();
        let dropping = std::thread::spawn(move || {
            if let Ok(mut admin) = PgConnection::establish(&server_url()) {
                let _ = drop_database(&mut admin, &database);
            }
        });
        let _ = dropping.join();
    }
}

/// Sends a request; panics on a transport error.
pub async fn send(builder: RequestBuilder) -> Response {
    match builder.send().await {
        Ok(response) => response,
        Err(e) => panic!("request failed: {e}"),
    }
}

/// Asserts the status and returns the JSON body (`null` when empty).
pub async fn expect_status(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let url = response.url().to_string();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "{url} answered {actual}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts a problem+json answer with this status and returns it.
pub async fn expect_problem(response: Response, status: u16) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = expect_status(response, status).await;
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "{body}"
    );
    assert!(!request_id.is_empty(), "no X-Request-Id");
    assert_eq!(body["request_id"], request_id.as_str(), "{body}");
    body
}

/// The fields named in a problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `id` of a JSON object.
pub fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap_or_default().to_owned()
}
