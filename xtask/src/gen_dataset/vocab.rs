//! Fixed vocabularies of the synthetic inventory: enum values spelled as DESIGN.md spells them, the
//! tag vocabulary, and the words that names are made of.

/// Node kinds, as the `kind:` selector spells them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Asset,
    Process,
    Vendor,
}

impl Kind {
    pub const ALL: [Self; 3] = [Self::Asset, Self::Process, Self::Vendor];

    pub fn name(self) -> &'static str {
        match self {
            Self::Asset => "asset",
            Self::Process => "process",
            Self::Vendor => "vendor",
        }
    }
}

/// The `type` column of `assets.csv`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AssetType {
    Hardware,
    Software,
    Data,
    Service,
    Personnel,
    Facility,
    Network,
}

impl AssetType {
    pub const ALL: [Self; 7] = [
        Self::Hardware,
        Self::Software,
        Self::Data,
        Self::Service,
        Self::Personnel,
        Self::Facility,
        Self::Network,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Hardware => "hardware",
            Self::Software => "software",
            Self::Data => "data",
            Self::Service => "service",
            Self::Personnel => "personnel",
            Self::Facility => "facility",
            Self::Network => "network",
        }
    }

    /// Words that follow the domain in an asset's name ("Payments database 123").
    pub fn nouns(self) -> &'static [&'static str] {
        match self {
            Self::Hardware => &[
                "server",
                "VM",
                "laptop",
                "host",
                "appliance",
                "container host",
            ],
            Self::Software => &[
                "API",
                "web app",
                "worker",
                "batch job",
                "mobile app",
                "admin console",
            ],
            Self::Data => &[
                "database",
                "bucket",
                "dataset",
                "table",
                "data lake zone",
                "file share",
            ],
            Self::Service => &[
                "SaaS tenant",
                "managed service",
                "platform service",
                "hosted tool",
            ],
            Self::Personnel => &["engineering team", "operations team", "admins", "analysts"],
            Self::Facility => &["office", "data center", "warehouse", "server room"],
            Self::Network => &[
                "VPC",
                "VLAN",
                "VPN gateway",
                "load balancer",
                "firewall zone",
            ],
        }
    }
}

/// The `environment` column of `assets.csv`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Env {
    Cloud,
    OnPremises,
    Saas,
    Endpoint,
    Mobile,
    Hybrid,
}

impl Env {
    pub const ALL: [Self; 6] = [
        Self::Cloud,
        Self::OnPremises,
        Self::Saas,
        Self::Endpoint,
        Self::Mobile,
        Self::Hybrid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Cloud => "cloud",
            Self::OnPremises => "on-premises",
            Self::Saas => "saas",
            Self::Endpoint => "endpoint",
            Self::Mobile => "mobile",
            Self::Hybrid => "hybrid",
        }
    }
}

/// The `classification` column of `assets.csv`, from least to most sensitive.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    Public,
    Internal,
    Confidential,
    Restricted,
}

impl Class {
    pub const ALL: [Self; 4] = [
        Self::Public,
        Self::Internal,
        Self::Confidential,
        Self::Restricted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
            Self::Confidential => "confidential",
            Self::Restricted => "restricted",
        }
    }
}

/// The `lifecycle` column of `assets.csv`.
pub const LIFECYCLES: [&str; 3] = ["supported", "legacy", "end-of-life"];

/// The `data_access` column of `vendors.csv`, from least to most sensitive.
pub const DATA_ACCESS: [&str; 4] = ["none", "internal", "confidential", "personal"];

/// Business domains. Every node carries exactly one as a tag; earlier domains are bigger.
pub const DOMAINS: [&str; 40] = [
    "payments",
    "orders",
    "identity",
    "web",
    "billing",
    "analytics",
    "crm",
    "support",
    "data-platform",
    "checkout",
    "catalog",
    "search",
    "messaging",
    "mobile",
    "hr",
    "payroll",
    "finance",
    "ledger",
    "marketing",
    "email",
    "logging",
    "monitoring",
    "ci-cd",
    "source-control",
    "backup",
    "storage",
    "ml-platform",
    "recommendations",
    "inventory",
    "shipping",
    "pricing",
    "fraud-detection",
    "kyc",
    "reporting",
    "documents",
    "collaboration",
    "vpn",
    "procurement",
    "legal",
    "facilities",
];

/// Domains that move money or feed financial reporting.
pub fn is_financial_domain(domain: usize) -> bool {
    matches!(
        DOMAINS[domain],
        "payments"
            | "billing"
            | "checkout"
            | "payroll"
            | "finance"
            | "ledger"
            | "pricing"
            | "procurement"
    )
}

/// Domains that handle payment card data.
pub fn is_card_domain(domain: usize) -> bool {
    matches!(DOMAINS[domain], "payments" | "checkout" | "billing")
}

/// Domains built on machine learning.
pub fn is_ai_domain(domain: usize) -> bool {
    matches!(
        DOMAINS[domain],
        "ml-platform" | "recommendations" | "fraud-detection"
    )
}

