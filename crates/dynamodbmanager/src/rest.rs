//! The REST routes over the managed table, in the style of the common Go
//! key/value API: `GET /items`, `GET|PUT|DELETE /items/{id}`. Items are
//! plain JSON objects whose `id` is the key (see `model::item` for sets and
//! binary).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use http::StatusCode;
use model::item;
use platform::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::request::items;
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The answer of `GET /items`.
#[derive(Debug, Serialize)]
pub struct ItemsPage {
    pub items: Vec<Map<String, Value>>,
    /// Present while there may be more.
    #[serde(rename = "nextCursor", skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no item with id {id:?}"))
}

/// `GET /items?limit=N&cursor=C`: `{"items": [...], "nextCursor": "..."}`,
/// where `nextCursor` is present while there may be more. Reads are
/// strongly consistent, like `GET /items/{id}`.
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<ItemsPage>> {
    let limit = items::limit(query.limit.as_deref())?;
    let start = items::cursor(query.cursor.as_deref())?;
    let page = state.store.list_page(limit, start).await?;
    Ok(Json(ItemsPage {
        items: page.items.iter().map(item::from_item).collect(),
        next_cursor: page.last_key.as_ref().map(items::encode_cursor),
    }))
}

/// `GET /items/{id}`: the item, or 404.
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Map<String, Value>>> {
    let found = state.store.get(&id).await?.ok_or_else(|| not_found(&id))?;
    Ok(Json(item::from_item(&found)))
}

/// `PUT /items/{id}`: stores the body's attributes as the item `id`,
/// replacing any item there. 201 when it is new, 200 when it replaced one;
/// both answer with the item.
pub async fn put(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Map<String, Value>>)> {
    let (attrs, new_item) = items::put_body(&id, &body)?;
    let status = if state.store.put(new_item).await? {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(attrs)))
}

/// `DELETE /items/{id}`: 204, or 404 when there was no such item.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state.store.delete(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(&id))
    }
}
