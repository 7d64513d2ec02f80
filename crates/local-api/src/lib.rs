//! The local stack: every Lambda's routes on one server, at the paths
//! template.yaml gives them, with the same shared layers the Lambdas use.
//! Its settings are the Lambdas' own settings structs, read from the same
//! environment variables, with defaults that suit `make dev`.

pub mod iam;
pub mod owner;
pub mod site;
pub mod site_publish;
pub mod wire;

use std::net::SocketAddr;

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use axum::middleware::from_fn_with_state;
use axum::serve::ListenerExt;
use axum::Router;
use clap::{Args, Command, FromArgMatches};
use dynamodbmanager::ManagerConfig;
use model::resume::ResumeId;
use platform::config::HttpConfig;
use platform::dynamo::TableSpec;
use resume::ResumeConfig;
use visitor_counter::CounterConfig;

/// Settings of the local server: where to listen, and each Lambda's
/// settings struct, flattened. Every flag has the environment variable the
/// Lambdas read; [`local_defaults`] gives the ones `make dev` needs.
#[derive(Args, Clone, Debug)]
pub struct Settings {
    /// Where to listen; 3000 is the port `sam local start-api` uses.
    #[arg(long, env = "LOCAL_API_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub resume: ResumeConfig,
    #[command(flatten)]
    pub manager: ManagerConfig,
    #[command(flatten)]
    pub counter: CounterConfig,
    #[command(flatten)]
    pub http: HttpConfig,
    /// API Gateway's IAM authorization on the manager routes, emulated.
    #[command(flatten)]
    pub iam: iam::IamSettings,
    /// The site served with the API on one origin ([`site`]).
    #[command(flatten)]
    pub site: site::SiteSettings,
}

/// Local defaults for settings a deployed Lambda must be given: the table
/// names env.json uses, the example resume, and the example frontend's
/// origins. The manager's table is the serverless-lab tutorial's, so that
/// its saved requests (which name it in `tableName`) work unchanged.
pub fn local_defaults(command: Command) -> Command {
    [
        ("resume_table", "resume-local"),
        ("resume_id", "example"),
        ("manager_table", "lambda-apigateway"),
        ("counter_table", "visitor-counter-local"),
        ("visits_table", "visitor-visits-local"),
        ("salts_table", "visitor-salts-local"),
        (
            "allowed_origins",
            "http://localhost:8080,http://127.0.0.1:8080",
        ),
    ]
    .into_iter()
    .fold(command, |command, (id, value)| {
        // A default satisfies the requirement only if the arg stops being required.
        command.mut_arg(id, |arg| arg.default_value(value).required(false))
    })
}

impl Settings {
    /// Parses `args` (the first is the program name) and the environment,
    /// with [`local_defaults`].
    pub fn from_args<I, T>(args: I) -> anyhow::Result<Self>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let command = local_defaults(Self::augment_args(Command::new("local-api")));
        let matches = command.try_get_matches_from(args)?;
        Ok(Self::from_arg_matches(&matches)?)
    }

    /// Each table the stack uses, with the name it has here.
    pub fn tables(&self) -> Vec<(TableSpec, String)> {
        let mut tables = vec![
            (
                platform::dynamo::RESUME_TABLE,
                self.resume.table.to_string(),
            ),
            (
                platform::dynamo::MANAGER_TABLE,
                self.manager.table.to_string(),
            ),
        ];
        tables.extend(
            self.counter
                .tables()
                .map(|(spec, name)| (spec, name.to_owned())),
        );
        tables
    }
}

/// All routes of all Lambdas, finished with the shared layers once. The
/// manager's routes and the resume writes (`PUT`/`DELETE /resume/{id}`)
/// need a SigV4 signature, as template.yaml's `AWS_IAM` asks of them in AWS
/// ([`iam`]), unless `--no-iam-auth`.
pub fn app(settings: &Settings, client: Client) -> Router {
    let mut signed = dynamodbmanager::routes(&settings.manager, client.clone())
        .merge(resume::write_routes(&settings.resume, client.clone()));
    if settings.iam.no_iam_auth {
        tracing::warn!("IAM authorization is off: the signed routes accept unsigned requests");
    } else {
        let gate = iam::Gate::new(&settings.iam);
        signed = signed.route_layer(from_fn_with_state(gate, iam::require_sigv4));
    }
    let routes = Router::new()
        .merge(resume::routes(&settings.resume, client.clone()))
        .merge(signed)
        .merge(visitor_counter::routes(
            &settings.counter,
            &settings.http.allowed_origins,
            client,
        ));
    platform::http::finish(routes, &settings.http.allowed_origins)
}

/// Creates any missing table, with the key schema from `platform::dynamo`.
pub async fn ensure_tables(settings: &Settings, client: &Client) -> anyhow::Result<()> {
    for (spec, name) in settings.tables() {
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

/// [`owner::publish`] of `text` under `id` into `table` (tests and scripts
/// that set up a local stack): the one way an owner's file is stored.
pub async fn publish(
    client: Client,
    table: &str,
    id: &str,
    text: &str,
) -> anyhow::Result<owner::Outcome> {
    let id = ResumeId::parse(id).context("invalid resume id")?;
    let store = resume::Store(platform::dynamo::Table::new(client, table));
    owner::publish(&store, &id, text, false).await
}

/// Serves `app` on `listener` until `shutdown` resolves. Each request
/// carries its peer address (`ConnectInfo<SocketAddr>`), the local stand-in
/// for API Gateway's `sourceIp`, and the requests hyper cannot parse get
/// JSON errors too ([`wire`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // A no-op `tap_io`: axum gives `ConnectInfo<SocketAddr>` to any listener
    // wrapped in it, which it does not for a listener of our own.
    let listener = wire::JsonErrorListener(listener).tap_io(|_| ());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
