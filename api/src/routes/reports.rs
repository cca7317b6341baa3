//! Reports: the hours volunteers and groups gave, added up by unit, activity kind, volunteer
//! or month, from approved time entries only, as JSON or as CSV for a spreadsheet.

use crate::{
    access::managed_municipality,
    auth::StaffCaller,
    csv::{Csv, text, wants_csv},
    error::ApiError,
    extract::Query,
    openapi::schemas::HoursGroupingSchema,
    state::AppState,
};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use samspill_domain::{
    ParseError,
    time_entry::{HoursGrouping, check_report_window, default_report_window, hours},
};
use samspill_persistence::{municipalities, time_entries};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What the hours report covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoursQuery {
    /// Required for administrators; defaults to the caller's own municipality.
    pub municipality_id: Option<Uuid>,
    /// The first date counted (default: the first of January of this year).
    pub from: Option<NaiveDate>,
    /// The last date counted (default: today); at most five years after `from`.
    pub to: Option<NaiveDate>,
    /// What to add up by (default `unit`).
    #[param(value_type = Option<HoursGroupingSchema>)]
    pub group_by: Option<HoursGrouping>,
}

/// One line of the hours report.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoursLineView {
    /// What the line adds up: a unit id, an activity kind's code, a volunteer's or group's id,
    /// or a month `YYYY-MM`; `null` for time without a unit or an activity kind.
    #[schema(example = "0193a0c2-5b1e-7000-8000-000000000001")]
    pub key: Option<String>,
    /// Its name: the unit's, the activity kind's, the volunteer's or group's, or the month;
    /// `null` when there is none.
    #[schema(example = "Solsiden sykehjem")]
    pub label: Option<String>,
    /// How many approved entries.
    pub entries: i64,
    /// Their minutes (clock time: a group's 90 minutes are 90).
    pub minutes: i64,
    /// `minutes` in hours, to two decimals.
    #[schema(example = 18.5)]
    pub hours: f64,
    /// Person-minutes: each group entry's minutes times its head count (12 singers for 90
    /// minutes give 1080), a volunteer's minutes once.
    pub person_minutes: i64,
    /// `person_minutes` in hours, to two decimals.
    #[schema(example = 36.5)]
    pub person_hours: f64,
}

impl HoursLineView {
    fn new(
        key: Option<String>,
        label: Option<String>,
        (entries, minutes, person_minutes): (i64, i64, i64),
    ) -> Self {
        Self {
            key,
            label,
            entries,
            minutes,
            hours: hours(minutes),
            person_minutes,
            person_hours: hours(person_minutes),
        }
    }
}

/// The hours report.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoursReport {
    /// The municipality.
    pub municipality_id: Uuid,
    /// The first date counted.
    pub from: NaiveDate,
    /// The last date counted.
    pub to: NaiveDate,
    /// What the lines add up by.
    #[schema(value_type = HoursGroupingSchema)]
    pub group_by: HoursGrouping,
    /// One line per unit, activity kind, volunteer or group, or month with approved time, by
    /// name (months in order).
    pub lines: Vec<HoursLineView>,
    /// Every line together (`key` and `label` are `null`).
    pub totals: HoursLineView,
}

/// The columns of the CSV form, in order.
const COLUMNS: [&str; 7] = [
    "key",
    "label",
    "entries",
    "minutes",
    "hours",
    "person_minutes",
    "person_hours",
];

/// A CSV of the report, as its example shows.
const CSV_EXAMPLE: &str = "\u{feff}key;label;entries;minutes;hours;person_minutes;person_hours\r\n\
0193a0c2-5b1e-7000-8000-000000000001;Solsiden sykehjem;12;1110;18,50;2190;36,50\r\n";

/// Hours with two decimals and a decimal comma, as Norwegian and Danish spreadsheets read them
/// (the fields are separated by `;`).
fn decimal_comma(hours: f64) -> String {
    format!("{hours:.2}").replace('.', ",")
}

fn csv_of(report: &HoursReport) -> HttpResponse {
    let mut csv = Csv::new(&COLUMNS);
    for line in &report.lines {
        csv.row([
            text(line.key.as_deref().unwrap_or("")),
            text(line.label.as_deref().unwrap_or("")),
            line.entries.to_string(),
            line.minutes.to_string(),
            decimal_comma(line.hours),
            line.person_minutes.to_string(),
            decimal_comma(line.person_hours),
        ]);
    }
    csv.response(&format!(
        "hours-{}-{}-{}.csv",
        report.group_by, report.from, report.to
    ))
}

fn invalid_window((field, error): (&'static str, ParseError)) -> ApiError {
    ApiError::invalid(field, error.code, error.message)
}

/// Add up the approved hours by unit, activity kind, volunteer or month.
///
/// Counts approved time entries only (pending, declined and revoked ones are left out), dated
/// `from` to `to` (both included; by default from the first of January of this year to today;
/// `from` after `to`, or more than five years, is 422). Each line names what it adds up (the
/// unit, the activity kind, the volunteer or group, the month `YYYY-MM`) and gives the entries,
/// the minutes, the hours (minutes / 60, two decimals) and the person-hours: a group's entry
/// counts its minutes once in `minutes` and times its head count in `person_minutes`. With
/// `Accept: text/csv` the same lines come as CSV for a spreadsheet: a UTF-8 byte order mark, a
/// header row, `;` between fields, decimals with a comma, and a text cell that would start
/// a formula (`=`, `+`, `-`, `@`) prefixed with `'`. Coordinators and administrators
/// (administrators name `municipality_id`).
#[utoipa::path(
    tag = "hours",
    params(HoursQuery),
    responses((status = 200, description = "The report.", content(
        (HoursReport = "application/json"),
        (String = "text/csv", example = json!(CSV_EXAMPLE)),
    )))
)]
#[get("/reports/hours")]
pub async fn get_hours_report(
    state: web::Data<AppState>,
    caller: StaffCaller,
    request: HttpRequest,
    Query(query): Query<HoursQuery>,
) -> Result<HttpResponse, ApiError> {
    let municipality = managed_municipality(&caller, query.municipality_id)?;
    let audience = crate::access::managed(&caller)?;
    let (default_from, default_to) = default_report_window(state.clock.today());
    let window = check_report_window(
        query.from.unwrap_or(default_from),
        query.to.unwrap_or(default_to),
    )
    .map_err(invalid_window)?;
    let grouping = query.group_by.unwrap_or(HoursGrouping::Unit);
    let lines = state
        .db(move |conn| {
            municipalities::find(conn, caller.scope(), municipality)?;
            Ok(time_entries::report(
                conn,
                municipality,
                audience,
                window,
                grouping,
            )?)
        })
        .await?;
    let sums = lines.iter().fold((0, 0, 0), |(e, m, p), l| {
        (e + l.entries, m + l.minutes, p + l.person_minutes)
    });
    let report = HoursReport {
        municipality_id: municipality.into_uuid(),
        from: window.0,
        to: window.1,
        group_by: grouping,
        lines: lines
            .into_iter()
            .map(|l| HoursLineView::new(l.key, l.label, (l.entries, l.minutes, l.person_minutes)))
            .collect(),
        totals: HoursLineView::new(None, None, sums),
    };
    if wants_csv(&request) {
        Ok(csv_of(&report))
    } else {
        Ok(HttpResponse::Ok()
            .insert_header((actix_web::http::header::VARY, "Accept"))
            .json(report))
    }
}
