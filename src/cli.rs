//! Command-line configuration: every flag can also come from the environment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Lantern: a meeting-finder API for 12-step fellowships.
#[derive(Debug, Parser)]
#[command(name = "lantern", version, about, long_about = None)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve(ServeArgs),
    /// Print the OpenAPI document (what `openapi/openapi.json` holds).
    Openapi,
    /// Generate a synthetic directory from the GeoNames gazetteer in `seed-data/`.
    Generate(GenerateArgs),
    /// Manage API keys in the database (`--database-url`), without a running server.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Import a feed into a service body, writing to the database directly (actor `import`). A
    /// running server shows the result after a restart.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Follow published feeds and BMLT servers (`--database-url`), without a running server; a
    /// running server pulls them on their schedule.
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// The change log (`--database-url`), without a running server.
    #[command(subcommand)]
    Changes(ChangesCommand),
    /// Write a consistent copy of the whole database (`--database-url`) to FILE as JSON lines:
    /// directory, keys' hashes, sources and the change log. Safe while servers run.
    Backup {
        /// Where to write it (`-`: standard output).
        file: PathBuf,
    },
    /// Load a backup into an empty database (`--database-url`) of either backend, in one
    /// transaction: how an office moves from the embedded SQLite to PostgreSQL.
    Restore {
        /// The backup (`-`: standard input).
        file: PathBuf,
    },
}

/// `lantern changes …`.
#[derive(Debug, Subcommand)]
pub enum ChangesCommand {
    /// Delete changes older than some days, keeping each record's latest change (its current
    /// state stays restorable). Following nodes behind that point load again; the changes feed
    /// answers 410 to a `since` below it.
    Prune {
        /// Keep the changes of the last this many days.
        #[arg(long)]
        older_than_days: u32,
    },
}

/// `lantern sources …`.
#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Follow a source: prints it as JSON.
    Add(AddSourceArgs),
    /// Every source with its status, as JSON.
    List,
    /// Stop following a source (its meetings stay).
    Remove {
        /// The source's id.
        id: i64,
    },
    /// Pull a source now; prints its status after the pull.
    Pull {
        /// The source's id.
        id: i64,
    },
}

/// Options of `sources add`.
#[derive(Debug, Clone, Args)]
pub struct AddSourceArgs {
    /// Where it is published (http or https).
    pub url: String,
    /// `meeting-guide` or `bmlt`.
    #[arg(long)]
    pub kind: String,
    /// The service body its meetings go to (BMLT: below which its service bodies go).
    #[arg(long)]
    pub service_body: i64,
    /// The meetings' fellowship (default: the service body's; BMLT: else `na`).
    #[arg(long)]
    pub fellowship: Option<String>,
    /// How often: `90` or `90m` (minutes), `6h`, `1d`.
    #[arg(long, default_value = "6h")]
    pub every: String,
    /// The IANA zone of records with neither a zone nor coordinates.
    #[arg(long)]
    pub time_zone: Option<String>,
}

/// `lantern import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A Meeting Guide JSON feed (a file); prints the diff as JSON, as the HTTP import answers it.
    MeetingGuide(ImportArgs),
    /// A BMLT root server (its URL, e.g. `https://example.org/main_server`) or a folder holding its
    /// `GetServiceBodies.json`, `GetFormats.json` and `GetSearchResults.json`: the server's service
    /// bodies become a subtree below `--service-body`, kept by their BMLT ids; prints the diff.
    Bmlt(ImportArgs),
}

/// Options of `import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The feed file (Meeting Guide), or the root server's URL or a folder of its answers (BMLT).
    pub file: PathBuf,
    /// The service body the meetings go to (BMLT: the one the server's bodies go below).
    #[arg(long)]
    pub service_body: i64,
    /// Print the diff, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The IANA zone of records with neither a `timezone` nor coordinates.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// The meetings' fellowship (default: the service body's; BMLT: else `na`).
    #[arg(long)]
    pub fellowship: Option<String>,
    /// `false` keeps the body's imported meetings the feed no longer has.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub remove_missing: bool,
}

/// `lantern keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Issue a key and print its token, once.
    Create(CreateKeyArgs),
    /// List every key (never the tokens).
    List,
    /// Revoke a key at once.
    Revoke {
        /// The key's id.
        id: i64,
    },
    /// Give a key a new token (printed once); the old one stops working.
    Rotate {
        /// The key's id.
        id: i64,
    },
}

