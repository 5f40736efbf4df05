//! Key material on disk. A CA regway holds lives in `data_dir/ca/<name>/`: `key.pem` (mode
//! 0600, in a 0700 directory), `cert.pem` and `crl.pem` (the CRL, for publication). Files
//! are created, never overwritten: an existing key is never replaced by accident.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Ca, PkiError};

/// Why key material could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("{path} already exists; regway does not overwrite key material")]
    Exists { path: String },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Pki(#[from] PkiError),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> FilesError + 'a {
    move |source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            FilesError::Exists {
                path: path.display().to_string(),
            }
        } else {
            FilesError::Io {
                action,
                path: path.display().to_string(),
                source,
            }
        }
    }
}

/// Create `path` with `contents`; `private` files get mode 0600 from the start (no window in
/// which another user could read them). Fails if the file exists.
pub fn create_file(path: &Path, contents: &[u8], private: bool) -> Result<(), FilesError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io("create", path))?;
    file.write_all(contents).map_err(io("write", path))?;
    file.sync_all().map_err(io("write", path))
}

/// Replace `path` atomically (write a sibling, then rename): a reader never sees half a file.
pub fn replace_file(path: &Path, contents: &[u8]) -> Result<(), FilesError> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    create_file(&tmp, contents, false)?;
    std::fs::rename(&tmp, path).map_err(io("replace", path))
}

/// The files of one CA regway holds.
#[derive(Debug, Clone)]
pub struct CaFiles {
    dir: PathBuf,
}

impl CaFiles {
    /// The files of CA `name` in `data_dir` (names are checked by the store: `[a-z0-9._-]+`).
    pub fn new(data_dir: &Path, name: &str) -> CaFiles {
        CaFiles {
            dir: data_dir.join("ca").join(name),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }
    pub fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }
    pub fn crl(&self) -> PathBuf {
        self.dir.join("crl.pem")
    }

    /// Write a new CA's key and certificate; fails if the CA's directory holds a key already.
    pub fn create(&self, ca: &Ca) -> Result<(), FilesError> {
        std::fs::create_dir_all(&self.dir).map_err(io("create", &self.dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io("protect", &self.dir))?;
        }
        create_file(&self.key(), ca.key_pem().as_bytes(), true)?;
        create_file(&self.cert(), ca.cert_pem.as_bytes(), false)
    }

    /// Load the CA (its certificate as the store keeps it, its key from disk).
    pub fn load(&self, cert_pem: &str) -> Result<Ca, FilesError> {
        let key = std::fs::read_to_string(self.key()).map_err(io("read", &self.key()))?;
        Ok(Ca::load(cert_pem, &key)?)
    }

    /// Publish the current CRL.
    pub fn write_crl(&self, pem: &str) -> Result<(), FilesError> {
        replace_file(&self.crl(), pem.as_bytes())
    }
}
