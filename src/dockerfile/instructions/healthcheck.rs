//! `HEALTHCHECK` with BuildKit's options and checks (Go durations, the 1ms minimum).

use super::{CommandKind, FlagKind, Flags, Healthcheck, json_args, non_empty};
use crate::dockerfile::Instruction;

pub(super) fn parse_healthcheck(inst: &Instruction) -> Result<CommandKind, String> {
    let args = inst.args();
    let Some(first) = args.first() else {
        return Err("HEALTHCHECK requires at least one argument".into());
    };
    let typ = first.to_uppercase();
    let rest = &args[1..];
    if typ == "NONE" {
        if !rest.is_empty() {
            return Err("HEALTHCHECK NONE takes no arguments".into());
        }
        return Ok(CommandKind::Healthcheck(Healthcheck::None));
    }
    let f = Flags::parse(
        &inst.flags,
        &[
            ("interval", FlagKind::String),
            ("timeout", FlagKind::String),
            ("start-period", FlagKind::String),
            ("start-interval", FlagKind::String),
            ("retries", FlagKind::String),
        ],
    )?;
    if typ != "CMD" {
        return Err(format!("Unknown type \"{typ}\" in HEALTHCHECK (try CMD)"));
    }
    let cmd = json_args(rest, inst.is_json());
    if cmd.is_empty() {
        return Err("Missing command after HEALTHCHECK CMD".into());
    }
    let kind = if inst.is_json() { "CMD" } else { "CMD-SHELL" };
    let mut test = vec![kind.to_string()];
    test.extend(cmd);
    for name in ["interval", "timeout", "start-period", "start-interval"] {
        if let Some(v) = non_empty(f.string(name)) {
            check_duration(name, &v)?;
        }
    }
    let retries = match non_empty(f.string("retries")) {
        None => None,
        Some(r) => {
            let n: i64 = r
                .parse()
                .map_err(|_| format!("strconv.ParseInt: parsing {r:?}: invalid syntax"))?;
            if n < 0 {
                return Err(format!("--retries cannot be negative ({n})"));
            }
            Some(u32::try_from(n).map_err(|_| format!("--retries out of range ({n})"))?)
        }
    };
    Ok(CommandKind::Healthcheck(Healthcheck::Check {
        test,
        interval: non_empty(f.string("interval")),
        timeout: non_empty(f.string("timeout")),
        start_period: non_empty(f.string("start-period")),
        start_interval: non_empty(f.string("start-interval")),
        retries,
    }))
}

/// Checks a Go `time.ParseDuration` value (`30s`, `1m30s`, `500ms`) and BuildKit's 1ms minimum.
fn check_duration(flag: &str, value: &str) -> Result<(), String> {
    let nanos =
        parse_go_duration(value).ok_or_else(|| format!("time: invalid duration {value:?}"))?;
    if nanos != 0 && nanos < 1_000_000 {
        return Err(format!("Interval \"{flag}\" cannot be less than 1ms"));
    }
    Ok(())
}

/// Parses a Go duration string into nanoseconds (sign not allowed to be negative here).
pub fn parse_go_duration(s: &str) -> Option<u128> {
    if s == "0" {
        return Some(0);
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let value: f64 = num.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Some(total as u128)
}
