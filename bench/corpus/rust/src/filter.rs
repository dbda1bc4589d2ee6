//! Which entries count: status classes and a path prefix from the command line.

use anyhow::{ensure, Result};

use crate::cli::Options;
use crate::parse::Entry;

pub struct Filter {
    classes: Vec<u16>,
    prefix: Option<String>,
}

impl Filter {
    pub fn from_options(o: &Options) -> Result<Filter> {
        if let Some(p) = &o.path_prefix {
            ensure!(
                p.starts_with('/'),
                "--path-prefix {p}: a path starts with /"
            );
        }
        Ok(Filter {
            classes: o.classes.clone(),
            prefix: o.path_prefix.clone(),
        })
    }

    pub fn accepts(&self, e: &Entry) -> bool {
        let class_ok = self.classes.is_empty() || self.classes.contains(&(e.status / 100));
        let path_ok = match &self.prefix {
            Some(p) => e.path.starts_with(p.as_str()),
            None => true,
        };
        class_ok && path_ok
    }
}
