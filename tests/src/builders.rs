//! Builders for the set-ups tests share (a municipality with its staff, an approved volunteer,
//! an approved group) and the small requests most scenarios make. Everything goes through the
//! HTTP API, as a client would.

use crate::{TestApp, expect_status, id_of};
use chrono::{Days, NaiveDate, Utc};
use reqwest::Response;
use serde_json::{Value, json};

/// The document version the builders sign declarations of (and publish, when asked).
pub const DOCUMENT_VERSION: &str = "2026-1";

/// The declarations a volunteer or a group signs before approval.
pub const DECLARATIONS: [&str; 3] = [
    "confidentiality",
    "privacy_guidelines",
    "volunteer_agreement",
];

/// Today in UTC, the day the server dates from.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Today in Norway (and Denmark): the day the server dates what a municipality's people see
/// by their own calendar (survey rounds, retention), which differs from [`today`] in the hour
/// after midnight.
pub fn local_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Oslo)
        .date_naive()
}

/// The day `days` days before today, as `YYYY-MM-DD`.
pub fn days_ago(days: u64) -> String {
    (today() - Days::new(days)).to_string()
}

/// The day `days` days after today, as `YYYY-MM-DD`.
pub fn days_ahead(days: u64) -> String {
    (today() + Days::new(days)).to_string()
}

/// The requirement `code` in a clearance answer, or `null` when the answer does not list it.
pub fn requirement<'a>(answer: &'a Value, code: &str) -> &'a Value {
    answer["requirements"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["requirement"] == code))
        .unwrap_or(&Value::Null)
}

/// A police certificate of `kind` with no remarks, for the health and care services act.
pub fn police_certificate(kind: &str, issued_on: &str, presented_on: &str) -> Value {
    json!({"kind": kind, "purpose": "Helse- og omsorgstjenesteloven § 5-4", "issued_on": issued_on,
           "presented_on": presented_on, "outcome": "no_remarks"})
}

/// Whom vetting, transitions and clearance are about: a volunteer or a group, by id.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A volunteer.
    Volunteer(&'a str),
    /// A group.
    Group(&'a str),
}

impl Subject<'_> {
    /// Its resource: `/api/v1/volunteers/{id}` or `/api/v1/groups/{id}`.
    pub fn path(&self) -> String {
        match self {
            Subject::Volunteer(id) => format!("/api/v1/volunteers/{id}"),
            Subject::Group(id) => format!("/api/v1/groups/{id}"),
        }
    }
}

/// A staff contact person the set-up asks for.
struct ContactPerson {
    name: String,
    with_login: bool,
}

/// Builds a municipality with its coordinator ([`TestApp::municipality`]). By default it is
/// Norwegian and has nothing else: no unit, no contact person, no representative and no
/// published documents (so a declaration may name any version). Each option adds one thing;
/// [`MunicipalityBuilder::build`] creates them in a fixed order: the municipality, the unit,
/// the coordinator, the contact person's login, the contact person, the representative, the
/// documents.
#[must_use = "nothing is created until `build` is awaited"]
pub struct MunicipalityBuilder<'a> {
    app: &'a TestApp,
    country: String,
    code: String,
    existing: Option<String>,
    unit: Option<String>,
    contact: Option<ContactPerson>,
    representative: Option<String>,
    published_documents: bool,
}

/// What [`MunicipalityBuilder::build`] made: the ids and access tokens tests use. A part the
/// builder was not asked for is an empty string.
#[derive(Debug, Clone)]
pub struct MunicipalitySetup {
    /// The municipality's id.
    pub municipality: String,
    /// The coordinator's access token.
    pub coordinator: String,
    /// The coordinator's account id.
    pub coordinator_id: String,
    /// The unit's id ([`MunicipalityBuilder::unit`]).
    pub unit: String,
    /// The staff contact person's id ([`MunicipalityBuilder::contact_person`]).
    pub contact: String,
    /// The access token of the contact person's login
    /// ([`MunicipalityBuilder::contact_person_with_login`]).
    pub contact_token: String,
    /// The group representative's id ([`MunicipalityBuilder::representative`]).
    pub representative: String,
}

impl TestApp {
    /// A builder for a new Norwegian municipality with code `code` (named `Kommune {code}`).
    pub fn municipality(&self, code: &str) -> MunicipalityBuilder<'_> {
        MunicipalityBuilder {
            app: self,
            country: "NO".to_owned(),
            code: code.to_owned(),
            existing: None,
            unit: None,
            contact: None,
            representative: None,
            published_documents: false,
        }
    }

    /// A builder that staffs the existing municipality `id` instead of creating one.
    pub fn existing_municipality(&self, id: &str) -> MunicipalityBuilder<'_> {
        MunicipalityBuilder {
            existing: Some(id.to_owned()),
            ..self.municipality("")
        }
    }
}

