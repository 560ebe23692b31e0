//! The panic wipe.

use testigo_core::{Error, Store};

use crate::common::*;

#[test]
fn wipe_leaves_nothing_that_opens() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = store_with_package(dir.path());
        let id = store.new_capture("st-1", "pres").unwrap();
        store.attach_photo(id, &jpeg(800, 600, 1, 2000)).unwrap();
        store.seal(id).unwrap();
        store.wipe().unwrap();
    }
    assert!(snapshot_files(dir.path()).is_empty(), "{:?}", snapshot_files(dir.path()).keys());
    // The same key now opens an empty, new store: nothing of the old one.
    let store = Store::open(dir.path(), &KEY).unwrap();
    assert!(store.package().unwrap().is_none());
    assert!(store.captures().unwrap().is_empty());
}

#[test]
fn wipe_dir_works_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    drop(store_with_package(dir.path()));
    std::fs::write(dir.path().join("unrelated.txt"), b"keep me").unwrap();
    assert!(matches!(Store::open(dir.path(), b"another key, also 32 bytes long!"), Err(Error::WrongKey)));
    Store::wipe_dir(dir.path()).unwrap();
    let left: Vec<_> = snapshot_files(dir.path()).into_keys().collect();
    assert_eq!(left, vec!["unrelated.txt".to_string()]);
}
