//! Requirement rules: the defaults every municipality has, and the rules a municipality adds
//! ("when escort, require a suitable screening at most 12 months old").

use crate::input::{double_option, field, validate};
use crate::{
    auth::StaffCaller,
    error::{ApiError, FieldError},
    etag::json_with_etag,
    extract::{IfMatch, Json},
    openapi::schemas::{RequirementKindSchema, SettingSchema, TargetGroupSchema},
    state::AppState,
};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use samspill_domain::{
    ParseError,
    clearance::{
        MunicipalRule, RequirementKind, Rule, RuleScope, RuleSource, Setting, TargetGroup,
        check_rule, default_rules,
    },
    event::parse_training_code,
    ids::{MunicipalityId, RuleId},
    municipality::Municipality,
    text::Name,
    volunteer::parse_activity_kind,
};
use samspill_persistence::{
    PgConnection, activity_kinds, municipalities,
    rules::{self, RuleDraft},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A requirement rule: a default (no id, cannot be changed) or the municipality's own.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    /// The rule's id; `null` for defaults.
    pub id: Option<Uuid>,
    /// `default:<name>` for defaults, the id for the municipality's own rules; clearance
    /// answers name the rules behind each requirement the same way.
    #[schema(example = "default:intellectual_disability")]
    pub source: String,
    /// A name for people.
    pub name: String,
    /// Only for this activity kind; `null`: any.
    pub activity_kind: Option<String>,
    /// Only in this setting; `null`: any.
    #[schema(value_type = Option<SettingSchema>)]
    pub setting: Option<Setting>,
    /// Only with this target group; `null`: any.
    #[schema(value_type = Option<TargetGroupSchema>)]
    pub target_group: Option<TargetGroup>,
    /// Only with (`true`) or without (`false`) a dog; `null`: either.
    pub with_dog: Option<bool>,
    /// What it requires.
    #[schema(value_type = RequirementKindSchema)]
    pub requirement: RequirementKind,
    /// For a `training` requirement, the training credential's code.
    #[schema(example = "dementia_basics")]
    pub training: Option<String>,
    /// The oldest the fact may be, in months from its date; `null`: no limit of its own.
    pub max_age_months: Option<u16>,
    /// Strict rules block clearance; advisory ones are only reported.
    pub strict: bool,
    /// Raised by every change; also the ETag. `null` for defaults.
    pub version: Option<i32>,
    /// When it was made; `null` for defaults.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed; `null` for defaults.
    pub updated_at: Option<DateTime<Utc>>,
}

impl RuleView {
    fn default_rule(rule: Rule) -> Self {
        let name = match rule.source {
            RuleSource::Default(name) => name,
            RuleSource::Municipality(_) => "",
        };
        Self {
            id: None,
            source: rule.source.to_string(),
            name: format!("Default: {}", name.replace('_', " ")),
            activity_kind: rule.scope.activity_kind,
            setting: rule.scope.setting,
            target_group: rule.scope.target_group,
            with_dog: rule.scope.with_dog,
            requirement: rule.requirement,
            training: rule.training,
            max_age_months: rule.max_age_months,
            strict: rule.strict,
            version: None,
            created_at: None,
            updated_at: None,
        }
    }
}

impl From<MunicipalRule> for RuleView {
    fn from(r: MunicipalRule) -> Self {
        Self {
            id: Some(r.id.into_uuid()),
            source: RuleSource::Municipality(r.id).to_string(),
            name: r.name,
            activity_kind: r.scope.activity_kind,
            setting: r.scope.setting,
            target_group: r.scope.target_group,
            with_dog: r.scope.with_dog,
            requirement: r.requirement,
            training: r.training,
            max_age_months: r.max_age_months,
            strict: r.strict,
            version: Some(r.version),
            created_at: Some(r.created_at),
            updated_at: Some(r.updated_at),
        }
    }
}

/// The rules of a municipality: defaults first, then its own.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    /// Every rule clearance applies for the municipality.
    pub items: Vec<RuleView>,
}

/// A new rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Dementia units need the dementia course",
    "target_group": "dementia",
    "requirement": "training",
    "training": "dementia_basics",
    "max_age_months": 36
}))]
pub struct NewRule {
    /// A name for people.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Escorts need a recent screening"
    )]
    pub name: String,
    /// Only for this activity kind (a default or the municipality's own).
    pub activity_kind: Option<String>,
    /// Only in this setting.
    #[schema(value_type = Option<SettingSchema>)]
    pub setting: Option<Setting>,
    /// Only with this target group.
    #[schema(value_type = Option<TargetGroupSchema>)]
    pub target_group: Option<TargetGroup>,
    /// Only with (`true`) or without (`false`) a dog.
    pub with_dog: Option<bool>,
    /// What it requires. `approved_status` always applies and cannot be a rule; certificate
    /// kinds must be ones the municipality's country issues.
    #[schema(value_type = RequirementKindSchema)]
    pub requirement: RequirementKind,
    /// For `requirement: training` (and only then), the training credential's code, as theme
    /// trainings grant it (`dementia_basics`): lower-case letters, digits and `_`.
    #[schema(example = "dementia_basics")]
    pub training: Option<String>,
    /// The oldest the fact may be, in months from its date (1-240): the screening, signature,
    /// last reference check, certificate's issue, dog approval or training's completion. Not
    /// for `contact_person`, which has no date (422).
    #[schema(minimum = 1, maximum = 240)]
    pub max_age_months: Option<u16>,
    /// Strict (default) blocks clearance; `false` makes the rule advisory.
    pub strict: Option<bool>,
}

