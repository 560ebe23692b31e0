//! The admin API's analysis resources under `/v1/admin`: official results (import, history),
//! the contrast (a region's sums, the tables by difference, the CSV of every discrepancy) and
//! the quick count (draw, estimate). Each handler parses, calls one service and answers JSON.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::Admin;
use super::{parse_json, read_body};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::official::Mapping;
use crate::repo::analysis::{ContrastSide, ContrastStatus};
use crate::services::official::{self, ImportError, ImportRequest};
use crate::services::quickcount;
use crate::services::review::Reviewer;
use crate::services::tally;

/// The largest official file the API takes (larger ones: `testigo official import`).
const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/official-imports", get(imports).post(import))
        .route("/v1/admin/contrast", get(contrast))
        .route("/v1/admin/discrepancies", get(discrepancies))
        .route("/v1/admin/discrepancies.csv", get(discrepancies_csv))
        .route("/v1/admin/quickcount", get(quickcount_now))
        .route("/v1/admin/quickcount/draw", post(draw))
}

/// A mapping: a shipped one by name, or one given whole.
#[derive(Deserialize)]
#[serde(untagged)]
enum MappingBody {
    Named(String),
    Given(Box<Mapping>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportBody {
    source: String,
    file_name: String,
    /// The file's text.
    content: String,
    mapping: Option<MappingBody>,
}

async fn import(State(state): State<AppState>, Admin(user, _): Admin, body: Body) -> AppResult<Json<Value>> {
    let body: ImportBody = parse_json(&read_body(body, MAX_IMPORT_BYTES).await?)?;
    let mapping = match body.mapping {
        None => None,
        Some(MappingBody::Named(name)) => Some(
            official::shipped_mapping(&name)
                .ok_or_else(|| AppError::BadRequest(format!("no shipped mapping {name:?}")))?
                .map_err(|e| AppError::BadRequest(e.to_string()))?,
        ),
        Some(MappingBody::Given(m)) => Some(
            Mapping::from_json(&serde_json::to_string(&m).unwrap_or_default())
                .map_err(|e| AppError::BadRequest(e.to_string()))?,
        ),
    };
    let req = ImportRequest {
        source: body.source,
        file_name: body.file_name,
        content: body.content.into_bytes(),
        mapping,
    };
    let done = official::import(&state, &Reviewer::from(&user), req).await.map_err(|e| match e {
        ImportError::App(e) => e,
        other => AppError::BadRequest(other.to_string()),
    })?;
    Ok(Json(json!(done)))
}

async fn imports(State(state): State<AppState>, Admin(_, _): Admin) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "imports": state.analysis.official_imports().await? })))
}

#[derive(Deserialize)]
struct ContrastParams {
    contest: Option<String>,
    region: Option<i64>,
    status: Option<String>,
    sort: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

fn params(q: Result<Query<ContrastParams>, QueryRejection>) -> AppResult<ContrastParams> {
    let p = q.map(|Query(p)| p).map_err(|_| AppError::BadRequest("bad query parameters".into()))?;
    if [p.offset, p.limit].into_iter().flatten().any(|n| n > i64::MAX as u64) {
        return Err(AppError::BadRequest("offset and limit are at most 2^63 - 1".into()));
    }
    Ok(p)
}

async fn contrast(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let p = params(q)?;
    let (_, contest) = tally::contest(&state, p.contest.as_deref()).await?;
    let v = official::region(&state, ContrastSide::Current, &user.scope_path, p.region, &contest).await?;
    let children: Vec<Value> = v
        .view
        .children
        .iter()
        .zip(&v.children)
        .map(|(r, c)| json!({ "id": r.node.id, "name": r.node.name, "path": r.node.path, "contrast": c, "compared": c.compared() }))
        .collect();
    Ok(Json(json!({
        "contest": contest.id,
        "region": { "id": v.view.region.node.id, "path": v.view.region.node.path },
        "contrast": v.contrast,
        "compared": v.contrast.compared(),
        "candidates": v.candidates.iter().map(|c| json!({ "id": c.id, "name": c.name, "difference": c.votes })).collect::<Vec<_>>(),
        "children": children,
    })))
}

async fn discrepancies(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let p = params(q)?;
    let (_, contest) = tally::contest(&state, p.contest.as_deref()).await?;
    let status = match p.status.as_deref() {
        None => ContrastStatus::Differs,
        Some(s) => ContrastStatus::parse(s).ok_or_else(|| {
            AppError::BadRequest("status must be match, differs, only_official or only_ours".into())
        })?,
    };
    let by_difference = match p.sort.as_deref() {
        None | Some("difference") => true,
        Some("table") => false,
        Some(_) => return Err(AppError::BadRequest("sort must be difference or table".into())),
    };
    let (rows, total) = official::tables(
        &state,
        ContrastSide::Current,
        &user.scope_path,
        &contest,
        status,
        by_difference,
        p.offset.unwrap_or(0),
        p.limit.unwrap_or(100),
    )
    .await?;
    Ok(Json(json!({ "contest": contest.id, "status": status, "total": total, "tables": rows })))
}

async fn discrepancies_csv(
    State(state): State<AppState>,
    Admin(user, _): Admin,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> AppResult<impl IntoResponse> {
    let p = params(q)?;
    let (_, contest) = tally::contest(&state, p.contest.as_deref()).await?;
    let bytes = official::discrepancies_csv(&state, &user.scope_path, &contest).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"discrepancies-{}.csv\"", contest.id),
            ),
        ],
        bytes,
    ))
}

async fn quickcount_now(
    State(state): State<AppState>,
    Admin(_, _): Admin,
    q: Result<Query<ContrastParams>, QueryRejection>,
) -> AppResult<Json<Value>> {
    let p = params(q)?;
    let (_, contest) = tally::contest(&state, p.contest.as_deref()).await?;
    Ok(Json(match quickcount::current(&state, &contest).await? {
        None => json!({ "contest": contest.id, "draw": null }),
        Some((draw, est)) => json!({ "contest": contest.id, "draw": draw, "estimate": est }),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DrawBody {
    size: u64,
    seed: String,
}

async fn draw(State(state): State<AppState>, Admin(user, _): Admin, body: Body) -> AppResult<Json<Value>> {
    let body: DrawBody = parse_json(&read_body(body, 8 * 1024).await?)?;
    let drawn = quickcount::draw_sample(&state, &Reviewer::from(&user), body.size, &body.seed).await?;
    Ok(Json(json!(drawn)))
}
