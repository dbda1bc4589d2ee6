//! Upload sessions idle past the upload TTL, swept with their files.

use super::*;

impl Evictor {
    /// Removes upload sessions idle since before `cutoff` and their files, then files under
    /// the uploads directory that belong to no session and are older than `cutoff`.
    pub(super) async fn sweep_uploads(
        &self,
        meta: &Arc<Meta>,
        cutoff: u64,
        report: &mut EvictionReport,
    ) -> Result<()> {
        for entry in blocking(meta, |m| m.uploads()).await? {
            if entry.updated >= cutoff {
                continue;
            }
            let id = entry.id.clone();
            blocking(meta, move |m| m.delete_upload(&id)).await?;
            self.remove_upload_files(&entry.id).await?;
            report.uploads += 1;
            if let Some(metrics) = &self.metrics {
                metrics.swept_uploads(1);
            }
            tracing::info!(id = %entry.id, repository = %entry.session.repository, "swept stale upload");
        }
        let Some(dir) = &self.uploads_dir else {
            return Ok(());
        };
        let mut entries = match tokio::fs::read_dir(dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(EvictError::Io {
                    path: dir.clone(),
                    source,
                });
            }
        };
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|source| EvictError::Io {
                path: dir.clone(),
                source,
            })?
        {
            let Some(id) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let modified = entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(u64::MAX, |d| d.as_secs());
            if modified >= cutoff {
                continue;
            }
            let owned = id.clone();
            if blocking(meta, move |m| m.get_upload(&owned))
                .await?
                .is_none()
            {
                self.remove_upload_files(&id).await?;
                report.uploads += 1;
            }
        }
        Ok(())
    }

    pub(super) async fn remove_upload_files(&self, id: &str) -> Result<()> {
        let Some(dir) = &self.uploads_dir else {
            return Ok(());
        };
        let safe = !id.is_empty()
            && id != "."
            && id != ".."
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !safe {
            tracing::warn!(id, "upload id is not a plain file name; leaving its files");
            return Ok(());
        }
        remove_path(&dir.join(id)).await
    }
}

/// Removes a file or a directory tree; a missing path is fine.
pub(super) async fn remove_path(path: &Path) -> Result<()> {
    let meta = match tokio::fs::symlink_metadata(path).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(EvictError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let done = if meta.is_dir() {
        tokio::fs::remove_dir_all(path).await
    } else {
        tokio::fs::remove_file(path).await
    };
    match done {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(EvictError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}
