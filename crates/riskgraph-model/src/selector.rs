//! Selectors pick nodes: `*`, `kind:asset`, `type:software`, `tag:pci`, `env:cloud`,
//! `classification:restricted`, `id:okta` or a bare id.
//!
//! Terms joined with `&` must all hold; a list of selectors (separated by `;` or `|`) matches when
//! any of them does: `kind:asset&tag:internet-facing; id:okta`.

use std::borrow::Cow;
use std::fmt;

use rustc_hash::FxHashMap;
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

    /// Whether any node of `index` matches. Like [`Selector::select`], each alternative tries only
    /// its most selective term's list, and stops at the first node that matches.
    pub fn matches_any(&self, index: &NodeIndex<'_>) -> bool {
        self.alternatives.iter().any(|terms| {
            let all_hold = |i: NodeIdx| index.all_hold(terms, i);
            match index.candidates(terms) {
                Candidates::One(found) => found.is_some_and(all_hold),
                Candidates::List(list) => list.iter().copied().any(all_hold),
                Candidates::Every => (0..index.node_count() as NodeIdx).any(all_hold),
            }
        })
    }

    /// Every node of `index` the selector matches, in node order. Each alternative starts from its
    /// most selective term's list (the one id, the nodes with a tag, of an asset type, of a kind)
    /// and checks the other terms on those only, so selecting costs what the selector matches.
    pub fn select(&self, index: &NodeIndex<'_>) -> Vec<NodeIdx> {
        let mut selected: Vec<NodeIdx> = Vec::new();
        for terms in &self.alternatives {
            let all_hold = |&i: &NodeIdx| index.all_hold(terms, i);
            match index.candidates(terms) {
                Candidates::One(found) => selected.extend(found.filter(all_hold)),
                Candidates::List(list) => selected.extend(list.iter().copied().filter(all_hold)),
                Candidates::Every => {
                    selected.extend((0..index.node_count() as NodeIdx).filter(all_hold));
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
///
/// The index owns its [`NodeLists`] ([`NodeIndex::new`]) or borrows lists kept beside the
/// inventory ([`NodeIndex::over`]), so that a holder of the inventory can build them once and
/// select through them as often as it likes.
pub struct NodeIndex<'a> {
    inventory: &'a crate::Inventory,
    lists: Cow<'a, NodeLists>,
}

/// The nodes of each tag, asset type and kind of an inventory, in node order: what a
/// [`NodeIndex`] holds besides the inventory.
#[derive(Debug, Default, Clone)]
pub struct NodeLists {
    /// Lower-cased tag -> nodes.
    tags: FxHashMap<String, Vec<NodeIdx>>,
    types: FxHashMap<AssetType, Vec<NodeIdx>>,
    kinds: [Vec<NodeIdx>; 3],
    /// How many nodes the lists were built from.
    node_count: usize,
}

impl NodeLists {
    /// The lists of `inventory`'s nodes.
    pub fn new(inventory: &crate::Inventory) -> Self {
        use rayon::prelude::*;
        // Ranges of nodes are listed on every thread, then their lists joined in node order.
        let nodes = &inventory.nodes;
        let size = nodes
            .len()
            .div_ceil(rayon::current_num_threads() * 4)
            .max(1 << 14);
        let parts: Vec<Self> = nodes
            .par_chunks(size)
            .enumerate()
            .map(|(at, chunk)| Self::of(chunk, (at * size) as NodeIdx))
            .collect();
        let mut parts = parts.into_iter();
        let mut lists = parts.next().unwrap_or_default();
        for part in parts {
            lists.append(part);
        }
        lists.node_count = nodes.len();
        lists
    }

    /// The lists of `nodes`, the first of which is node `first`.
    fn of(nodes: &[Node], first: NodeIdx) -> Self {
        let mut lists = Self::default();
        let mut lower = String::new();
        for (i, node) in (first..).zip(nodes) {
            for tag in &node.tags {
                // Tags are usually written in lower case already: no copy to look them up.
                let key: &str = if tag.bytes().any(|b| b.is_ascii_uppercase()) {
                    lower.clear();
                    lower.push_str(tag);
                    lower.make_ascii_lowercase();
                    &lower
                } else {
                    tag
                };
                let list = match lists.tags.get_mut(key) {
                    Some(list) => list,
                    None => lists.tags.entry(key.to_owned()).or_default(),
                };
                // A node that repeats a tag is listed once.
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            if let Some(asset) = node.asset() {
                lists.types.entry(asset.asset_type).or_default().push(i);
            }
            lists.kinds[kind_slot(node.kind())].push(i);
        }
        lists
    }

    /// Appends the lists of `later`, whose nodes all come after this one's.
    fn append(&mut self, later: Self) {
        for (tag, list) in later.tags {
            self.tags.entry(tag).or_default().extend(list);
        }
        for (asset_type, list) in later.types {
            self.types.entry(asset_type).or_default().extend(list);
        }
        for (mine, theirs) in self.kinds.iter_mut().zip(later.kinds) {
            mine.extend(theirs);
        }
    }
}

/// Where an alternative of a selector looks for its nodes.
enum Candidates<'i> {
    /// The node its id term names, if there is one.
    One(Option<NodeIdx>),
    /// The shortest of the lists of its tag, type and kind terms.
    List(&'i [NodeIdx]),
    /// Every node: it has no term with a list.
    Every,
}

impl<'a> NodeIndex<'a> {
    /// Builds the index of `inventory`.
    pub fn new(inventory: &'a crate::Inventory) -> Self {
        Self {
            inventory,
            lists: Cow::Owned(NodeLists::new(inventory)),
        }
    }

    /// The index of `inventory` through `lists`, which [`NodeLists::new`] built from it: costs
    /// nothing.
    pub fn over(inventory: &'a crate::Inventory, lists: &'a NodeLists) -> Self {
        debug_assert_eq!(
            lists.node_count,
            inventory.nodes.len(),
            "node lists of another inventory"
        );
        Self {
            inventory,
            lists: Cow::Borrowed(lists),
        }
    }

    /// How many nodes the index covers.
    pub fn node_count(&self) -> usize {
        self.inventory.nodes.len()
    }

    /// Whether node `i` exists and every term of an alternative holds for it.
    fn all_hold(&self, terms: &[Term], i: NodeIdx) -> bool {
        self.inventory
            .nodes
            .get(i as usize)
            .is_some_and(|node| terms.iter().all(|term| term.matches(node)))
    }

    fn by_id(&self, id: &Id) -> Option<NodeIdx> {
        self.inventory.node_idx(id.as_str())
    }

    fn tagged(&self, tag: &str) -> &[NodeIdx] {
        let list = match self.lists.tags.get(tag) {
            Some(list) => Some(list),
            None => self.lists.tags.get(&tag.to_ascii_lowercase()),
        };
        list.map_or(&[], Vec::as_slice)
    }

    fn of_type(&self, asset_type: AssetType) -> &[NodeIdx] {
        self.lists.types.get(&asset_type).map_or(&[], Vec::as_slice)
    }

    fn of_kind(&self, kind: NodeKind) -> &[NodeIdx] {
        &self.lists.kinds[kind_slot(kind)]
    }

    /// Where the alternative `terms` looks for its nodes.
    fn candidates(&self, terms: &[Term]) -> Candidates<'_> {
        let mut best: Option<&[NodeIdx]> = None;
        for term in terms {
            let list: &[NodeIdx] = match term {
                Term::Id(id) => return Candidates::One(self.by_id(id)),
                Term::Tag(tag) => self.tagged(tag),
                Term::Type(asset_type) => self.of_type(*asset_type),
                Term::Kind(kind) => self.of_kind(*kind),
                _ => continue,
            };
            if best.is_none_or(|b| list.len() < b.len()) {
                best = Some(list);
            }
        }
        best.map_or(Candidates::Every, Candidates::List)
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
            loss: None,
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
    fn indexed_selection_agrees_with_a_scan() {
        // Enough nodes that the index is built in several ranges and joined.
        let types = [AssetType::Software, AssetType::Data, AssetType::Facility];
        let tags = [
            &["Internet-Facing"][..],
            &["pii"],
            &[],
            &["pii", "PII", "prod"],
        ];
        let nodes: Vec<Node> = (0..40_000)
            .map(|i| asset(&format!("n{i}"), types[i % 3], tags[i % 7 % 4]))
            .collect();
        let mut node_index = crate::id_index::IdIndex::default();
        for (i, node) in nodes.iter().enumerate() {
            node_index.insert(node.id.as_str(), i as NodeIdx);
        }
        let inventory = crate::Inventory {
            nodes,
            node_index,
            ..crate::Inventory::default()
        };
        let index = NodeIndex::new(&inventory);
        let lists = NodeLists::new(&inventory);
        let borrowed = NodeIndex::over(&inventory, &lists);
        for text in [
            "*",
            "n17",
            "id:n17&type:software",
            "id:n18&type:software",
            "tag:internet-facing",
            "tag:PII&type:software",
            "tag:prod&type:facility",
            "type:facility",
            "type:network; tag:pii",
            "kind:vendor",
            "kind:asset&tag:Prod",
            "env:cloud&tag:none",
            "n39999; tag:prod",
        ] {
            let selector = Selector::parse(text).unwrap();
            let scan: Vec<NodeIdx> = (0..inventory.nodes.len() as NodeIdx)
                .filter(|&i| selector.matches(inventory.node(i)))
                .collect();
            assert_eq!(selector.select(&index), scan, "{text}");
            assert_eq!(selector.select(&borrowed), scan, "{text}");
            assert_eq!(selector.matches_any(&index), !scan.is_empty(), "{text}");
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
