//! Where the key sealing stored secrets comes from: `VERNIER_SECRET_KEY` (base64 or hex of 32
//! bytes), else the file `secret.key` in the data directory, created with a new random key (mode
//! 0600) on first start. Rotation writes the new key beside the old one before re-sealing, so a
//! crash midway leaves both keys on disk.

use app::server::secrets::SecretKey;
use std::path::{Path, PathBuf};

/// The key file's name in the data directory.
pub const FILE: &str = "secret.key";

/// Where the key was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Environment,
    File(PathBuf),
}

/// Loads the key (creating the key file when neither it nor the variable exists).
pub fn load(from_env: Option<&str>, data_dir: &Path) -> Result<(SecretKey, Source), String> {
    if let Some(text) = from_env.filter(|t| !t.trim().is_empty()) {
        let key = SecretKey::parse(text).map_err(|e| format!("VERNIER_SECRET_KEY: {e}"))?;
        return Ok((key, Source::Environment));
    }
    let path = data_dir.join(FILE);
    if path.exists() {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let key = SecretKey::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok((key, Source::File(path)));
    }
    let key = SecretKey::generate();
    write(&path, &key)?;
    tracing::warn!(
        "created a new secret key in {}: back it up with the database (secrets stored under it cannot be read without it)",
        path.display()
    );
    Ok((key, Source::File(path)))
}

/// Writes a key file readable by its owner only.
pub fn write(path: &Path, key: &SecretKey) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{}\n", key.encode()).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_private_and_the_variable_wins() {
        let dir = std::env::temp_dir().join(format!("vernier-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (first, source) = load(None, &dir).unwrap();
        assert_eq!(source, Source::File(dir.join(FILE)));
        let (again, _) = load(None, &dir).unwrap();
        assert_eq!(first.encode(), again.encode(), "the file is read, not replaced");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let env = SecretKey::generate();
        let (chosen, source) = load(Some(&env.encode()), &dir).unwrap();
        assert_eq!((chosen.encode(), source), (env.encode(), Source::Environment));
        assert!(load(Some("too short"), &dir)
            .unwrap_err()
            .contains("VERNIER_SECRET_KEY"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
