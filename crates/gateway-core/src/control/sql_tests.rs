use serde_json::Value;

use super::*;
use crate::control::keys::Issued;
use crate::control::test_sqlite::Sqlite;

const PEPPER: &[u8] = b"pepper";

fn gateway(id: &str, now: i64) -> GatewaySettings {
    GatewaySettings::create(format!(r#"{{"id":"{id}","cache_ttl":600}}"#).as_bytes(), now).unwrap()
}

fn issue(seed: u8, name: &str, now: i64) -> Issued {
    VirtualKey::create(format!(r#"{{"name":"{name}"}}"#).as_bytes(), &[seed; 8], &[seed; 32], PEPPER, now).unwrap()
}

#[test]
fn gateway_statements_insert_update_get_list_and_delete() {
    let db = Sqlite::open();
    assert_eq!(db.query(&insert_gateway(&gateway("b", 1)).unwrap()).len(), 1);
    assert_eq!(db.query(&insert_gateway(&gateway("a", 2)).unwrap()).len(), 1);
    // A second insert of the same id writes nothing and says so with no row.
    assert!(db.query(&insert_gateway(&gateway("a", 3)).unwrap()).is_empty());
    let stored: GatewaySettings = decode(&db.query(&get_gateway("a"))[0], "settings").unwrap();
    assert_eq!(stored, gateway("a", 2));

    let changed = stored.update(br#"{"byok_only":true}"#, 5).unwrap();
    assert_eq!(db.query(&update_gateway(&changed).unwrap()).len(), 1);
    let listed: Vec<GatewaySettings> =
        db.query(&list_gateways()).iter().map(|r| decode(r, "settings").unwrap()).collect();
    assert_eq!(listed, vec![changed, gateway("b", 1)]);

    assert_eq!(db.query(&delete_gateway("a")).len(), 1);
    assert!(db.query(&delete_gateway("a")).is_empty());
    assert!(db.query(&update_gateway(&gateway("a", 9)).unwrap()).is_empty());
    assert!(db.query(&get_gateway("a")).is_empty());
}

#[test]
fn key_statements_find_by_hash_and_rotation_replaces_the_hash() {
    let db = Sqlite::open();
    let first = issue(1, "one", 10);
    assert_eq!(db.query(&insert_key(&first.key, &first.hash).unwrap()).len(), 1);
    let found: VirtualKey = decode(&db.query(&find_key(&first.hash))[0], "record").unwrap();
    assert_eq!(found, first.key);

    // An update without a hash keeps the secret working.
    let revoked = first.key.revoke(11);
    assert_eq!(db.query(&update_key(&revoked, None).unwrap()).len(), 1);
    let found: VirtualKey = decode(&db.query(&find_key(&first.hash))[0], "record").unwrap();
    assert!(found.revoked);

    let rotated = revoked.rotate(&[7; 32], PEPPER, 12);
    assert_eq!(db.query(&update_key(&rotated.key, Some(&rotated.hash)).unwrap()).len(), 1);
    assert!(db.query(&find_key(&first.hash)).is_empty());
    assert_eq!(db.query(&find_key(&rotated.hash)).len(), 1);
}

#[test]
fn a_write_read_before_a_revocation_cannot_undo_it() {
    let db = Sqlite::open();
    let first = issue(1, "one", 10);
    db.query(&insert_key(&first.key, &first.hash).unwrap());
    // A rotation read the key, then a revocation was written, then the rotation writes.
    assert_eq!(db.query(&update_key(&first.key.revoke(11), None).unwrap()).len(), 1);
    let stale = first.key.rotate(&[7; 32], PEPPER, 12);
    assert!(db.query(&update_key(&stale.key, Some(&stale.hash)).unwrap()).is_empty());
    assert!(db.query(&find_key(&stale.hash)).is_empty());
    let kept: VirtualKey = decode(&db.query(&find_key(&first.hash))[0], "record").unwrap();
    assert!(kept.revoked);
}

#[test]
fn key_ids_and_hashes_are_unique() {
    let db = Sqlite::open();
    let a = issue(1, "a", 1);
    assert_eq!(db.query(&insert_key(&a.key, &a.hash).unwrap()).len(), 1);
    let same_id = issue(1, "again", 2);
    let other = issue(2, "b", 3);
    assert!(db.query(&insert_key(&same_id.key, &other.hash).unwrap()).is_empty());
    assert!(db.query(&insert_key(&other.key, &a.hash).unwrap()).is_empty());
    assert_eq!(db.query(&insert_key(&other.key, &other.hash).unwrap()).len(), 1);
    let ids: Vec<String> =
        db.query(&list_keys()).iter().map(|r| decode::<VirtualKey>(r, "record").unwrap().id).collect();
    assert_eq!(ids, vec![a.key.id.clone(), other.key.id.clone()]);
    assert!(db.query(&update_key(&issue(3, "never stored", 4).key, None).unwrap()).is_empty());
}

#[test]
fn no_row_holds_the_plaintext_and_the_record_column_holds_no_hash() {
    let db = Sqlite::open();
    let issued = issue(5, "secretive", 1);
    db.query(&insert_key(&issued.key, &issued.hash).unwrap());
    let rows = db.query(&("SELECT * FROM virtual_keys".to_string(), Vec::new()));
    let dump = serde_json::to_string(&rows).unwrap();
    assert!(!dump.contains(&issued.plaintext.expose()[4..]), "{dump}");
    let Value::String(record) = &rows[0]["record"] else { panic!("no record column") };
    assert!(!record.contains(&issued.hash.to_hex()), "{record}");
    assert_eq!(rows[0]["key_hash"], issued.hash.to_hex());
}

#[test]
fn rows_that_do_not_decode_are_500s() {
    let mut row = Row::new();
    assert_eq!(decode::<VirtualKey>(&row, "record").unwrap_err().status(), 500);
    row.insert("record".into(), Value::from("{\"id\":1}"));
    assert_eq!(decode::<VirtualKey>(&row, "record").unwrap_err().status(), 500);
}

#[test]
fn records_written_by_a_newer_version_still_decode() {
    let issued = issue(6, "future", 1);
    let mut json: Value = serde_json::to_value(&issued.key).unwrap();
    json["limits"] = serde_json::json!({"rpm": 10});
    json["defaults"]["new_default"] = Value::from(true);
    let mut row = Row::new();
    row.insert("record".into(), Value::from(json.to_string()));
    assert_eq!(decode::<VirtualKey>(&row, "record").unwrap(), issued.key);
}
