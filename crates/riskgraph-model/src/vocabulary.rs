//! The closed vocabularies of the inventory: asset types, classifications, risk categories,
//! statuses and the rest.
//!
//! Every enum is declared with [`vocabulary!`], which gives it its canonical spelling, the aliases
//! spreadsheet users write, case-insensitive parsing and a "did you mean" hint.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::values::{ValueError, closest};

/// A closed set of values written as text in the inventory.
pub trait Vocabulary: Sized + Copy + 'static {
    /// What a value is called in messages, e.g. "asset type".
    const WHAT: &'static str;
    /// Every value, in documentation order.
    const ALL: &'static [Self];

    /// The canonical spelling.
    fn as_str(self) -> &'static str;
    /// Other spellings accepted.
    fn aliases(self) -> &'static [&'static str];

    /// Where the value is in [`Vocabulary::ALL`].
    fn position(self) -> usize
    where
        Self: PartialEq,
    {
        Self::ALL.iter().position(|&v| v == self).unwrap_or(0)
    }

    /// Matches case-insensitively, with spaces, hyphens and underscores ignored, against the
    /// canonical spelling and the aliases.
    fn parse(text: &str) -> Result<Self, ValueError> {
        // Most cells are spelled canonically; check that before folding, which allocates.
        if let Some(value) = Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str().eq_ignore_ascii_case(text))
        {
            return Ok(value);
        }
        let wanted = fold(text);
        Self::ALL
            .iter()
            .copied()
            .find(|v| fold(v.as_str()) == wanted || v.aliases().iter().any(|a| fold(a) == wanted))
            .ok_or_else(|| {
                let names = Self::ALL.iter().map(|v| v.as_str());
                let listed = Self::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let what = Self::WHAT;
                let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                let help = match closest(text, names) {
                    Some(near) => format!("did you mean `{near}`? {what} is one of: {listed}"),
                    None => format!("{what} is one of: {listed}"),
                };
                ValueError::new(format!("`{text}` is not {article} {what}")).with_help(help)
            })
    }
}

