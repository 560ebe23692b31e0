//! The server's rules, under the routes.
//!
//! Route handlers (the device API in `routes/`, the admin API, the dashboard) and the `testigo`
//! command parse their input, call one function here, and render what it returns; so a rule —
//! what a record must pass, when a photo counts as received, who may review what, how sign-ins
//! are throttled, which contest a view is about — is written once, and the public portal calls
//! the same functions. Services read and write through the repository traits
//! ([`crate::repo`]) and the blob store, and answer with [`crate::AppError`]s or their own small
//! error types where a caller acts on the difference.
//!
//! | module | rule |
//! |---|---|
//! | [`accounts`] | coordinator accounts, passwords, sessions, throttled sign-in |
//! | [`audit`] | the audit log: who reads it, its pages and its CSV |
//! | [`bundles`] | sealed bundles: opened with the coordinators' key, their records and photos taken in as over HTTP |
//! | [`desk`] | the verification desk: blind double entry, what a clerk sees, a verifier's decision |
//! | [`devices`] | revoking a device: its token stops, what it sent stays |
//! | [`enrollment`] | one-time codes: made for coordinators, redeemed by phones |
//! | `intake` | a batch of signed records: checks, storage, one outcome per record |
//! | `sms` | records by SMS: parts kept, the record rebuilt and taken in as over HTTP, its receipt by SMS |
//! | `photos` | when a photo counts as received, and its receipt |
//! | `uploads` | the tus upload state machine: creation, chunks, locks, completion, expiry |
//! | `feed` | the change feed's pages, signed per device |
//! | `package` | the election package a device downloads, signed per device |
//! | [`review`] | what a review may say, who may give it, where |
//! | [`publication`] | who may publish and withdraw what; publishing on verification |
//! | `portal` | what the public reads: published tables, photos, sums, search |
//! | [`tally`] | the contest a view is about, a region within a scope, the tally per candidate; counting only verified actas |
//! | [`official`] | importing the authority's results; the contrast of every table with them |
//! | [`operations`] | the night's operations: late tables with their devices, search within a scope |
//! | [`quickcount`] | the quick count: the sample's draw, the estimate with its margin of error |
//! | [`storage`] | the free-space reserve: `507` before the disk fills, free space for `/healthz` |

pub mod accounts;
pub mod audit;
pub mod bundles;
pub mod desk;
pub mod devices;
pub mod enrollment;
pub(crate) mod feed;
pub(crate) mod intake;
pub mod official;
pub mod operations;
pub(crate) mod package;
pub(crate) mod photos;
pub(crate) mod portal;
pub mod publication;
pub mod quickcount;
pub mod review;
pub(crate) mod sms;
pub mod storage;
pub mod tally;
pub mod uploads;
