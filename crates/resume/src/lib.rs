//! The resume API: `GET /resume` serves the resume named by `RESUME_ID`,
//! `GET /resume/{id}` serves that one. Both answer with the stored JSON
//! Resume document, a strong ETag (304 on a matching `If-None-Match`) and a
//! short `Cache-Control`. `PUT` and `DELETE /resume/{id}` (signed, IAM)
//! write them: [`write_routes`], served by their own Lambda (`resume-write`)
//! so that the read path never loads the validator.

pub mod config;
pub mod handlers;
pub mod precondition;
pub mod store;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use platform::config::HttpConfig;
use platform::dynamo::Table;

pub use config::ResumeConfig;
pub use store::Store;

/// What the handlers share; each takes the part it needs.
#[derive(Clone, Debug)]
pub struct AppState {
    store: Store,
    default_id: handlers::DefaultId,
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}

impl FromRef<AppState> for handlers::DefaultId {
    fn from_ref(state: &AppState) -> Self {
        state.default_id.clone()
    }
}

/// The resume routes, without the shared layers: the local server merges
/// these with the other Lambdas' routes before adding them.
pub fn routes(config: &ResumeConfig, client: Client) -> Router {
    let state = AppState {
        store: Store(Table::new(client, config.table.as_str())),
        default_id: handlers::DefaultId(config.default_id.clone()),
    };
    Router::new()
        .route("/resume", get(handlers::default_resume))
        .route("/resume/{id}", get(handlers::resume_by_id))
        .with_state(state)
}

#[cfg(feature = "write")]
/// The signed write routes, without the shared layers: `PUT` and `DELETE
/// /resume/{id}`. The local server puts them behind its SigV4 gate, as API
/// Gateway's `AWS_IAM` does.
pub fn write_routes(config: &ResumeConfig, client: Client) -> Router {
    Router::new()
        .route(
            "/resume/{id}",
            axum::routing::put(handlers::write::put_resume).delete(handlers::write::delete_resume),
        )
        .with_state(Store(Table::new(client, config.table.as_str())))
}

#[cfg(feature = "write")]
/// The complete resume write service: what the `resume-write` Lambda runs.
pub fn write_router(config: &ResumeConfig, http: &HttpConfig, client: Client) -> Router {
    platform::http::finish(write_routes(config, client), &http.allowed_origins)
}

/// The complete resume service: what the Lambda runs.
pub fn router(config: &ResumeConfig, http: &HttpConfig, client: Client) -> Router {
    platform::http::finish(routes(config, client), &http.allowed_origins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn ids_that_cannot_be_ids_are_invalid_id_without_the_database() {
        let client = testkit::ClientBuilder::new(testkit::unreachable_endpoint())
            .no_retries()
            .build();
        let config: ResumeConfig =
            platform::config::from_pairs(&[("RESUME_TABLE", "resume"), ("RESUME_ID", "example")])
                .unwrap();
        let http: HttpConfig = platform::config::from_pairs(&[("ALLOWED_ORIGINS", "")]).unwrap();
        let app = router(&config, &http, client);
        for path in [
            "/resume/%FF",
            "/resume/%C3%28",
            "/resume/..%2Fetc",
            "/resume/a%20b",
        ] {
            let request = http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), 400, "{path}");
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(body["error"], "invalid_id", "{path}: {body}");
        }
    }
}