impl MunicipalityBuilder<'_> {
    /// Makes the municipality one of `country` (`NO` or `DK`).
    pub fn country(mut self, country: &str) -> Self {
        country.clone_into(&mut self.country);
        self
    }

    /// Adds a unit (a nursing home) named `name`.
    pub fn unit(mut self, name: &str) -> Self {
        self.unit = Some(name.to_owned());
        self
    }

    /// Adds a staff contact person named `name` with no login of their own.
    pub fn contact_person(mut self, name: &str) -> Self {
        self.contact = Some(ContactPerson {
            name: name.to_owned(),
            with_login: false,
        });
        self
    }

    /// Adds a staff contact person named `name`, linked to a `contact_person` login, so that
    /// the test can act as them (`contact_token`).
    pub fn contact_person_with_login(mut self, name: &str) -> Self {
        self.contact = Some(ContactPerson {
            name: name.to_owned(),
            with_login: true,
        });
        self
    }

    /// Adds a group representative named `name`.
    pub fn representative(mut self, name: &str) -> Self {
        self.representative = Some(name.to_owned());
        self
    }

    /// Publishes each of the [`DECLARATIONS`] documents as [`DOCUMENT_VERSION`], from today,
    /// so that declarations must name that version.
    pub fn published_documents(mut self) -> Self {
        self.published_documents = true;
        self
    }

    /// Creates what was asked for, as the administrator and then as the coordinator.
    pub async fn build(self) -> MunicipalitySetup {
        let app = self.app;
        let municipality = match self.existing {
            Some(id) => id,
            None => app.create_municipality_in(&self.country, &self.code).await,
        };
        let unit = match &self.unit {
            Some(name) => app.unit(&municipality, name).await,
            None => String::new(),
        };
        let (coordinator_id, coordinator) = app.user(Some(&municipality), "coordinator").await;
        let (contact, contact_token) = match &self.contact {
            Some(person) => {
                let (account, token) = if person.with_login {
                    let (account, token) = app.user(Some(&municipality), "contact_person").await;
                    (Some(account), token)
                } else {
                    (None, String::new())
                };
                let mut body = json!({"kind": "staff", "name": person.name});
                if let Some(account) = account {
                    body["staff_user_id"] = json!(account);
                }
                let created = app
                    .post("/api/v1/contact-persons", &coordinator, &body)
                    .await;
                (id_of(&expect_status(created, 201).await), token)
            }
            None => (String::new(), String::new()),
        };
        let representative = match &self.representative {
            Some(name) => app.representative(&coordinator, name).await,
            None => String::new(),
        };
        if self.published_documents {
            let documents = format!("/api/v1/municipalities/{municipality}/documents");
            for kind in DECLARATIONS {
                let body = json!({"kind": kind, "version_label": DOCUMENT_VERSION});
                expect_status(app.post(&documents, &coordinator, &body).await, 201).await;
            }
        }
        MunicipalitySetup {
            municipality,
            coordinator,
            coordinator_id,
            unit,
            contact,
            contact_token,
            representative,
        }
    }
}

/// Which collection an [`ApprovalBuilder`] creates its subject in.
#[derive(Clone, Copy)]
enum Kind {
    Volunteer,
    Group,
}

/// Builds a volunteer or a group and vets it to `approved`, as a coordinator does: created,
/// moved to `in_screening`, a suitable in-person screening, the [`DECLARATIONS`] signed as
/// [`DOCUMENT_VERSION`], approved. Made by [`TestApp::approved_volunteer`] and
/// [`TestApp::approved_group`].
#[must_use = "nothing is created until `create` is awaited"]
pub struct ApprovalBuilder<'a> {
    app: &'a TestApp,
    coordinator: String,
    kind: Kind,
    body: Value,
    screened_days_ago: u64,
    signed_days_ago: u64,
}

impl TestApp {
    /// A builder for an approved volunteer of the set-up `s`: `{given_name} Frivillig`, email
    /// `{given_name}@example.no`, wanting companionship, with the set-up's unit as home unit and
    /// its contact person; screened and declarations signed 10 days ago. Panics unless the
    /// set-up has a unit and a contact person, which approval needs.
    pub fn approved_volunteer(
        &self,
        s: &MunicipalitySetup,
        given_name: &str,
    ) -> ApprovalBuilder<'_> {
        assert!(
            !s.unit.is_empty() && !s.contact.is_empty(),
            "an approved volunteer needs a unit and a contact person: ask the municipality builder for both"
        );
        ApprovalBuilder {
            app: self,
            coordinator: s.coordinator.clone(),
            kind: Kind::Volunteer,
            body: json!({"given_name": given_name, "family_name": "Frivillig",
                         "email": format!("{given_name}@example.no"), "activity_kinds": ["companionship"],
                         "home_unit_id": s.unit, "contact_person_id": s.contact}),
            screened_days_ago: 10,
            signed_days_ago: 10,
        }
    }

    /// A builder for a group made from `body` (which names its contact person) by
    /// `coordinator`, approved through its contact person's vetting: screened 5 days ago,
    /// declarations signed 4 days ago.
    pub fn approved_group(&self, coordinator: &str, body: Value) -> ApprovalBuilder<'_> {
        ApprovalBuilder {
            app: self,
            coordinator: coordinator.to_owned(),
            kind: Kind::Group,
            body,
            screened_days_ago: 5,
            signed_days_ago: 4,
        }
    }
}

