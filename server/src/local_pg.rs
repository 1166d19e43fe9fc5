//! A private PostgreSQL started from the system's binaries when `DATABASE_URL` is unset.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running local cluster; [`LocalPostgres::stop`] (or drop) shuts it down.
#[derive(Debug)]
pub struct LocalPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    run_as: Option<String>,
    stopped: bool,
    /// The URL of the `vernier` database in this cluster.
    pub url: String,
}

const HOW_TO_INSTALL: &str = "PostgreSQL's server binaries (initdb, pg_ctl) were not found. \
    Install them (Debian/Ubuntu: `apt-get install postgresql`), point VERNIER_PG_BIN at their \
    folder, or set DATABASE_URL to an existing database.";

impl LocalPostgres {
    /// Initialises (first time) and starts a cluster in `<data_dir>/pg` on `port`, creating the
    /// `vernier` database, and waits until it accepts connections.
    pub fn start(data_dir: &Path, port: u16) -> Result<Self, String> {
        let bin_dir = find_binaries().ok_or(HOW_TO_INSTALL)?;
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let data_dir = std::fs::canonicalize(data_dir)
            .map_err(|e| e.to_string())?
            .join("pg");
        let run_as = running_as_root().then(|| "postgres".to_owned());
        let cluster = Self {
            bin_dir,
            data_dir,
            run_as,
            stopped: false,
            url: format!("postgres://vernier@127.0.0.1:{port}/vernier"),
        };
        if !cluster.data_dir.join("PG_VERSION").exists() {
            cluster.init()?;
        }
        if !cluster.is_running() {
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1",
                cluster.data_dir.display()
            );
            let log = cluster.data_dir.join("server.log");
            cluster.pg(
                "pg_ctl",
                &[
                    "-D",
                    &cluster.path(),
                    "-l",
                    &log.display().to_string(),
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            )?;
        }
        cluster
            .pg(
                "psql",
                &[
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                    "-U",
                    "vernier",
                    "-d",
                    "postgres",
                    "-tAc",
                    "SELECT 1 FROM pg_database WHERE datname = 'vernier'",
                ],
            )
            .and_then(|found| {
                if found.trim() == "1" {
                    Ok(String::new())
                } else {
                    cluster.pg(
                        "createdb",
                        &[
                            "-h",
                            "127.0.0.1",
                            "-p",
                            &port.to_string(),
                            "-U",
                            "vernier",
                            "vernier",
                        ],
                    )
                }
            })?;
        Ok(cluster)
    }

    /// Stops the cluster (fast shutdown: sessions are ended, data is safe).
    pub fn stop(&mut self) {
        if !self.stopped {
            self.stopped = true;
            if let Err(e) = self.pg("pg_ctl", &["-D", &self.path(), "-m", "fast", "-w", "stop"]) {
                eprintln!("stopping the local PostgreSQL failed: {e}");
            }
        }
    }

    fn init(&self) -> Result<(), String> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| e.to_string())?;
        if let Some(user) = &self.run_as {
            // PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user.
            let parent = self
                .data_dir
                .parent()
                .unwrap_or(&self.data_dir)
                .display()
                .to_string();
            run(Command::new("chown").args(["-R", &format!("{user}:{user}"), &parent]))?;
        }
        self.pg(
            "initdb",
            &[
                "-D",
                &self.path(),
                "-U",
                "vernier",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
        )?;
        Ok(())
    }

    fn is_running(&self) -> bool {
        self.pg("pg_ctl", &["-D", &self.path(), "status"]).is_ok()
    }

    fn path(&self) -> String {
        self.data_dir.display().to_string()
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<String, String> {
        let program = self.bin_dir.join(tool);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        run(command.args(args))
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// The folder holding `initdb` and `pg_ctl`: `VERNIER_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin`, else the `PATH`.
pub fn find_binaries() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("VERNIER_PG_BIN").map(PathBuf::from) {
        return has_tools(&dir).then_some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            Some((
                entry.file_name().to_str()?.parse().ok()?,
                entry.path().join("bin"),
            ))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).find(|dir| has_tools(dir))
}
