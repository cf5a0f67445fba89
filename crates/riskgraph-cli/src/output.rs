//! The one way every command writes its output: to the standard output, or with `-o FILE` to a
//! temporary file renamed over FILE once complete, written in large blocks that bypass the page
//! cache where the system allows ([`blocks`]). A closed standard output ends the run quietly.

mod blocks;

use std::io::Write;
use std::path::Path;

use crate::Outcome;
use crate::error::{Error, Result};

/// Writes what `render` renders to `output` (atomically), else to the standard output. A closed
/// standard output (`| head`) gives [`Outcome::StdoutClosed`], which ends the run quietly; any
/// other write error is an [`Error`].
pub fn emit(
    output: Option<&Path>,
    render: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result {
    let Some(path) = output else {
        return stdout(render(&mut std::io::stdout()));
    };
    write_atomically(path, render)
        .map(|()| Outcome::Success)
        .map_err(|err| Error::message(format!("cannot write {}: {err}", path.display())))
}

/// The outcome of writing to the standard output: a closed pipe ends the run quietly
/// ([`Outcome::StdoutClosed`]), any other error is an error.
pub fn stdout(written: std::io::Result<()>) -> Result {
    match written {
        Ok(()) => Ok(Outcome::Success),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::StdoutClosed),
        Err(err) => Err(Error::message(format!(
            "cannot write the standard output: {err}"
        ))),
    }
}

/// Writes `path` all at once: into a temporary file beside it, renamed over `path` only when
/// complete. On failure (or an interruption) `path` is left as it was.
pub fn write_atomically(
    path: &Path,
    render: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file = tempfile::Builder::new()
        .prefix(".riskgraph-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    let mut blocks = blocks::BlockFile::new(file.as_file());
    render(&mut blocks)?;
    blocks.finish()?;
    // The temporary file is private to its owner; the output gets the mode of the file it
    // replaces, or that of a new file.
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => new_file_permissions(folder)?,
    };
    file.as_file().set_permissions(permissions)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// The permissions a new file in `folder` gets (on Unix, read and write for all less the
/// process's umask), found by creating one.
fn new_file_permissions(folder: &Path) -> std::io::Result<std::fs::Permissions> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".riskgraph-mode-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let probe = builder.tempfile_in(folder)?;
    probe.as_file().metadata().map(|m| m.permissions())
}
