//! Creating the service's database when it does not exist yet.

use diesel::{Connection, PgConnection, RunQueryDsl, sql_types::Text};

/// Connects to the server named in `database_url` (through its `postgres` maintenance database)
/// and creates the database the URL names if it is missing. Returns whether it was created.
pub fn ensure_database_exists(database_url: &str) -> Result<bool, String> {
    let url =
        url::Url::parse(database_url).map_err(|e| format!("DATABASE_URL is not a URL: {e}"))?;
    let name = url.path().trim_start_matches('/').to_owned();
    if name.is_empty() {
        return Err("DATABASE_URL names no database".to_owned());
    }
    if PgConnection::establish(database_url).is_ok() {
        return Ok(false);
    }
    let mut maintenance = url.clone();
    maintenance.set_path("/postgres");
    let mut conn = PgConnection::establish(maintenance.as_str())
        .map_err(|e| format!("cannot reach PostgreSQL: {e}"))?;
    create_database(&mut conn, &name, None)
}

/// Creates database `name` (optionally from `template`) unless it exists. Returns whether it was created.
pub fn create_database(
    conn: &mut PgConnection,
    name: &str,
    template: Option<&str>,
) -> Result<bool, String> {
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(name)
            .get_result::<Exists>(conn)
            .map_err(|e| e.to_string())?
            .exists;
    if exists {
        return Ok(false);
    }
    let mut sql = format!("CREATE DATABASE {}", quote_identifier(name));
    if let Some(template) = template {
        sql.push_str(&format!(" TEMPLATE {}", quote_identifier(template)));
    }
    match diesel::sql_query(sql).execute(conn) {
        Ok(_) => Ok(true),
        // Another process created it between our check and our create.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

/// Drops database `name`, disconnecting whoever is connected to it.
pub fn drop_database(conn: &mut PgConnection, name: &str) -> Result<(), String> {
    diesel::sql_query(format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_identifier(name)
    ))
    .execute(conn)
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// Quotes an SQL identifier (doubling embedded quotes).
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::quote_identifier;

    #[test]
    fn identifiers_are_quoted_safely() {
        assert_eq!(quote_identifier("samspill"), "\"samspill\"");
        assert_eq!(quote_identifier("a\"; DROP"), "\"a\"\"; DROP\"");
    }
}
