//! Building and running the HTTP server.

use crate::telemetry::PrivacyRootSpan;
use crate::{
    auth::tokens::TokenIssuer,
    body::{BodyDeadline, body_deadline, refuse_encoded_bodies},
    bootstrap,
    config::Config,
    extract::{BodyLimit, path_config},
    idempotency::idempotent_creates,
    metrics,
    openapi::{ApiDoc, finish},
    problem::problem_responses,
    rate_limit::{RateLimit, rate_limit},
    routes,
    routing::{RouteTable, no_route},
    scheduler,
    state::AppState,
};
use actix_cors::Cors;
use actix_web::{
    App, HttpResponse, HttpServer,
    dev::{Server, ServerHandle},
    http::{Method, header},
    middleware::{Condition, from_fn},
    web,
};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document exactly as the server serves it.
pub fn openapi_document(rate_limit: &RateLimit) -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure(rate_limit))
        .split_for_parts();
    finish(doc)
}

/// The spec as pretty JSON with a final newline, as committed in `openapi/openapi.json`.
pub fn openapi_json(config: &Config) -> anyhow::Result<String> {
    let rate_limit = rate_limit(config).map_err(anyhow::Error::msg)?;
    let mut json = openapi_document(&rate_limit).to_pretty_json()?;
    json.push('\n');
    Ok(json)
}

/// A server bound to its port, ready to run, with its scheduler.
pub struct Application {
    server: Server,
    port: u16,
    pool: samspill_persistence::DbPool,
    clock: crate::clock::Clock,
    webhooks: crate::webhooks::sender::Settings,
    notifier: crate::notify::Notifier,
}

impl Application {
    /// Prepares the database (create, migrate, first admin) and binds `config.bind`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let prepared = config.clone();
        tokio::task::spawn_blocking(move || bootstrap::prepare_database(&prepared)).await??;
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        Self::from_listener(config, listener)
    }

    /// Builds the server on a listener that is already bound (tests bind port 0).
    pub fn from_listener(config: Config, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let pool = samspill_persistence::build_pool(
            &config.database_url,
            config.db_pool_size,
            config.db_timeout,
        );
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            tokens: TokenIssuer::new(&config),
            login_throttle: config.login_throttle,
            idempotency_ttl: chrono::TimeDelta::from_std(config.idempotency_ttl)
                .unwrap_or(chrono::TimeDelta::hours(24)),
            digest_key: crate::auth::tokens::keyed_digest(
                &config.jwt_secret,
                &[b"samspill digests kept in the database"],
            ),
            clock: config.clock.clone(),
            webhooks_allow_private: config.webhooks_allow_private,
            import_max_bytes: config.import_max_bytes,
        });
        let prometheus = PrometheusMetricsBuilder::new("samspill")
            .mask_unmatched_patterns("UNMATCHED")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        metrics::register(&prometheus.registry);
        let registry = web::Data::new(prometheus.registry.clone());
        let rate_limit = rate_limit(&config).map_err(anyhow::Error::msg)?;
        let document = openapi_document(&rate_limit);
        let route_table = web::Data::new(RouteTable::from_openapi(&document));
        let max_body = config.max_body_bytes;
        let deadline = BodyDeadline(config.body_timeout);
        let cors_origins = config.cors_origins.clone();

        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .app_data(state.clone())
                .app_data(registry.clone())
                .app_data(route_table.clone())
                .app_data(BodyLimit(max_body))
                .app_data(deadline)
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(path_config())
                .configure(routes::configure(&rate_limit))
                .split_for_parts();
            app.service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    .url("/api-docs/openapi.json", document.clone()),
            )
            .service(web::resource("/swagger-ui").to(|| async {
                HttpResponse::MovedPermanently()
                    .insert_header((header::LOCATION, "/swagger-ui/"))
                    .finish()
            }))
            .default_service(web::to(no_route))
            .wrap(from_fn(idempotent_creates))
            .wrap(from_fn(refuse_encoded_bodies))
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                cors(&cors_origins),
            ))
            .wrap(from_fn(problem_responses))
            .wrap(from_fn(body_deadline))
            .wrap(prometheus.clone())
            .wrap(TracingLogger::<PrivacyRootSpan>::new())
        })
        .max_connections(config.max_connections_per_worker)
        .listen(listener)?
        .shutdown_timeout(10);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            server: server.run(),
            port,
            pool,
            clock: config.clock.clone(),
            notifier: notifier(&config)?,
            webhooks: crate::webhooks::sender::Settings {
                poll: config.outbox_poll,
                timeout: config.webhook_timeout,
                allow_private: config.webhooks_allow_private,
            },
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves, runs the scheduled jobs and drains the outbox, until stopped (SIGINT/SIGTERM
    /// finish in-flight requests first).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let jobs = scheduler::run(self.pool.clone(), crate::jobs::all(), self.clock.clone());
        let outbox =
            crate::webhooks::sender::run(self.pool.clone(), self.clock.clone(), self.webhooks);
        let notifications = crate::notify::run(self.pool, self.clock, self.notifier);
        tokio::select! {
            served = self.server => served,
            () = jobs => Ok(()),
            () = outbox => Ok(()),
            () = notifications => Ok(()),
        }
    }
}

/// The notification worker's senders: email when `SAMSPILL_SMTP_URL` is set (the service says
/// at start whether email is on), SMS logged only.
fn notifier(config: &Config) -> anyhow::Result<crate::notify::Notifier> {
    let email = match &config.smtp_url {
        Some(url) => {
            let mailer =
                crate::notify::Mailer::new(url, &config.mail_from).map_err(anyhow::Error::msg)?;
            let shown = url::Url::parse(url)
                .map(|u| {
                    format!(
                        "{}://{}:{}",
                        u.scheme(),
                        u.host_str().unwrap_or_default(),
                        u.port().unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            tracing::info!(smtp = %shown, from = %config.mail_from, "email reminders are on");
            Some(mailer)
        }
        None => {
            tracing::warn!("email reminders are off: SAMSPILL_SMTP_URL is not set");
            None
        }
    };
    Ok(crate::notify::Notifier {
        email,
        sms: std::sync::Arc::new(crate::notify::LogOnly),
        poll: config.outbox_poll,
    })
}

/// CORS for the configured origins (`*` allows any origin: tokens travel in headers, never cookies).
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT,
            crate::idempotency::IDEMPOTENCY_KEY,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}