/// A change to a rule; fields not given keep their values, `null` widens a condition to "any".
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleChange {
    /// A name for people.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Only for this activity kind, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub activity_kind: Option<Option<String>>,
    /// Only in this setting, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<SettingSchema>, nullable)]
    pub setting: Option<Option<Setting>>,
    /// Only with this target group, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<TargetGroupSchema>, nullable)]
    pub target_group: Option<Option<TargetGroup>>,
    /// Only with or without a dog, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>, nullable)]
    pub with_dog: Option<Option<bool>>,
    /// What it requires.
    #[schema(value_type = Option<RequirementKindSchema>)]
    pub requirement: Option<RequirementKind>,
    /// The training credential's code for a `training` requirement, or `null` (with another
    /// requirement).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub training: Option<Option<String>>,
    /// The oldest the fact may be in months (1-240), or `null` for no limit of its own. Not for
    /// `contact_person`, which has no date (422).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u16>, nullable, minimum = 1, maximum = 240)]
    pub max_age_months: Option<Option<u16>>,
    /// Strict or advisory.
    pub strict: Option<bool>,
}

fn parse_name(raw: &str) -> Result<String, FieldError> {
    field("name", Name::<200>::parse(raw).map(Name::into_inner))
}

fn parse_max_age(months: Option<u16>) -> Result<Option<u16>, FieldError> {
    match months {
        Some(m) if !(1..=240).contains(&m) => Err(FieldError::new(
            "max_age_months",
            "out_of_range",
            "must be between 1 and 240",
        )),
        other => Ok(other),
    }
}

fn parse_training(raw: Option<String>) -> Result<Option<String>, FieldError> {
    raw.map(|t| field("training", parse_training_code(&t)))
        .transpose()
}

fn parse_kind(raw: Option<String>) -> Result<Option<String>, FieldError> {
    raw.map(|k| field("activity_kind", parse_activity_kind(&k)))
        .transpose()
}

/// Checks a draft against the municipality: its activity kind must exist there, and the
/// domain's rule checks must pass.
fn check_draft(
    conn: &mut PgConnection,
    municipality: &Municipality,
    draft: &RuleDraft,
) -> Result<(), ApiError> {
    let mut errors: Vec<FieldError> = check_rule(
        municipality.country,
        &draft.scope,
        draft.requirement,
        draft.training.as_deref(),
        draft.max_age_months,
    )
    .err()
    .unwrap_or_default()
    .into_iter()
    .map(|(name, error): (&str, ParseError)| FieldError::parse(name.to_owned(), &error))
    .collect();
    if let Some(kind) = &draft.scope.activity_kind
        && !activity_kinds::unknown_codes(conn, municipality.id, std::slice::from_ref(kind))?
            .is_empty()
    {
        errors.push(FieldError::new(
            "activity_kind",
            "unknown_activity_kind",
            format!("the municipality has no activity kind {kind}"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn visible_municipality(
    conn: &mut PgConnection,
    caller: &StaffCaller,
    id: MunicipalityId,
) -> Result<Municipality, ApiError> {
    Ok(municipalities::find(conn, caller.scope(), id)?)
}

/// The rules clearance applies for a municipality: the defaults of the practice (for its
/// country), then its own (any staff account of the municipality).
#[utoipa::path(
    tag = "clearance",
    params(("id" = Uuid, Path, description = "The municipality id.")),
    responses((status = 200, description = "The rules.", body = RuleList))
)]
#[get("/municipalities/{id}/requirement-rules")]
pub async fn list_requirement_rules(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = MunicipalityId::from(id.into_inner());
    let (municipality, own) = state
        .db(move |conn| {
            let municipality = visible_municipality(conn, &caller, id)?;
            let own = rules::of_municipality(conn, municipality.id)?;
            Ok((municipality, own))
        })
        .await?;
    let items = default_rules(municipality.country)
        .into_iter()
        .map(RuleView::default_rule)
        .chain(own.into_iter().map(RuleView::from))
        .collect();
    Ok(HttpResponse::Ok().json(RuleList { items }))
}

/// Adds a rule to a municipality (coordinators of it and administrators). It applies to every
/// clearance answered from then on, and moves every volunteer of the municipality in the
/// status feed.
#[utoipa::path(
    tag = "clearance",
    params(("id" = Uuid, Path, description = "The municipality id.")),
    request_body = NewRule,
    responses((status = 201, description = "The rule.", body = RuleView,
        headers(("ETag" = String, description = "Its version."))))
)]
#[post("/municipalities/{id}/requirement-rules")]
pub async fn create_requirement_rule(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    Json(body): Json<NewRule>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = MunicipalityId::from(id.into_inner());
    validate! {
        name = parse_name(&body.name);
        activity_kind = parse_kind(body.activity_kind);
        max_age_months = parse_max_age(body.max_age_months);
        training = parse_training(body.training);
    }
    let draft = RuleDraft {
        name,
        scope: RuleScope {
            activity_kind,
            setting: body.setting,
            target_group: body.target_group,
            with_dog: body.with_dog,
        },
        requirement: body.requirement,
        training,
        max_age_months,
        strict: body.strict.unwrap_or(true),
    };
    let created = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            let municipality = visible_municipality(conn, &caller, id)?;
            check_draft(conn, &municipality, &draft)?;
            Ok(rules::insert(conn, municipality.id, &draft, caller.id)?)
        })
        .await?;
    let location = format!("/api/v1/requirement-rules/{}", created.id);
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    Ok(json_with_etag(
        response,
        created.version,
        &RuleView::from(created),
    ))
}

