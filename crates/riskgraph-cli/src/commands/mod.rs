//! One module per command: an `Args` struct and a `run` function.

pub mod init;
pub mod validate;
