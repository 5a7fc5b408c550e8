//! Property tests of `GATEWAY_TOKEN` checks: any `cf-aig-authorization` or `Authorization` value
//! is a caller or a 401, and the gateway token sent as an API key never becomes the key sent to a
//! provider.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::provider::PROVIDERS;
use crate::strategies::{assert_client_error, config, text};

fn token() -> impl Strategy<Value = String> {
    "[!-~]{1,24}"
}

fn sent(token: String) -> impl Strategy<Value = String> {
    prop_oneof![Just(format!("Bearer {token}")), Just(format!("bearer  {token} ")), Just(token), text(),]
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_credentials_are_a_caller_or_a_401(
        (token, gateway, authorization) in token().prop_flat_map(|t| {
            (Just(t.clone()), proptest::option::of(sent(t.clone())), proptest::option::of(sent(t)))
        }),
    ) {
        let mut headers = Headers::new();
        if let Some(v) = &gateway {
            headers.append(GATEWAY_AUTH_HEADER, v.clone());
        }
        if let Some(v) = &authorization {
            headers.append("authorization", v.clone());
        }
        let proves = |v: &Option<String>| v.as_deref().is_some_and(|v| bearer(v) == token);
        match authenticate(&headers, Some(&token)) {
            Ok(Caller::TokenHeader) => prop_assert!(proves(&gateway)),
            Ok(Caller::TokenAsApiKey) => prop_assert!(proves(&authorization) && !proves(&gateway)),
            Ok(Caller::Anonymous | Caller::VirtualKey { .. }) => {
                prop_assert!(false, "a configured token admits no anonymous caller, and a token is no virtual key")
            }
            Err(e) => {
                assert_client_error(&e)?;
                prop_assert!(!proves(&gateway) && !proves(&authorization));
            }
        }
    }

    #[test]
    fn the_gateway_token_is_never_a_provider_key(token in token(), provider in select(PROVIDERS)) {
        let headers: Headers = [("authorization", format!("Bearer {token}"))].into_iter().collect();
        let caller = authenticate(&headers, Some(&token)).unwrap();
        prop_assert_eq!(caller, Caller::TokenAsApiKey);
        prop_assert_eq!(client_key(&headers, &provider, caller), None);
    }
}
