//! The OpenAPI document: what utoipa collects from the handlers, plus the parts every operation
//! shares (security, the standard error responses), added here in one place.

use crate::error::{FieldError, Problem};
use utoipa::{
    Modify, OpenApi,
    openapi::{
        self, Components, ContentBuilder, HeaderBuilder, OpenApi as Document, Ref, RefOr,
        ResponseBuilder,
        schema::{ObjectBuilder, Type},
        security::{
            ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes,
            SecurityRequirement, SecurityScheme,
        },
    },
};

/// Operations anyone may call without a token.
pub const PUBLIC_OPERATIONS: &[&str] = &[
    "issue_token",
    "revoke_token",
    "create_registration",
    "list_public_needs",
    "get_public_survey",
    "answer_public_survey",
    "get_live",
    "get_ready",
    "get_metrics",
];

/// The document's fixed parts; paths come from the registered handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Samspill API",
        description = "Coordinating volunteers in municipal health and elderly care: recruit, vet, place and follow up volunteers (frivillige).\n\n\
            **Authorize** with the password flow (your email and password; leave client id and secret empty), \
            or paste an access token from `POST /api/v1/auth/token` as bearer token.\n\n\
            Conventions: JSON with snake_case fields; RFC 3339 UTC timestamps; UUIDv7 ids; every error is \
            `application/problem+json` (RFC 9457) with `errors[]` naming invalid fields; lists take `limit` (1-200, default 50) \
            and an opaque `cursor`, and answer `{items, next_cursor}` in a stable order; every mutable resource has a `version` \
            sent as `ETag`, and `If-Match` on PATCH and DELETE answers 412 when the resource has changed since.",
        license(name = "AGPL-3.0-or-later"),
    ),
    tags(
        (name = "auth", description = "OAuth 2.0 tokens: password, refresh_token and client_credentials grants."),
        (name = "me", description = "The caller's own account."),
        (name = "municipalities", description = "Municipalities (kommuner) and their settings."),
        (name = "activity-kinds", description = "A municipality's activity kinds: the five defaults and its own; never statutory care tasks."),
        (name = "units", description = "Units of a municipality: nursing homes, home care, day and activity centres, housing for people with disabilities, sheltered housing, care districts."),
        (name = "users", description = "Staff user accounts and their roles."),
        (name = "service-accounts", description = "Machine clients of municipal systems (read-only scopes)."),
        (name = "contact-persons", description = "Contact persons (kontaktpersoner) of volunteers and groups."),
        (name = "registrations", description = "Public self-registration of people who offer to volunteer."),
        (name = "volunteers", description = "Volunteers (frivillige) and their vetting lifecycle."),
        (name = "vetting", description = "Screening interviews, reference checks, declarations and the document versions they refer to."),
        (name = "dogs", description = "Visiting dogs (besøkshunder) and their dated approvals, made for a handler and dog as a team."),
        (name = "groups", description = "Groups (associations, companies, school classes, kindergartens, networks) vetted through the person who answers for them."),
        (name = "police-certificates", description = "Police certificates (politiattest, børneattest, straffeattest), recorded data-minimised, and the audit log of every read and change."),
        (name = "recipients", description = "People visited in their own homes (mottakere), data-minimised: a name, an address, a phone number, the responsible unit and their consent. Never health data or identity numbers."),
        (name = "placements", description = "Placements (oppdrag): a cleared volunteer or group placed at a unit or with a recipient, their lifecycle, schedules and the accompanied first home visit."),
        (name = "needs", description = "Needs (behov): what units ask volunteers for, who is interested, the ranked candidates, and placing from a need. The public board is under registrations."),
        (name = "follow-ups", description = "Follow-ups (oppfølging) of volunteers, groups, units, people visited at home and placements, planned by the municipality's follow-up settings or added by hand, and the contact log of calls and meetings made or tried."),
        (name = "visits", description = "Visits of placements: planned ahead from schedules, added one at a time, accompanied, completed, missed or cancelled; calendars."),
        (name = "hours", description = "The hours log (timer): time volunteers and groups gave, logged by coordinators, by volunteers for themselves, or made when a visit is completed; approved, declined or revoked with a history; and the hours report of approved time."),
        (name = "events", description = "Events for volunteers (and staff): recognition events, theme training, information meetings and social gatherings; sessions, invitations with a waiting list, attendance, and the training credentials a theme training grants, which requirement rules can ask for."),
        (name = "surveys", description = "Surveys of resource use, barriers and motivation: templates (two ready ones), rounds sent to units or volunteers, one-time links answered without login, and results per unit, care district or municipality, withheld for groups under five answers."),
        (name = "personal-data", description = "What the municipality holds about a volunteer, exported as one JSON document on request (by a coordinator, or by the volunteer at `/me/export`); every export, full-record read and erasure is in the volunteer's audit log."),
        (name = "consents", description = "Consents with their purpose, text version, who gave them and when they were withdrawn: volunteers' (photos at events, sharing contact details with the unit) and people visited at home's (home visits; withdrawing it stops the visits)."),
        (name = "retention", description = "How long personal data is kept: a period and an action (anonymise or delete) per category, a dry run of what falls due on a day, and extensions with a reason. The job `apply_retention` acts on the day; the work list warns before."),
        (name = "imports", description = "Volunteers imported from a spreadsheet (CSV with `;` or `,`, UTF-8 with or without a byte order mark, Norwegian, Danish or English headers): a dry run reporting each row as create, update, skip or error, a commit of the valid rows (all or none, by setting), the same file recognised by its hash, and the failed rows back as CSV."),
        (name = "webhooks", description = "Webhook endpoints of municipal systems, told of events as they happen (Standard Webhooks: signed with HMAC-SHA256, retried with back-off), their deliveries and attempts."),
        (name = "operations", description = "Health checks, metrics and the service's periodic jobs."),
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Components::new);
        let token_url = "/api/v1/auth/token";
        // Two schemes rather than two flows of one, so that Swagger UI keeps their logins apart.
        components.add_security_scheme(
            "oauth2_password",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(Password::with_refresh_url(
                    token_url,
                    Scopes::new(),
                    token_url,
                ))],
                "People: your email and password (leave client id and secret empty).",
            )),
        );
        components.add_security_scheme(
            "oauth2_client_credentials",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    token_url,
                    Scopes::from_iter([
                        ("status:read", "Read the volunteer status feed."),
                        ("clearance:read", "Ask clearance questions."),
                    ]),
                ))],
                "Service accounts of municipal systems: client id and secret.",
            )),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The standard error responses, by status: (status, component name, description).
