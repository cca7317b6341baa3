//! Public self-registration: anyone may offer to volunteer; the record lands in the
//! coordinator's queue as `registered`.

use crate::{
    cases::{self, volunteers::Source},
    error::{ApiError, FieldError},
    extract::Json,
    openapi::schemas::CommitmentSchema,
    state::AppState,
};
use actix_web::{HttpResponse, post, web};
use diesel::Connection;
use samspill_domain::ids::NeedId;
use samspill_domain::{
    municipality::MunicipalityCode, text::Name, volunteer::Commitment,
    volunteer_draft::VolunteerEdit,
};
use samspill_persistence::{RepoError, municipalities};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How many needs a registration may name.
const MAX_NEEDS: usize = 10;

/// A person offering to volunteer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationBody {
    /// The municipality's official code: four digits in Norway (`0301`), three in Denmark
    /// (`173`, also read zero-padded as `0173`; a Norwegian municipality with that code comes first).
    #[schema(pattern = "^[0-9]{3,4}$", example = "0301")]
    pub municipality_code: String,
    /// Given name.
    #[schema(min_length = 1, max_length = 100)]
    pub given_name: String,
    /// Family name.
    #[schema(min_length = 1, max_length = 100)]
    pub family_name: String,
    /// Email (email or phone is required).
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Phone (email or phone is required).
    pub phone: Option<String>,
    /// Birth year.
    #[schema(minimum = 1900, maximum = 2100)]
    pub birth_year: Option<i16>,
    /// Languages as ISO 639 codes.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub languages: Vec<String>,
    /// Interests.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub interests: Vec<String>,
    /// Wanted activity kinds: codes of the municipality's catalogue (the five defaults and its own).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub activity_kinds: Vec<String>,
    /// Availability as `weekday:part_of_day`.
    #[serde(default)]
    #[schema(max_items = 21)]
    pub availability: Vec<String>,
    /// `regular` or `occasional`.
    #[schema(value_type = Option<CommitmentSchema>)]
    pub commitment: Option<Commitment>,
    /// Must be `true`: the person has read the privacy notice.
    pub privacy_notice_accepted: bool,
    /// The version of the privacy notice the person was shown.
    #[schema(min_length = 1, max_length = 50, example = "2026-1")]
    pub privacy_notice_version: String,
    /// Needs of the municipality's public board the person is interested in (their `id`s).
    #[serde(default)]
    #[schema(max_items = 10)]
    pub needs: Vec<Uuid>,
}

/// The answer to every accepted registration, whether or not the person was known before.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationReceipt {
    /// Always `received`: a coordinator will get in touch.
    pub status: &'static str,
}

/// Registers a person who offers to volunteer. No login is needed; the endpoint is rate-limited
/// per address. The answer is the same whether or not the person is already known (a possible
/// duplicate is flagged for the coordinator instead). `needs` names needs of the municipality's
/// public board the person is interested in: they come first among those needs' candidates. An
/// id that is no need of the municipality is 422; one that has since filled or closed is passed
/// over.
#[utoipa::path(
    tag = "registrations",
    request_body = RegistrationBody,
    responses(
        (status = 202, description = "Received; a coordinator will follow up.", body = RegistrationReceipt),
        (status = 429, description = "Too many requests from this address.", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("")]
pub async fn create_registration(
    state: web::Data<AppState>,
    Json(body): Json<RegistrationBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    if !body.privacy_notice_accepted {
        errors.push(FieldError::new(
            "privacy_notice_accepted",
            "required",
            "the privacy notice must be accepted",
        ));
    }
    let notice = Name::<50>::parse(&body.privacy_notice_version)
        .map_err(|e| errors.push(FieldError::parse("privacy_notice_version", &e)))
        .ok();
    let codes = MunicipalityCode::candidates(&body.municipality_code);
    if codes.is_empty() {
        errors.push(FieldError::new(
            "municipality_code",
            "invalid_format",
            "must be the municipality's 3- or 4-digit code",
        ));
    }
    if body.needs.len() > MAX_NEEDS {
        errors.push(FieldError::new(
            "needs",
            "too_many",
            format!("at most {MAX_NEEDS} needs"),
        ));
    }
    let (Some(notice), true) = (notice, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let change = VolunteerEdit {
        given_name: Some(body.given_name),
        family_name: Some(body.family_name),
        email: Some(body.email),
        phone: Some(body.phone),
        birth_year: Some(body.birth_year),
        languages: Some(body.languages),
        interests: Some(body.interests),
        activity_kinds: Some(body.activity_kinds),
        availability: Some(body.availability),
        commitment: body.commitment,
        ..VolunteerEdit::default()
    };
    let wanted: Vec<NeedId> = body.needs.iter().map(|id| NeedId::from(*id)).collect();
    let today = state.clock.today();
    let recorded = state
        .db(move |conn| {
            let municipality = match municipalities::find_by_code(conn, &codes) {
                Ok(m) => m,
                Err(RepoError::NotFound) => {
                    return Err(ApiError::invalid(
                        "municipality_code",
                        "not_found",
                        "no municipality uses this code in Samspill",
                    ));
                }
                Err(other) => return Err(other.into()),
            };
            conn.transaction(|conn| {
                let volunteer = cases::volunteers::create(
                    conn,
                    &municipality,
                    change,
                    Source::SelfRegistration,
                    Some(notice.as_str()),
                )?;
                cases::needs::register_interests(
                    conn,
                    municipality.id,
                    volunteer.id,
                    &wanted,
                    today,
                )
            })
        })
        .await?;
    crate::metrics::need_event("interest_registration", recorded);
    Ok(HttpResponse::Accepted().json(RegistrationReceipt { status: "received" }))
}
