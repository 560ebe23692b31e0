//! An SMS gateway, as an Android phone running a gateway app is: it posts each SMS that reaches
//! the coordinators' number to `POST /v1/sms` and sends back the reply the server gives.

use serde::Deserialize;

use crate::server::Result;

/// A gateway in front of one server.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    url: String,
    secret: String,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Answer {
    payload: Payload,
}

#[derive(Deserialize)]
struct Payload {
    success: bool,
    #[serde(default)]
    messages: Vec<Outgoing>,
}

#[derive(Deserialize)]
struct Outgoing {
    to: String,
    message: String,
}

impl SmsGateway {
    /// A gateway posting to `server_url` with the server's SMS secret.
    pub fn new(server_url: &str, secret: &str) -> SmsGateway {
        SmsGateway {
            url: format!("{server_url}/v1/sms"),
            secret: secret.to_owned(),
            client: reqwest::Client::new(),
        }
    }

    /// Hands one SMS from `from` to the server; answers the reply for `from`, if the server sent
    /// one (a record's receipt).
    pub async fn deliver(&self, from: &str, text: &str) -> Result<Option<String>> {
        let form = [("from", from), ("message", text), ("secret", self.secret.as_str())];
        let response = self.client.post(&self.url).form(&form).send().await?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}: {}", response.text().await?).into());
        }
        let answer: Answer = serde_json::from_slice(&response.bytes().await?)?;
        if !answer.payload.success {
            return Err("the server did not take the SMS".into());
        }
        Ok(answer.payload.messages.into_iter().find(|m| m.to == from).map(|m| m.message))
    }
}
