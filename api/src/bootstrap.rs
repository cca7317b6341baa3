//! Getting a database ready: create it, migrate it, and make sure someone can log in.

use crate::{auth::password, config::Config};
use anyhow::{Context, anyhow};
use diesel::{Connection, PgConnection};
use samspill_domain::{
    auth::TenantScope,
    municipality::{Country, MunicipalityCode, MunicipalityName, MunicipalitySettings},
    unit::{UnitKind, UnitName},
    user::{DisplayName, Email, Role, check_password_policy},
};
use samspill_persistence::{
    RepoError, database::ensure_database_exists, municipalities, page::PageRequest,
    pool::run_migrations, seed, units, users,
};
use std::{io::Write, time::Instant};

/// Creates the database if missing, applies pending migrations, and on a database with no
/// accounts creates the first administrator.
pub fn prepare_database(config: &Config) -> anyhow::Result<()> {
    if ensure_database_exists(&config.database_url).map_err(|e| anyhow!(e))? {
        tracing::info!("created the database");
    }
    let mut conn = connect(config)?;
    let applied = run_migrations(&mut conn).map_err(|e| anyhow!("migrations failed: {e}"))?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied migrations");
    }
    if users::count_all(&mut conn).map_err(repo)? == 0 {
        let email = config
            .admin_email
            .clone()
            .unwrap_or_else(|| "admin@samspill.local".to_owned());
        let (password, generated) = match &config.admin_password {
            Some(password) => (password.clone(), false),
            None => (password::generate(), true),
        };
        create_admin(&mut conn, &email, "Administrator", &password, generated)?;
        if generated {
            say(&format!(
                "Created the first administrator.\n  email:    {email}\n  password: {password}\nThis password is shown only now; change it with POST /api/v1/me/password."
            ));
        } else {
            tracing::info!(%email, "created the first administrator from SAMSPILL_ADMIN_EMAIL/SAMSPILL_ADMIN_PASSWORD");
        }
    }
    Ok(())
}

/// Opens one connection to the configured database.
pub fn connect(config: &Config) -> anyhow::Result<PgConnection> {
    PgConnection::establish(&config.database_url).context("cannot connect to the database")
}

fn repo(error: RepoError) -> anyhow::Error {
    anyhow!("{error}")
}

/// Writes a message for the person running the command (not a log line).
pub fn say(message: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{message}");
    let _ = out.flush();
}

/// Creates an administrator account.
pub fn create_admin(
    conn: &mut PgConnection,
    email: &str,
    name: &str,
    password: &str,
    must_change: bool,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow!("admin email: {e}"))?;
    let display_name = DisplayName::parse(name).map_err(|e| anyhow!("admin name: {e}"))?;
    check_password_policy(password).map_err(|e| anyhow!("admin password: {e}"))?;
    let password_hash = password::hash_blocking(password).map_err(|e| anyhow!("{e:?}"))?;
    users::insert(
        conn,
        &users::NewStaffUser {
            municipality_id: None,
            email,
            display_name,
            role: Role::Admin,
            password_hash,
            password_change_required: must_change,
        },
    )
    .map_err(repo)?;
    Ok(())
}

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "samspill-demo-2026";

/// Creates the demo municipality, its units and one account per role, unless they exist.
/// Returns the logins.
pub fn seed_demo(conn: &mut PgConnection) -> anyhow::Result<Vec<(Role, String)>> {
    use diesel::Connection;
    conn.transaction(seed_demo_once)
}

