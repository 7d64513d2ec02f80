//! The local stack: every Lambda's routes on one server, at the paths
//! template.yaml gives them, with the same shared layers the Lambdas use.

use std::net::SocketAddr;

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use axum::Router;
use clap::Args;
use domain::config::{self, CounterConfig, ManagerConfig, ResumeConfig, Salt};
use domain::dynamo::TableSpec;
use domain::http::Cors;
use domain::resume::ResumeId;
use serde_json::Value;

/// Settings of the local server. Each flag has the environment variable the
/// Lambdas read, and a default that suits `make dev`.
#[derive(Args, Clone, Debug)]
pub struct Settings {
    /// Where to listen; 3000 is the port `sam local start-api` uses.
    #[arg(long, env = "LOCAL_API_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    #[arg(long, env = "RESUME_TABLE", default_value = "resume-local")]
    pub resume_table: String,
    #[arg(long, env = "RESUME_ID", default_value = "example")]
    pub resume_id: String,
    /// The serverless-lab tutorial's table name, so that its saved requests
    /// (which name it in `tableName`) work locally unchanged.
    #[arg(long, env = "MANAGER_TABLE", default_value = "lambda-apigateway")]
    pub manager_table: String,
    /// Extra tables `POST /dynamodbmanager` may name (comma-separated);
    /// empty means only the managed table.
    #[arg(long, env = "MANAGER_ALLOWED_TABLES", default_value = "")]
    pub manager_allowed_tables: String,
    #[arg(long, env = "COUNTER_TABLE", default_value = "visitor-counter-local")]
    pub counter_table: String,
    #[arg(long, env = "VISITS_TABLE", default_value = "visitor-visits-local")]
    pub visits_table: String,
    /// Days a visit-log item lives before DynamoDB TTL removes it.
    #[arg(long, env = "VISIT_TTL_DAYS", default_value_t = CounterConfig::DEFAULT_VISIT_TTL_DAYS)]
    pub visit_ttl_days: u32,
    /// The key visitor IPs are hashed with; a random one per run if unset.
    #[arg(long, env = "VISITOR_SALT", hide_env_values = true)]
    pub visitor_salt: Option<Salt>,
    #[arg(
        long,
        env = "ALLOWED_ORIGINS",
        default_value = "http://localhost:8080,http://127.0.0.1:8080"
    )]
    pub allowed_origins: String,
}

/// Every Lambda's configuration, checked the way the Lambdas check theirs.
#[derive(Clone, Debug)]
pub struct Configs {
    pub cors: Cors,
    pub resume: ResumeConfig,
    pub manager: ManagerConfig,
    pub counter: CounterConfig,
}

impl Settings {
    pub fn configs(&self) -> anyhow::Result<Configs> {
        let origins = self.allowed_origins.clone();
        let salt = self.visitor_salt.clone().unwrap_or_else(Salt::random);
        let ttl_days = self.visit_ttl_days.to_string();
        let src = [
            ("COUNTER_TABLE", self.counter_table.as_str()),
            ("VISITS_TABLE", self.visits_table.as_str()),
            ("VISIT_TTL_DAYS", ttl_days.as_str()),
            ("VISITOR_SALT", salt.expose()),
            ("RESUME_TABLE", self.resume_table.as_str()),
            ("RESUME_ID", self.resume_id.as_str()),
            ("MANAGER_TABLE", self.manager_table.as_str()),
            (
                "MANAGER_ALLOWED_TABLES",
                self.manager_allowed_tables.as_str(),
            ),
            ("ALLOWED_ORIGINS", origins.as_str()),
        ];
        Ok(Configs {
            cors: config::allowed_origins(&src)?,
            resume: ResumeConfig::from_source(&src)?,
            manager: ManagerConfig::from_source(&src)?,
            counter: CounterConfig::from_source(&src)?,
        })
    }
}

impl Configs {
    /// Each table the stack uses, with the name it has here.
    pub fn tables(&self) -> Vec<(TableSpec, String)> {
        vec![
            (domain::dynamo::RESUME_TABLE, self.resume.table.clone()),
            (domain::dynamo::MANAGER_TABLE, self.manager.table.clone()),
            (
                domain::dynamo::COUNTER_TABLE,
                self.counter.counter_table.clone(),
            ),
            (
                domain::dynamo::VISITS_TABLE,
                self.counter.visits_table.clone(),
            ),
        ]
    }
}

/// All routes of all Lambdas, finished with the shared layers once.
pub fn app(configs: &Configs, client: Client) -> Router {
    let routes = Router::new()
        .merge(resume::routes(&configs.resume, client.clone()))
        .merge(dynamodbmanager::routes(&configs.manager, client.clone()))
        .merge(visitor_counter::routes(&configs.counter, client));
    domain::http::finish(routes, &configs.cors)
}

/// Creates any missing table, with the key schema from `domain`.
pub async fn ensure_tables(configs: &Configs, client: &Client) -> anyhow::Result<()> {
    for (spec, name) in configs.tables() {
        let created = spec
            .ensure(client, &name)
            .await
            .with_context(|| format!("cannot create table {name}"))?;
        if created {
            tracing::info!(table = %name, "created table");
        }
    }
    Ok(())
}

/// Reads a JSON Resume file, checks it, and stores it under `id`.
/// Returns the resume's name for the caller's message.
pub async fn seed(client: Client, table: &str, id: &str, json: &str) -> anyhow::Result<String> {
    let id = ResumeId::parse(id).context("invalid resume id")?;
    let doc: Value = serde_json::from_str(json).context("the file is not valid JSON")?;
    let resume = domain::resume::validate(&doc)?;
    resume::Store::new(client, table).put(&id, &doc).await?;
    Ok(resume
        .basics
        .and_then(|b| b.name)
        .unwrap_or_else(|| "(no basics.name)".into()))
}

/// Serves `app` on `listener` until `shutdown` resolves. Each request
/// carries its peer address (`ConnectInfo<SocketAddr>`), the local stand-in
/// for API Gateway's `sourceIp`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
