//! The change feed (review states, package updates) and the election package.

use testigo_protocol::api::{Change, FeedPage};

use super::state;
use super::transport::{Method, Request};
use super::{Pass, Stop, timeout_for};
use crate::election::PackageInstall;
use crate::error::Error;

/// Events per feed request.
const FEED_PAGE: usize = 200;

impl Pass<'_> {
    pub(crate) fn feed(&mut self) -> Result<(), Stop> {
        let installed = self.store.package()?.map(|p| p.version);
        let mut newer_package = installed.is_none();
        loop {
            let url = self.url(&format!("/v1/feed?after={}&limit={FEED_PAGE}", self.cfg.feed_cursor));
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
            if page.cursor < self.cfg.feed_cursor {
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
                    Change::Package { version } => newer_package |= installed.is_none_or(|v| *version > v),
                }
            }
            self.store.write(|tx| state::set_feed_cursor(tx, cursor))?;
            self.cfg.feed_cursor = cursor;
            self.report.reviews += reviews;
            if !page.more || page.events.is_empty() {
                break;
            }
        }
        if newer_package {
            self.package()?;
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
