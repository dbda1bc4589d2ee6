//! `--load` and `-o type=docker` without `dest`: the docker archive posted to the Docker
//! Engine API (`POST /images/load`) over the daemon's unix socket, as buildx's docker exporter
//! loads an image. The socket is `DOCKER_HOST` (`unix://PATH`), else `/var/run/docker.sock`;
//! a daemon that does not answer is a clear error that names the socket and what to use
//! instead. The archive is written to a temp file first (the request needs its length), then
//! streamed; the daemon's answer is read with a bound.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::archive::write_archive;
use super::error::{OutputError, Result};
use super::files::TempFile;
use super::name::ImageName;
use super::spec::OutputKind;
use crate::image::index::Built;
use crate::store::Store;

/// The most of the daemon's answer that is read.
const MAX_ANSWER: u64 = 1 << 20;

/// The daemon's socket: `DOCKER_HOST`'s `unix://` path, else Docker's default.
fn socket() -> std::result::Result<PathBuf, String> {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => match host.strip_prefix("unix://") {
            Some(path) => Ok(PathBuf::from(path)),
            None => Err(format!(
                "DOCKER_HOST={host:?}: rbuild loads through a unix socket only (unix://PATH); use -o type=docker,dest=image.tar and docker load"
            )),
        },
        _ => Ok(PathBuf::from("/var/run/docker.sock")),
    }
}

/// Loads `built` (one image) into the Docker daemon under `names`.
pub(crate) fn load(store: &Store, built: &Built, names: &[ImageName]) -> Result<()> {
    let socket = socket().map_err(|reason| OutputError::Daemon {
        socket: PathBuf::from("DOCKER_HOST"),
        reason,
    })?;
    let fail = |reason: String| OutputError::Daemon {
        socket: socket.clone(),
        reason,
    };
    // Connect first: no archive is written for a daemon that is not there.
    let mut stream = UnixStream::connect(&socket).map_err(|e| {
        fail(format!(
            "no Docker daemon answers ({e}); --load needs one: start it, set DOCKER_HOST, or write an archive with -o type=docker,dest=image.tar"
        ))
    })?;
    // Removed when dropped.
    let mut temp = TempFile::beside(&store.root().join("docker-load.tar"))?;
    let path = temp.path().to_path_buf();
    let file = write_archive(
        store,
        built,
        OutputKind::Docker,
        names,
        io::BufWriter::new(temp.file()?),
        &path,
    )?;
    file.into_inner()
        .map_err(|e| fail(format!("writing the archive: {}", e.error())))?;
    post(&mut stream, &path).map_err(fail)
}

/// `POST /images/load` with the archive at `archive` as the body; an error with the daemon's
/// message when it refuses.
fn post(stream: &mut UnixStream, archive: &Path) -> std::result::Result<(), String> {
    let mut body =
        std::fs::File::open(archive).map_err(|e| format!("reopening the archive: {e}"))?;
    let len = body
        .metadata()
        .map_err(|e| format!("reading the archive: {e}"))?
        .len();
    stream
        .set_read_timeout(Some(Duration::from_secs(600)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST /images/load?quiet=1 HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    )
    .and_then(|()| io::copy(&mut body, stream).map(|_| ()))
    .map_err(|e| format!("sending the archive: {e}"))?;
    let mut answer = BufReader::new(stream.take(MAX_ANSWER));
    let mut status = String::new();
    answer
        .read_line(&mut status)
        .map_err(|e| format!("reading the answer: {e}"))?;
    let mut rest = Vec::new();
    answer
        .read_to_end(&mut rest)
        .map_err(|e| format!("reading the answer: {e}"))?;
    let text = String::from_utf8_lossy(&rest);
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if code != "200" {
        return Err(format!(
            "the daemon answered {}: {}",
            status.trim(),
            message(&text)
        ));
    }
    // A 200 can still carry an error in the JSON stream ({"error": ...}).
    if text.contains("\"error\"") {
        return Err(message(&text));
    }
    Ok(())
}

/// The `error`/`message` of the daemon's JSON answer, else the answer's last line.
fn message(text: &str) -> String {
    for line in text.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line.trim())
            && let Some(m) = v
                .get("error")
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str())
        {
            return m.to_string();
        }
    }
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no answer")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_messages_are_read_from_json_lines() {
        assert_eq!(
            message("1a\r\n{\"errorDetail\":{\"message\":\"bad\"},\"error\":\"bad tar\"}\r\n0\r\n"),
            "bad tar"
        );
        assert_eq!(
            message("{\"message\":\"page not found\"}"),
            "page not found"
        );
        assert_eq!(message(""), "no answer");
    }
}