/// One of a municipality's own rules (any staff account of the municipality).
#[utoipa::path(
    tag = "clearance",
    params(("id" = Uuid, Path, description = "The rule id.")),
    responses((status = 200, description = "The rule.", body = RuleView,
        headers(("ETag" = String, description = "Its version."))))
)]
#[get("/requirement-rules/{id}")]
pub async fn get_requirement_rule(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = RuleId::from(id.into_inner());
    let found = state
        .db(move |conn| Ok(rules::find(conn, caller.scope(), id)?))
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        found.version,
        &RuleView::from(found),
    ))
}

/// Changes a rule (coordinators of its municipality and administrators).
#[utoipa::path(
    tag = "clearance",
    params(
        ("id" = Uuid, Path, description = "The rule id."),
        crate::extract::IfMatchHeader,
    ),
    request_body = RuleChange,
    responses((status = 200, description = "The changed rule.", body = RuleView,
        headers(("ETag" = String, description = "The new version."))))
)]
#[patch("/requirement-rules/{id}")]
pub async fn update_requirement_rule(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    Json(body): Json<RuleChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = RuleId::from(id.into_inner());
    validate! {
        name = body.name.as_deref().map(parse_name).transpose();
        activity_kind = body.activity_kind.map(parse_kind).transpose();
        max_age_months = body.max_age_months.map(parse_max_age).transpose();
        training = body.training.map(parse_training).transpose();
    }
    let updated = state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            rules::update(conn, caller.scope(), id, expected, |conn, current| {
                let mut draft = RuleDraft::of(current);
                if let Some(name) = name {
                    draft.name = name;
                }
                if let Some(kind) = activity_kind {
                    draft.scope.activity_kind = kind;
                }
                if let Some(setting) = body.setting {
                    draft.scope.setting = setting;
                }
                if let Some(group) = body.target_group {
                    draft.scope.target_group = group;
                }
                if let Some(with_dog) = body.with_dog {
                    draft.scope.with_dog = with_dog;
                }
                if let Some(requirement) = body.requirement {
                    draft.requirement = requirement;
                }
                if let Some(training) = training {
                    draft.training = training;
                }
                if let Some(age) = max_age_months {
                    draft.max_age_months = age;
                }
                if let Some(strict) = body.strict {
                    draft.strict = strict;
                }
                let municipality =
                    municipalities::find(conn, caller.scope(), current.municipality_id)
                        .map_err(ApiError::from)?;
                check_draft(conn, &municipality, &draft)?;
                Ok::<_, ApiError>(draft)
            })
        })
        .await?;
    Ok(json_with_etag(
        HttpResponse::Ok(),
        updated.version,
        &RuleView::from(updated),
    ))
}

/// Deletes one of a municipality's own rules (coordinators of it and administrators).
#[utoipa::path(
    tag = "clearance",
    params(
        ("id" = Uuid, Path, description = "The rule id."),
        crate::extract::IfMatchHeader,
    ),
    responses((status = 204, description = "Deleted."))
)]
#[delete("/requirement-rules/{id}")]
pub async fn delete_requirement_rule(
    state: web::Data<AppState>,
    caller: StaffCaller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_manager()?;
    let id = RuleId::from(id.into_inner());
    state
        .db(move |conn| {
            crate::access::check_municipality_wide(conn, &caller)?;
            Ok(rules::delete(conn, caller.scope(), id, expected)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
