//! Unit tests of `plugin`.

use super::*;

#[derive(Debug, Default, PartialEq)]
struct Counter(u32);

#[test]
fn extensions_hold_one_typed_value_per_type() {
    let mut ext = Extensions::default();
    assert!(ext.get::<Counter>().is_none());
    ext.get_or_default::<Counter>().0 += 2;
    ext.get_or_default::<Counter>().0 += 1;
    assert_eq!(ext.get::<Counter>(), Some(&Counter(3)));
    assert_eq!(ext.insert(Counter(9)), Some(Counter(3)));
    ext.insert("label");
    assert_eq!(ext.get::<&str>(), Some(&"label"));
    ext.get_mut::<Counter>().unwrap().0 = 1;
    assert_eq!(ext.get::<Counter>(), Some(&Counter(1)));
}
