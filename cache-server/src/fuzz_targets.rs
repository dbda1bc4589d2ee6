//! Fuzz targets: the server's request parsing — how a request is
//! classified for authorization, its query parameters, byte ranges and repository names — fed
//! arbitrary input by proptest: an answer, never a panic, and a range inside the blob.
//! `RBUILD_PROPTEST_CASES` sets the number of cases; `bench/fuzz.sh` runs them longer.

use axum::http::Method;
use proptest::prelude::*;

use crate::auth::classify::classify;
use crate::query::QueryParams;
use crate::registry::blobs::parse_range;
use crate::registry::name;

fn cases() -> u32 {
    std::env::var("RBUILD_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Paths dense in what the classifier splits on and decodes.
fn pathish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(vec![
            "v2", "blobs", "uploads", "manifests", "tags", "list", "referrers", "a", "b",
            "sha256:ab", "%2F", "%2f", "%", "%zz", "..", ".", "", "_catalog", "%6Funt",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| format!("/{}", p.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn classify_answers_any_request(
        method in prop::sample::select(vec![Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE]),
        path in pathish(),
        query in proptest::option::of("[a-z%0-9=&+:/._-]{0,60}"),
    ) {
        let _ = classify(&method, &path, query.as_deref());
    }

    #[test]
    fn query_params_never_panic(query in any::<String>(), name in "[a-z%0-9]{0,8}") {
        let _ = QueryParams::parse(Some(&query)).unique(&name);
    }

    #[test]
    fn a_range_is_inside_the_blob_or_refused(
        spec in "(bytes=)?[0-9,-]{0,12}|[ -~]{0,20}",
        size in 0u64..10_000,
    ) {
        if let Ok(Some(r)) = parse_range(&spec, size) {
            prop_assert!(r.start < r.end && r.end <= size, "{spec} of {size}: {r:?}");
        }
    }

    #[test]
    fn repository_names_never_panic(text in any::<String>()) {
        let _ = name::validate(&text);
    }
}
