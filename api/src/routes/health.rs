//! Liveness, readiness and Prometheus metrics.

use crate::{error::ApiError, state::AppState};
use actix_web::{HttpResponse, get, http::header, web};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

/// Health status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// The process is up and serving HTTP. Does not touch the database.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is serving.", body = Health))
)]
#[get("/health/live")]
pub async fn get_live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The service can do its work: the database answers. 503 while it does not.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The database answers.", body = Health))
)]
#[get("/health/ready")]
pub async fn get_ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db(|conn| {
            diesel::sql_query("SELECT 1")
                .execute(conn)
                .map_err(|e| ApiError::Unavailable(e.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

/// Prometheus metrics: request counts and latencies by route pattern, method and status.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Metrics in the Prometheus text format.", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn get_metrics(
    registry: web::Data<prometheus::Registry>,
) -> Result<HttpResponse, ApiError> {
    let mut body = String::new();
    prometheus::TextEncoder::new()
        .encode_utf8(&registry.gather(), &mut body)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(body))
}
