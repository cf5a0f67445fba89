//! The files of a new, empty inventory, as written by `riskgraph init`.

use crate::load::MANIFEST_FILE;
use crate::schema::FILES;

/// Every file of a new inventory: (file name, content).
pub fn files() -> Vec<(String, String)> {
    let mut files = vec![
        (
            MANIFEST_FILE.to_owned(),
            include_str!("../templates/riskgraph.toml").to_owned(),
        ),
        (
            String::from("README.md"),
            include_str!("../templates/README.md").to_owned(),
        ),
    ];
    for spec in FILES {
        let header = spec.column_names().collect::<Vec<_>>().join(",");
        files.push((format!("{}.csv", spec.stem), format!("{header}\n")));
    }
    files
}
