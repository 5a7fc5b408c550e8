use super::*;

#[test]
fn admin_paths_are_recognised() {
    assert!(is_admin_path("/api/logs"));
    assert!(is_admin_path("/api"));
    assert!(!is_admin_path("/v1/a/g/openai/chat/completions"));
    assert!(!is_admin_path("/apis"));
}

#[test]
fn each_path_finds_its_handler() {
    for (method, path) in [("GET", "/api/logs"), ("PATCH", "/api/logs/01J"), ("GET", "/api/stats")] {
        assert_eq!(AdminRoute::find(method, path), Ok(AdminRoute::Logs), "{method} {path}");
    }
    for (method, path) in [("GET", "/api/gateways"), ("DELETE", "/api/gateways/g"), ("POST", "/api/keys/k/rotate")] {
        assert_eq!(AdminRoute::find(method, path), Ok(AdminRoute::Control), "{method} {path}");
    }
    assert_eq!(
        AdminRoute::find("POST", "/api/gateways/my-gw_1/cache/purge"),
        Ok(AdminRoute::CachePurge { gateway_id: "my-gw_1" })
    );
}

#[test]
fn a_path_no_handler_takes_is_404_naming_it() {
    for path in ["/api", "/api/", "/api/unknown", "/api/logsx", "/api/statistics", "/api/gatewaysx"] {
        let err = AdminRoute::find("GET", path).unwrap_err();
        assert_eq!(err.status(), 404, "{path}");
        assert_eq!(err.message(), format!("no admin route for GET {path}"));
    }
}

#[test]
fn a_purge_takes_only_post() {
    for method in ["GET", "PUT", "DELETE", "PATCH", "post"] {
        let err = AdminRoute::find(method, "/api/gateways/gw/cache/purge").unwrap_err();
        assert_eq!(err.status(), 405, "{method}");
    }
}

#[test]
fn a_purge_path_needs_a_valid_gateway_id() {
    for (path, id) in [
        ("/api/gateways/gw/cache/purge", Some("gw")),
        ("/api/gateways/A-z_09/cache/purge", Some("A-z_09")),
        ("/api/gateways//cache/purge", None),
        ("/api/gateways/a/b/cache/purge", None),
        ("/api/gateways/a.b/cache/purge", None),
        ("/api/gateways/a%2Fb/cache/purge", None),
        ("/api/gateways/gw/cache/purge/", None),
        ("/api/gateways/gw/cache", None),
        ("/api/logs/gw/cache/purge", None),
    ] {
        assert_eq!(purge_gateway(path), id, "{path}");
    }
    // Not a purge: the control API answers it (and refuses the id), so a bad id is never a 405.
    assert_eq!(AdminRoute::find("GET", "/api/gateways/a.b/cache/purge"), Ok(AdminRoute::Control));
}
