//! `site build`: renders the static site into a folder (default `site/dist`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use forms::Definitions;
use site::SignIn;

#[derive(Parser)]
#[command(name = "site", about = "Elanmälan's static site generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render the pages, assets and JSON Schemas.
    Build {
        #[arg(long, default_value = "site/dist")]
        out: PathBuf,
        /// OpenID Connect authority (e.g. the Cognito domain); without it, local demo sign-in.
        #[arg(long, requires = "oidc_client_id")]
        oidc_authority: Option<String>,
        #[arg(long, requires = "oidc_authority")]
        oidc_client_id: Option<String>,
        /// Cognito's name of the BankID identity provider (the stack's output BankIdProvider):
        /// the sign-in page offers "Logga in med BankID".
        #[arg(long, requires = "oidc_authority")]
        oidc_identity_provider: Option<String>,
        /// A definitions folder; without it, the definitions shipped in forms/definitions/.
        #[arg(long)]
        definitions: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let Command::Build { out, oidc_authority, oidc_client_id, oidc_identity_provider, definitions } =
        Cli::parse().command;
    let sign_in = match (oidc_authority, oidc_client_id) {
        (Some(authority), Some(client_id)) => {
            SignIn::Oidc { authority, client_id, identity_provider: oidc_identity_provider }
        }
        _ => SignIn::Local,
    };
    let read;
    let definitions = match definitions {
        None => Definitions::builtin(),
        Some(dir) => match site::definitions_from(&dir) {
            Ok(found) => {
                read = found;
                &read
            }
            Err(problems) => {
                eprintln!(
                    "{problems}\nsite: {} problems in {}; nothing was built",
                    problems.0.len(),
                    dir.display()
                );
                return ExitCode::FAILURE;
            }
        },
    };
    let result = site::build(definitions, &sign_in).and_then(|s| {
        s.write_to(&out)?;
        Ok(s.files.len())
    });
    match result {
        Ok(count) => {
            println!("{count} files written to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("site: {e}");
            ExitCode::FAILURE
        }
    }
}
