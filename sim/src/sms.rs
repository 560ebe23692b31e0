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

/// What the carrier did to the SMS it carried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CarrierStats {
    /// SMS a phone sent.
    pub sent: u64,
    /// Of those, lost on the way.
    pub lost: u64,
    /// Of those, delivered twice.
    pub duplicated: u64,
    /// Replies the gateway sent back.
    pub replies: u64,
    /// Of those, lost on the way back.
    pub replies_lost: u64,
    /// Messages whose parts reached the server through more than one gateway.
    pub split: u64,
}

/// The mobile network between phones and the gateways: each SMS is delayed, some are lost, some
/// arrive twice, the parts of a message arrive in any order and, with several gateway numbers,
/// each part through any of them. Deterministic per seed.
pub struct SmsCarrier {
    gateways: Vec<SmsGateway>,
    /// Chance that an SMS (either way) is lost.
    pub loss: f64,
    /// Chance that an SMS arrives twice.
    pub duplicate: f64,
    /// Delay of each SMS, milliseconds, drawn between these.
    pub delay_ms: (u32, u32),
    rng: std::sync::Mutex<testigo_testkit::Rng>,
    stats: std::sync::Mutex<CarrierStats>,
}

impl std::fmt::Debug for SmsCarrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsCarrier").field("loss", &self.loss).field("duplicate", &self.duplicate).finish()
    }
}

impl SmsCarrier {
    /// A carrier in front of `gateway`: 5 % lost, 5 % twice, 100 ms to 1.5 s each.
    pub fn new(gateway: SmsGateway, seed: u64) -> SmsCarrier {
        SmsCarrier {
            gateways: vec![gateway],
            loss: 0.05,
            duplicate: 0.05,
            delay_ms: (100, 1_500),
            rng: std::sync::Mutex::new(testigo_testkit::Rng::stream(seed, 0x5A5)),
            stats: std::sync::Mutex::default(),
        }
    }

    /// Another gateway number: each SMS reaches one of them, drawn at random.
    #[must_use]
    pub fn and(mut self, gateway: SmsGateway) -> SmsCarrier {
        self.gateways.push(gateway);
        self
    }

    /// What the carrier has done so far.
    pub fn stats(&self) -> CarrierStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn draw<T>(&self, f: impl FnOnce(&mut testigo_testkit::Rng) -> T) -> T {
        f(&mut self.rng.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn count(&self, f: impl FnOnce(&mut CarrierStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Carries one message's SMS from `from` (in a shuffled order, each delayed, some lost or
    /// doubled) to the gateway of `server`, and the gateway's replies back; answers the replies
    /// that reached the phone.
    pub fn carry(
        &self,
        server: &crate::server::LocalServer,
        from: &str,
        texts: &[String],
    ) -> Result<Vec<String>> {
        let mut order: Vec<&String> = texts.iter().collect();
        // The parts of a message take different paths: any order.
        for i in (1..order.len()).rev() {
            let j = self.draw(|r| r.int(0, i as u32)) as usize;
            order.swap(i, j);
        }
        let mut replies = Vec::new();
        let mut through = std::collections::BTreeSet::new();
        for text in order {
            self.count(|s| s.sent += 1);
            if self.draw(|r| r.chance(self.loss)) {
                self.count(|s| s.lost += 1);
                continue;
            }
            let times = if self.draw(|r| r.chance(self.duplicate)) {
                self.count(|s| s.duplicated += 1);
                2
            } else {
                1
            };
            for _ in 0..times {
                let delay = self.draw(|r| r.int(self.delay_ms.0, self.delay_ms.1.max(self.delay_ms.0)));
                std::thread::sleep(std::time::Duration::from_millis(u64::from(delay)));
                let last = self.gateways.len().saturating_sub(1) as u32;
                let at = self.draw(|r| r.int(0, last)) as usize;
                let Some(gateway) = self.gateways.get(at) else { return Err("no SMS gateway".into()) };
                through.insert(at);
                if let Some(reply) = server.block_on(gateway.deliver(from, text))? {
                    self.count(|s| s.replies += 1);
                    if self.draw(|r| r.chance(self.loss)) {
                        self.count(|s| s.replies_lost += 1);
                    } else {
                        replies.push(reply);
                    }
                }
            }
        }
        if through.len() > 1 {
            self.count(|s| s.split += 1);
        }
        Ok(replies)
    }
}
