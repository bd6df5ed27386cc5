//! The `ladder` command: argument parsing and every side effect (files, exit codes).
//! The compiler itself is the library's pure core.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
