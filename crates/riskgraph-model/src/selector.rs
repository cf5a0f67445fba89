//! Selectors pick nodes: `*`, `kind:asset`, `type:software`, `tag:pci`, `env:cloud`,
//! `classification:restricted`, `id:okta` or a bare id.
//!
//! Terms joined with `&` must all hold; a list of selectors (separated by `;` or `|`) matches when
//! any of them does: `kind:asset&tag:internet-facing; id:okta`.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::node::{Node, NodeIdx};
use crate::values::{Id, ValueError, split_list};
use crate::vocabulary::{AssetType, Classification, Environment, NodeKind, Vocabulary};

/// A parsed selector list.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    /// Alternatives; each is a conjunction of terms.
    alternatives: Vec<Vec<Term>>,
    /// The text as written, for messages and output.
    text: Box<str>,
}

/// One condition on a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    All,
    Kind(NodeKind),
    /// Asset type; processes and vendors have none and never match.
    Type(AssetType),
    Tag(Box<str>),
    Environment(Environment),
    Classification(Classification),
    Id(Id),
}

const PREFIXES: &str = "`kind:`, `type:`, `tag:`, `env:`, `classification:` or `id:`";

impl Selector {
    /// The selector that matches every node (`*`).
    pub fn all() -> Self {
        Self {
            alternatives: vec![vec![Term::All]],
            text: Box::from("*"),
        }
    }

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let mut alternatives = Vec::new();
        for alternative in split_list(text) {
            let terms = alternative
                .split('&')
                .map(|term| Term::parse(term.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            alternatives.push(terms);
        }
        if alternatives.is_empty() {
            return Err(ValueError::new("selector is empty")
                .with_help("write `*` for every node, or a selector such as `type:software`"));
        }
        Ok(Self {
            alternatives,
            text: Box::from(text.trim()),
        })
    }

    pub fn matches(&self, node: &Node) -> bool {
        self.alternatives
            .iter()
            .any(|terms| terms.iter().all(|term| term.matches(node)))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether any of `nodes` matches, using indexes so a check costs what the selector can
    /// match rather than a scan of every node: an alternative with an id term tries only that
    /// node (`by_id`), one with a tag term only the nodes carrying the tag (`by_tag`, any case).
    pub fn matches_any<'a>(
        &self,
        nodes: &[Node],
        by_id: impl Fn(&Id) -> Option<NodeIdx>,
        by_tag: impl Fn(&str) -> Vec<&'a [NodeIdx]>,
    ) -> bool {
        self.alternatives.iter().any(|terms| {
            let all_hold = |&i: &NodeIdx| {
                nodes
                    .get(i as usize)
                    .is_some_and(|node| terms.iter().all(|term| term.matches(node)))
            };
            let named_id = terms.iter().find_map(|term| match term {
                Term::Id(id) => Some(id),
                _ => None,
            });
            let required_tag = terms.iter().find_map(|term| match term {
                Term::Tag(tag) => Some(tag),
                _ => None,
            });
            match (named_id, required_tag) {
                (Some(id), _) => by_id(id).as_ref().is_some_and(all_hold),
                (None, Some(tag)) => by_tag(tag).into_iter().flatten().any(all_hold),
                (None, None) => (0..nodes.len() as NodeIdx).any(|i| all_hold(&i)),
            }
        })
    }

    /// Every node of `index` the selector matches, in node order. Each alternative starts from its
    /// most selective term's list (the one id, the nodes with a tag, of an asset type, of a kind)
    /// and checks the other terms on those only, so selecting costs what the selector matches.
    pub fn select(&self, index: &NodeIndex<'_>) -> Vec<NodeIdx> {
        let mut selected: Vec<NodeIdx> = Vec::new();
        for terms in &self.alternatives {
            let all_hold = |&i: &NodeIdx| {
                let node = &index.nodes[i as usize];
                terms.iter().all(|term| term.matches(node))
            };
            let mut best: Option<&[NodeIdx]> = None;
            let mut one = None;
            for term in terms {
                let candidates: &[NodeIdx] = match term {
                    Term::Id(id) => {
                        one = Some(index.by_id(id));
                        break;
                    }
                    Term::Tag(tag) => index.tagged(tag),
                    Term::Type(asset_type) => index.of_type(*asset_type),
                    Term::Kind(kind) => index.of_kind(*kind),
                    _ => continue,
                };
                if best.is_none_or(|b| candidates.len() < b.len()) {
                    best = Some(candidates);
                }
            }
            match (one, best) {
                (Some(found), _) => selected.extend(found.filter(|i| all_hold(i))),
                (None, Some(list)) => selected.extend(list.iter().copied().filter(|i| all_hold(i))),
                (None, None) => {
                    selected.extend((0..index.nodes.len() as NodeIdx).filter(|i| all_hold(i)));
                }
            }
        }
        if self.alternatives.len() > 1 {
            selected.sort_unstable();
            selected.dedup();
        }
        selected
    }

    /// The ids named by `id:X` or bare-id terms, so they can be checked against the inventory.
    pub fn named_ids(&self) -> impl Iterator<Item = &Id> {
        self.alternatives
            .iter()
            .flatten()
            .filter_map(|term| match term {
                Term::Id(id) => Some(id),
                _ => None,
            })
    }
}

impl Term {
    fn parse(text: &str) -> Result<Self, ValueError> {
        if text == "*" {
            return Ok(Self::All);
        }
        if text.is_empty() {
            return Err(ValueError::new("selector has an empty term")
                .with_help("remove the doubled `&`, or write a term on each side of it"));
        }
        let Some((prefix, value)) = text.split_once(':') else {
            return parse_id(text);
        };
        let value = value.trim();
        let kebab = prefix.trim().to_ascii_lowercase();
        match kebab.as_str() {
            "kind" => NodeKind::parse(value).map(Self::Kind),
            "type" => AssetType::parse(value).map(Self::Type),
            "tag" if !value.is_empty() => Ok(Self::Tag(Box::from(value))),
            "env" | "environment" => Environment::parse(value).map(Self::Environment),
            "classification" => Classification::parse(value).map(Self::Classification),
            "id" => parse_id(value),
            "category" => Err(
                ValueError::new(format!("`{text}` selects threats, not nodes")).with_help(format!(
                    "node selectors start with {PREFIXES}, or are a bare id"
                )),
            ),
            // Ids may contain `:` (`aws:us-east-1`), so an unknown prefix is read as a bare id.
            _ => parse_id(text),
        }
    }

