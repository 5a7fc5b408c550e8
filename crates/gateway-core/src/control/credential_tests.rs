use super::*;
use crate::control::secret::PlaintextKey;

fn vk(seed: u8) -> String {
    PlaintextKey::from_random(&[seed; 32]).expose().to_string()
}

fn headers(pairs: &[(&str, String)]) -> Headers {
    pairs.iter().map(|(n, v)| (*n, v.clone())).collect()
}

#[test]
fn a_virtual_key_is_found_in_every_header_clients_use() {
    let key = vk(1);
    for (name, value) in [
        ("cf-aig-authorization", format!("Bearer {key}")),
        ("Authorization", format!("Bearer {key}")),
        ("authorization", format!("bearer {key}")),
        ("x-api-key", key.clone()),
        ("api-key", key.clone()),
        ("x-goog-api-key", key.clone()),
        ("xi-api-key", key.clone()),
    ] {
        let found = find_virtual_key(&headers(&[(name, value)]), "xi-api-key").unwrap().unwrap();
        assert_eq!(found.secret, key, "{name}");
        assert_eq!(found.header, name.to_ascii_lowercase(), "{name}");
    }
}

#[test]
fn provider_keys_and_the_gateway_token_are_not_virtual_keys() {
    let h = headers(&[
        ("authorization", "Bearer sk-proj-abc".to_string()),
        ("cf-aig-authorization", "Bearer gateway-token".to_string()),
        ("x-api-key", "aig_short".to_string()),
    ]);
    assert_eq!(find_virtual_key(&h, "authorization").unwrap(), None);
}

#[test]
fn the_gateway_header_wins_and_the_sdk_header_may_still_carry_a_provider_key() {
    let key = vk(2);
    let h =
        headers(&[("authorization", "Bearer sk-real".to_string()), ("cf-aig-authorization", format!("Bearer {key}"))]);
    let found = find_virtual_key(&h, "authorization").unwrap().unwrap();
    assert_eq!((found.header, found.secret.as_str()), ("cf-aig-authorization", key.as_str()));
    let same_twice =
        headers(&[("authorization", format!("Bearer {key}")), ("cf-aig-authorization", format!("Bearer {key}"))]);
    assert_eq!(find_virtual_key(&same_twice, "authorization").unwrap().unwrap().header, "cf-aig-authorization");
}

#[test]
fn two_different_virtual_keys_are_a_400_that_does_not_echo_them() {
    let (a, b) = (vk(3), vk(4));
    let h = headers(&[("x-api-key", a.clone()), ("cf-aig-authorization", format!("Bearer {b}"))]);
    let err = find_virtual_key(&h, "x-api-key").unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(!err.message().contains(&a[4..]) && !err.message().contains(&b[4..]), "{}", err.message());
}

#[test]
fn debug_does_not_show_the_secret() {
    let key = vk(5);
    let found = find_virtual_key(&headers(&[("x-api-key", key.clone())]), "x-api-key").unwrap().unwrap();
    assert!(!format!("{found:?}").contains(&key[4..]));
}
