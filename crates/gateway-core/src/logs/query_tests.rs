use super::*;

#[test]
fn parses_every_filter() {
    let q = ListQuery::parse(
        "from=1000&to=2000&gateway=team-a&provider=openai&model=gpt-4o%2Dmini&status=4xx&success=false\
         &cache_status=hit&virtual_key=vk1&feedback=-1&metadata.user=alice&metadata.tier=3&q=hello+world&limit=10&order=asc&format=csv",
    )
    .unwrap();
    let f = &q.filter;
    assert_eq!((f.from_ms, f.to_ms), (Some(1000), Some(2000)));
    assert_eq!(f.gateway.as_deref(), Some("team-a"));
    assert_eq!(f.provider.as_deref(), Some("openai"));
    assert_eq!(f.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(f.status, Some(StatusFilter::Class(4)));
    assert_eq!(f.success, Some(false));
    assert_eq!(f.cache_status, Some(Some(CacheStatus::Hit)));
    assert_eq!(f.virtual_key.as_deref(), Some("vk1"));
    assert_eq!(f.feedback, Some(-1));
    assert_eq!(f.metadata, vec![("user".into(), "alice".into()), ("tier".into(), "3".into())]);
    assert_eq!(f.q.as_deref(), Some("hello world"));
    assert_eq!((q.limit, q.order, q.bodies), (10, Order::Asc, false));
}

#[test]
fn defaults() {
    let q = ListQuery::parse("").unwrap();
    assert!(q.filter.is_empty());
    assert_eq!((q.limit, q.order, q.cursor), (50, Order::Desc, None));
    assert_eq!(ListQuery::parse("status=404").unwrap().filter.status, Some(StatusFilter::Exact(404)));
}

#[test]
fn invalid_values_name_the_parameter() {
    let cases = [
        ("from=yesterday", "from"),
        ("to=1.5", "to"),
        ("from=10&to=5", "from"),
        ("status=2x", "status"),
        ("status=700", "status"),
        ("success=yes", "success"),
        ("cache_status=warm", "cache_status"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=101&bodies=true", "limit"),
        ("cursor=abc", "cursor"),
        ("order=up", "order"),
        ("provider=a&provider=b", "provider"),
        ("provider=", "provider"),
        ("gateway=", "gateway"),
        ("feedback=0", "feedback"),
        ("feedback=up", "feedback"),
        ("feedback=1&feedback=-1", "feedback"),
        ("metadata.=x", "metadata."),
        ("metadata.a\"b=x", "metadata.a\"b"),
        ("colour=red", "colour"),
    ];
    for (query, name) in cases {
        let err = ListQuery::parse(query).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains(name), "{query}: {}", err.message());
    }
    let long_q = format!("q={}", "a".repeat(MAX_SEARCH_CHARS + 1));
    assert!(ListQuery::parse(&long_q).unwrap_err().message().contains('q'));
}

#[test]
fn metadata_filters_stop_at_five_so_every_query_fits_a_durable_objects_100_bindings() {
    // Found by `props::any_number_of_metadata_filters_fits_the_binding_limit`: 32 filters made a
    // list query of 102 bindings, which a Durable Object refuses (a 500 instead of a 400).
    let keys = |n: usize| (0..n).map(|i| format!("metadata.k{i}=1")).collect::<Vec<_>>().join("&");
    let every = "from=1&to=2&provider=p&model=m&status=4xx&success=true&cache_status=HIT&virtual_key=v&q=x";
    let cursor = Cursor { created_at_ms: 1, id: "01ARYZ6S410000000000000000".into() }.encode();
    let q = ListQuery::parse(&format!("{every}&{}&cursor={cursor}", keys(MAX_METADATA_ENTRIES))).unwrap();
    assert!(crate::logs::sql::list_statement(&q).1.len() <= 100);
    let err = ListQuery::parse(&keys(MAX_METADATA_ENTRIES + 1)).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.message().contains("metadata.k5"), "{}", err.message());
}

#[test]
fn delete_filter_rejects_list_only_parameters() {
    assert!(LogFilter::parse("provider=openai").is_ok());
    assert!(LogFilter::parse("limit=5").unwrap_err().message().contains("limit"));
}

#[test]
fn cursor_round_trips() {
    let c = Cursor { created_at_ms: 1_700_000_000_000, id: "01ARYZ6S410000000000000000".into() };
    assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    assert!(Cursor::decode("v1.zz.01ARYZ6S410000000000000000").is_err());
    assert!(Cursor::decode("v2.1.01ARYZ6S410000000000000000").is_err());
}

#[test]
fn percent_decoding() {
    let pairs = parse_pairs("?a=%41%2b&b=x%2&c").unwrap();
    assert_eq!(pairs, vec![("a".into(), "A+".into()), ("b".into(), "x%2".into()), ("c".into(), "".into())]);
    assert!(parse_pairs("a=%ff").is_err());
}

#[test]
fn a_percent_sign_without_two_hex_digits_stays_a_percent_sign() {
    // Found by `props::pairs_decode_as_a_server_would`: `%+1` decoded to U+0001.
    let pairs = parse_pairs("a=%+1&b=%-1&c=%+f+").unwrap();
    assert_eq!(pairs, vec![("a".into(), "% 1".into()), ("b".into(), "%-1".into()), ("c".into(), "% f ".into())]);
}

#[test]
fn cache_status_none_selects_requests_that_did_not_use_the_cache() {
    assert_eq!(LogFilter::parse("cache_status=none").unwrap().cache_status, Some(None));
    assert_eq!(LogFilter::parse("cache_status=BYPASS").unwrap().cache_status, Some(Some(CacheStatus::Bypass)));
}
