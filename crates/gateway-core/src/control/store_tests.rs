use pollster::block_on;

use super::*;
use crate::control::test_sqlite::Sqlite;

const PEPPER: &[u8] = b"pepper";

fn store() -> SqlControlStore<Sqlite> {
    SqlControlStore::new(Sqlite::open())
}

#[test]
fn gateways_through_the_trait() {
    block_on(async {
        let store = store();
        let g = GatewaySettings::create(br#"{"id":"prod","collect_logs":false}"#, 1).unwrap();
        store.create_gateway(&g).await.unwrap();
        assert_eq!(store.create_gateway(&g).await.unwrap_err().status(), 409);
        assert_eq!(store.get_gateway("prod").await.unwrap(), Some(g.clone()));
        assert_eq!(store.get_gateway("other").await.unwrap(), None);

        let changed = g.update(br#"{"authentication":true}"#, 2).unwrap();
        store.update_gateway(&changed).await.unwrap();
        assert_eq!(store.list_gateways().await.unwrap(), vec![changed]);

        store.delete_gateway("prod").await.unwrap();
        let err = store.delete_gateway("prod").await.unwrap_err();
        assert_eq!(err.status(), 404);
        assert!(err.message().contains("\"prod\""), "{}", err.message());
        assert_eq!(store.update_gateway(&g).await.unwrap_err().status(), 404);
        assert!(store.list_gateways().await.unwrap().is_empty());
    });
}

#[test]
fn keys_through_the_trait_from_creation_to_revocation() {
    block_on(async {
        let store = store();
        let issued =
            VirtualKey::create(br#"{"name":"app","models":["openai/*"]}"#, &[1; 8], &[2; 32], PEPPER, 10).unwrap();
        store.create_key(&issued.key, &issued.hash).await.unwrap();
        assert_eq!(store.create_key(&issued.key, &issued.hash).await.unwrap_err().status(), 409);

        // What a request does: hash what the client sent, find the key, check it.
        let presented = KeyHash::of(issued.plaintext.expose(), PEPPER);
        let found = store.find_key(&presented).await.unwrap().unwrap();
        assert_eq!(found, issued.key);
        assert!(found.check_usable(11).is_ok());
        assert_eq!(store.find_key(&KeyHash::of("aig_wrong", PEPPER)).await.unwrap(), None);

        let rotated = found.rotate(&[3; 32], PEPPER, 20);
        store.update_key(&rotated.key, Some(&rotated.hash)).await.unwrap();
        assert_eq!(store.find_key(&presented).await.unwrap(), None);
        let after = KeyHash::of(rotated.plaintext.expose(), PEPPER);
        assert_eq!(store.find_key(&after).await.unwrap().unwrap().id, issued.key.id);

        store.update_key(&rotated.key.revoke(30), None).await.unwrap();
        let revoked = store.find_key(&after).await.unwrap().unwrap();
        assert_eq!(revoked.check_usable(31).unwrap_err().status(), 401);
        assert_eq!(store.get_key(&issued.key.id).await.unwrap(), Some(revoked.clone()));
        assert_eq!(store.list_keys().await.unwrap(), vec![revoked]);
        assert_eq!(store.get_key("vk_none").await.unwrap(), None);
    });
}

#[test]
fn a_change_racing_a_revocation_is_a_conflict_and_the_key_stays_revoked() {
    block_on(async {
        let store = store();
        let issued = VirtualKey::create(br#"{"name":"a"}"#, &[1; 8], &[2; 32], PEPPER, 1).unwrap();
        store.create_key(&issued.key, &issued.hash).await.unwrap();
        let read_before = store.get_key(&issued.key.id).await.unwrap().unwrap();
        store.update_key(&read_before.revoke(2), None).await.unwrap();

        let stale = read_before.rotate(&[3; 32], PEPPER, 3);
        let err = store.update_key(&stale.key, Some(&stale.hash)).await.unwrap_err();
        assert_eq!(err.status(), 409, "{}", err.message());
        assert!(store.get_key(&issued.key.id).await.unwrap().unwrap().revoked);
        assert_eq!(store.find_key(&stale.hash).await.unwrap(), None);
        let missing = store.update_key(&VirtualKey { id: "vk_none".into(), ..stale.key }, None).await.unwrap_err();
        assert_eq!(missing.status(), 404);
    });
}

#[test]
fn each_operation_is_one_statement() {
    block_on(async {
        let store = store();
        let issued = VirtualKey::create(br#"{"name":"a"}"#, &[1; 8], &[2; 32], PEPPER, 1).unwrap();
        store.create_key(&issued.key, &issued.hash).await.unwrap();
        store.find_key(&issued.hash).await.unwrap();
        assert_eq!(*store.runner().statements_run.borrow(), 2);
    });
}