/// Options of `keys create`.
#[derive(Debug, Clone, Args)]
pub struct CreateKeyArgs {
    /// `admin`, `publisher` or `observer`.
    #[arg(long)]
    pub role: String,
    /// What the key is called (recorded as the actor of its changes).
    #[arg(long)]
    pub name: String,
    /// The service body a publisher or observer acts for (with its descendants).
    #[arg(long)]
    pub service_body: Option<i64>,
    /// When the key stops working (RFC 3339).
    #[arg(long)]
    pub expires_at: Option<String>,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Database: `postgres://…` or `postgresql://…` for PostgreSQL, anything else is an SQLite file.
    #[arg(long, env = "DATABASE_URL", default_value = "lantern.db", global = true)]
    pub database_url: String,
    /// Address and port to listen on.
    #[arg(long, env = "LANTERN_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,
    /// The base URL clients reach Lantern at; every absolute URL Lantern writes starts with it
    /// (default `http://<bind>`).
    #[arg(long, env = "LANTERN_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Seed file loaded into an empty database (default: the seed built into the binary).
    #[arg(long, env = "LANTERN_SEED", global = true)]
    pub seed: Option<PathBuf>,
    /// Start with an empty directory instead of seeding an empty database.
    #[arg(long, env = "LANTERN_NO_SEED", global = true)]
    pub no_seed: bool,
    /// Benchmark baseline: answer nearby searches by scanning every meeting instead of the index.
    #[cfg(feature = "baseline")]
    #[arg(long, env = "LANTERN_SCAN_SEARCH", global = true)]
    pub scan_search: bool,
    /// Bad keys one address may send per minute before further bad keys get 429 (valid keys are
    /// always accepted).
    #[arg(long, env = "LANTERN_MAX_FAILED_AUTH", default_value_t = crate::service::keys::MAX_FAILURES, global = true)]
    pub max_failed_auth: u32,
    /// The fellowships the BMLT interface (`/client_interface/…`) serves when a request names none.
    #[arg(long, env = "LANTERN_BMLT_FELLOWSHIPS", value_delimiter = ',', default_value = "na", global = true)]
    pub bmlt_fellowships: Vec<String>,
    /// Follow sources at loopback, private and link-local addresses too (tests, intranets).
    #[arg(long, env = "LANTERN_ALLOW_PRIVATE_SOURCES", global = true)]
    pub allow_private_sources: bool,
    /// Fetch sources from loopback addresses only, looking up no name but `localhost`: for test
    /// harnesses, where nothing may leave the machine.
    #[arg(long, env = "LANTERN_SOURCES_LOOPBACK_ONLY", global = true, conflicts_with = "allow_private_sources")]
    pub sources_loopback_only: bool,
    /// Pull followed sources on their schedule (`false`: this node serves only; `sources pull`
    /// and `POST /v1/sources/{id}/pull` still pull on demand).
    #[arg(long, env = "LANTERN_FOLLOW_SOURCES", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub follow_sources: bool,
    /// Threads that pull sources at once (a slow source holds only one).
    #[arg(long, env = "LANTERN_SOURCE_WORKERS", default_value_t = 4, global = true)]
    pub source_workers: usize,
    /// The longest a source's fetch may take, in seconds.
    #[arg(long, env = "LANTERN_SOURCE_TIMEOUT", default_value_t = 30, global = true)]
    pub source_timeout: u64,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "LANTERN_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Load and follow the directory from this streaming replica of the database (writes,
    /// notifications and the head of the change log stay on `--database-url`).
    #[arg(long, env = "LANTERN_REPLICA_URL", global = true)]
    pub replica_url: Option<String>,
    /// Follow the change log, so that writes through other nodes or processes reach this node's answers.
    #[arg(long, env = "LANTERN_FOLLOW_CHANGES", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub follow_changes: bool,
    /// How often the change log is read when nothing announces a change sooner, in milliseconds
    /// (default: 250 on SQLite, where polling is all there is; 1000 on PostgreSQL, which also notifies).
    #[arg(long, env = "LANTERN_POLL_INTERVAL_MS", value_parser = clap::value_parser!(u64).range(10..=600_000), global = true)]
    pub poll_interval_ms: Option<u64>,
    /// `/readyz` answers 503 when the oldest change not yet applied is older than this many seconds.
    #[arg(long, env = "LANTERN_MAX_LAG_SECONDS", default_value_t = 5, global = true)]
    pub max_lag_seconds: u64,
    /// How long a request waits for the database (a pooled connection, SQLite's write lock, the
    /// writers' turn on PostgreSQL) before it answers 503, in milliseconds.
    #[arg(long, env = "LANTERN_DATABASE_WAIT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..=600_000), global = true)]
    pub database_wait_ms: u64,
    /// On SIGTERM or SIGINT, how many seconds requests in flight may take to finish before the
    /// server closes their connections.
    #[arg(long, env = "LANTERN_SHUTDOWN_TIMEOUT", default_value_t = 20, global = true)]
    pub shutdown_timeout: u64,
    /// Proxies (addresses or CIDR blocks, comma-separated) whose `Forwarded` and `X-Forwarded-For`
    /// headers name the client; from anyone else those headers are ignored.
    #[arg(long, env = "LANTERN_TRUSTED_PROXY", value_delimiter = ',', global = true)]
    pub trusted_proxy: Vec<crate::http::limits::Cidr>,
    /// The header a trusted proxy names the client in: `x-forwarded-for` or `forwarded` (only that
    /// one is read; the proxy must replace it, not pass the client's own through).
    #[arg(long, env = "LANTERN_FORWARDED_HEADER", default_value = "x-forwarded-for", global = true)]
    pub forwarded_header: crate::http::limits::ForwardedHeader,
    /// Reads one client may make per minute (default: no limit).
    #[arg(long, env = "LANTERN_READ_RATE_LIMIT", value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub read_rate_limit: Option<u32>,
    /// Writes one key may make per minute (default: no limit).
    #[arg(long, env = "LANTERN_WRITE_RATE_LIMIT", value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub write_rate_limit: Option<u32>,
    /// Seconds a request may take before it is abandoned with 503.
    #[arg(long, env = "LANTERN_REQUEST_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub request_timeout: u64,
    /// Seconds a client has to send a request's headers once connected (slow clients are dropped).
    #[arg(long, env = "LANTERN_CLIENT_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub client_timeout: u64,
    /// Connections served at once (spread over the workers); more wait to be accepted.
    #[arg(long, env = "LANTERN_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_connections: u64,
}

/// Options of `generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// How many meetings.
    #[arg(long, default_value_t = 3200)]
    pub meetings: usize,
    /// Random seed; the same seed and count give the same directory.
    #[arg(long, default_value_t = 2026)]
    pub rng_seed: u64,
    /// Write the directory as a seed file here (`-` for standard output).
    #[arg(long, conflicts_with = "into_database")]
    pub out: Option<PathBuf>,
    /// Load the directory straight into this (empty) database instead, for large benchmarks.
    #[arg(long)]
    pub into_database: Option<String>,
}