    fn matches(&self, node: &Node) -> bool {
        match self {
            Self::All => true,
            Self::Kind(kind) => node.kind() == *kind,
            Self::Type(asset_type) => node.asset().is_some_and(|a| a.asset_type == *asset_type),
            Self::Tag(tag) => node.has_tag(tag),
            Self::Environment(env) => node.asset().is_some_and(|a| a.environment == Some(*env)),
            Self::Classification(class) => node
                .asset()
                .is_some_and(|a| a.classification == Some(*class)),
            Self::Id(id) => node.id == *id,
        }
    }
}

/// Lists of nodes by tag, asset type and kind, built once so that selectors select without
/// scanning the whole inventory.
pub struct NodeIndex<'a> {
    nodes: &'a [Node],
    inventory: &'a crate::Inventory,
    /// Lower-cased tag -> nodes, in node order.
    tags: std::collections::HashMap<String, Vec<NodeIdx>>,
    types: std::collections::HashMap<AssetType, Vec<NodeIdx>>,
    kinds: [Vec<NodeIdx>; 3],
}

impl<'a> NodeIndex<'a> {
    pub fn new(inventory: &'a crate::Inventory) -> Self {
        let nodes = &inventory.nodes;
        let mut index = Self {
            nodes,
            inventory,
            tags: std::collections::HashMap::new(),
            types: std::collections::HashMap::new(),
            kinds: [Vec::new(), Vec::new(), Vec::new()],
        };
        for (i, node) in nodes.iter().enumerate() {
            let i = i as NodeIdx;
            for tag in &node.tags {
                let list = index.tags.entry(tag.to_ascii_lowercase()).or_default();
                // A node that repeats a tag is listed once.
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            if let Some(asset) = node.asset() {
                index.types.entry(asset.asset_type).or_default().push(i);
            }
            index.kinds[kind_slot(node.kind())].push(i);
        }
        index
    }

    /// How many nodes the index covers.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn by_id(&self, id: &Id) -> impl Iterator<Item = NodeIdx> {
        self.inventory.node_idx(id.as_str()).into_iter()
    }

