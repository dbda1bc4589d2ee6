//! What one backend moved during a build: bytes and blobs each way, and the time spent
//! importing and exporting. Backends count their own transfers; the build reports them in its
//! final table and in `--metadata-file` under `rbuild.cache`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

/// Counters of one backend; shared (`Arc`) by everything that talks to it.
#[derive(Debug, Default)]
pub struct Meter {
    download_bytes: AtomicU64,
    upload_bytes: AtomicU64,
    blobs_downloaded: AtomicU64,
    blobs_uploaded: AtomicU64,
    import_micros: AtomicU64,
    export_micros: AtomicU64,
    requests: AtomicU64,
}

/// A snapshot of a [`Meter`], as `--metadata-file` writes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MeterReport {
    /// Bytes downloaded (index documents and blobs).
    pub download_bytes: u64,
    /// Bytes uploaded (index documents and blobs).
    pub upload_bytes: u64,
    /// Layer (or pack) blobs downloaded.
    pub blobs_downloaded: u64,
    /// Layer blobs uploaded.
    pub blobs_uploaded: u64,
    /// Seconds spent reading the index and downloading blobs.
    pub import_seconds: f64,
    /// Seconds spent exporting.
    pub export_seconds: f64,
    /// HTTP requests made (retries included).
    pub requests: u64,
}

impl Meter {
    /// Counts `n` bytes downloaded.
    pub fn downloaded(&self, n: u64) {
        self.download_bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `n` bytes uploaded.
    pub fn uploaded(&self, n: u64) {
        self.upload_bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one blob downloaded in full.
    pub fn blob_downloaded(&self) {
        self.blobs_downloaded.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one blob uploaded.
    pub fn blob_uploaded(&self) {
        self.blobs_uploaded.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one request sent.
    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds time spent importing.
    pub fn import_time(&self, d: Duration) {
        self.import_micros.fetch_add(
            u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Adds time spent exporting.
    pub fn export_time(&self, d: Duration) {
        self.export_micros.fetch_add(
            u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The counters now.
    pub fn report(&self) -> MeterReport {
        #[allow(clippy::cast_precision_loss)]
        let secs = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e6;
        MeterReport {
            download_bytes: self.download_bytes.load(Ordering::Relaxed),
            upload_bytes: self.upload_bytes.load(Ordering::Relaxed),
            blobs_downloaded: self.blobs_downloaded.load(Ordering::Relaxed),
            blobs_uploaded: self.blobs_uploaded.load(Ordering::Relaxed),
            import_seconds: secs(&self.import_micros),
            export_seconds: secs(&self.export_micros),
            requests: self.requests.load(Ordering::Relaxed),
        }
    }
}

/// Counts the bytes written through it into a [`Meter`], if any (base-image pulls in
/// the builder's layers, cache downloads in [`crate::cache::remote::registry`]).
pub(crate) struct Counting<'a, W> {
    /// Where the bytes go.
    pub(crate) inner: W,
    /// What counts them.
    pub(crate) meter: Option<&'a Meter>,
}

impl<W: std::io::Write> std::io::Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(m) = self.meter {
            m.downloaded(n as u64);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
