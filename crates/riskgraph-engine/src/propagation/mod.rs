//! Impact propagation: from a failing or compromised node, impact flows to everything that depends
//! on it, attenuated along each dependency by a factor in 0..1, keeping the strongest path.
//!
//! # Fixed-point impacts
//!
//! A factor `f` is stored as its *cost* `-log2(f)` in units of 1/65536 ([`Cost`]), so the impact of a
//! path, the product of its factors, is the exact integer sum of their costs. Integer sums do not
//! depend on the order in which they are added: a one-origin search, a search with a depth limit
//! and the all-origins summaries in [`crate::reach`] give the same numbers, whatever the order in
//! which threads explore the graph. The rounding moves an impact by less than 0.002 % of its value.
//!
//! # Semantics
//!
//! From the origins (impact 1, hop 0), a node's impact is the largest product of factors over the
//! paths that reach it (the smallest total cost); among those paths, the ones with fewest hops
//! count, and its parent is the earliest dependency row that ends such a path. A node is reached when its impact is at least the threshold (`--min`,
//! default 0.05) and, with a depth limit, when that strongest path has at most that many hops: the
//! limits cut the tree of strongest paths without changing any impact or path in what remains.
//! Factors never exceed 1, so the impact never grows along a path and cycles end by themselves.

mod graph;
mod search;

pub use graph::{ImpactGraph, PropertyGraph, RawEdge, RowFactors};
pub use search::{PullRule, Search};

use riskgraph_model::NodeIdx;
use riskgraph_model::records::Dependency;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::DependencyKind;
use serde::Serialize;

/// Attenuation in fixed point: `-log2(factor)` in units of 1/65536. 0 is full impact.
pub type Cost = u32;

/// A factor of 0 (the edge does not carry the property) has no cost: the edge is left out.
const COST_SCALE: f64 = 65536.0;

/// The default threshold below which impact stops propagating.
pub const DEFAULT_MIN_IMPACT: f64 = 0.05;

/// The cost of a factor in 0..=1, or `None` for a factor of 0.
pub fn cost_of(factor: f64) -> Option<Cost> {
    if factor.is_nan() || factor <= 0.0 {
        return None;
    }
    let cost = (-factor.min(1.0).log2() * COST_SCALE).round();
    // Costs beyond u32 are factors below 2^-65535: treat them as no impact at all.
    (cost < f64::from(u32::MAX)).then_some(cost as Cost)
}

/// The impact a cost stands for, in 0..=1.
pub fn impact_of(cost: Cost) -> f64 {
    (-f64::from(cost) / COST_SCALE).exp2()
}

/// Everything about a dependency row that its factor may depend on. Inventories have few distinct
/// profiles, so the factor function (and later the organization's Rhai rule) runs once per profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EdgeProfile {
    pub kind: DependencyKind,
    /// The strength as f32 bits, so profiles can be hashed.
    strength_bits: u32,
    pub redundant: bool,
    /// Whether the row lists the property in its `propagates` column.
    pub propagates: bool,
}

impl EdgeProfile {
    pub fn of(dependency: &Dependency, property: Property) -> Self {
        Self {
            kind: dependency.kind,
            strength_bits: dependency.strength.get().to_bits(),
            redundant: dependency.redundant,
            propagates: dependency.propagates.contains(property),
        }
    }

    /// A profile from its parts, as a rules test describes an edge.
    pub fn new(kind: DependencyKind, strength: f32, redundant: bool, propagates: bool) -> Self {
        Self {
            kind,
            strength_bits: strength.clamp(0.0, 1.0).to_bits(),
            redundant,
            propagates,
        }
    }

    /// The strength as the f64 of its shortest decimal form: a cell `0.8` gives 0.8, not the
    /// f32's 0.800000011920929, to the factor function and to rules scripts alike.
    pub fn strength(&self) -> f64 {
        let strength = f32::from_bits(self.strength_bits);
        strength.to_string().parse().unwrap_or(f64::from(strength))
    }
}

/// How much of a property's impact crosses a dependency of `kind`, before strength and
/// redundancy: (confidentiality, integrity, availability). Documented in README.md.
pub fn kind_factors(kind: DependencyKind) -> [f64; 3] {
    match kind {
        // Running on a host or keeping data in a store shares its fate completely.
        DependencyKind::RunsOn | DependencyKind::StoresDataIn => [1.0, 1.0, 1.0],
        // A hosting or service provider's breach reaches tenants only in part; its outage fully.
        DependencyKind::HostedBy | DependencyKind::ProvidedBy => [0.8, 0.8, 1.0],
        // Using a service exposes what is sent to it; most outages of a used service hurt.
        DependencyKind::Uses => [0.6, 0.7, 0.9],
        // Whoever manages a system holds its keys; an outage of the manager hurts less.
        DependencyKind::ManagedBy => [0.8, 0.8, 0.5],
        // A site's failure takes down what is in it; its breach is a physical-access risk.
        DependencyKind::LocatedIn => [0.4, 0.4, 1.0],
        DependencyKind::Other => [0.5, 0.5, 0.5],
    }
}

/// How much a redundant dependency keeps of the availability impact (the alternative takes over);
/// confidentiality and integrity are not weakened: a breach of either of two providers exposes
/// the data.
pub const REDUNDANT_AVAILABILITY: f64 = 0.3;

/// The built-in edge factor: the kind's factor for the property, times the row's strength, times
/// [`REDUNDANT_AVAILABILITY`] for availability over a redundant dependency; 0 when the row does not
/// propagate the property.
pub fn default_edge_factor(edge: &EdgeProfile, property: Property) -> f64 {
    if !edge.propagates {
        return 0.0;
    }
    let mut factor = kind_factors(edge.kind)[property as usize] * edge.strength();
    if edge.redundant && property == Property::Availability {
        factor *= REDUNDANT_AVAILABILITY;
    }
    factor
}
/// Where a search stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The largest cost still reached (the threshold as a cost).
    pub max_cost: Cost,
    /// The most hops from an origin, if limited.
    pub max_depth: Option<u32>,
}

impl Limits {
    /// Limits from a threshold impact in 0..=1 and an optional depth.
    pub fn new(min_impact: f64, max_depth: Option<u32>) -> Self {
        Self {
            max_cost: cost_of(min_impact).unwrap_or(Cost::MAX),
            max_depth,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(DEFAULT_MIN_IMPACT, None)
    }
}

/// One node a search reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Label {
    pub node: NodeIdx,
    pub cost: Cost,
    pub hops: u32,
    /// The dependency row that ends its strongest path; `NO_EDGE` for an origin.
    pub parent: u32,
    /// Whether a redundant dependency lies on that path.
    pub redundant: bool,
}

/// The parent of an origin.
pub const NO_EDGE: u32 = u32::MAX;

/// The nodes one search reached, in the order they were settled (origins first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyReach {
    pub labels: Vec<Label>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_round_trip_within_rounding() {
        for factor in [1.0, 0.9, 0.8, 0.5, 0.3, 0.05, 0.001] {
            let back = impact_of(cost_of(factor).unwrap());
            assert!((back - factor).abs() / factor < 2e-5, "{factor} -> {back}");
        }
        assert_eq!(cost_of(1.0), Some(0));
        assert_eq!(cost_of(0.5), Some(65536));
        assert_eq!(cost_of(0.0), None);
    }
}