/// Tags other than the domain, each a fact about the node that threats and controls select on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Attr {
    InternetFacing,
    CustomerFacing,
    Pii,
    Financial,
    Pci,
    CrownJewel,
    Legacy,
    Privileged,
    Remote,
    FinanceTeam,
    Ai,
    Iot,
    Byod,
    Prod,
    Staging,
    Dev,
    Dmz,
    Critical,
    Subprocessor,
    CloudProvider,
    Saas,
    Sox,
    Office,
    Datacenter,
}

impl Attr {
    pub const ALL: [Self; 24] = [
        Self::InternetFacing,
        Self::CustomerFacing,
        Self::Pii,
        Self::Financial,
        Self::Pci,
        Self::CrownJewel,
        Self::Legacy,
        Self::Privileged,
        Self::Remote,
        Self::FinanceTeam,
        Self::Ai,
        Self::Iot,
        Self::Byod,
        Self::Prod,
        Self::Staging,
        Self::Dev,
        Self::Dmz,
        Self::Critical,
        Self::Subprocessor,
        Self::CloudProvider,
        Self::Saas,
        Self::Sox,
        Self::Office,
        Self::Datacenter,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::InternetFacing => "internet-facing",
            Self::CustomerFacing => "customer-facing",
            Self::Pii => "pii",
            Self::Financial => "financial",
            Self::Pci => "pci",
            Self::CrownJewel => "crown-jewel",
            Self::Legacy => "legacy",
            Self::Privileged => "privileged",
            Self::Remote => "remote",
            Self::FinanceTeam => "finance-team",
            Self::Ai => "ai",
            Self::Iot => "iot",
            Self::Byod => "byod",
            Self::Prod => "prod",
            Self::Staging => "staging",
            Self::Dev => "dev",
            Self::Dmz => "dmz",
            Self::Critical => "critical",
            Self::Subprocessor => "subprocessor",
            Self::CloudProvider => "cloud-provider",
            Self::Saas => "saas",
            Self::Sox => "sox",
            Self::Office => "office",
            Self::Datacenter => "datacenter",
        }
    }
}

/// The twenty risk categories of DESIGN.md, in its order; the core threats must follow it.
#[cfg(test)]
pub const CATEGORIES: [&str; 20] = [
    "cyber-attack",
    "data-breach",
    "natural-disaster",
    "service-outage",
    "supply-chain",
    "insider",
    "data-integrity",
    "configuration",
    "physical",
    "application-security",
    "legal-compliance",
    "privacy",
    "incident-response",
    "business-continuity",
    "cloud",
    "legacy",
    "remote-work",
    "social-engineering",
    "emerging-technology",
    "fraud",
];

pub const FIRST_NAMES: [&str; 16] = [
    "Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kemi", "Liam", "Maya", "Nadia", "Omar", "Priya",
];

pub const LAST_NAMES: [&str; 16] = [
    "Martin", "Okafor", "Schmidt", "Tanaka", "Silva", "Novak", "Dubois", "Khan", "Larsen",
    "Moreau", "Rossi", "Walsh", "Yilmaz", "Costa", "Berg", "Ito",
];

pub const CLOUD_REGIONS: [&str; 6] = [
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-southeast-1",
    "ca-central-1",
];

pub const CITIES: [&str; 8] = [
    "Paris",
    "Berlin",
    "London",
    "Dublin",
    "New York",
    "Austin",
    "Toronto",
    "Singapore",
];

pub const COUNTRIES: [&str; 10] = ["US", "IE", "DE", "FR", "GB", "NL", "IN", "CA", "JP", "SG"];

pub const VENDOR_PREFIXES: [&str; 20] = [
    "Nimbus", "Stratus", "Cirrus", "Apex", "Vertex", "Quanta", "Helix", "Orbit", "Beacon",
    "Summit", "Atlas", "Nova", "Zenith", "Cobalt", "Argon", "Pioneer", "Harbor", "Keystone",
    "Lumen", "Meridian",
];

pub const VENDOR_SUFFIXES: [&str; 10] = [
    "Cloud",
    "Systems",
    "Networks",
    "Labs",
    "Data",
    "Software",
    "Services",
    "Security",
    "Analytics",
    "Technologies",
];

/// What a small vendor sells (the `service` column).
pub const VENDOR_SERVICES: [&str; 16] = [
    "SaaS application",
    "payment processing",
    "customer support platform",
    "email delivery",
    "monitoring and logging",
    "identity provider",
    "payroll and HR",
    "managed security services",
    "software development tools",
    "content delivery",
    "data analytics",
    "IT outsourcing",
    "office facilities",
    "telecommunications",
    "legal services",
    "consulting",
];

/// What the big (fourth-party) vendors sell.
pub const BIG_VENDOR_SERVICES: [&str; 4] = [
    "cloud infrastructure",
    "content delivery network",
    "identity platform",
    "data center colocation",
];

pub const PROCESS_NOUNS: [&str; 10] = [
    "operations",
    "reconciliation",
    "onboarding",
    "approval",
    "reporting",
    "release management",
    "customer support",
    "access review",
    "month-end close",
    "incident handling",
];

pub const CONTROL_OWNERS: [&str; 10] = [
    "CISO",
    "Head of IT",
    "Security Engineering",
    "Platform Team",
    "People Team",
    "Legal Counsel",
    "Finance Controller",
    "Vendor Manager",
    "Data Protection Officer",
    "Site Reliability Engineering",
];
