use super::*;
use crate::logs::test_db::sample_entries;

#[test]
fn data_point_layout() {
    let mut e = sample_entries(1, 51).remove(0);
    e.status = 429;
    e.cost = None;
    e.ttfb_ms = Some(40);
    e.virtual_key_id = Some("vk9".into());
    let p = data_point(&e);
    assert_eq!(p.indexes, vec!["gw".to_string()]);
    assert_eq!(
        p.blobs,
        vec![
            e.provider.clone(),
            e.model.clone(),
            "4xx".into(),
            crate::logs::entry::cache_status_text(e.cache_status).into(),
            "vk9".into()
        ]
    );
    assert_eq!(p.doubles, vec![e.tokens_in as f64, e.tokens_out as f64, 0.0, e.duration_ms as f64, 40.0, 0.0, 1.0]);
    e.cost = Some(0.25);
    e.ttfb_ms = None;
    let p = data_point(&e);
    assert_eq!((p.doubles[2], p.doubles[4], p.doubles[5], p.doubles[6]), (0.25, 0.0, 1.0, 0.0));
    assert!(p.doubles.iter().all(|d| d.is_finite()));
}

#[test]
fn long_gateway_index_is_cut_to_96_bytes() {
    let mut e = sample_entries(1, 52).remove(0);
    e.gateway = "é".repeat(60);
    let p = data_point(&e);
    assert!(p.indexes[0].len() <= MAX_INDEX_BYTES);
    assert_eq!(p.indexes[0], "é".repeat(48));
    assert_eq!(
        serde_json::to_value(&p).unwrap()["blobs"][2],
        "2xx".to_string().replace('2', &(e.status / 100).to_string())
    );
}