/// [`seed_demo`] in one transaction: a demo made halfway is never left behind.
fn seed_demo_once(conn: &mut PgConnection) -> anyhow::Result<Vec<(Role, String)>> {
    let code = MunicipalityCode::parse(Country::Norway, "9999").map_err(|e| anyhow!(e))?;
    let existing = municipalities::list(
        conn,
        TenantScope::All,
        Some(Country::Norway),
        PageRequest {
            after: None,
            limit: 200,
        },
    )
    .map_err(repo)?
    .items
    .into_iter()
    .find(|m| m.code == code.as_str());
    let fresh = existing.is_none();
    let municipality = match existing {
        Some(m) => m,
        None => {
            let created = municipalities::insert(
                conn,
                &municipalities::NewMunicipality {
                    country: Country::Norway,
                    code,
                    name: MunicipalityName::parse("Demo kommune").map_err(|e| anyhow!(e))?,
                    settings: MunicipalitySettings::default(),
                },
            )
            .map_err(repo)?;
            let unit = |name: &str, kind, parent| -> anyhow::Result<units::NewUnit> {
                Ok(units::NewUnit {
                    municipality_id: created.id,
                    name: UnitName::parse(name).map_err(|e| anyhow!(e))?,
                    kind,
                    parent_id: parent,
                })
            };
            let district = units::insert(
                conn,
                &unit("Omsorgsdistrikt Sentrum", UnitKind::CareDistrict, None)?,
            )
            .map_err(repo)?;
            for (name, kind) in [
                ("Solsiden sykehjem", UnitKind::NursingHome),
                ("Hjemmetjenesten Sentrum", UnitKind::HomeCare),
                ("Lyspunktet dagsenter", UnitKind::DayCenter),
                ("Lindelia bofellesskap", UnitKind::DisabilityHousing),
            ] {
                units::insert(conn, &unit(name, kind, Some(district.id))?).map_err(repo)?;
            }
            let north = units::insert(
                conn,
                &unit("Omsorgsdistrikt Nord", UnitKind::CareDistrict, None)?,
            )
            .map_err(repo)?;
            units::insert(
                conn,
                &unit("Nordlys sykehjem", UnitKind::NursingHome, Some(north.id))?,
            )
            .map_err(repo)?;
            created
        }
    };
    let accounts = [
        (Role::Admin, "admin@demo.samspill.no", "Demo Administrator"),
        (
            Role::Coordinator,
            "koordinator@demo.samspill.no",
            "Kari Koordinator",
        ),
        (
            Role::ContactPerson,
            "kontaktperson@demo.samspill.no",
            "Ola Kontaktperson",
        ),
        (
            Role::Volunteer,
            "frivillig@demo.samspill.no",
            "Fie Frivillig",
        ),
        (
            Role::Coordinator,
            "distrikt.sentrum@demo.samspill.no",
            "Dina Distrikt",
        ),
    ];
    let password_hash = password::hash_blocking(DEMO_PASSWORD).map_err(|e| anyhow!("{e:?}"))?;
    let mut logins = Vec::new();
    let mut ids = Vec::new();
    for (role, email, name) in accounts {
        let email = Email::parse(email).map_err(|e| anyhow!(e))?;
        if let Some((user, _)) = users::find_for_login(conn, &email).map_err(repo)? {
            ids.push(user.id);
        } else {
            let user = users::insert(
                conn,
                &users::NewStaffUser {
                    municipality_id: role.belongs_to_municipality().then_some(municipality.id),
                    email: email.clone(),
                    display_name: DisplayName::parse(name).map_err(|e| anyhow!(e))?,
                    role,
                    password_hash: password_hash.clone(),
                    password_change_required: false,
                },
            )
            .map_err(repo)?;
            ids.push(user.id);
        }
        logins.push((role, email.as_str().to_owned()));
    }
    if fresh && let [_, coordinator, contact, volunteer, district] = ids[..] {
        let logins = crate::demo::Logins {
            coordinator,
            contact,
            volunteer,
            district,
        };
        crate::demo::fill(conn, &municipality, logins)
            .map_err(|e| anyhow!("the demo's volunteers and placements: {e}"))?;
    }
    Ok(logins)
}

/// Creates `volunteers` volunteers with their vetting facts in `municipalities` new
/// municipalities (see `samspill_persistence::seed`), each with a coordinator whose password is
/// [`DEMO_PASSWORD`], and prints the municipalities, rows per table and time taken.
pub fn seed_volunteers(
    conn: &mut PgConnection,
    volunteers: u32,
    municipalities: u32,
    fire_triggers: bool,
    time_entries: Option<u64>,
) -> anyhow::Result<seed::SeedReport> {
    let started = Instant::now();
    let plan = seed::SeedPlan {
        volunteers,
        municipalities,
        coordinator_password_hash: password::hash_blocking(DEMO_PASSWORD)
            .map_err(|e| anyhow!("{e:?}"))?,
        fire_triggers,
        time_entries,
    };
    let report = seed::seed(conn, &plan).map_err(repo)?;
    let took = started.elapsed();
    let mut text = format!(
        "Seeded {volunteers} volunteers in {} municipalities in {:.1} s (coordinators' password: {DEMO_PASSWORD}):\n",
        report.municipalities.len(),
        took.as_secs_f64()
    );
    for m in &report.municipalities {
        text.push_str(&format!(
            "  {} {:<4} {:<22} {:>8} volunteers  id {}  {}\n",
            m.country, m.code, m.name, m.volunteers, m.id, m.coordinator_email
        ));
    }
    text.push_str("Rows and time per table:\n");
    for (table, took) in &report.steps {
        let rows = report
            .rows
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| n.to_string())
            .unwrap_or_default();
        text.push_str(&format!(
            "  {table:<26} {rows:>9}  {:>7.2} s\n",
            took.as_secs_f64()
        ));
    }
    say(text.trim_end());
    Ok(report)
}