const ERROR_RESPONSES: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "The request cannot be read: malformed JSON, a bad query or path value.",
    ),
    ("401", "Unauthorized", "No valid access token."),
    ("403", "Forbidden", "The caller's role may not do this."),
    (
        "404",
        "NotFound",
        "No such resource, or it belongs to another municipality.",
    ),
    (
        "405",
        "MethodNotAllowed",
        "The path does not take this method.",
    ),
    (
        "409",
        "Conflict",
        "The change conflicts with stored data (a taken name or email, a record still in use).",
    ),
    (
        "412",
        "PreconditionFailed",
        "If-Match names an older version: read the resource again.",
    ),
    (
        "408",
        "RequestTimeout",
        "The body did not arrive within the body deadline; the connection is closed.",
    ),
    ("413", "PayloadTooLarge", "The body is larger than allowed."),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not in a media type this endpoint reads, or has a Content-Encoding: \
         bodies are read as sent (Accept-Encoding: identity).",
    ),
    (
        "422",
        "UnprocessableContent",
        "Values are not acceptable; errors[] names each field.",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many requests from this address; see Retry-After.",
    ),
    (
        "500",
        "InternalServerError",
        "A fault on our side; the body reveals nothing, the log has the request id.",
    ),
    (
        "503",
        "ServiceUnavailable",
        "The database is not reachable; retry after Retry-After seconds.",
    ),
];

