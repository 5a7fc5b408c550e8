//! Property tests of the admin API's door: only the configured token, sent as a bearer, opens it.

use proptest::prelude::*;

use super::*;
use crate::strategies::{config, text};

fn with_authorization(value: &str) -> Headers {
    [("authorization", value)].into_iter().collect()
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn the_configured_token_opens_and_nothing_else_does(token in "[!-~]{1,32}", other in text(), sent in text()) {
        let bearer = format!("Bearer {token}");
        prop_assert!(authorize(&with_authorization(&bearer), Some(&token)).is_ok());
        if other.trim() != token {
            let err = authorize(&with_authorization(&format!("Bearer {other}")), Some(&token)).unwrap_err();
            prop_assert_eq!(err.status(), 401);
        }
        // Without a bearer scheme, or without a configured token, nothing opens.
        if !sent.trim().starts_with("Bearer ") && !sent.trim().starts_with("bearer ") {
            prop_assert!(authorize(&with_authorization(&sent), Some(&token)).is_err());
        }
        prop_assert!(authorize(&with_authorization(&bearer), None).is_err());
    }
}