/// Lowercases and drops spaces, hyphens and underscores: `On-Premises` and `on premises` fold
/// to the same key.
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal $([$($alias:literal),*])? ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl Vocabulary for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            fn aliases(self) -> &'static [&'static str] {
                match self {
                    $(Self::$variant => &[$($($alias),*)?]),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Which of the three node files a node comes from.
    NodeKind, "node kind" {
        Asset = "asset",
        Process = "process" ["business-process"],
        Vendor = "vendor" ["supplier", "third-party"],
    }
}

vocabulary! {
    AssetType, "asset type" {
        Hardware = "hardware" ["hw", "device"],
        Software = "software" ["sw", "application", "app"],
        Data = "data" ["dataset", "information"],
        Service = "service",
        Personnel = "personnel" ["people", "person", "staff"],
        Facility = "facility" ["site", "building"],
        Network = "network",
    }
}

vocabulary! {
    Classification, "classification" {
        Public = "public",
        Internal = "internal" ["internal-use"],
        Confidential = "confidential",
        Restricted = "restricted" ["secret", "highly-confidential"],
    }
}

vocabulary! {
    Environment, "environment" {
        Cloud = "cloud" ["iaas", "paas"],
        OnPremises = "on-premises" ["on-prem", "on-premise", "onsite"],
        Saas = "saas",
        Endpoint = "endpoint" ["laptop", "workstation"],
        Mobile = "mobile",
        Hybrid = "hybrid",
    }
}

vocabulary! {
    Lifecycle, "lifecycle" {
        Supported = "supported" ["current", "active"],
        Legacy = "legacy",
        EndOfLife = "end-of-life" ["eol", "unsupported"],
    }
}

vocabulary! {
    SegregationOfDuties, "segregation of duties" {
        Full = "full" ["yes"],
        Partial = "partial",
        None = "none" ["no"],
    }
}

vocabulary! {
    DataAccess, "data access level" {
        None = "none" ["no"],
        Internal = "internal",
        Confidential = "confidential",
        Personal = "personal" ["personal-data", "pii"],
    }
}

vocabulary! {
    Soc2Report, "SOC 2 report" {
        None = "none" ["no", "n/a"],
        Type1 = "type1" ["type-i", "type i", "soc2-type1", "soc2-type-i"],
        Type2 = "type2" ["type-ii", "type ii", "soc2-type2", "soc2-type-ii"],
    }
}

vocabulary! {
    DependencyKind, "dependency kind" {
        RunsOn = "runs-on",
        HostedBy = "hosted-by" ["hosted-on", "hosted-in"],
        StoresDataIn = "stores-data-in" ["stores-in", "stores-data-at"],
        Uses = "uses" ["depends-on"],
        ProvidedBy = "provided-by" ["supplied-by"],
        ManagedBy = "managed-by" ["operated-by"],
        LocatedIn = "located-in" ["located-at"],
        Other = "other",
    }
}

vocabulary! {
    /// The risk categories of a threat, including the often-forgotten ones.
    RiskCategory, "risk category" {
        CyberAttack = "cyber-attack" ["cyber", "cyberattack", "attack"],
        DataBreach = "data-breach" ["breach"],
        NaturalDisaster = "natural-disaster" ["disaster"],
        ServiceOutage = "service-outage" ["outage"],
        SupplyChain = "supply-chain" ["third-party", "vendor"],
        Insider = "insider" ["insider-threat"],
        DataIntegrity = "data-integrity",
        Configuration = "configuration" ["misconfiguration", "configuration-drift"],
        Physical = "physical",
        ApplicationSecurity = "application-security" ["appsec"],
        LegalCompliance = "legal-compliance" ["legal", "compliance", "regulatory"],
        Privacy = "privacy",
        IncidentResponse = "incident-response",
        BusinessContinuity = "business-continuity" ["disaster-recovery", "bcdr"],
        Cloud = "cloud" ["cloud-shared-responsibility"],
        Legacy = "legacy" ["legacy-systems"],
        RemoteWork = "remote-work" ["byod"],
        SocialEngineering = "social-engineering" ["phishing"],
        EmergingTechnology = "emerging-technology" ["emerging-tech", "ai", "iot"],
        Fraud = "fraud",
    }
}

vocabulary! {
    ThreatSource, "threat source" {
        Adversarial = "adversarial" ["malicious", "deliberate"],
        Accidental = "accidental" ["error", "human-error"],
        Environmental = "environmental" ["natural"],
        Structural = "structural" ["technical", "failure"],
    }
}

vocabulary! {
    VulnerabilityStatus, "vulnerability status" {
        Open = "open",
        Remediated = "remediated" ["fixed", "closed", "resolved"],
    }
}

vocabulary! {
    ControlStatus, "control status" {
        Implemented = "implemented" ["in-place", "done"],
        Partial = "partial" ["partially-implemented", "in-progress"],
        Planned = "planned",
        NotImplemented = "not-implemented" ["none", "missing"],
    }
}

vocabulary! {
    Reduces, "reduction target" {
        Likelihood = "likelihood",
        Impact = "impact",
        Both = "both",
    }
}

vocabulary! {
    /// The SOC 2 Trust Services Criteria categories, also used for commitments.
    TrustCategory, "trust services category" {
        Security = "security" ["common-criteria"],
        Availability = "availability",
        Confidentiality = "confidentiality",
        ProcessingIntegrity = "processing-integrity",
        Privacy = "privacy",
    }
}

vocabulary! {
    ObligationType, "obligation type" {
        Law = "law" ["statute"],
        Regulation = "regulation",
        Contract = "contract" ["agreement"],
        Standard = "standard" ["framework"],
    }
}

vocabulary! {
    ContextKind, "context kind" {
        InternalIssue = "internal-issue" ["internal"],
        ExternalIssue = "external-issue" ["external"],
        InterestedParty = "interested-party" ["stakeholder"],
    }
}

vocabulary! {
    TreatmentDecision, "treatment decision" {
        Mitigate = "mitigate" ["reduce", "modify", "treat"],
        Accept = "accept" ["retain", "tolerate"],
        Transfer = "transfer" ["share", "insure"],
        Avoid = "avoid" ["terminate"],
    }
}

vocabulary! {
    TreatmentStatus, "treatment status" {
        Open = "open" ["not-started", "todo"],
        InProgress = "in-progress" ["ongoing", "started"],
        Done = "done" ["complete", "completed", "closed"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_ignores_case_spacing_and_accepts_aliases() {
        assert_eq!(AssetType::parse("Software"), Ok(AssetType::Software));
        assert_eq!(
            Environment::parse("On Premises"),
            Ok(Environment::OnPremises)
        );
        assert_eq!(Environment::parse("on_prem"), Ok(Environment::OnPremises));
        assert_eq!(Soc2Report::parse("Type II"), Ok(Soc2Report::Type2));
        assert_eq!(
            RiskCategory::parse("Supply Chain"),
            Ok(RiskCategory::SupplyChain)
        );
    }

    #[test]
    fn unknown_values_get_a_suggestion() {
        let err = AssetType::parse("sofware").unwrap_err();
        assert_eq!(err.message, "`sofware` is not an asset type");
        assert!(err.help.unwrap().starts_with("did you mean `software`?"));
    }

    #[test]
    fn twenty_risk_categories() {
        assert_eq!(RiskCategory::ALL.len(), 20);
    }

    #[test]
    fn aliases_never_collide_across_values() {
        fn check<V: Vocabulary + PartialEq + std::fmt::Debug>() {
            for v in V::ALL {
                for spelling in std::iter::once(v.as_str()).chain(v.aliases().iter().copied()) {
                    assert_eq!(V::parse(spelling).as_ref(), Ok(v), "{spelling}");
                }
            }
        }
        check::<NodeKind>();
        check::<AssetType>();
        check::<Classification>();
        check::<Environment>();
        check::<Lifecycle>();
        check::<SegregationOfDuties>();
        check::<DataAccess>();
        check::<Soc2Report>();
        check::<DependencyKind>();
        check::<RiskCategory>();
        check::<ThreatSource>();
        check::<VulnerabilityStatus>();
        check::<ControlStatus>();
        check::<Reduces>();
        check::<TrustCategory>();
        check::<ObligationType>();
        check::<ContextKind>();
        check::<TreatmentDecision>();
        check::<TreatmentStatus>();
    }
}
