//! The `samspill` binary: `serve` (default), `migrate`, `openapi`, `create-admin`, `seed-demo`
//! (with `--volunteers N`, bulk data for measurements).

use anyhow::anyhow;
use clap::{Parser, Subcommand};
use samspill::{
    Application, Config,
    app::openapi_json,
    auth::password,
    bootstrap::{self, DEMO_PASSWORD, say},
    telemetry,
};

/// Samspill: coordinating volunteers in municipal health and elderly care.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default): creates and migrates the database first.
    Serve {
        /// Also create the demo municipality, units and accounts, and print their logins.
        #[arg(long)]
        demo: bool,
    },
    /// Create the database if missing and apply pending migrations, then exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Create an administrator. The password comes from SAMSPILL_ADMIN_PASSWORD or is generated and printed.
    CreateAdmin {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Create the demo municipality, units and accounts (idempotent), and print their logins.
    /// With `--volunteers N`, also create municipalities full of volunteers for measurements.
    SeedDemo {
        /// Also create this many volunteers with their vetting facts, in new municipalities.
        #[arg(long)]
        volunteers: Option<u32>,
        /// How many new municipalities share those volunteers (every third is Danish).
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100))]
        municipalities: u32,
        /// Let the feed-clock triggers fire for every fact row (slower; as the API's writes do).
        #[arg(long)]
        with_triggers: bool,
        /// Time entries in all (at least one per completed visit), shared like the volunteers.
        #[arg(long)]
        time_entries: Option<u64>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env().map_err(|e| anyhow!("configuration: {e}"))?;
    telemetry::init(&config);
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(config, demo),
        Command::Migrate => bootstrap::prepare_database(&config),
        Command::Openapi => {
            say(openapi_json(&config)?.trim_end());
            Ok(())
        }
        Command::CreateAdmin { email, name } => {
            bootstrap::prepare_database(&config)?;
            let (secret, generated) = match &config.admin_password {
                Some(secret) => (secret.clone(), false),
                None => (password::generate(), true),
            };
            let mut conn = bootstrap::connect(&config)?;
            bootstrap::create_admin(&mut conn, &email, &name, &secret, generated)?;
            if generated {
                say(&format!(
                    "Created administrator {email} with password: {secret}"
                ));
            } else {
                say(&format!("Created administrator {email}."));
            }
            Ok(())
        }
        Command::SeedDemo {
            volunteers,
            municipalities,
            with_triggers,
            time_entries,
        } => {
            bootstrap::prepare_database(&config)?;
            print_demo_logins(&config)?;
            if let Some(volunteers) = volunteers {
                let mut conn = bootstrap::connect(&config)?;
                bootstrap::seed_volunteers(
                    &mut conn,
                    volunteers,
                    municipalities,
                    with_triggers,
                    time_entries,
                )?;
            }
            Ok(())
        }
    }
}

fn print_demo_logins(config: &Config) -> anyhow::Result<()> {
    let mut conn = bootstrap::connect(config)?;
    let logins = bootstrap::seed_demo(&mut conn)?;
    let mut text = format!("Demo accounts (password for all: {DEMO_PASSWORD}):\n");
    for (role, email) in logins {
        text.push_str(&format!("  {:<15} {email}\n", role.as_str()));
    }
    say(text.trim_end());
    Ok(())
}

#[actix_web::main]
async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    if config.jwt_secret_generated {
        tracing::warn!(
            "SAMSPILL_JWT_SECRET is not set: using a random secret; tokens stop working when the service restarts"
        );
    }
    let bind = config.bind.clone();
    let app = Application::build(config.clone()).await?;
    if demo {
        let demo_config = config.clone();
        tokio::task::spawn_blocking(move || print_demo_logins(&demo_config)).await??;
    }
    say(&format!(
        "Samspill is listening on http://{bind}\n  Swagger UI: http://{bind}/swagger-ui/\n  OpenAPI:    http://{bind}/api-docs/openapi.json"
    ));
    app.run_until_stopped().await?;
    Ok(())
}
