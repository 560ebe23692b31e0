//! The change feed (review states, package updates) and the election package. Both are signed by
//! the server key for this device (`testigo_protocol::statement`): a page or package that does not
//! verify is the link's fault (a proxy, a censor) and changes nothing.

use testigo_protocol::Signature;
use testigo_protocol::api::{Change, FeedPage};
use testigo_protocol::statement::{PACKAGE_SIGNATURE_HEADER, package_bytes};

use super::state;
use super::transport::{Method, Request};
use super::{Pass, Stop, timeout_for};
use crate::election::PackageInstall;
use crate::error::Error;
use crate::outbox::OutboxKind;
use crate::store::now_ms;

/// Events per feed request.
const FEED_PAGE: usize = 200;

impl Pass<'_> {
    pub(crate) fn feed(&mut self) -> Result<(), Stop> {
        let installed = self.store.package()?.map(|p| p.version);
        let mut newer_package = installed.is_none();
        // Where the feed stood before the first page announcing a newer package: if fetching the
        // package fails, the cursor goes back there so that the next run sees the announcement.
        let mut rewind_to = None;
        loop {
            let after = self.cfg.feed_cursor;
            let url = self.url(&format!("/v1/feed?after={after}&limit={FEED_PAGE}"));
            let r = self.send(Request {
                method: Method::Get,
                url,
                headers: vec![],
                body: vec![],
                timeout: timeout_for(0),
            })?;
            if r.status != 200 {
                return Err(self.unexpected(&r));
            }
            let page: FeedPage =
                serde_json::from_slice(&r.body).map_err(|_| Stop::Link("garbled feed", None))?;
            if page.verify(&self.cfg.server_key, &self.store.device().key_id, after).is_err() {
                return Err(Stop::Link("a feed page does not verify", None));
            }
            if page.cursor < after || page.events.iter().any(|e| e.seq <= after || e.seq > page.cursor) {
                return Err(Stop::Link("the feed went backwards", None));
            }
            let cursor = page.cursor;
            let mut reviews = 0;
            for event in &page.events {
                match &event.change {
                    Change::Review { capture_id, status, comment } => {
                        self.store.write(|tx| {
                            state::apply_review(
                                tx,
                                *capture_id,
                                *status,
                                comment.as_deref(),
                                event.seq,
                                event.at_ms,
                            )
                        })?;
                        reviews += 1;
                    }
                    // At the installed version too: the server tailors the package to this
                    // phone, and announces it again when the phone's tables change.
                    Change::Package { version } if installed.is_none_or(|v| *version >= v) => {
                        newer_package = true;
                        rewind_to.get_or_insert(after);
                    }
                    Change::Package { .. } => {}
                    Change::Received { receipt } => {
                        if receipt.verify(&self.cfg.server_key).is_err()
                            || receipt.receipt.device_key_id != self.store.device().key_id
                        {
                            return Err(Stop::Link("a receipt in the feed does not verify", None));
                        }
                        let now = now_ms();
                        match self.store.write(|tx| state::mark_received(tx, receipt, now))? {
                            Some(OutboxKind::Record) => self.report.records_delivered += 1,
                            Some(OutboxKind::Photo(_)) => self.report.photos_delivered += 1,
                            None => {}
                        }
                    }
                }
            }
            self.store.write(|tx| state::set_feed_cursor(tx, cursor))?;
            self.cfg.feed_cursor = cursor;
            self.report.reviews += reviews;
            if !page.more || page.events.is_empty() {
                break;
            }
        }
        if newer_package && let Err(stop) = self.package() {
            if let Some(cursor) = rewind_to {
                self.store.write(|tx| state::set_feed_cursor(tx, cursor))?;
                self.cfg.feed_cursor = cursor;
            }
            return Err(stop);
        }
        Ok(())
    }

    /// Downloads the package unless the server says the stored one is current, and installs it.
    pub(crate) fn package(&mut self) -> Result<(), Stop> {
        let mut headers = vec![];
        if let Some(etag) = &self.cfg.package_etag {
            headers.push(("if-none-match".into(), etag.clone()));
        }
        let r = self.send(Request {
            method: Method::Get,
            url: self.url("/v1/package"),
            headers,
            body: vec![],
            timeout: timeout_for(0),
        })?;
        match r.status {
            304 => return Ok(()),
            200 => {}
            _ => return Err(self.unexpected(&r)),
        }
        let signed = r.header(PACKAGE_SIGNATURE_HEADER).and_then(Signature::from_text).is_some_and(|sig| {
            let bytes = package_bytes(&self.store.device().key_id, &r.body);
            self.cfg.server_key.verify(&bytes, &sig).is_ok()
        });
        if !signed {
            return Err(Stop::Link("the package is not signed by the server", None));
        }
        let outcome = match self.store.install_server_package(&r.body) {
            Ok(o) => o,
            // A body that is not a package (a portal's page) is the link's fault; a package this
            // phone cannot take (older, another election) is kept out and reported.
            Err(Error::PackageJson(_)) => return Err(Stop::Link("garbled package", None)),
            Err(
                e @ (Error::StalePackage { .. }
                | Error::ConflictingPackage(_)
                | Error::OtherElection
                | Error::InvalidPackage(_)),
            ) => {
                self.report.package_error = Some(e.to_string());
                return Ok(());
            }
            Err(e) => return Err(Stop::Local(e)),
        };
        if let Some(etag) = r.header("etag") {
            let etag = etag.to_owned();
            self.store.write(|tx| state::set_package_etag(tx, &etag))?;
            self.cfg.package_etag = Some(etag);
        }
        if outcome != PackageInstall::Unchanged {
            self.report.package_updated = true;
        }
        Ok(())
    }
}
