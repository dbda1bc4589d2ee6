//! What kind of client sent a request, from its user agent.

use regex::RegexSet;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bot,
    Tool,
    Browser,
    Unknown,
}

pub struct Classifier {
    bots: RegexSet,
    tools: RegexSet,
}

impl Classifier {
    pub fn new() -> Classifier {
        Classifier {
            bots: RegexSet::new([
                r"(?i)bot\b",
                r"(?i)crawler",
                r"(?i)spider",
                r"(?i)^Mediapartners",
            ])
            .expect("bot patterns compile"),
            tools: RegexSet::new([
                r"^curl/",
                r"^Wget/",
                r"(?i)^python-requests/",
                r"^Go-http-client/",
            ])
            .expect("tool patterns compile"),
        }
    }

    pub fn classify(&self, agent: Option<&str>) -> Kind {
        match agent {
            None | Some("") | Some("-") => Kind::Unknown,
            Some(a) if self.bots.is_match(a) => Kind::Bot,
            Some(a) if self.tools.is_match(a) => Kind::Tool,
            Some(a) if a.starts_with("Mozilla/") => Kind::Browser,
            Some(_) => Kind::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let c = Classifier::new();
        assert_eq!(
            c.classify(Some("Googlebot/2.1 (+http://www.google.com/bot.html)")),
            Kind::Bot
        );
        assert_eq!(c.classify(Some("curl/8.5.0")), Kind::Tool);
        assert_eq!(
            c.classify(Some("Mozilla/5.0 (X11; Linux x86_64)")),
            Kind::Browser
        );
        assert_eq!(c.classify(None), Kind::Unknown);
    }
}
