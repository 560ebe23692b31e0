//! Photos: content-addressed, encrypted, atomic, and refused when they are not photos.

use testigo_core::protocol::Sha256;
use testigo_core::{Error, MAX_PAGES, Store};

use crate::common::*;

fn photo_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("photos"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

#[test]
fn photos_are_encrypted_content_addressed_and_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let bytes = jpeg(1200, 900, 42, 50_000);
    let a = store.new_capture("st-1", "pres").unwrap();
    let b = store.new_capture("st-2", "pres").unwrap();
    let pa = store.attach_photo(a, &bytes).unwrap();
    let pb = store.attach_photo(b, &bytes).unwrap();
    let sha = pa.sha256;
    assert_eq!(pa.original_sha256, Sha256::digest(&bytes));
    assert_ne!(pa.sha256, pa.original_sha256, "the stored photo is the pipeline's output");
    assert_eq!(pb.sha256, sha, "the pipeline is deterministic, so the same photo is stored once");
    // Attaching the same photo again to the same capture is a no-op.
    assert_eq!(store.attach_photo(a, &bytes).unwrap(), pa);
    assert_eq!(store.capture(a).unwrap().photos.len(), 1);

    let files = photo_files(dir.path());
    assert_eq!(files.len(), 1, "one file per distinct photo");
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(!name.contains(&sha.to_hex()), "file names must not reveal the published hash");
    let stored = std::fs::read(&files[0]).unwrap();
    let plain = store.read_photo(&sha).unwrap();
    assert_eq!(Sha256::digest(&plain), sha);
    assert_eq!(plain.len() as u64, pa.size);
    let sample = &plain[plain.len() / 2..plain.len() / 2 + 64];
    assert!(!stored.windows(sample.len()).any(|w| w == sample), "photo stored in the clear");
}

#[test]
fn bytes_that_are_not_a_photo_are_refused_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let id = store.new_capture("st-1", "pres").unwrap();
    let full = jpeg(1000, 800, 1, 100);
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        b"GIF89a\x01\x00\x01\x00".to_vec(),
        b"%PDF-1.7 not a photo".to_vec(),
        full[..12].to_vec(),
        jpeg_header_only(0, 800),
        {
            // A real JPEG cut in half: the header is fine, the data is not.
            let j = jpeg(640, 480, 3, 0);
            j[..j.len() / 2].to_vec()
        },
        (0..10_000u32).map(|i| (i * 31 % 251) as u8).collect(),
    ];
    for bytes in cases {
        let err = store.attach_photo(id, &bytes).unwrap_err();
        assert!(matches!(err, Error::NotAnImage(_)), "{err:?}");
    }
    assert!(matches!(store.attach_photo(id, &jpeg_header_only(60000, 60000)), Err(Error::PhotoTooLarge(_))));
    assert!(matches!(
        store.attach_photo(id, &vec![0xFF; testigo_core::photo::MAX_INPUT_BYTES + 1]),
        Err(Error::PhotoTooLarge(_))
    ));
    assert!(store.capture(id).unwrap().photos.is_empty());
    assert!(photo_files(dir.path()).is_empty());
}

#[test]
fn pages_are_ordered_bounded_and_renumbered_on_removal() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let id = store.new_capture("st-1", "pres").unwrap();
    let shas: Vec<_> = (0..MAX_PAGES as u64)
        .map(|i| store.attach_photo(id, &jpeg(100, 100, i, 64)).unwrap().sha256)
        .collect();
    assert!(matches!(store.attach_photo(id, &jpeg(100, 100, 999, 64)), Err(Error::TooManyPages(_))));
    store.remove_photo(id, 2).unwrap();
    assert!(matches!(store.remove_photo(id, 99), Err(Error::NoSuchPage(99))));
    let photos = store.capture(id).unwrap().photos;
    let pages: Vec<u32> = photos.iter().map(|p| p.page).collect();
    assert_eq!(pages, (1..MAX_PAGES as u32).collect::<Vec<_>>());
    let mut expected = shas.clone();
    expected.remove(1);
    assert_eq!(photos.iter().map(|p| p.sha256).collect::<Vec<_>>(), expected);
    assert_eq!(photo_files(dir.path()).len(), MAX_PAGES - 1);
}

#[test]
fn orphans_and_half_written_files_are_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let kept = {
        let store = store_with_package(dir.path());
        let id = store.new_capture("st-1", "pres").unwrap();
        store.attach_photo(id, &jpeg(100, 100, 7, 64)).unwrap().sha256
    };
    std::fs::write(dir.path().join("photos/0123abcd.tgp"), b"orphan").unwrap();
    std::fs::write(dir.path().join("photos/tmp/half-written.tgp"), b"half").unwrap();
    let store = Store::open(dir.path(), &KEY).unwrap();
    assert_eq!(photo_files(dir.path()).len(), 1);
    assert_eq!(std::fs::read_dir(dir.path().join("photos/tmp")).unwrap().count(), 0);
    assert_eq!(Sha256::digest(&store.read_photo(&kept).unwrap()), kept);
}

#[test]
fn a_damaged_photo_file_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_package(dir.path());
    let id = store.new_capture("st-1", "pres").unwrap();
    let sha = store.attach_photo(id, &jpeg(100, 100, 8, 640)).unwrap().sha256;
    let file = photo_files(dir.path()).remove(0);
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    assert!(matches!(store.read_photo(&sha), Err(Error::PhotoDamaged(_))));
    std::fs::remove_file(&file).unwrap();
    assert!(matches!(store.read_photo(&sha), Err(Error::PhotoDamaged(_))));
    // A hash the store never held is not damage.
    assert!(matches!(store.read_photo(&Sha256::digest(b"never attached")), Err(Error::NoSuchPhoto)));
}
