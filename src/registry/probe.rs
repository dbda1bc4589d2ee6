//! Start-up probes of a repository, before a build spends minutes on a cache it cannot use:
//! whether rbuild may read it (a `HEAD` of a tag's manifest answers, found or not) and push to
//! it (an upload is opened and cancelled at once: nothing is written, and a registry that
//! refuses pushes says so here as it would at the first blob).

use super::error::RegistryError;
use super::{Registry, Repository};
use oci_client::RegistryOperation;
use reqwest::{Method, StatusCode, header};

/// The media types a cache tag's manifest can have (an index or an image manifest).
const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";

impl Registry {
    /// `Ok` when `repo` can be read: a `HEAD` of `tag`'s manifest answers 200 or 404.
    pub async fn probe_pull(&self, repo: &Repository, tag: &str) -> Result<(), RegistryError> {
        let what = format!("{repo}:{tag}");
        let session = self.session(repo, RegistryOperation::Pull).await?;
        let url = session.url(&format!("manifests/{tag}"))?;
        let req = session
            .request(Method::HEAD, url)
            .header(header::ACCEPT, MANIFEST_TYPES);
        let res = session.send(req, &what).await?;
        match res.status() {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
            _ => Err(session.status_error(res, &what).await),
        }
    }

    /// `Ok` when `repo` takes pushes: an upload session is opened, then cancelled.
    pub async fn probe_push(&self, repo: &Repository) -> Result<(), RegistryError> {
        let what = repo.to_string();
        let session = self.session(repo, RegistryOperation::Push).await?;
        let upload = session.start_upload(&what).await?;
        session.cancel(upload).await;
        Ok(())
    }
}