/// Adds what every operation shares: the standard error responses, security on every
/// non-public operation, and the version. The result is what `/api-docs/openapi.json` serves.
pub fn finish(mut doc: Document) -> Document {
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = doc.components.get_or_insert_with(Components::new);
    for (status, name, description) in ERROR_RESPONSES {
        let mut response = ResponseBuilder::new().description(*description).content(
            crate::error::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .example(Some(example_problem(status, description)))
                .build(),
        );
        let header = match *status {
            "401" => Some(("WWW-Authenticate", "The authentication scheme to use.")),
            "429" | "503" => Some(("Retry-After", "Seconds to wait before trying again.")),
            "415" => Some((
                "Accept-Encoding",
                "The content codings a body may have: identity (none).",
            )),
            "405" => Some(("Allow", "The methods this path takes.")),
            _ => None,
        };
        if let Some((name, description)) = header {
            response = response.header(
                name,
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some(description))
                    .build(),
            );
        }
        components
            .responses
            .insert((*name).to_owned(), RefOr::T(response.build()));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        if let Some(post) = item.post.as_mut().filter(|post| creates(post)) {
            post.parameters
                .get_or_insert_with(Vec::new)
                .push(idempotency_key_parameter());
        }
        for (method, operation) in operations(item) {
            let public = operation
                .operation_id
                .as_deref()
                .is_some_and(|id| PUBLIC_OPERATIONS.contains(&id));
            if !public {
                operation.security = Some(vec![
                    SecurityRequirement::new("bearer", Vec::<String>::new()),
                    SecurityRequirement::new("oauth2_password", Vec::<String>::new()),
                    SecurityRequirement::new("oauth2_client_credentials", Vec::<String>::new()),
                ]);
            }
            let writes = operation.request_body.is_some();
            let mutates = matches!(method, "patch" | "put" | "delete");
            let conditional = operation
                .parameters
                .iter()
                .flatten()
                .any(|parameter| parameter.name.eq_ignore_ascii_case("if-match"));
            for (status, name, _) in ERROR_RESPONSES {
                let applies = match *status {
                    "401" | "403" => !public,
                    "404" => has_path_params || !public,
                    "409" => writes || mutates || conditional,
                    "412" => conditional,
                    "408" | "413" | "415" => writes,
                    "422" => writes || has_path_params || operation.parameters.is_some(),
                    "429" => public && writes,
                    _ => true,
                };
                if applies {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| {
                            RefOr::Ref(Ref::new(format!("#/components/responses/{name}")))
                        });
                }
            }
        }
    }
    doc
}

/// Whether a POST creates something: it answers 201 Created or 202 Accepted.
fn creates(operation: &openapi::path::Operation) -> bool {
    ["201", "202"]
        .iter()
        .any(|status| operation.responses.responses.contains_key(*status))
}

/// Whether an operation of the finished document takes an `Idempotency-Key`.
pub fn takes_idempotency_key(operation: &openapi::path::Operation) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| parameter.name == IDEMPOTENCY_KEY_NAME)
}

const IDEMPOTENCY_KEY_NAME: &str = "Idempotency-Key";

fn idempotency_key_parameter() -> openapi::path::Parameter {
    openapi::path::ParameterBuilder::new()
        .name(IDEMPOTENCY_KEY_NAME)
        .parameter_in(openapi::path::ParameterIn::Header)
        .required(openapi::Required::False)
        .description(Some(
            "A unique value per creating request (a UUID is ideal), so that it can be retried \
             safely: a retry with the same key and the same request gets the first answer, \
             with nothing created twice, for 24 hours (the service's setting). The same key \
             with a different request is 422; while the first request with the key is still \
             running, 409; after the record it created was erased, 410. Keys are per caller. \
             Answers that show a secret once are not kept: their retries get 409 naming the \
             created record. A request refused before it reads or writes anything (a bad \
             token, a rate limit) is not kept either.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::idempotency::MAX_KEY_LENGTH))
                .examples([serde_json::json!("0b4f3c1e-7d4a-4f7e-9a3b-2f6d8c1e5a90")]),
        ))
        .build()
}

/// An example body for a standard error response, so that each one shows its own status.
fn example_problem(status: &str, description: &str) -> serde_json::Value {
    let code: u16 = status.parse().unwrap_or(500);
    let title = actix_web::http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut example = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": code,
        "detail": description,
        "request_id": "018f0e7e-3c1a-7cc0-9c6b-2b7f4f7c1d10",
    });
    if code == 422 || code == 400 {
        example["type"] = serde_json::json!(if code == 422 {
            "urn:samspill:problem:validation"
        } else {
            "urn:samspill:problem:bad-request"
        });
        example["errors"] = serde_json::json!([{"field": "email", "code": "invalid_email", "message": "must be an email address such as kari@example.no"}]);
    }
    example
}

