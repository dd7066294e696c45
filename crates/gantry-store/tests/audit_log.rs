//! The audit log is append-only and tamper-evident (SPEC §11): each row's
//! hash covers the previous one, so editing any row breaks the chain.
#![allow(clippy::unwrap_used)]

use gantry_store::Store;

#[test]
fn the_hash_chain_verifies_and_detects_an_edited_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut store = Store::open(&path).unwrap();
    for (event, n) in [("ingest", 3), ("audit", 7), ("export", 3)] {
        store
            .append_event(event, &serde_json::json!({ "count": n }))
            .unwrap();
    }
    assert_eq!(store.verify_audit_log().unwrap(), None);
    drop(store);

    // Someone edits the second event's details behind Gantry's back.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE audit_log SET details = '{\"count\":0}' WHERE id = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.verify_audit_log().unwrap(), Some(2));
}

#[test]
fn a_session_from_a_newer_gantry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let error = Store::open(&path).unwrap_err().to_string();
    assert!(
        error.contains("has schema version 99, newer than this build's 6"),
        "{error}"
    );
}

#[test]
fn the_session_secret_is_drawn_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    let first = store.secret_or_insert("session-key", &[1; 32]).unwrap();
    let second = store.secret_or_insert("session-key", &[2; 32]).unwrap();
    assert_eq!(first, vec![1; 32]);
    assert_eq!(second, first);
}
