//! `local-api`: the API on 127.0.0.1:3000 against any DynamoDB endpoint
//! (`AWS_ENDPOINT_URL_DYNAMODB`), and `local-api seed` to store a resume.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use local_api::Settings;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every route (the default).
    Serve,
    /// Check JSON Resume files with the API's own validator: prints
    /// `file: /pointer: message (line, column)`; exits 1 on any violation.
    Validate {
        /// The JSON Resume files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Store a JSON Resume file under an id only if the stored document
    /// differs: prints created, updated (with the changed sections) or
    /// unchanged. AWS (your credentials, RESUME_TABLE) or
    /// AWS_ENDPOINT_URL_DYNAMODB.
    Publish {
        /// The JSON Resume file.
        file: PathBuf,
        /// The id to store it under (defaults to RESUME_ID).
        #[arg(long)]
        id: Option<String>,
        /// Say what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check a JSON Resume file and store it in the resume table of the
    /// configured endpoint: DynamoDB Local, or a real AWS table with your
    /// credentials. A different document already stored under the id is
    /// left alone (an error) unless --replace or --keep says otherwise; the
    /// same document is not written again.
    Seed(SeedArgs),
}

#[derive(clap::Args)]
struct SeedArgs {
    /// The JSON Resume file.
    #[arg(long, short)]
    file: PathBuf,
    /// The id to store it under (defaults to RESUME_ID).
    #[arg(long)]
    id: Option<String>,
    /// Create the table first if it is missing (local use).
    #[arg(long)]
    create_table: bool,
    /// Overwrite a different document stored under the id.
    #[arg(long, env = "SEED_REPLACE", conflicts_with = "keep")]
    replace: bool,
    /// Keep a different document stored under the id, say so, and succeed
    /// (what `make dev` does).
    #[arg(long)]
    keep: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    platform::telemetry::init();
    let matches = local_api::local_defaults(Cli::command()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    if let Some(Command::Validate { files }) = &cli.command {
        // No AWS client: validating needs no credentials.
        return match local_api::owner::validate_files(files) {
            true => Ok(()),
            false => Err(anyhow::anyhow!("invalid JSON Resume file(s)")),
        };
    }
    let client = platform::dynamo::client().await;
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").ok();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Validate { .. } => Ok(()),
        Command::Publish { file, id, dry_run } => {
            publish(&file, id, dry_run, &settings, client, endpoint.as_deref()).await
        }
        Command::Seed(args) => seed(args, &settings, client, endpoint.as_deref()).await,
        Command::Serve => serve(&settings, client, endpoint.as_deref()).await,
    }
}

/// `publish FILE [--id ID] [--dry-run]`: prints what it found, or did.
async fn publish(
    file: &std::path::Path,
    id: Option<String>,
    dry_run: bool,
    settings: &Settings,
    client: aws_sdk_dynamodb::Client,
    endpoint: Option<&str>,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let id = match id {
        Some(raw) => model::resume::ResumeId::parse(&raw).context("invalid resume id")?,
        None => settings.resume.default_id.clone(),
    };
    let table = settings.resume.table.as_str();
    let store = resume::Store(platform::dynamo::Table::new(client, table));
    let outcome = local_api::owner::publish(&store, &id, &text, dry_run)
        .await
        .with_context(|| format!("cannot publish {}", file.display()))?;
    let at = endpoint.unwrap_or("AWS");
    let dry = if dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    println!(
        "{}: resume '{id}' in table {table} at {at}: {outcome}{dry}",
        file.display()
    );
    Ok(())
}

/// The local API, until Ctrl-C or SIGTERM.
async fn serve(
    settings: &Settings,
    client: aws_sdk_dynamodb::Client,
    endpoint: Option<&str>,
) -> anyhow::Result<()> {
    // Only create tables on an explicit endpoint, never by accident in a
    // real AWS account.
    match endpoint {
        Some(_) => local_api::ensure_tables(settings, &client).await?,
        None => tracing::warn!(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: using real AWS tables as they are"
        ),
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
    let base = format!("http://{}", listener.local_addr()?);
    println!(
        "local API on {base} (DynamoDB: {})",
        endpoint.unwrap_or("AWS")
    );
    println!("  GET {base}/resume");
    println!("  GET {base}/resume/{{id}}");
    println!("  PUT|DELETE {base}/resume/{{id}} (signed)");
    println!("  GET {base}/visitorcount");
    println!("  GET {base}/visitorcount/stats?days=30");
    println!("  POST {base}/dynamodbmanager");
    println!("  GET {base}/items");
    println!("  GET|PUT|DELETE {base}/items/{{id}}");
    let app = local_api::app(settings, client);
    local_api::serve(listener, app, shutdown()).await?;
    Ok(())
}

async fn seed(
    args: SeedArgs,
    settings: &Settings,
    client: aws_sdk_dynamodb::Client,
    endpoint: Option<&str>,
) -> anyhow::Result<()> {
    use local_api::seed::{IfDifferent, Seeded};
    if args.create_table {
        local_api::ensure_tables(settings, &client).await?;
    }
    let id = args
        .id
        .unwrap_or_else(|| settings.resume.default_id.to_string());
    let table = settings.resume.table.as_str();
    let if_different = match (args.replace, args.keep) {
        (true, _) => IfDifferent::Replace,
        (false, true) => IfDifferent::Keep,
        (false, false) => IfDifferent::Refuse,
    };
    let file = args.file.display();
    let at = format!("table {table} at {}", endpoint.unwrap_or("AWS"));
    let seeded = local_api::seed::seed_file(client, table, &id, &args.file, if_different)
        .await
        .with_context(|| format!("cannot seed {file} as resume '{id}'"))?;
    match seeded {
        Seeded::Stored { name } => {
            println!("seeded resume '{id}' ({name}) from {file} into {at}");
        }
        Seeded::Unchanged { name } => println!(
            "resume '{id}' ({name}) in {at} already matches {file}: nothing written"
        ),
        Seeded::Replaced { name, old } => println!(
            "replaced resume '{id}' ({old}) with {file} ({name}) in {at}"
        ),
        Seeded::Kept { name, stored } => println!(
            "kept resume '{id}' ({stored}) in {at}: it differs from {file} ({name}), \
             so nothing was written; to replace it: local-api seed --file {file} --id {id} --replace"
        ),
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
