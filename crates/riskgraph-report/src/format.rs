//! The one list of output formats. Each command takes the formats that suit what it writes; the
//! CLI offers only those.

/// An output format, named as `--format` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// An indented tree for a terminal (blast radius).
    Tree,
    Json,
    Csv,
    /// Markdown.
    Md,
    /// An Excel workbook.
    Xlsx,
    /// The full HTML report.
    Html,
    /// Graphviz.
    Dot,
    /// SARIF 2.1.0, for code-scanning UIs.
    Sarif,
}

impl Format {
    pub const ALL: [Self; 9] = [
        Self::Table,
        Self::Tree,
        Self::Json,
        Self::Csv,
        Self::Md,
        Self::Xlsx,
        Self::Html,
        Self::Dot,
        Self::Sarif,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Tree => "tree",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Md => "md",
            Self::Xlsx => "xlsx",
            Self::Html => "html",
            Self::Dot => "dot",
            Self::Sarif => "sarif",
        }
    }

    /// Whether the format is a binary file, which needs `-o FILE`.
    pub fn is_binary(self) -> bool {
        self == Self::Xlsx
    }
}