impl ApprovalBuilder<'_> {
    /// Gives the volunteer or group `unit` as home unit instead.
    pub fn home_unit(mut self, unit: &str) -> Self {
        self.body["home_unit_id"] = Value::from(unit);
        self
    }

    /// Holds the screening and signs the declarations `days` days ago.
    pub fn vetted_days_ago(mut self, days: u64) -> Self {
        self.screened_days_ago = days;
        self.signed_days_ago = days;
        self
    }

    /// Creates the subject, vets and approves it; returns its id. Panics on any refusal.
    pub async fn create(self) -> String {
        let app = self.app;
        let token = self.coordinator.as_str();
        let created = match self.kind {
            Kind::Volunteer => app.create_volunteer(token, &self.body).await,
            Kind::Group => app.create_group(token, &self.body).await,
        };
        let id = id_of(&created);
        let subject = match self.kind {
            Kind::Volunteer => Subject::Volunteer(&id),
            Kind::Group => Subject::Group(&id),
        };
        expect_status(app.transition(token, subject, "in_screening").await, 200).await;
        app.screening(token, subject, self.screened_days_ago, "suitable")
            .await;
        app.sign_declarations(token, subject, self.signed_days_ago)
            .await;
        expect_status(app.transition(token, subject, "approved").await, 200).await;
        id
    }
}

impl TestApp {
    /// Creates a volunteer from `body` as `token`; asserts 201 and returns the record.
    pub async fn create_volunteer(&self, token: &str, body: &Value) -> Value {
        expect_status(self.post("/api/v1/volunteers", token, body).await, 201).await
    }

    /// Creates a group from `body` as `token`; asserts 201 and returns the record.
    pub async fn create_group(&self, token: &str, body: &Value) -> Value {
        expect_status(self.post("/api/v1/groups", token, body).await, 201).await
    }

    /// A volunteer login linked by the set-up's coordinator to `volunteer`; returns its access
    /// token.
    pub async fn volunteer_login(&self, s: &MunicipalitySetup, volunteer: &str) -> String {
        let (account, token) = self.user(Some(&s.municipality), "volunteer").await;
        let linked = self
            .patch(
                &format!("/api/v1/volunteers/{volunteer}"),
                &s.coordinator,
                &json!({"staff_user_id": account}),
            )
            .await;
        expect_status(linked, 200).await;
        token
    }

    /// A unit named `name` of `kind` under `parent`, made by the set-up's coordinator; returns
    /// its id.
    pub async fn unit_under(
        &self,
        s: &MunicipalitySetup,
        name: &str,
        kind: &str,
        parent: Option<&str>,
    ) -> String {
        let made = self
            .post(
                "/api/v1/units",
                &s.coordinator,
                &json!({"name": name, "kind": kind, "parent_id": parent}),
            )
            .await;
        id_of(&expect_status(made, 201).await)
    }

    /// Creates a group representative named `name` as `coordinator`; returns its id.
    pub async fn representative(&self, coordinator: &str, name: &str) -> String {
        let body = json!({"kind": "group_representative", "name": name});
        let created = self
            .post("/api/v1/contact-persons", coordinator, &body)
            .await;
        id_of(&expect_status(created, 201).await)
    }

    /// Asks to move `subject` to status `to`, giving the reason `to {to}`; returns the answer
    /// unchecked, so that a test can assert a refusal.
    pub async fn transition(&self, token: &str, subject: Subject<'_>, to: &str) -> Response {
        self.post(
            &format!("{}/transitions", subject.path()),
            token,
            &json!({"to": to, "reason": format!("to {to}")}),
        )
        .await
    }

    /// Records an in-person screening of `subject` held `days` days ago at 10:00 UTC, assessed
    /// `assessment`; asserts 201.
    pub async fn screening(&self, token: &str, subject: Subject<'_>, days: u64, assessment: &str) {
        let held_at = format!("{}T10:00:00Z", days_ago(days));
        let body = json!({"held_at": held_at, "channel": "in_person", "assessment": assessment});
        let recorded = self
            .post(&format!("{}/screenings", subject.path()), token, &body)
            .await;
        expect_status(recorded, 201).await;
    }

    /// Signs each of the [`DECLARATIONS`] for `subject` as [`DOCUMENT_VERSION`], `days` days
    /// ago; asserts 201 for each.
    pub async fn sign_declarations(&self, token: &str, subject: Subject<'_>, days: u64) {
        let path = format!("{}/declarations", subject.path());
        for kind in DECLARATIONS {
            let body = json!({"kind": kind, "document_version": DOCUMENT_VERSION,
                              "signed_on": days_ago(days)});
            expect_status(self.post(&path, token, &body).await, 201).await;
        }
    }

    /// Asks whether `subject` is cleared for the question `query` (a query string such as
    /// `activity_kind=escort&setting=institution`); asserts 200 and returns the answer.
    pub async fn clearance(&self, token: &str, subject: Subject<'_>, query: &str) -> Value {
        let asked = self
            .get(&format!("{}/clearance?{query}", subject.path()), token)
            .await;
        expect_status(asked, 200).await
    }
}
