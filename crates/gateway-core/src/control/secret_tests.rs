use super::*;

const PEPPER: &[u8] = b"deployment pepper";

fn random(seed: u8) -> [u8; SECRET_BYTES] {
    std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 7))
}

#[test]
fn a_secret_is_the_prefix_and_all_of_its_random_bytes_in_hex() {
    let key = PlaintextKey::from_random(&random(1));
    let text = key.expose();
    assert!(text.starts_with("aig_"), "{text}");
    assert_eq!(text.len(), 4 + 64);
    assert!(looks_like_virtual_key(text));
    // Every random byte shows: changing any one changes the secret.
    for i in 0..SECRET_BYTES {
        let mut bytes = random(1);
        bytes[i] ^= 1;
        assert_ne!(PlaintextKey::from_random(&bytes).expose(), text, "byte {i}");
    }
}

#[test]
fn the_plaintext_does_not_show_in_debug_output() {
    let key = PlaintextKey::from_random(&random(2));
    let debug = format!("{key:?} {:#?}", key);
    assert!(!debug.contains(&key.expose()[4..]), "{debug}");
    assert!(!debug.contains(&key.expose()[4..12]), "{debug}");
}

#[test]
fn only_the_right_secret_with_the_right_pepper_verifies() {
    let key = PlaintextKey::from_random(&random(3));
    let hash = KeyHash::of(key.expose(), PEPPER);
    assert!(hash.verify(key.expose(), PEPPER));
    assert!(!hash.verify(key.expose(), b"another pepper"));
    let other = PlaintextKey::from_random(&random(4));
    assert!(!hash.verify(other.expose(), PEPPER));
    let mut last_changed = key.expose().to_string();
    last_changed.pop();
    last_changed.push('x');
    assert!(!hash.verify(&last_changed, PEPPER));
    assert!(!hash.verify("", PEPPER));
}

#[test]
fn pepper_and_secret_cannot_trade_bytes() {
    // Without the length prefix these two would hash the same bytes.
    assert_ne!(KeyHash::of("bsecret", b"a"), KeyHash::of("secret", b"ab"));
}

#[test]
fn the_hash_is_not_the_secret_and_round_trips_through_hex() {
    let key = PlaintextKey::from_random(&random(5));
    let hash = KeyHash::of(key.expose(), PEPPER);
    let hex = hash.to_hex();
    assert_eq!(hex.len(), 64);
    assert!(!hex.contains(&key.expose()[4..20]));
    assert_eq!(KeyHash::from_hex(&hex), Some(hash));
    assert_eq!(serde_json::to_string(&hash).unwrap(), format!("\"{hex}\""));
    assert_eq!(serde_json::from_str::<KeyHash>(&format!("\"{hex}\"")).unwrap(), hash);
    for bad in ["", "zz", &hex[..62], &format!("{}g", &hex[..63])] {
        assert_eq!(KeyHash::from_hex(bad), None, "{bad:?}");
    }
}

#[test]
fn only_prefixed_hex_of_the_right_length_looks_like_a_virtual_key() {
    let good = PlaintextKey::from_random(&random(6));
    assert!(looks_like_virtual_key(good.expose()));
    let upper = good.expose().to_uppercase().replacen("AIG_", "aig_", 1);
    for bad in ["sk-abc", "aig_", &good.expose()[..60], &format!("{}0", good.expose()), &upper] {
        assert!(!looks_like_virtual_key(bad), "{bad:?}");
    }
}
