//! Foreign RUN steps through QEMU user emulation (DESIGN.md "Platforms"): the kernel runs a
//! binary of another architecture through the interpreter a `binfmt_misc` handler names. Only a
//! handler with the F (fix-binary) flag works inside a step's root, which holds no QEMU: the
//! kernel opened the interpreter when the handler was registered.
//!
//! [`check`] says, before a foreign RUN, whether one is registered (and how to register one if
//! not); [`install`] registers Debian's `qemu-user-static` handlers (its
//! `/usr/lib/binfmt.d/qemu-*.conf`) with the F flag, as `tonistiigi/binfmt --install` does;
//! [`handlers`] lists what is registered (`rbuild binfmt`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::oci::platform::Platform;

/// Where the kernel's `binfmt_misc` file system is mounted.
pub const BINFMT_MISC: &str = "/proc/sys/fs/binfmt_misc";

/// Where Debian's `qemu-user-static` puts its handler definitions.
pub const DEBIAN_BINFMT_D: &str = "/usr/lib/binfmt.d";

/// The largest handler file read (they are a few hundred bytes).
const MAX_HANDLER_FILE: u64 = 64 * 1024;

/// Why registering handlers failed.
#[derive(Debug, thiserror::Error)]
pub enum BinfmtError {
    /// A file of `binfmt_misc` or of the handler definitions could not be read or written.
    #[error("{what} `{}`", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// No handler definitions to register.
    #[error(
        "no QEMU handler definitions in `{}`: install them first (Debian/Ubuntu: \
         `apt-get install qemu-user-static`)",
        dir.display()
    )]
    NoDefinitions {
        /// The directory looked in.
        dir: PathBuf,
    },
    /// `binfmt_misc` is not mounted and could not be.
    #[error(
        "binfmt_misc is not mounted at `{}` and could not be mounted ({reason}): run as root on \
         the host (or in a privileged container)",
        path.display()
    )]
    NotMounted {
        /// Where it should be.
        path: PathBuf,
        /// Why mounting failed.
        reason: String,
    },
}

/// One registered handler, as its `binfmt_misc` file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// Its name (`qemu-aarch64`).
    pub name: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The interpreter it runs.
    pub interpreter: String,
    /// Its flags (`POF`, ...).
    pub flags: String,
}

impl Handler {
    /// Parses the text of `/proc/sys/fs/binfmt_misc/<name>`.
    pub fn parse(name: &str, text: &str) -> Self {
        let mut lines = text.lines();
        let enabled = lines.next().is_some_and(|l| l.trim() == "enabled");
        let mut interpreter = String::new();
        let mut flags = String::new();
        for line in lines {
            if let Some(v) = line.strip_prefix("interpreter ") {
                interpreter = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("flags:") {
                flags = v.trim().to_string();
            }
        }
        Self {
            name: name.to_string(),
            enabled,
            interpreter,
            flags,
        }
    }

    /// Whether it works inside a step's root: enabled, with the F flag.
    pub fn usable(&self) -> bool {
        self.enabled && self.flags.contains('F')
    }
}

/// QEMU's name for a platform's architecture (`aarch64` for `linux/arm64`), as its handlers
/// and binaries are named.
pub fn qemu_arch(platform: &Platform) -> Option<&'static str> {
    Some(match platform.arch.as_str() {
        "amd64" => "x86_64",
        "386" => "i386",
        "arm64" => "aarch64",
        "arm" => "arm",
        "riscv64" => "riscv64",
        "ppc64le" => "ppc64le",
        "s390x" => "s390x",
        "mips64le" => "mips64el",
        "mips64" => "mips64",
        "loong64" => "loongarch64",
        _ => return None,
    })
}

/// Whether the machine runs `platform`'s binaries itself (its own architecture, or 386 on
/// amd64).
pub fn native(platform: &Platform) -> bool {
    let host = Platform::host();
    platform.os == host.os
        && (platform.arch == host.arch || (host.arch == "amd64" && platform.arch == "386"))
}

