//! Metrics over real HTTP: the metrics layer on a small axum router on 127.0.0.1:0, driven with
//! reqwest, and `/metrics` parsed back.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::{get, post};
use rbuild_cache_server::meta::Meta;
use rbuild_cache_server::metrics::{self, Metrics};

/// Serves `echo` (returns the request body), `data/{n}` (n bytes) and `/metrics`, all behind
/// the metrics layer.
async fn serve(metrics: Arc<Metrics>, meta: Arc<Meta>) -> SocketAddr {
    let app = Router::new()
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/data/{n}",
            get(|Path(n): Path<usize>| async move { vec![b'x'; n] }),
        )
        .merge(metrics::router(metrics.clone(), meta))
        .layer(metrics::layer(metrics));
    crate::support::serve(app).await
}

/// Parses the Prometheus text format: `name{labels}` -> value, checking that every sample has
/// `# HELP` and `# TYPE` lines before it.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut documented = std::collections::HashSet::new();
    let mut typed = std::collections::HashSet::new();
    let mut samples = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            documented.insert(rest.split(' ').next().unwrap().to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap();
            assert!(matches!(parts.next(), Some("counter" | "gauge")), "{line}");
            typed.insert(name.to_string());
        } else {
            let (key, value) = line.rsplit_once(' ').unwrap();
            let name = key.split('{').next().unwrap();
            assert!(documented.contains(name) && typed.contains(name), "{line}");
            samples.insert(key.to_string(), value.parse().unwrap());
        }
    }
    samples
}

async fn scrape(client: &reqwest::Client, addr: SocketAddr) -> (String, HashMap<String, f64>) {
    let response = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        metrics::CONTENT_TYPE,
        "Prometheus text format"
    );
    let text = response.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

fn requests(samples: &HashMap<String, f64>, method: &str, class: &str) -> f64 {
    samples[&format!("rbuild_cache_http_requests_total{{method=\"{method}\",class=\"{class}\"}}")]
}

#[tokio::test]
async fn metrics_count_requests_and_body_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Arc::new(Meta::open(dir.path()).unwrap());
    let blob = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    for i in 0..4 {
        meta.link_blob(&format!("p/branch-{i}"), blob, 1000)
            .unwrap();
    }
    let metrics = Arc::new(Metrics::new());
    let addr = serve(metrics.clone(), meta).await;
    let client = reqwest::Client::new();

    let mut sent = 0u64;
    let mut received = 0u64;
    for body in [vec![1u8; 1000], vec![2u8; 2345], Vec::new()] {
        sent += body.len() as u64;
        let response = client
            .post(format!("http://{addr}/echo"))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let echoed = response.bytes().await.unwrap();
        assert_eq!(echoed, body);
        received += echoed.len() as u64;
    }
    // A streamed (chunked) request body counts as it arrives.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..3).map(|i| Ok(vec![i; 4096])).collect();
    let response = client
        .post(format!("http://{addr}/echo"))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    sent += 3 * 4096;
    received += response.bytes().await.unwrap().len() as u64;
    // Two downloads, a miss, and a method the route does not allow.
    for (method, path, status) in [
        (reqwest::Method::GET, "/data/5000", 200),
        (reqwest::Method::GET, "/data/5000", 200),
        (reqwest::Method::GET, "/nothing-here", 404),
        (reqwest::Method::DELETE, "/echo", 405),
    ] {
        let response = client
            .request(method, format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        received += response.bytes().await.unwrap().len() as u64;
    }
    assert_eq!(received, 3345 + 3 * 4096 + 10_000);

    let (first, samples) = scrape(&client, addr).await;
    assert_eq!(requests(&samples, "POST", "2xx"), 4.0);
    assert_eq!(requests(&samples, "GET", "2xx"), 2.0);
    assert_eq!(requests(&samples, "GET", "4xx"), 1.0);
    assert_eq!(requests(&samples, "DELETE", "4xx"), 1.0);
    assert_eq!(requests(&samples, "PUT", "2xx"), 0.0);
    assert_eq!(
        samples["rbuild_cache_http_request_bytes_total"],
        sent as f64
    );
    assert_eq!(
        samples["rbuild_cache_http_response_bytes_total"],
        received as f64
    );
    // Gauges come from the metadata: one blob in four repositories.
    assert_eq!(samples["rbuild_cache_logical_bytes"], 4000.0);
    assert_eq!(samples["rbuild_cache_stored_bytes"], 1000.0);
    assert_eq!(samples["rbuild_cache_dedup_ratio"], 4.0);
    assert_eq!(samples["rbuild_cache_blobs"], 1.0);
    assert_eq!(samples["rbuild_cache_repositories"], 4.0);
    assert_eq!(samples["rbuild_cache_evicted_blobs_total"], 0.0);

    // Other modules count through the same registry.
    metrics.evicted(1000);
    // The first scrape is counted once it is answered, with its body.
    let (_, samples) = scrape(&client, addr).await;
    assert_eq!(requests(&samples, "GET", "2xx"), 3.0);
    assert_eq!(
        samples["rbuild_cache_http_response_bytes_total"],
        (received + first.len() as u64) as f64
    );
    assert_eq!(samples["rbuild_cache_evicted_blobs_total"], 1.0);
    assert_eq!(samples["rbuild_cache_evicted_bytes_total"], 1000.0);
}
