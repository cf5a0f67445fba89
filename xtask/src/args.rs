//! Values the tasks' options share: counts written `5000`, `50_000`, `10k` or `1M`.

/// A count as clap parses it: `1000000`, `1_000_000`, `1000k` or `1M`.
pub fn count(text: &str) -> Result<usize, String> {
    parse_count(text).ok_or_else(|| format!("`{text}` is not a count like 5000, 10k or 1M"))
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

    #[test]
    fn counts() {
        assert_eq!(parse_count("1_000_000"), Some(1_000_000));
        assert_eq!(parse_count("10k"), Some(10_000));
        assert_eq!(parse_count("1M"), Some(1_000_000));
        assert_eq!(parse_count("M"), None);
        assert_eq!(parse_count(""), None);
        assert!(count("ten").is_err());
    }
}