/// The handlers registered in `dir` (a `binfmt_misc` mount); `None` when it is not mounted
/// (or not visible, as in most containers).
pub fn handlers(dir: &Path) -> Option<Vec<Handler>> {
    if !dir.join("register").exists() {
        return None;
    }
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "register" || name == "status" {
            continue;
        }
        if let Some(text) = read_small(&entry.path()) {
            out.push(Handler::parse(&name, &text));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Some(out)
}

fn read_small(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut text = String::new();
    fs::File::open(path)
        .ok()?
        .take(MAX_HANDLER_FILE)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// How to register handlers, for error messages.
const HOW: &str = "register QEMU's handlers: `apt-get install qemu-user-static` on the \
                   host (Debian/Ubuntu), or `sudo rbuild binfmt --install`";

/// Whether a RUN step of `platform` can run here: natively, or through a usable QEMU
/// handler in `dir`; the reason (with how to fix it) when not. When `binfmt_misc` is not
/// visible (inside a container), the step is let run: the host's handlers may serve it.
pub fn check(platform: &Platform, dir: &Path) -> Result<(), String> {
    if native(platform) {
        return Ok(());
    }
    let Some(arch) = qemu_arch(platform) else {
        return Err(format!(
            "RUN for {platform} cannot run here: rbuild knows no QEMU emulator for `{}`",
            platform.arch
        ));
    };
    let Some(handlers) = handlers(dir) else {
        tracing::debug!(
            "binfmt_misc not visible at {}: trusting the host",
            dir.display()
        );
        return Ok(());
    };
    let wanted = format!("qemu-{arch}");
    let found: Vec<&Handler> = handlers
        .iter()
        .filter(|h| h.name == wanted || h.interpreter.contains(&wanted))
        .collect();
    if found.iter().any(|h| h.usable()) {
        return Ok(());
    }
    match found.first() {
        None => Err(format!(
            "RUN for {platform} needs emulation, and no binfmt_misc handler for {arch} is \
             registered: {HOW}"
        )),
        Some(h) if !h.enabled => Err(format!(
            "RUN for {platform} needs emulation: the binfmt_misc handler {} is disabled: {HOW}",
            h.name
        )),
        Some(h) => Err(format!(
            "RUN for {platform} needs emulation: the binfmt_misc handler {} has flags `{}` \
             without F, so its interpreter {} is not found inside the step's root: {HOW}",
            h.name, h.flags, h.interpreter
        )),
    }
}

/// Registers every QEMU handler defined in `definitions` (Debian's `qemu-*.conf` files) in
/// `dir`, with the F flag; a handler already registered with F is kept, one without F is
/// replaced. Mounts `binfmt_misc` first if needed. Returns the names registered now.
pub fn install(definitions: &Path, dir: &Path) -> Result<Vec<String>, BinfmtError> {
    let io_at = |what: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| BinfmtError::Io { what, path, source }
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    let entries = fs::read_dir(definitions).map_err(|_| BinfmtError::NoDefinitions {
        dir: definitions.to_path_buf(),
    })?;
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !(file.starts_with("qemu-") && file.ends_with(".conf")) {
            continue;
        }
        let Some(text) = read_small(&entry.path()) else {
            continue;
        };
        if let Some(line) = text.lines().find(|l| l.starts_with(":qemu-")) {
            let name = line.split(':').nth(1).unwrap_or_default().to_string();
            lines.push((name, with_fix_binary(line)));
        }
    }
    if lines.is_empty() {
        return Err(BinfmtError::NoDefinitions {
            dir: definitions.to_path_buf(),
        });
    }
    lines.sort();
    mount_if_needed(dir)?;
    let register = dir.join("register");
    let mut done = Vec::new();
    for (name, line) in lines {
        let file = dir.join(&name);
        if let Some(text) = read_small(&file) {
            if Handler::parse(&name, &text).usable() {
                continue;
            }
            fs::write(&file, "-1").map_err(io_at("unregistering", &file))?;
        }
        // The interpreter must exist for the kernel to open it (F).
        let interpreter = line.rsplit(':').nth(1).unwrap_or_default();
        if !Path::new(interpreter).exists() {
            continue;
        }
        fs::write(&register, line.as_bytes()).map_err(io_at("registering", &register))?;
        done.push(name);
    }
    Ok(done)
}

/// A definition line with the F flag added to its flags (the last field).
fn with_fix_binary(line: &str) -> String {
    let line = line.trim_end();
    match line.rsplit_once(':') {
        Some((_, flags)) if flags.contains('F') => line.to_string(),
        _ => format!("{line}F"),
    }
}

fn mount_if_needed(dir: &Path) -> Result<(), BinfmtError> {
    if dir.join("register").exists() {
        return Ok(());
    }
    rustix::mount::mount(
        "binfmt_misc",
        dir,
        "binfmt_misc",
        rustix::mount::MountFlags::empty(),
        None,
    )
    .map_err(|e| BinfmtError::NotMounted {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).unwrap()
    }

    #[test]
    fn handler_files_parse() {
        let text = "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POF\n\
                    offset 0\nmagic 7f454c46\nmask ffffffff\n";
        let h = Handler::parse("qemu-aarch64", text);
        assert!(h.enabled && h.usable());
        assert_eq!(h.interpreter, "/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
        let no_f = Handler::parse("qemu-aarch64", "enabled\ninterpreter /x\nflags: OC\n");
        assert!(!no_f.usable());
        let off = Handler::parse("qemu-aarch64", "disabled\ninterpreter /x\nflags: F\n");
        assert!(!off.usable());
    }

    #[test]
    fn the_fix_binary_flag_is_added_once() {
        assert_eq!(
            with_fix_binary(":qemu-arm:M::ab:cd:/q:OP"),
            ":qemu-arm:M::ab:cd:/q:OPF"
        );
        assert_eq!(
            with_fix_binary(":qemu-arm:M::ab:cd:/q:OPF\n"),
            ":qemu-arm:M::ab:cd:/q:OPF"
        );
    }

    #[test]
    fn check_says_what_is_missing_and_how_to_fix_it() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = if Platform::host().arch == "arm64" {
            p("linux/amd64")
        } else {
            p("linux/arm64")
        };
        let arch = qemu_arch(&foreign).unwrap();
        // Not visible (no `register`): trusted.
        assert!(check(&foreign, dir.path()).is_ok());
        fs::write(dir.path().join("register"), "").unwrap();
        let none = check(&foreign, dir.path()).unwrap_err();
        assert!(none.contains("no binfmt_misc handler"), "{none}");
        assert!(none.contains("rbuild binfmt --install"), "{none}");
        let file = dir.path().join(format!("qemu-{arch}"));
        fs::write(&file, "enabled\ninterpreter /usr/bin/q\nflags: OC\n").unwrap();
        let no_f = check(&foreign, dir.path()).unwrap_err();
        assert!(no_f.contains("without F"), "{no_f}");
        fs::write(&file, "enabled\ninterpreter /usr/bin/q\nflags: OCF\n").unwrap();
        assert!(check(&foreign, dir.path()).is_ok());
        assert!(
            check(&Platform::host(), dir.path()).is_ok(),
            "native needs nothing"
        );
        let unknown = check(&p("linux/sparc"), dir.path()).unwrap_err();
        assert!(unknown.contains("no QEMU emulator"), "{unknown}");
    }

    #[test]
    fn install_registers_definitions_with_f_and_keeps_good_ones() {
        let defs = tempfile::tempdir().unwrap();
        let proc_dir = tempfile::tempdir().unwrap();
        let interp = defs.path().join("qemu-aarch64-static");
        fs::write(&interp, "").unwrap();
        fs::write(
            defs.path().join("qemu-aarch64.conf"),
            format!(":qemu-aarch64:M::\\x7fELF:\\xff:{}:OP\n", interp.display()),
        )
        .unwrap();
        fs::write(defs.path().join("other.conf"), ":python:M::x:y:/p:\n").unwrap();
        fs::write(proc_dir.path().join("register"), "").unwrap();
        let done = install(defs.path(), proc_dir.path()).unwrap();
        assert_eq!(done, vec!["qemu-aarch64".to_string()]);
        let written = fs::read_to_string(proc_dir.path().join("register")).unwrap();
        assert!(written.ends_with(":OPF"), "{written}");
        // Already registered with F: kept.
        fs::write(
            proc_dir.path().join("qemu-aarch64"),
            "enabled\ninterpreter /q\nflags: OPF\n",
        )
        .unwrap();
        assert!(install(defs.path(), proc_dir.path()).unwrap().is_empty());
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            install(empty.path(), proc_dir.path()),
            Err(BinfmtError::NoDefinitions { .. })
        ));
    }
}
