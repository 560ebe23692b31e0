//! What the server-side benchmarks stand on: a sample election imported, devices enrolled for
//! shares of its tables, and one signed, receipted capture per table stored through the
//! repository in batches as intake stores them, with its photo stored and receipted if asked.

use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use testigo_protocol::capture::{CAPTURE_FORMAT, PhotoRef};
use testigo_protocol::receipt::ReceiptSubject;
use testigo_protocol::{CaptureRecord, PublicKey, Sha256, Signature, SignedCapture};
use testigo_server::blobs::Completion;
use testigo_server::repo::{NewRecord, PhotoLookup};
use testigo_server::{AppState, now_ms};
use testigo_testkit::SampleElection;

/// An error of a benchmark's setup.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A signed capture with its photo's bytes, width and height, when it has one.
type Signed = (SignedCapture, Option<(Vec<u8>, u32, u32)>);

/// A signed capture with its photo's bytes, when it has one.
pub type SignedWithPhoto = (SignedCapture, Option<Vec<u8>>);

/// A device enrolled for a contiguous share of the tables.
struct Device {
    pair: Arc<EcdsaKeyPair>,
    public: PublicKey,
    /// Index of its first table in the sample's stations, and how many it has.
    first: usize,
    count: usize,
}

/// An imported sample election and its enrolled devices.
pub struct Seeded {
    /// The election as generated.
    pub sample: SampleElection,
    /// The election's id and package version.
    election_id: String,
    version: u64,
    /// The contest the captures are for (the first).
    pub contest_id: String,
    devices: Vec<Device>,
    rng: SystemRandom,
}

/// Imports a sample election of `stations` tables and enrolls `devices` devices, each for a
/// contiguous share of them.
pub async fn election(state: &AppState, stations: usize, devices: usize) -> Result<Seeded, Error> {
    let sample = SampleElection::new(5, stations);
    state.repo.import_election(sample.package.clone(), now_ms()).await??;
    let election = state.repo.election().await?.ok_or("no election")?;
    let contest = election.contests.first().ok_or("no contest")?.clone();
    let rng = SystemRandom::new();
    let per = stations.div_ceil(devices.max(1)).max(1);
    let mut enrolled = Vec::new();
    for (n, chunk) in sample.package.stations.chunks(per).enumerate() {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).map_err(|_| "keygen")?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| "key")?;
        let public = PublicKey::from_sec1(pair.public_key().as_ref())?;
        let ids: Vec<String> = chunk.iter().map(|s| s.id.clone()).collect();
        let code = testigo_server::services::enrollment::create_codes(state, &ids, 1, "cli", now_ms())
            .await?
            .remove(0);
        let hash =
            state.key.code_hash(&testigo_server::services::enrollment::normalize(&code).ok_or("code")?);
        let outcome =
            state.repo.enroll(hash, public.clone(), Sha256::digest(code.as_bytes()), now_ms()).await?;
        if !matches!(outcome, testigo_server::repo::EnrollOutcome::Enrolled(_)) {
            return Err(format!("enrolling a bench device: {outcome:?}").into());
        }
        enrolled.push(Device { pair: Arc::new(pair), public, first: n * per, count: chunk.len() });
    }
    Ok(Seeded {
        sample,
        election_id: election.election.id.clone(),
        version: election.version,
        contest_id: contest.id.clone(),
        devices: enrolled,
        rng,
    })
}

impl Seeded {
    /// How many devices were enrolled.
    pub fn device_count(&self) -> usize {
        self.devices.len()
    }

    /// Device `n`'s public key and the indexes of its tables.
    pub fn device(&self, n: usize) -> Option<(&PublicKey, std::ops::Range<usize>)> {
        self.devices.get(n).map(|d| (&d.public, d.first..d.first + d.count))
    }

    /// Signs `bytes` with device `n`'s key (DER ECDSA P-256).
    pub fn sign_as(&self, n: usize, bytes: &[u8]) -> Result<Signature, Error> {
        let device = self.devices.get(n).ok_or("no such device")?;
        Ok(Signature(device.pair.sign(&self.rng, bytes).map_err(|_| "sign")?.as_ref().to_vec()))
    }

