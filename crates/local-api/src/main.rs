//! `local-api`: the API on 127.0.0.1:3000 against any DynamoDB endpoint
//! (`AWS_ENDPOINT_URL_DYNAMODB`), and `local-api publish` to store a resume.

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
    /// Store a JSON Resume file as the resume a stack serves at GET
    /// /resume (RESUME_ID), only if the stored document differs as DynamoDB
    /// stores it: prints created, updated (with the changed sections) or
    /// unchanged. AWS (your credentials; RESUME_TABLE and RESUME_ID from the
    /// stack's outputs, which `make resume-publish` reads) or
    /// AWS_ENDPOINT_URL_DYNAMODB.
    Publish(PublishArgs),
    /// Upload a site folder (SITE_DIR) to the stack's bucket
    /// (SITE_BUCKET_NAME): Content-Type and Cache-Control per file, unchanged
    /// objects skipped, gone ones deleted, then only the changed paths
    /// invalidated on SITE_DISTRIBUTION_ID. `make site-publish` reads both
    /// from the stack's outputs.
    SitePublish(local_api::site_publish::Args),
}

#[derive(clap::Args)]
struct PublishArgs {
    /// The JSON Resume file.
    file: PathBuf,
    /// The id to store it under: RESUME_ID, the stack's own; any other is
    /// an error (the stack would not serve it).
    #[arg(long)]
    id: Option<String>,
    /// The stack RESUME_TABLE and RESUME_ID belong to, named in messages.
    /// Required for AWS (without AWS_ENDPOINT_URL_DYNAMODB).
    #[arg(long)]
    stack: Option<String>,
    /// Create any missing table first (DynamoDB Local only).
    #[arg(long)]
    create_tables: bool,
    /// Say what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The stack's CloudFront distribution (its SiteDistributionId output):
    /// a created or updated resume invalidates its cached `/api/resume*`.
    #[arg(long)]
    distribution: Option<String>,
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
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").ok();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Validate { .. } => Ok(()),
        Command::SitePublish(args) => {
            local_api::site_publish::run(args, &patient_sdk_config().await).await
        }
        Command::Publish(args) => {
            publish(args, &settings, patient_client().await, endpoint.as_deref()).await
        }
        Command::Serve => {
            let client = platform::dynamo::client().await;
            serve(&settings, client, endpoint.as_deref()).await
        }
    }
}

/// A client for a command a person waits for: the functions' timeouts
/// (`platform::dynamo`) are for a request path, and a cold DynamoDB Local on
/// a busy machine can take longer than they allow to create a table.
async fn patient_client() -> aws_sdk_dynamodb::Client {
    platform::dynamo::with_metrics(&patient_sdk_config().await)
}

/// The SDK configuration of [`patient_client`] (and of `site-publish`).
async fn patient_sdk_config() -> aws_config::SdkConfig {
    use std::time::Duration;
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(180))
        .build();
    let config = platform::dynamo::sdk_config().await.into_builder();
    config.timeout_config(timeouts).build()
}

/// `publish FILE [--id ID] [--stack NAME] [--create-tables] [--dry-run]`:
/// prints what it found, or did.
async fn publish(
    args: PublishArgs,
    settings: &Settings,
    client: aws_sdk_dynamodb::Client,
    endpoint: Option<&str>,
) -> anyhow::Result<()> {
    let file = args.file.display();
    let stack = local_api::owner::Stack {
        name: match (&args.stack, endpoint) {
            (Some(name), _) => name.clone(),
            (None, Some(endpoint)) => format!("at {endpoint}"),
            (None, None) => anyhow::bail!(
                "publishing {file} to AWS needs the stack that serves it: \
                 `make resume-publish CONFIG_ENV=staging|prod` reads RESUME_TABLE and RESUME_ID \
                 from its outputs (ResumeTableName, ResumeId) and names it with --stack"
            ),
        },
        resume_id: settings.resume.default_id.clone(),
    };
    let id = local_api::owner::publish_id(&args.file, args.id.as_deref(), &stack)?;
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {file}"))?;
    if args.create_tables {
        // Never by accident in a real AWS account.
        anyhow::ensure!(
            endpoint.is_some(),
            "--create-tables needs AWS_ENDPOINT_URL_DYNAMODB (DynamoDB Local)"
        );
        local_api::ensure_tables(settings, &client).await?;
    }
    let table = settings.resume.table.as_str();
    let store = resume::Store(platform::dynamo::Table::new(client, table));
    let outcome = local_api::owner::publish(&store, &id, &text, args.dry_run)
        .await
        .with_context(|| format!("cannot publish {file}"))?;
    let at = endpoint.map(|e| format!(" at {e}")).unwrap_or_default();
    let dry = if args.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    println!(
        "{file}: resume '{id}' of stack {} (table {table}{at}): {outcome}{dry}",
        stack.name
    );
    let changed = !matches!(outcome, local_api::owner::Outcome::Unchanged);
    if let Some(d) = args
        .distribution
        .as_deref()
        .filter(|d| changed && !d.is_empty())
    {
        let config = patient_sdk_config().await;
        println!(
            "{}",
            local_api::site_publish::invalidate_resume(&config, d, args.dry_run).await?
        );
    }
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
    let site = settings.site.load()?;
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
    if let Some(line) = site.banner(&base) {
        println!("{line}");
    }
    let app = site.router(local_api::app(settings, client));
    local_api::serve(listener, app, shutdown()).await?;
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
