//! The `lantern` binary: parse configuration, initialise tracing, run the chosen command.

use std::process::ExitCode;

use clap::Parser;
use lantern::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    lantern::init_tracing();
    let result = match cli.command {
        None => lantern::run::serve(cli.serve),
        Some(Command::Serve(args)) => lantern::run::serve(args),
        Some(Command::Openapi) => lantern::run::print_openapi(),
        Some(Command::Generate(args)) => lantern::run::generate(args),
        Some(Command::Keys(command)) => lantern::run::keys(command, cli.serve),
        Some(Command::Import(command)) => lantern::run::import(command, cli.serve),
        Some(Command::Sources(command)) => lantern::run::sources(command, cli.serve),
        Some(Command::Changes(command)) => lantern::run::changes(command, cli.serve),
        Some(Command::Backup { file }) => lantern::run::backup(&file, cli.serve),
        Some(Command::Restore { file }) => lantern::run::restore(&file, cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lantern: {e}");
            ExitCode::FAILURE
        }
    }
}