    /// The capture of table `index` with its true numbers, signed by `device`; with `photo`,
    /// it declares its own photo, whose bytes come with it.
    fn signed_capture(
        &self,
        device: &Device,
        index: usize,
        photo: Option<&BenchPhoto>,
    ) -> Result<Signed, Error> {
        let station = self.sample.package.stations.get(index).ok_or("station")?;
        let spec = self.sample.acta(index).ok_or("acta")?;
        let truth = testigo_testkit::sample::acta_counts(&spec);
        let bytes = photo.map(|p| (p.for_table(index), p.width, p.height));
        let refs = bytes
            .as_ref()
            .map(|(jpeg, width, height)| PhotoRef {
                page: 1,
                sha256: Sha256::digest(jpeg),
                original_sha256: Sha256::digest(index.to_string().as_bytes()),
                size: jpeg.len() as u64,
                width: *width,
                height: *height,
            })
            .into_iter()
            .collect();
        let record = CaptureRecord {
            format: CAPTURE_FORMAT,
            id: uuid::Uuid::now_v7(),
            election_id: self.election_id.clone(),
            package_version: self.version,
            contest_id: self.contest_id.clone(),
            station_id: station.id.clone(),
            counts: truth.counts,
            extra_counts: truth.extra,
            photos: refs,
            qr_payload: spec.qr_payload.clone(),
            device_time_ms: now_ms(),
            supersedes: None,
            notes: String::new(),
            warnings: if (index + 1).is_multiple_of(13) {
                vec![testigo_protocol::Warning::new(testigo_protocol::WarningCode::PhotoMissing)]
            } else {
                vec![]
            },
            device_key_id: device.public.key_id(),
        };
        let sig = device.pair.sign(&self.rng, &record.canonical_bytes()).map_err(|_| "sign")?;
        Ok((SignedCapture { record, signature: Signature(sig.as_ref().to_vec()) }, bytes))
    }

    /// Device `n`'s captures of all its tables, signed, with their photos' bytes when asked.
    pub fn device_captures(
        &self,
        n: usize,
        photo: Option<&BenchPhoto>,
    ) -> Result<Vec<SignedWithPhoto>, Error> {
        let device = self.devices.get(n).ok_or("no such device")?;
        (device.first..device.first + device.count)
            .map(|i| self.signed_capture(device, i, photo).map(|(s, b)| (s, b.map(|(jpeg, _, _)| jpeg))))
            .collect()
    }
}

/// A photo as a phone stores it, made unique per table by a JPEG comment segment.
pub struct BenchPhoto {
    jpeg: Vec<u8>,
    width: u32,
    height: u32,
}

impl BenchPhoto {
    /// A synthetic acta photographed and put through the phone's photo pipeline.
    pub fn new() -> Result<BenchPhoto, Error> {
        let election = testigo_testkit::Election::new(1, 5);
        let acta = testigo_testkit::SyntheticActa::generate(&election, 1)?;
        let prepared =
            testigo_core::photo::prepare(&acta.jpeg, &testigo_core::photo::PhotoOptions::default())?;
        Ok(BenchPhoto { jpeg: prepared.jpeg, width: prepared.width, height: prepared.height })
    }

    /// The photo of table `n`: a comment segment naming it right after the start-of-image.
    fn for_table(&self, n: usize) -> Vec<u8> {
        let text = format!("testigo bench table {n}");
        let len = u16::try_from(text.len() + 2).unwrap_or(u16::MAX);
        let mut out = Vec::with_capacity(self.jpeg.len() + text.len() + 4);
        out.extend_from_slice(self.jpeg.get(..2).unwrap_or_default());
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(self.jpeg.get(2..).unwrap_or_default());
        out
    }
}

