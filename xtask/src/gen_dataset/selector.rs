//! Node features as bits, and the subset of DESIGN.md's selector language the generator writes
//! (`*`, `kind:`, `type:`, `env:`, `classification:`, `tag:`, `&` and `;`), so that it can count
//! what its own threats and controls select before writing them.

use super::vocab::{AssetType, Attr, Class, DOMAINS, Env, Kind};

const KIND_BASE: usize = 0;
const TYPE_BASE: usize = KIND_BASE + Kind::ALL.len();
const ENV_BASE: usize = TYPE_BASE + AssetType::ALL.len();
const CLASS_BASE: usize = ENV_BASE + Env::ALL.len();
const DOMAIN_BASE: usize = CLASS_BASE + Class::ALL.len();
const ATTR_BASE: usize = DOMAIN_BASE + DOMAINS.len();
const _: () = assert!(
    ATTR_BASE + Attr::ALL.len() <= 128,
    "features must fit in a u128"
);

pub fn kind_bit(kind: Kind) -> u128 {
    1 << (KIND_BASE + kind as usize)
}

pub fn type_bit(ty: AssetType) -> u128 {
    1 << (TYPE_BASE + ty as usize)
}

pub fn env_bit(env: Env) -> u128 {
    1 << (ENV_BASE + env as usize)
}

pub fn class_bit(class: Class) -> u128 {
    1 << (CLASS_BASE + class as usize)
}

pub fn domain_bit(domain: usize) -> u128 {
    1 << (DOMAIN_BASE + domain)
}

pub fn attr_bit(attr: Attr) -> u128 {
    1 << (ATTR_BASE + attr as usize)
}

/// Counts the nodes a selector picks among a fixed set of nodes.
///
/// Nodes with identical features are grouped first, so a count costs a pass over the distinct
/// feature sets (thousands), not over the nodes (up to millions).
pub struct Counter {
    groups: Vec<(u128, u64)>,
}

impl Counter {
    pub fn new(features: impl Iterator<Item = u128>) -> Self {
        let mut all: Vec<u128> = features.collect();
        all.sort_unstable();
        let mut groups: Vec<(u128, u64)> = Vec::new();
        for features in all {
            match groups.last_mut() {
                Some((last, n)) if *last == features => *n += 1,
                _ => groups.push((features, 1)),
            }
        }
        Self { groups }
    }

    /// How many nodes `selector` picks.
    pub fn count(&self, selector: &str) -> u64 {
        let alternatives = parse(selector);
        self.groups
            .iter()
            .filter(|(features, _)| alternatives.iter().any(|&need| features & need == need))
            .map(|&(_, n)| n)
            .sum()
    }
}

/// The alternatives of a selector, each as the set of bits a node must all have.
///
/// # Panics
///
/// On a term the generator should never write: selectors come from the generator's own templates.
fn parse(selector: &str) -> Vec<u128> {
    selector
        .split(';')
        .map(|alternative| {
            alternative
                .trim()
                .split('&')
                .map(|term| term_bit(term.trim()))
                .fold(0, |need, bit| need | bit)
        })
        .collect()
}

fn term_bit(term: &str) -> u128 {
    if term == "*" {
        return 0;
    }
    let bit = match term.split_once(':') {
        Some(("kind", value)) => Kind::ALL
            .into_iter()
            .find(|k| k.name() == value)
            .map(kind_bit),
        Some(("type", value)) => AssetType::ALL
            .into_iter()
            .find(|t| t.name() == value)
            .map(type_bit),
        Some(("env", value)) => Env::ALL
            .into_iter()
            .find(|e| e.name() == value)
            .map(env_bit),
        Some(("classification", value)) => Class::ALL
            .into_iter()
            .find(|c| c.name() == value)
            .map(class_bit),
        Some(("tag", value)) => DOMAINS
            .iter()
            .position(|&d| d == value)
            .map(domain_bit)
            .or_else(|| {
                Attr::ALL
                    .into_iter()
                    .find(|a| a.name() == value)
                    .map(attr_bit)
            }),
        _ => None,
    };
    bit.unwrap_or_else(|| panic!("bug: the generator wrote the unknown selector term `{term}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_conjunctions_and_alternatives() {
        let software = kind_bit(Kind::Asset) | type_bit(AssetType::Software);
        let exposed = software | attr_bit(Attr::InternetFacing);
        let vendor = kind_bit(Kind::Vendor);
        let counter = Counter::new([software, exposed, exposed, vendor].into_iter());
        assert_eq!(counter.count("*"), 4);
        assert_eq!(counter.count("type:software"), 3);
        assert_eq!(counter.count("type:software&tag:internet-facing"), 2);
        assert_eq!(counter.count("tag:internet-facing; kind:vendor"), 3);
        assert_eq!(counter.count("type:data"), 0);
    }
}
