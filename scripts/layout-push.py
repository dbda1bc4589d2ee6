#!/usr/bin/env python3
"""Push one tag of an OCI layout to a plain-HTTP registry, bytes unchanged (digests preserved).

  layout-push.py --layout DIR --tag TAG --to 127.0.0.1:5000/library/debian

For layouts whose index.json names Docker media types (a manifest list, a schema 2 manifest),
which `skopeo copy oci:...` refuses ("no descriptor found for reference"). Walks the tag's
index/manifest, uploads each blob the registry lacks (HEAD, then POST + monolithic PUT), then PUTs
the child manifests by digest and the top one by tag. Prints the digest the tag points to.
"""
import argparse, json, os, sys, urllib.error, urllib.parse, urllib.request

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--to", required=True, help="host:port/repository")
    a = ap.parse_args()
    host, repo = a.to.split("/", 1)
    base = f"http://{host}/v2/{repo}"

    def blob_path(digest):
        return os.path.join(a.layout, "blobs", *digest.split(":", 1))

    def push_blob(digest):
        status, _, _ = request("HEAD", f"{base}/blobs/{digest}")
        if status == 200:
            return
        status, headers, body = request("POST", f"{base}/blobs/uploads/")
        if status != 202:
            sys.exit(f"layout-push: POST upload for {digest}: {status} {body[:200]!r}")
        loc = urllib.parse.urljoin(f"http://{host}/", headers["Location"])
        sep = "&" if "?" in loc else "?"
        with open(blob_path(digest), "rb") as f:
            data = f.read()
        status, _, body = request("PUT", f"{loc}{sep}digest={urllib.parse.quote(digest)}", data,
                                  {"Content-Type": "application/octet-stream"})
        if status != 201:
            sys.exit(f"layout-push: PUT blob {digest}: {status} {body[:200]!r}")

    def push_manifest(desc, ref):
        with open(blob_path(desc["digest"]), "rb") as f:
            data = f.read()
        doc = json.loads(data)
        if desc["mediaType"] in INDEX_TYPES:
            for child in doc["manifests"]:
                push_manifest(child, child["digest"])
        else:
            for d in [doc["config"]] + doc["layers"]:
                push_blob(d["digest"])
        status, headers, body = request("PUT", f"{base}/manifests/{ref}", data,
                                        {"Content-Type": desc["mediaType"]})
        if status != 201:
            sys.exit(f"layout-push: PUT manifest {ref}: {status} {body[:300]!r}")
        got = headers.get("Docker-Content-Digest") or headers.get("docker-content-digest")
        if got != desc["digest"]:
            sys.exit(f"layout-push: registry computed {got} for {ref}, expected {desc['digest']}")

    with open(os.path.join(a.layout, "index.json")) as f:
        index = json.load(f)
    tops = [m for m in index["manifests"]
            if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == a.tag]
    if len(tops) != 1:
        sys.exit(f"layout-push: {len(tops)} entries for tag {a.tag!r} in {a.layout}/index.json")
    push_manifest(tops[0], a.tag)
    print(tops[0]["digest"])


if __name__ == "__main__":
    main()