    fn tagged(&self, tag: &str) -> &[NodeIdx] {
        self.tags
            .get(&tag.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    fn of_type(&self, asset_type: AssetType) -> &[NodeIdx] {
        self.types.get(&asset_type).map_or(&[], Vec::as_slice)
    }

    fn of_kind(&self, kind: NodeKind) -> &[NodeIdx] {
        &self.kinds[kind_slot(kind)]
    }
}

fn kind_slot(kind: NodeKind) -> usize {
    match kind {
        NodeKind::Asset => 0,
        NodeKind::Process => 1,
        NodeKind::Vendor => 2,
    }
}

fn parse_id(text: &str) -> Result<Term, ValueError> {
    Id::parse(text).map(Term::Id).map_err(|err| {
        ValueError::new(format!("`{text}` is not a selector")).with_help(format!(
            "a selector is `*`, a term starting with {PREFIXES}, or a bare id; {}",
            err.message
        ))
    })
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Selector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Asset, NodeDetail, RowRef};
    use crate::vocabulary::Lifecycle;

    fn asset(id: &str, asset_type: AssetType, tags: &[&str]) -> Node {
        Node {
            id: Id::parse(id).unwrap(),
            name: Box::from(id),
            owner: None,
            in_scope: true,
            tags: tags.iter().map(|t| std::sync::Arc::from(*t)).collect(),
            attributes: Vec::new(),
            detail: NodeDetail::Asset(Asset {
                asset_type,
                confidentiality: None,
                integrity: None,
                availability: None,
                classification: Some(Classification::Confidential),
                personal_data: false,
                environment: Some(Environment::Cloud),
                lifecycle: Some(Lifecycle::Supported),
                location: None,
            }),
            row: RowRef::default(),
        }
    }

    #[test]
    fn selectors_match_as_documented() {
        let web = asset("web", AssetType::Software, &["internet-facing"]);
        let db = asset("db", AssetType::Data, &[]);
        let check = |text: &str, node: &Node, expected: bool| {
            let selector = Selector::parse(text).unwrap();
            assert_eq!(selector.matches(node), expected, "{text} on {}", node.id);
        };
        check("*", &db, true);
        check("kind:asset", &db, true);
        check("kind:vendor", &db, false);
        check("type:software", &web, true);
        check("type:software", &db, false);
        check("tag:Internet-Facing", &web, true);
        check("kind:asset&tag:internet-facing", &db, false);
        check("kind:asset&tag:internet-facing; id:db", &db, true);
        check("db", &db, true);
        check("env:cloud&classification:confidential", &db, true);
        check("aws:us-east-1", &db, false);
    }

    #[test]
    fn indexed_matches_any_agrees_with_a_scan() {
        let nodes = [
            asset("web", AssetType::Software, &["Internet-Facing"]),
            asset("db", AssetType::Data, &["pii"]),
            asset("hq", AssetType::Facility, &[]),
        ];
        let by_id = |id: &Id| nodes.iter().position(|n| n.id == *id).map(|i| i as NodeIdx);
        let mut tagged: std::collections::HashMap<String, Vec<NodeIdx>> =
            std::collections::HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            for tag in &node.tags {
                tagged
                    .entry(tag.to_ascii_lowercase())
                    .or_default()
                    .push(i as NodeIdx);
            }
        }
        let by_tag = |tag: &str| {
            tagged
                .get(&tag.to_ascii_lowercase())
                .map(Vec::as_slice)
                .into_iter()
                .collect()
        };
        for text in [
            "*",
            "db",
            "id:db&type:software",
            "tag:internet-facing",
            "tag:pii&type:software",
            "type:facility",
            "type:network; tag:pii",
            "kind:vendor",
            "env:cloud&tag:none",
        ] {
            let selector = Selector::parse(text).unwrap();
            let scan = nodes.iter().any(|n| selector.matches(n));
            assert_eq!(selector.matches_any(&nodes, by_id, by_tag), scan, "{text}");
        }
    }

    #[test]
    fn bad_selectors_say_why() {
        let check = |text: &str, needle: &str| {
            let err = Selector::parse(text).unwrap_err();
            let all = format!("{} {}", err.message, err.help.unwrap_or_default());
            assert!(all.contains(needle), "{text}: {all}");
        };
        check("type:sofware", "did you mean `software`?");
        check("", "empty");
        check("kind:asset&&tag:x", "empty term");
        check("category:fraud", "selects threats");
        check("web server", "not a selector");
    }
}
