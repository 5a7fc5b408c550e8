//! `wasm-bindgen`, for scripts/build-worker.mjs: the options it passes, each set as
//! wasm-bindgen-cli 0.2.130 sets it (including the defaults of options it does not pass), so the
//! output is byte for byte the CLI's.
//!
//! ```text
//! wasm-bindgen <input.wasm> --out-dir <dir> [--out-name <name>] [--target module|bundler|web]
//!   [--no-typescript] [--experimental-reset-state-function] [--force-enable-abort-handler]
//! wasm-bindgen --version
//! ```
//! Any other option is refused with the list above: this is not the whole CLI.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use wasm_bindgen_cli_support::{Bindgen, EncodeInto};

const USAGE: &str = "usage: wasm-bindgen <input.wasm> --out-dir <dir> [--out-name <name>] \
[--target module|bundler|web] [--no-typescript] [--experimental-reset-state-function] \
[--force-enable-abort-handler] | --version";

/// The options scripts/build-worker.mjs can pass.
#[derive(Debug, Default)]
struct Args {
    input: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    out_name: Option<String>,
    target: Option<String>,
    no_typescript: bool,
    reset_state: bool,
    abort_handler: bool,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>> {
    let mut args = Args::default();
    while let Some(arg) = argv.next() {
        let mut value = |name: &str| argv.next().with_context(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--version" | "-V" => return Ok(None),
            "--out-dir" => args.out_dir = Some(value("--out-dir")?.into()),
            "--out-name" => args.out_name = Some(value("--out-name")?),
            "--target" => args.target = Some(value("--target")?),
            "--no-typescript" => args.no_typescript = true,
            "--experimental-reset-state-function" => args.reset_state = true,
            "--force-enable-abort-handler" => args.abort_handler = true,
            other if other.starts_with('-') => bail!("unsupported option {other}\n{USAGE}"),
            _ if args.input.is_some() => bail!("more than one input ({arg})\n{USAGE}"),
            _ => args.input = Some(arg.into()),
        }
    }
    Ok(Some(args))
}

#[allow(deprecated)] // The CLI still sets the deprecated options (to their defaults); so do we.
fn generate(args: Args) -> Result<()> {
    let input = args.input.with_context(|| format!("no input file\n{USAGE}"))?;
    let out_dir = args.out_dir.with_context(|| format!("no --out-dir\n{USAGE}"))?;
    let mut b = Bindgen::new();
    match args.target.as_deref().unwrap_or("bundler") {
        "module" => b.module(true)?,
        "bundler" => b.bundler(true)?,
        "web" => b.web(true)?,
        other => bail!("unsupported --target {other}\n{USAGE}"),
    };
    b.input_path(&input)
        .nodejs(false)?
        .web(false)?
        .browser(false)?
        .no_modules(false)?
        .debug(false)
        .demangle(true)
        .keep_lld_exports(false)
        .keep_debug(false)
        .split_debug_info(false)
        .remove_name_section(false)
        .remove_producers_section(false)
        .typescript(!args.no_typescript)
        .omit_imports(false)
        .omit_default_module_path(false)
        .split_linked_modules(false)
        .js_string_builtins(false)
        .ts_typed_array_buffers(false)
        .reference_types(false)
        .reset_state_function(args.reset_state)
        .force_enable_abort_handler(args.abort_handler)
        .encode_into(EncodeInto::Test);
    if let Some(name) = &args.out_name {
        b.out_name(name);
    }
    b.generate(&out_dir).with_context(|| format!("wasm-bindgen failed on {}", input.display()))
}

fn main() -> ExitCode {
    let outcome = parse(std::env::args().skip(1)).and_then(|parsed| match parsed {
        None => {
            println!("wasm-bindgen {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some(args) => generate(args),
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
