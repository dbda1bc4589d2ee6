//! `rbuild binfmt`: which architectures this machine can run RUN steps for (QEMU handlers in
//! `binfmt_misc`), and `--install` to register Debian's `qemu-user-static` handlers with the F
//! flag, as `docker run --privileged tonistiigi/binfmt --install all` does.

use std::path::Path;

use clap::Args;

use crate::exec::binfmt::{self, BINFMT_MISC, DEBIAN_BINFMT_D};
use crate::oci::platform::Platform;

/// Flags of `rbuild binfmt`.
#[derive(Debug, Args)]
pub struct BinfmtArgs {
    /// Register QEMU's handlers from `/usr/lib/binfmt.d/qemu-*.conf` (Debian's
    /// qemu-user-static) with the F flag (root on the host, or a privileged container)
    #[arg(long)]
    pub install: bool,
}

pub(super) fn run(args: &BinfmtArgs) -> anyhow::Result<()> {
    let dir = Path::new(BINFMT_MISC);
    if args.install {
        let done = binfmt::install(Path::new(DEBIAN_BINFMT_D), dir)?;
        if done.is_empty() {
            println!("every QEMU handler was registered already");
        } else {
            println!("registered: {}", done.join(", "));
        }
    }
    let Some(handlers) = binfmt::handlers(dir) else {
        println!(
            "binfmt_misc is not visible at {BINFMT_MISC}: inside a container the host's handlers \
             apply; RUN steps of another architecture are tried as they come"
        );
        return Ok(());
    };
    let mut can = vec![format!("{} (native)", Platform::host())];
    for arch in [
        "arm64", "amd64", "arm", "386", "riscv64", "ppc64le", "s390x", "mips64le", "loong64",
    ] {
        let platform = Platform::parse(&format!("linux/{arch}"))?;
        if binfmt::native(&platform) {
            continue;
        }
        if binfmt::check(&platform, dir).is_ok() {
            can.push(platform.to_string());
        }
    }
    for h in handlers.iter().filter(|h| h.name.starts_with("qemu-")) {
        println!(
            "{:<18} {:<8} flags={:<5} {}",
            h.name,
            if h.enabled { "enabled" } else { "disabled" },
            h.flags,
            h.interpreter
        );
    }
    println!("RUN steps can run for: {}", can.join(", "));
    Ok(())
}
