//! `rbuild check`: the Dockerfile checks without building (`docker build --check`): BuildKit's
//! rules by their names and messages, `# check=` and `BUILDKIT_DOCKERFILE_CHECK` honoured; exits
//! 1 when `error=true` makes a finding an error.

use clap::{Args, ValueEnum};

use super::plan_cmd::InputArgs;
use crate::lint::render;
use crate::session::checks::{Checked, check_input};

/// Flags of `rbuild check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The Dockerfile, context and build args.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Do not contact registries (base images' ENV then unknown: UndefinedVar skips their
    /// stages)
    #[arg(long)]
    pub offline: bool,
}

/// Output formats of `rbuild check`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    /// `docker build --check`'s report
    Text,
    /// buildx's `--call=check,format=json` shape
    Json,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// GitHub Actions annotations (`::warning file=...,line=...::...`)
    Github,
}

pub(super) fn run(args: &CheckArgs) -> anyhow::Result<()> {
    let resolver = if args.offline {
        None
    } else {
        Some(args.input.registries.resolver()?)
    };
    let base_env = resolver
        .as_ref()
        .map(|r| crate::session::checks::base_env_from(r));
    let history = crate::session::checks::history_in(&crate::home::state_dir());
    let checked = check_input(
        &args.input.plan_input(),
        base_env.as_ref().map(|f| f as &crate::lint::BaseEnv<'_>),
        history
            .as_ref()
            .map(|h| h as &dyn crate::lint::history::History),
    )?;
    print_checked(&checked, args.format)?;
    match checked.failure() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Prints `checked` in `format` (also for `rbuild build --check`).
pub(super) fn print_checked(checked: &Checked, format: CheckFormat) -> anyhow::Result<()> {
    let file: std::path::PathBuf = checked
        .source
        .file
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    let file = file.display().to_string();
    match format {
        CheckFormat::Text => print!(
            "{}",
            render::report(&checked.findings, &file, &checked.source.text)
        ),
        CheckFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&render::json(&checked.findings, &file))?
        ),
        CheckFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&render::sarif(&checked.findings, &file))?
        ),
        CheckFormat::Github => print!("{}", render::github(&checked.findings, &file)),
    }
    Ok(())
}
