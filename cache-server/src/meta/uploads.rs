//! Upload sessions (for resuming and the stale-session sweep).

use super::*;

impl Meta {
    /// Starts or updates an upload session (its last update is now).
    pub fn put_upload(&self, id: &str, session: &UploadSession) -> Result<()> {
        let bytes = encode(id, session)?;
        let txn = self.db.begin_write()?;
        txn.open_table(UPLOADS)?.insert(id, bytes.as_slice())?;
        txn.open_table(UPLOAD_SEEN)?.insert(id, now())?;
        txn.commit()?;
        Ok(())
    }

    /// An upload session.
    pub fn get_upload(&self, id: &str) -> Result<Option<UploadSession>> {
        let txn = self.db.begin_read()?;
        let uploads = txn.open_table(UPLOADS)?;
        let Some(bytes) = uploads.get(id)? else {
            return Ok(None);
        };
        decode(id, bytes.value()).map(Some)
    }

    /// Ends an upload session; returns whether it existed.
    pub fn delete_upload(&self, id: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = txn.open_table(UPLOADS)?.remove(id)?.is_some();
        txn.open_table(UPLOAD_SEEN)?.remove(id)?;
        txn.commit()?;
        Ok(found)
    }

    /// Every upload session with its last update (for the stale-session sweep).
    pub fn uploads(&self) -> Result<Vec<UploadEntry>> {
        let txn = self.db.begin_read()?;
        let seen = txn.open_table(UPLOAD_SEEN)?;
        let mut out = Vec::new();
        for entry in txn.open_table(UPLOADS)?.iter()? {
            let (k, v) = entry?;
            let id = k.value().to_string();
            let session: UploadSession = decode(&id, v.value())?;
            let updated = seen
                .get(id.as_str())?
                .map(|g| g.value())
                .unwrap_or(session.started);
            out.push(UploadEntry {
                id,
                session,
                updated,
            });
        }
        Ok(out)
    }
}
