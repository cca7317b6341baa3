//! Logging: human-readable or JSON lines, filtered by `SAMSPILL_LOG`.

use crate::config::{Config, LogFormat};
use tracing::{Event, Level, Metadata, Subscriber, field::Visit};
use tracing_subscriber::{
    EnvFilter, Layer,
    filter::filter_fn,
    layer::{Context, SubscriberExt},
    util::SubscriberInitExt,
};

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(config: &Config) {
    // actix-web-prom warns on every request it cannot match (Swagger assets); keep it quiet.
    let filter = EnvFilter::try_new(format!("{},actix_web_prom=error", config.log_filter))
        .unwrap_or_else(|_| EnvFilter::new("info,actix_web_prom=error"));
    // Logs go to stderr, so that stdout carries only what a command prints (`samspill openapi`).
    // The dispatcher's ERROR events go to `ClientMistakes`, which logs the client's mistakes
    // at WARN and the rest as they were.
    let json = (config.log_format == LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .with_filter(filter_fn(|meta| !is_client_mistake(meta)))
    });
    let pretty = (config.log_format == LogFormat::Pretty).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter_fn(|meta| !is_client_mistake(meta)))
    });
    let _already_set = tracing_subscriber::registry()
        .with(filter)
        .with(json)
        .with(pretty)
        .with(ClientMistakes)
        .try_init();
}

/// Whether an event may be the HTTP/1 layer reporting a request it could not read or a
/// connection that broke (the client's doing, logged at ERROR by actix); its message decides.
fn is_client_mistake(meta: &Metadata<'_>) -> bool {
    *meta.level() == Level::ERROR && meta.target() == "actix_http::h1::dispatcher"
}

/// The message actix gives those reports: a failed parse, a timeout, a broken connection.
/// Its other errors (a response body failing) are the service's and stay at ERROR.
const CLIENT_MISTAKE: &str = "stream error: ";

/// Logs the HTTP/1 dispatcher's errors again: reports of malformed requests and broken
/// connections at WARN (they say what a client did wrong, not that the service failed), the
/// others at ERROR.
struct ClientMistakes;

impl<S: Subscriber> Layer<S> for ClientMistakes {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if is_client_mistake(event.metadata()) {
            let mut message = Message(String::new());
            event.record(&mut message);
            match message.0.strip_prefix(CLIENT_MISTAKE) {
                Some(error) => tracing::warn!(
                    target: "samspill::http",
                    error,
                    "a request could not be read, or its connection broke"
                ),
                None => {
                    tracing::error!(target: "samspill::http", error = %message.0, "HTTP/1 error")
                }
            }
        }
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// The root span of every request, as tracing-actix-web's default but with the path in
/// `http.target` instead of path and query: query strings carry search text such as names and
/// emails, which must not end up in logs.
pub struct PrivacyRootSpan;

impl tracing_actix_web::RootSpanBuilder for PrivacyRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_owned());
        let method = request.method().as_str().to_owned();
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.target = %request.path(),
            http.status_code = tracing::field::Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