/// Stores one capture for every table whose index in the sample `wanted` accepts, signed by its
/// device and receipted, in batches of 500; with `photo`, each capture declares its own photo,
/// which is stored and receipted as a finished upload would be. Returns how many were stored.
pub async fn captures(
    state: &AppState,
    seeded: &Seeded,
    photo: Option<&BenchPhoto>,
    wanted: impl Fn(usize) -> bool,
) -> Result<usize, Error> {
    let mut stored = 0usize;
    for device in &seeded.devices {
        let mut batch = Vec::with_capacity(500);
        let mut photos = Vec::new();
        for index in device.first..device.first + device.count {
            if !wanted(index) {
                continue;
            }
            let (signed, bytes) = seeded.signed_capture(device, index, photo)?;
            let record_sha256 = signed.record.record_sha256();
            let receipt = state.key.receipt(
                ReceiptSubject::Record { capture_id: signed.record.id, record_sha256 },
                &device.public.key_id(),
                now_ms(),
            )?;
            if let Some((jpeg, _, _)) = bytes {
                photos.push((signed.record.id, jpeg));
            }
            let json = serde_json::to_string(&signed)?;
            batch.push(NewRecord { signed, json, record_sha256, receipt });
            if batch.len() == 500 {
                stored += batch.len();
                state
                    .repo
                    .store_records(device.public.key_id(), std::mem::take(&mut batch), now_ms())
                    .await?;
                store_photos(state, &device.public, std::mem::take(&mut photos)).await?;
            }
        }
        stored += batch.len();
        if !batch.is_empty() {
            state.repo.store_records(device.public.key_id(), batch, now_ms()).await?;
            store_photos(state, &device.public, photos).await?;
        }
    }
    Ok(stored)
}

/// Stores the photos of stored captures through the blob store and receipts them.
async fn store_photos(
    state: &AppState,
    device: &PublicKey,
    photos: Vec<(uuid::Uuid, Vec<u8>)>,
) -> Result<(), Error> {
    let key_id = device.key_id();
    for (capture_id, jpeg) in photos {
        let sha = Sha256::digest(&jpeg);
        let id = format!("bench{}", capture_id.simple());
        let id_ = id.clone();
        let step = |what: &'static str| {
            let id = id_.clone();
            move |e: testigo_server::blobs::BlobError| format!("{what} {id}: {e}")
        };
        state.blobs.create_partial(&id).await.map_err(step("creating"))?;
        let mut writer = state.blobs.open_partial(&id, 0).await.map_err(step("opening"))?;
        writer.write(&jpeg).await.map_err(step("writing"))?;
        writer.sync().await.map_err(step("syncing"))?;
        drop(writer);
        match state
            .blobs
            .complete(&id, &sha, |head, _| head.starts_with(&[0xFF, 0xD8]))
            .await
            .map_err(step("completing"))?
        {
            Completion::Stored { .. } => {}
            other => return Err(format!("storing a bench photo: {other:?}").into()),
        }
        let PhotoLookup::Declared(expected) = state.repo.expected_photo(&key_id, capture_id, sha).await?
        else {
            return Err("a bench photo its record does not declare".into());
        };
        let receipt = state.key.receipt(
            ReceiptSubject::Photo { capture_id, sha256: sha, size: jpeg.len() as u64 },
            &key_id,
            now_ms(),
        )?;
        state.repo.photo_received(expected.capture_pk, sha, receipt).await?;
    }
    Ok(())
}

/// Requests `path` through `app` `runs` times with the session `cookie`: its HTML size and the
/// median and slowest times, as one row of a page benchmark's report.
pub async fn time_page(
    app: &axum::Router,
    cookie: &str,
    name: &str,
    path: &str,
    runs: usize,
) -> Result<serde_json::Value, Error> {
    use tower::ServiceExt as _;
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs.max(1) {
        let req = axum::http::Request::get(path).header("cookie", cookie).body(axum::body::Body::empty())?;
        let t = std::time::Instant::now();
        let r = app.clone().oneshot(req).await?;
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), 512 * 1024 * 1024).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if !status.is_success() {
            return Err(format!("{path} answered {status}").into());
        }
        bytes = body.len();
    }
    times.sort_by(f64::total_cmp);
    let p50 = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    Ok(serde_json::json!({
        "page": name, "path": path, "bytes": bytes,
        "p50_ms": (p50 * 10.0).round() / 10.0, "max_ms": (max * 10.0).round() / 10.0,
    }))
}

/// Signs `name` (password "bench password 1") in to the dashboard through `app`: the session
/// cookie.
pub async fn sign_in(app: &axum::Router, name: &str) -> Result<String, Error> {
    use tower::ServiceExt as _;
    let login = axum::http::Request::post("/dash/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("name={name}&password=bench+password+1")))?;
    let r = app.clone().oneshot(login).await?;
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("no session")?
        .to_owned();
    Ok(cookie)
}