/// Every operation of a path item, with its method name.
fn operations(item: &mut openapi::PathItem) -> Vec<(&'static str, &mut openapi::path::Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
        ("head", item.head.as_mut()),
        ("options", item.options.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
    .collect()
}

/// Schemas for domain enums, generated from the domain's own list of values so that the spec
/// cannot drift from what the API accepts.
pub mod schemas {
    use std::borrow::Cow;
    use utoipa::openapi::{
        RefOr,
        schema::{ObjectBuilder, Schema, Type},
    };

    /// `description`, then a Markdown list of every value with what it means.
    fn with_values<'a>(
        description: &str,
        values: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> String {
        values
            .into_iter()
            .fold(format!("{description}\n"), |mut text, (value, meaning)| {
                text.push_str(&format!("\n- `{value}`: {}", meaning.trim()));
                text
            })
    }

    /// A string enum's schema from the domain's `ALL`; with `values`, its description also
    /// lists each value's meaning (the value's doc comment in the domain).
    macro_rules! schema_enum {
        ($schema:ident, $name:literal, $domain:ty, $description:literal) => {
            schema_enum!(@ $schema, $name, $domain, $description, $description.to_owned());
        };
        ($schema:ident, $name:literal, $domain:ty, $description:literal, values) => {
            schema_enum!(
                @ $schema,
                $name,
                $domain,
                $description,
                with_values(
                    $description,
                    <$domain>::ALL.iter().map(|value| (value.as_str(), value.description())),
                )
            );
        };
        (@ $schema:ident, $name:literal, $domain:ty, $doc:literal, $description:expr) => {
            #[doc = $doc]
            pub struct $schema;

            impl utoipa::PartialSchema for $schema {
                fn schema() -> RefOr<Schema> {
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(<$domain>::ALL.iter().map(|value| value.as_str())))
                        .description(Some($description))
                        .into()
                }
            }

            impl utoipa::ToSchema for $schema {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed($name)
                }
            }
        };
    }

    schema_enum!(
        CountrySchema,
        "Country",
        samspill_domain::municipality::Country,
        "NO (Norway) or DK (Denmark)."
    );
    schema_enum!(
        UnitKindSchema,
        "UnitKind",
        samspill_domain::unit::UnitKind,
        "What kind of place a unit is.",
        values
    );
    schema_enum!(
        RoleSchema,
        "Role",
        samspill_domain::user::Role,
        "What an account may do."
    );
    schema_enum!(
        ContactPersonKindSchema,
        "ContactPersonKind",
        samspill_domain::contact::ContactPersonKind,
        "staff (a municipal employee) or group_representative (answers for a group)."
    );
    schema_enum!(
        VolunteerStatusSchema,
        "VolunteerStatus",
        samspill_domain::volunteer::VolunteerStatus,
        "registered -> in_screening -> approved <-> paused; rejected or withdrawn from any state."
    );
    schema_enum!(
        CommitmentSchema,
        "Commitment",
        samspill_domain::volunteer::Commitment,
        "regular (recurring) or occasional."
    );
    schema_enum!(
        ScreeningChannelSchema,
        "ScreeningChannel",
        samspill_domain::vetting::ScreeningChannel,
        "phone, video or in_person."
    );
    schema_enum!(
        ScreeningAssessmentSchema,
        "ScreeningAssessment",
        samspill_domain::vetting::ScreeningAssessment,
        "The interviewer's assessment."
    );
    schema_enum!(
        ReferenceOutcomeSchema,
        "ReferenceOutcome",
        samspill_domain::vetting::ReferenceOutcome,
        "What a reference said."
    );
    schema_enum!(
        DeclarationKindSchema,
        "DeclarationKind",
        samspill_domain::vetting::DeclarationKind,
        "confidentiality, privacy_guidelines or volunteer_agreement."
    );
    schema_enum!(
        ServiceScopeSchema,
        "ServiceScope",
        samspill_domain::auth::ServiceScope,
        "What a service account may read."
    );
    schema_enum!(
        CertificateKindSchema,
        "CertificateKind",
        samspill_domain::certificate::CertificateKind,
        "politiattest (NO), boerneattest or straffeattest (DK)."
    );
    schema_enum!(
        CertificateOutcomeSchema,
        "CertificateOutcome",
        samspill_domain::certificate::CertificateOutcome,
        "How the certificate was assessed; the remarks themselves are never recorded."
    );
    schema_enum!(
        DogCategorySchema,
        "DogCategory",
        samspill_domain::dog::DogCategory,
        "What kind of visit a dog team is approved for."
    );
    schema_enum!(
        DogLimitSchema,
        "DogLimit",
        samspill_domain::dog::DogLimit,
        "What ends a dog approval first."
    );
    schema_enum!(
        SettingSchema,
        "Setting",
        samspill_domain::clearance::Setting,
        "Where an activity takes place."
    );
    schema_enum!(
        TargetGroupSchema,
        "TargetGroup",
        samspill_domain::clearance::TargetGroup,
        "Who an activity is with."
    );
    schema_enum!(
        RequirementKindSchema,
        "RequirementKind",
        samspill_domain::clearance::RequirementKind,
        "Something a clearance rule can require."
    );
    schema_enum!(
        RequirementStateSchema,
        "RequirementState",
        samspill_domain::clearance::RequirementState,
        "A requirement's state on the date asked about."
    );
    schema_enum!(
        ConditionKindSchema,
        "ConditionKind",
        samspill_domain::clearance::ConditionKind,
        "A condition attached to a clearance."
    );
    schema_enum!(
        AuditActionSchema,
        "AuditAction",
        samspill_domain::audit::AuditAction,
        "What was done to a sensitive record."
    );
    schema_enum!(
        AuditResourceSchema,
        "AuditResource",
        samspill_domain::audit::AuditResource,
        "What kind of sensitive record."
    );
    schema_enum!(
        ActorKindSchema,
        "ActorKind",
        samspill_domain::audit::ActorKind,
        "Who acted: a person's account or a municipal system."
    );
    schema_enum!(
        WorkItemKindSchema,
        "WorkItemKind",
        samspill_domain::work::WorkItemKind,
        "What needs doing."
    );
    schema_enum!(
        SubjectKindSchema,
        "SubjectKind",
        samspill_domain::clearance::SubjectKind,
        "Who a status record is about: a volunteer or a group."
    );
    schema_enum!(
        WorkSubjectSchema,
        "WorkSubject",
        samspill_domain::work::WorkSubject,
        "What a work item is about: a volunteer, a group, a need, a unit, a recipient or a placement."
    );
    schema_enum!(
        NeedStatusSchema,
        "NeedStatus",
        samspill_domain::need::NeedStatus,
        "draft -> open -> filled | closed; filled -> open when a place comes free.",
        values
    );
    schema_enum!(
        OpenToSchema,
        "OpenTo",
        samspill_domain::need::OpenTo,
        "Who a need asks for.",
        values
    );
    schema_enum!(
        MatchReasonSchema,
        "MatchReason",
        samspill_domain::need::MatchReason,
        "Why a candidate is listed for a need.",
        values
    );
    schema_enum!(
        GroupKindSchema,
        "GroupKind",
        samspill_domain::group::GroupKind,
        "What kind of group."
    );
    schema_enum!(
        ConsentGiverSchema,
        "ConsentGiver",
        samspill_domain::recipient::ConsentGiver,
        "Who agreed to the visits.",
        values
    );
    schema_enum!(
        PlacementStatusSchema,
        "PlacementStatus",
        samspill_domain::placement::PlacementStatus,
        "proposed -> active <-> paused -> ended; suspended by the service when clearance no longer holds.",
        values
    );
    schema_enum!(
        VisitStatusSchema,
        "VisitStatus",
        samspill_domain::visit::VisitStatus,
        "planned -> completed, no_show or cancelled.",
        values
    );
    schema_enum!(
        VisitFlagSchema,
        "VisitFlag",
        samspill_domain::visit::VisitFlag,
        "Why a planned visit may not take place as planned.",
        values
    );
    schema_enum!(
        FollowUpSubjectKindSchema,
        "FollowUpSubjectKind",
        samspill_domain::follow_up::FollowUpSubjectKind,
        "Who or what a follow-up or a contact is about.",
        values
    );
    schema_enum!(
        FollowUpPurposeSchema,
        "FollowUpPurpose",
        samspill_domain::follow_up::FollowUpPurpose,
        "Why a follow-up is held.",
        values
    );
    schema_enum!(
        ContactChannelSchema,
        "ContactChannel",
        samspill_domain::follow_up::ContactChannel,
        "How a follow-up or a contact is held.",
        values
    );
    schema_enum!(
        FollowUpStatusSchema,
        "FollowUpStatus",
        samspill_domain::follow_up::FollowUpStatus,
        "scheduled -> done (with an outcome), missed or cancelled; overdue is derived.",
        values
    );
    schema_enum!(
        FollowUpOutcomeSchema,
        "FollowUpOutcome",
        samspill_domain::follow_up::FollowUpOutcome,
        "What came of a follow-up that was held.",
        values
    );
    schema_enum!(
        FollowUpSourceSchema,
        "FollowUpSource",
        samspill_domain::follow_up::FollowUpSource,
        "Who made a follow-up.",
        values
    );
    schema_enum!(
        TimeEntryStatusSchema,
        "TimeEntryStatus",
        samspill_domain::time_entry::TimeEntryStatus,
        "pending -> approved | declined; approved -> pending when revoked.",
        values
    );
    schema_enum!(
        TimeEntrySourceSchema,
        "TimeEntrySource",
        samspill_domain::time_entry::TimeEntrySource,
        "Who logged a time entry.",
        values
    );
    schema_enum!(
        TimeEntryDecisionSchema,
        "TimeEntryDecision",
        samspill_domain::time_entry::TimeEntryDecision,
        "What a coordinator decides about a time entry.",
        values
    );
    schema_enum!(
        HoursGroupingSchema,
        "HoursGrouping",
        samspill_domain::time_entry::HoursGrouping,
        "What the hours report adds up by.",
        values
    );
    schema_enum!(
        WeekdaySchema,
        "Weekday",
        samspill_domain::volunteer::Weekday,
        "A day of the week."
    );
    schema_enum!(
        EventTypeSchema,
        "EventType",
        samspill_domain::webhook::EventType,
        "An event other systems can be told of by webhook.",
        values
    );
    schema_enum!(
        NotificationKindSchema,
        "NotificationKind",
        samspill_domain::notification::NotificationKind,
        "A kind of notification to people; each account can opt out of each.",
        values
    );
    schema_enum!(
        DeliveryStatusSchema,
        "DeliveryStatus",
        samspill_domain::webhook::DeliveryStatus,
        "Where one event's delivery to one webhook endpoint stands.",
        values
    );
    schema_enum!(
        EventKindSchema,
        "EventKind",
        samspill_domain::event::EventKind,
        "What kind of event.",
        values
    );
    schema_enum!(
        EventStatusSchema,
        "EventStatus",
        samspill_domain::event::EventStatus,
        "draft -> published -> held -> closed; draft | published | held -> cancelled.",
        values
    );
    schema_enum!(
        InvitationStatusSchema,
        "InvitationStatus",
        samspill_domain::event::InvitationStatus,
        "invited -> registered | waitlisted | declined; waitlisted -> registered when a place frees up.",
        values
    );
    schema_enum!(
        AttendanceStatusSchema,
        "AttendanceStatus",
        samspill_domain::event::AttendanceStatus,
        "Whether someone registered came to a session.",
        values
    );
    schema_enum!(
        GrantModeSchema,
        "GrantMode",
        samspill_domain::event::GrantMode,
        "Which attendance grants a theme training's credential.",
        values
    );
    schema_enum!(
        AnswerSchema,
        "Answer",
        samspill_domain::event::Answer,
        "An answer to an invitation.",
        values
    );
    schema_enum!(
        QuestionKindSchema,
        "QuestionKind",
        samspill_domain::survey::QuestionKind,
        "What kind of answer a survey question takes.",
        values
    );
    schema_enum!(
        SurveyAudienceSchema,
        "SurveyAudience",
        samspill_domain::survey::SurveyAudience,
        "Who answers a survey.",
        values
    );
    schema_enum!(
        RoundStatusSchema,
        "RoundStatus",
        samspill_domain::survey::RoundStatus,
        "Where a survey round stands, by its dates.",
        values
    );
    schema_enum!(
        GroupingSchema,
        "Grouping",
        samspill_domain::survey::Grouping,
        "How survey results are grouped.",
        values
    );
    schema_enum!(
        ConsentPurposeSchema,
        "ConsentPurpose",
        samspill_domain::consent::ConsentPurpose,
        "What a consent is for.",
        values
    );
    schema_enum!(
        ConsentBySchema,
        "ConsentBy",
        samspill_domain::consent::ConsentBy,
        "Who gave or withdrew a consent.",
        values
    );
    schema_enum!(
        RetentionCategorySchema,
        "RetentionCategory",
        samspill_domain::retention::RetentionCategory,
        "What kind of personal data a retention period applies to.",
        values
    );
    schema_enum!(
        RetentionActionSchema,
        "RetentionAction",
        samspill_domain::retention::RetentionAction,
        "What happens to data when its retention period has run.",
        values
    );
}
