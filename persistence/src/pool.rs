//! The connection pool, and the migrations embedded into the binary.

use diesel::{
    PgConnection, RunQueryDsl,
    r2d2::{ConnectionManager, Pool},
    sql_types::BigInt,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

/// A pool of PostgreSQL connections.
pub type DbPool = Pool<ConnectionManager<PgConnection>>;

/// The SQL migrations of `../migrations`, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Advisory-lock key that serialises migrations between processes ("samspill" in ASCII).
const MIGRATION_LOCK: i64 = 0x73_61_6d_73_70_69_6c_6c;

/// Builds a pool that does not connect until asked, so the service can start, and keep running,
/// while the database is away. A checkout that cannot get a working connection within
/// `checkout_timeout` fails; callers answer 503 and try again on the next request.
pub fn build_pool(database_url: &str, max_size: u32, checkout_timeout: Duration) -> DbPool {
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(checkout_timeout)
        .test_on_check_out(true)
        .build_unchecked(ConnectionManager::new(database_url))
}

/// Applies every pending migration, holding an advisory lock so that two processes starting at
/// once do not race. Returns the versions applied.
pub fn run_migrations(conn: &mut PgConnection) -> Result<Vec<String>, String> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)
        .map_err(|e| e.to_string())?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| e.to_string());
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)
        .map_err(|e| e.to_string());
    let applied = applied?;
    unlocked?;
    Ok(applied)
}
