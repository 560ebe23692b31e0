//! Opening: wrong keys, damaged files, two openers — each a clear error that changes nothing.

use testigo_core::{Error, Store};

use crate::common::*;

#[test]
fn reopening_keeps_device_identity_and_package() {
    let dir = tempfile::tempdir().unwrap();
    let (key_id, version) = {
        let store = store_with_package(dir.path());
        (store.device().key_id.clone(), store.package().unwrap().unwrap().version)
    };
    let store = Store::open(dir.path(), &KEY).unwrap();
    assert_eq!(store.device().key_id, key_id);
    assert!(store.device().software_key);
    assert_eq!(store.package().unwrap().unwrap().version, version);
    store.integrity_check().unwrap();
}

#[test]
fn wrong_key_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store_with_package(dir.path());
        let id = store.new_capture("st-1", "pres").unwrap();
        store.seal(id).unwrap();
    }
    let before = snapshot_files(dir.path());
    let err = Store::open(dir.path(), b"not the key this store was made!").unwrap_err();
    assert!(matches!(err, Error::WrongKey), "{err:?}");
    assert_eq!(snapshot_files(dir.path()), before);
    // The right key still opens everything.
    let store = Store::open(dir.path(), &KEY).unwrap();
    assert_eq!(store.captures().unwrap().len(), 1);
}

#[test]
fn the_database_file_is_not_readable_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store_with_package(dir.path());
        let id = store.new_capture("st-1", "pres").unwrap();
        store.set_notes(id, "ACTA-SECRET-NOTE").unwrap();
        store.seal(id).unwrap();
    }
    for (name, bytes) in snapshot_files(dir.path()) {
        for needle in [b"ACTA-SECRET-NOTE".as_slice(), b"SQLite format 3", b"test-2026", b"Escuela A"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{name} leaks {needle:?}");
        }
    }
}

#[test]
fn a_damaged_database_is_reported_not_wiped() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store_with_package(dir.path());
        for _ in 0..20 {
            let id = store.new_capture("st-2", "pres").unwrap();
            store.set_counts(id, &good_counts()).unwrap();
            store.seal(id).unwrap();
        }
    }
    let db = dir.path().join("testigo.db");
    let mut bytes = std::fs::read(&db).unwrap();
    // Damage the first page (its header) and every later page's middle.
    for page in 0..bytes.len() / 4096 {
        bytes[page * 4096 + 100] ^= 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let before = snapshot_files(dir.path());
    let err = Store::open(dir.path(), &KEY).unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    assert_eq!(snapshot_files(dir.path()), before, "a failed open must not touch the files");
}

#[test]
fn a_damaged_page_deep_in_the_file_surfaces_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store_with_package(dir.path());
        for _ in 0..200 {
            let id = store.new_capture("st-2", "pres").unwrap();
            store.set_counts(id, &good_counts()).unwrap();
            store.set_notes(id, &"n".repeat(2000)).unwrap();
            store.seal(id).unwrap();
        }
    }
    let db = dir.path().join("testigo.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 10);
    for page in pages / 2..pages {
        bytes[page * 4096 + 2000] ^= 0x5A;
    }
    std::fs::write(&db, &bytes).unwrap();
    let result = Store::open(dir.path(), &KEY).and_then(|s| {
        s.integrity_check()?;
        s.captures()
    });
    assert!(matches!(result, Err(Error::Corrupt(_))), "{result:?}");
    assert!(db.exists());
}

#[test]
fn garbage_database_and_missing_key_file_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    drop(store_with_package(dir.path()));
    std::fs::write(dir.path().join("testigo.db"), vec![0x42; 8192]).unwrap();
    let _ = std::fs::remove_file(dir.path().join("testigo.db-wal"));
    assert!(matches!(Store::open(dir.path(), &KEY), Err(Error::Corrupt(_))));

    let dir = tempfile::tempdir().unwrap();
    drop(store_with_package(dir.path()));
    std::fs::remove_file(dir.path().join("store.key")).unwrap();
    assert!(matches!(Store::open(dir.path(), &KEY), Err(Error::Corrupt(_))));
    assert!(dir.path().join("testigo.db").exists());
}

#[test]
fn a_second_opener_is_refused_while_the_first_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path(), &KEY).unwrap();
    assert!(matches!(Store::open(dir.path(), &KEY), Err(Error::InUse)));
    drop(first);
    Store::open(dir.path(), &KEY).unwrap();
}

#[test]
fn package_updates_only_move_forward() {
    use testigo_core::PackageInstall;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &KEY).unwrap();
    assert!(matches!(store.stations(), Err(Error::NoPackage)));
    assert_eq!(store.install_package(&package(2, None)).unwrap(), PackageInstall::Installed);
    assert_eq!(store.install_package(&package(2, None)).unwrap(), PackageInstall::Unchanged);
    assert!(matches!(
        store.install_package(&package(1, None)),
        Err(Error::StalePackage { installed: 2, offered: 1 })
    ));
    assert!(matches!(store.install_package(&package(2, Some(&["st-1"]))), Err(Error::ConflictingPackage(2))));
    assert_eq!(
        store.install_package(&package(3, Some(&["st-1", "st-3"]))).unwrap(),
        PackageInstall::Updated { from: 2 }
    );
    let stations: Vec<_> = store.stations().unwrap().into_iter().map(|s| s.station_id).collect();
    assert_eq!(stations, ["st-1", "st-3"]);

    let mut broken = package(4, None);
    broken.stations[0].center_id = "nowhere".into();
    assert!(matches!(store.install_package(&broken), Err(Error::InvalidPackage(_))));
    assert!(matches!(store.install_package_json(b"{not json"), Err(Error::PackageJson(_))));
    assert_eq!(store.package().unwrap().unwrap().version, 3);

    store.new_capture("st-1", "pres").unwrap();
    let mut other = package(9, None);
    other.election.id = "other".into();
    assert!(matches!(store.install_package(&other), Err(Error::OtherElection)));
}
