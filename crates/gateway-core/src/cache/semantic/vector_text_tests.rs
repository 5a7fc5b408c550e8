//! Unit tests of `cache::semantic::vector_text`.

use super::*;

#[test]
fn vectors_round_trip() {
    for vector in [vec![], vec![1.0f32], vec![0.6, -0.8], vec![f32::MIN_POSITIVE, 1e-30, -0.0, 3.25], vec![0.1; 384]] {
        let text = encode(&vector);
        assert_eq!(text.len(), (vector.len() * 4).div_ceil(3) * 4);
        let back = decode(&text).unwrap();
        assert_eq!(
            back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            vector.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_encoding_is_base64_of_the_little_endian_bytes() {
    // 1.0f32 is 00 00 80 3f.
    assert_eq!(encode(&[1.0]), "AACAPw==");
    assert_eq!(decode("AACAPw=="), Some(vec![1.0]));
}

#[test]
fn other_text_is_refused() {
    for bad in ["AACAPw=", "AACAP!==", "AA==AACA", "AAA=", "A===", "AACAPw==AACAPw=="] {
        assert_eq!(decode(bad), None, "{bad}");
    }
}
