//! `POST /v1/sms?gateway=…`: SMS from a gateway, each answered with the text to send back.
//!
//! Two shapes of gateway, both posting one form (`application/x-www-form-urlencoded`) per SMS
//! and sending back what the answer says:
//!
//! | `gateway` | who | fields read | reply |
//! |---|---|---|---|
//! | `phone` (default) | an Android phone running an SMS gateway app in the SMSSync protocol | `from`, `message`, `secret` | JSON `{"payload": {"success": true, "task": "send", "messages": [{"to", "message"}]}}` |
//! | `twilio` | a hosted SMS API's webhook (Twilio's shape) | `From`, `Body` | TwiML `<Response><Message>…</Message></Response>` |
//!
//! The gateway proves itself with the secret the server was started with (`testigo serve
//! --sms-secret`), in the form's `secret` field or the `key` query parameter; without one
//! configured the endpoint does not exist. The records themselves are trusted only for their
//! device signatures, as over HTTP.

use std::collections::HashMap;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use testigo_protocol::Sha256;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::repo::SmsIn;
use crate::services::sms;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/sms", post(receive))
}

#[derive(Deserialize)]
struct SmsQuery {
    gateway: Option<String>,
    key: Option<String>,
}

/// A gateway's shape.
#[derive(Clone, Copy)]
enum Gateway {
    Phone,
    Twilio,
}

impl Gateway {
    fn named(name: Option<&str>) -> AppResult<Gateway> {
        match name.unwrap_or("phone") {
            "phone" => Ok(Gateway::Phone),
            "twilio" => Ok(Gateway::Twilio),
            _ => Err(AppError::BadRequest("unknown gateway (phone or twilio)".into())),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Gateway::Phone => "phone",
            Gateway::Twilio => "twilio",
        }
    }

    /// The form's sender and text fields.
    fn fields(self) -> (&'static str, &'static str) {
        match self {
            Gateway::Phone => ("from", "message"),
            Gateway::Twilio => ("From", "Body"),
        }
    }

    fn answer(self, to: &str, reply: Option<String>) -> Response {
        match self {
            Gateway::Phone => {
                let payload = match reply {
                    Some(text) => serde_json::json!({
                        "success": true, "error": null, "task": "send",
                        "messages": [{ "to": to, "message": text }],
                    }),
                    None => serde_json::json!({ "success": true, "error": null }),
                };
                axum::Json(serde_json::json!({ "payload": payload })).into_response()
            }
            Gateway::Twilio => {
                let twiml = maud::html! {
                    Response { @if let Some(text) = reply { Message { (text) } } }
                };
                let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", twiml.into_string());
                ([(CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
            }
        }
    }
}

async fn receive(
    State(state): State<AppState>,
    query: Result<Query<SmsQuery>, QueryRejection>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> AppResult<Response> {
    let Some(secret) = state.limits.sms_secret.as_deref().filter(|s| !s.is_empty()) else {
        return Err(AppError::NotFound);
    };
    let Query(query) =
        query.map_err(|_| AppError::BadRequest("gateway and key are each given once".into()))?;
    let gateway = Gateway::named(query.gateway.as_deref())?;
    let Form(form) = form.map_err(|_| AppError::BadRequest("the body is not a form".into()))?;
    let presented = query.key.as_deref().or(form.get("secret").map(String::as_str)).unwrap_or_default();
    if Sha256::digest(presented.as_bytes()) != Sha256::digest(secret.as_bytes()) {
        return Err(AppError::Unauthorized);
    }
    let (from_field, text_field) = gateway.fields();
    let sender = form.get(from_field).cloned().unwrap_or_default();
    let text =
        form.get(text_field).ok_or_else(|| AppError::BadRequest(format!("no `{text_field}` field")))?;
    let reply = sms::receive(
        &state,
        SmsIn { sender: sender.clone(), gateway: gateway.name().into(), text: text.clone() },
    )
    .await?;
    Ok(gateway.answer(&sender, reply))
}
