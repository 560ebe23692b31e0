//! `/dash/events`: the server-sent events that keep open pages current, and `dash.js`, the
//! dashboard's script that listens to them and zooms photos where they are clicked (see
//! [`crate::live`]).
//!
//! A stream lasts at most [`STREAM_LIFETIME`]; the browser's `EventSource` then reconnects by
//! itself, which checks the session again, so a signed-out or expired session stops hearing.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

use super::Session;
use crate::AppState;

/// How long one event stream stays open before the browser reconnects.
pub(crate) const STREAM_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The script every page loads.
pub(crate) const JS: &str = include_str!("dash.js");

pub(crate) async fn events(State(state): State<AppState>, _session: Session) -> Response {
    let until = tokio::time::Instant::now() + STREAM_LIFETIME;
    // The first event is the latest pulse at once: a page made before it (the pass ran between
    // the page and this stream) knows to refresh; one made after ignores it (see `dash.js`).
    let mut rx = state.live.subscribe();
    rx.mark_changed();
    let stream = futures_util::stream::unfold(rx, move |mut rx| async move {
        tokio::select! {
            changed = rx.changed() => changed.ok()?,
            () = tokio::time::sleep_until(until) => return None,
        }
        let pulse = *rx.borrow_and_update();
        let event = Event::default().event("change").id(pulse.seq.to_string()).json_data(pulse).ok()?;
        Some((Ok::<_, Infallible>(event), rx))
    });
    let mut r = Sse::new(stream).keep_alive(KeepAlive::default()).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    r
}

pub(crate) async fn js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], JS)
        .into_response()
}
