//! A tiny command-line parser for the tasks: `--name VALUE`, `--name=VALUE` and positionals.
//!
//! xtask takes a handful of options; a parser library would cost more build time than it saves.

use std::fmt::Display;
use std::str::FromStr;

pub struct Args {
    items: Vec<String>,
}

impl Args {
    pub fn new(items: Vec<String>) -> Self {
        Self { items }
    }

    /// Removes every `--name VALUE` and `--name=VALUE` (before a `--`) and parses the last value.
    pub fn option<T>(&mut self, name: &str) -> Result<Option<T>, String>
    where
        T: FromStr,
        T::Err: Display,
    {
        let flag = format!("--{name}");
        let mut found = None;
        let mut index = 0;
        while index < self.items.len() && self.items[index] != "--" {
            if self.items[index] == flag {
                if index + 1 == self.items.len() {
                    return Err(format!("`{flag}` needs a value"));
                }
                found = Some(self.items.remove(index + 1));
                self.items.remove(index);
            } else if let Some(value) = self.items[index]
                .strip_prefix(&flag)
                .and_then(|v| v.strip_prefix('='))
            {
                found = Some(value.to_owned());
                self.items.remove(index);
            } else {
                index += 1;
            }
        }
        found
            .map(|value| {
                value
                    .parse()
                    .map_err(|e| format!("invalid value `{value}` for `{flag}`: {e}"))
            })
            .transpose()
    }

    /// Like [`Args::option`] for a count, which may be written `1000000`, `1_000_000`, `1000k` or
    /// `1M`.
    pub fn count(&mut self, name: &str) -> Result<Option<usize>, String> {
        let Some(text) = self.option::<String>(name)? else {
            return Ok(None);
        };
        parse_count(&text).map(Some).ok_or_else(|| {
            format!("invalid value `{text}` for `--{name}`: expected a count like 5000, 10k or 1M")
        })
    }

    /// The positional arguments left; an error if an unknown option is left.
    pub fn finish(self) -> Result<Vec<String>, String> {
        let mut positionals = Vec::new();
        let mut items = self.items.into_iter();
        while let Some(item) = items.next() {
            if item == "--" {
                positionals.extend(items.by_ref());
            } else if item.starts_with('-') && item.len() > 1 {
                return Err(format!("unknown option `{item}`"));
            } else {
                positionals.push(item);
            }
        }
        Ok(positionals)
    }
}

fn parse_count(text: &str) -> Option<usize> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    let (number, multiplier) = match digits.char_indices().last()? {
        (at, 'k' | 'K') => (&digits[..at], 1_000),
        (at, 'm' | 'M') => (&digits[..at], 1_000_000),
        _ => (digits.as_str(), 1),
    };
    number.parse::<usize>().ok()?.checked_mul(multiplier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(items: &[&str]) -> Args {
        Args::new(items.iter().map(|&s| s.to_owned()).collect())
    }

    #[test]
    fn options_and_positionals() {
        let mut parsed = args(&["--nodes", "10", "out", "--seed=7"]);
        assert_eq!(parsed.count("nodes"), Ok(Some(10)));
        assert_eq!(parsed.option::<u64>("seed"), Ok(Some(7)));
        assert_eq!(parsed.option::<u64>("threads"), Ok(None));
        assert_eq!(parsed.finish(), Ok(vec!["out".to_owned()]));
    }

    #[test]
    fn unknown_options_and_missing_values_are_errors() {
        assert!(args(&["--nodse", "1"]).finish().is_err());
        assert!(args(&["--nodes"]).count("nodes").is_err());
        assert!(args(&["--seed", "x"]).option::<u64>("seed").is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count("1_000_000"), Some(1_000_000));
        assert_eq!(parse_count("10k"), Some(10_000));
        assert_eq!(parse_count("1M"), Some(1_000_000));
        assert_eq!(parse_count("M"), None);
        assert_eq!(parse_count(""), None);
    }
}
