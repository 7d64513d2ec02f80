//! The visitor counter Lambda: read the settings, build the client once,
//! read the day's salt if it is made, serve API Gateway events. No secret
//! is read at start: the salt is made per day, in the salts table.

use platform::config::{from_env, HttpConfig};
use visitor_counter::CounterConfig;

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    platform::telemetry::init();
    let config: CounterConfig = from_env()?;
    let http: HttpConfig = from_env()?;
    let client = platform::dynamo::client().await;
    let store = visitor_counter::Store::new(client, &config);
    let clock = visitor_counter::system_clock();
    // The bot list compiles (CPU) while init's calls wait on the network.
    let warm_up = async { visitor_counter::views::warm_up() };
    tokio::join!(store.prewarm(clock()), warm_up);
    let router = visitor_counter::router_with_store(store, &config, &http, clock);
    platform::lambda::run(router, &http).await
}
