//! The files a command writes: never one it reads, the store (or SQLite's files beside it),
//! or another of its own outputs. Checked before anything is read or written, by what the
//! paths lead to (a symbolic link or a hard link to the input is the input). Whole files
//! (exports, saved mappings) are written to a temporary file beside the target and renamed
//! into place, so a failure never leaves half a file; files with personal data are created
//! readable by their owner only.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use intake_store::COMPANION_SUFFIXES;

/// A file a command touches, and how to name it in a message (`--results`, `the input file`).
pub struct Role<'a> {
    pub name: &'static str,
    pub path: &'a Path,
}

/// Refuses any output that is one of `reads`, the store at `store` or one of its companion
/// files, or another output.
pub fn check_outputs(outputs: &[Role<'_>], reads: &[Role<'_>], store: &Path) -> anyhow::Result<()> {
    let companions: Vec<PathBuf> =
        COMPANION_SUFFIXES.iter().map(|suffix| with_suffix(store, suffix)).collect();
    let mut protected: Vec<Role<'_>> = Vec::new();
    protected.extend(reads.iter().map(|r| Role { name: r.name, path: r.path }));
    protected.push(Role { name: "the store", path: store });
    protected.extend(companions.iter().map(|path| Role { name: "a file of the store", path }));
    for (at, output) in outputs.iter().enumerate() {
        check_place(output)?;
        let target = Target::of(output.path)?;
        for other in protected.iter().chain(&outputs[..at]) {
            if target.is(&Target::of(other.path)?) {
                bail!(
                    "{} {} is {} {}: give another path (nothing was read or written)",
                    output.name,
                    output.path.display(),
                    other.name,
                    other.path.display()
                );
            }
        }
    }
    Ok(())
}

/// Refuses an output that cannot be a file: a folder, or a path whose folder is missing (or
/// is a file), before the command reads or writes anything.
fn check_place(output: &Role<'_>) -> anyhow::Result<()> {
    let (name, path) = (output.name, output.path.display());
    if output.path.is_dir() {
        bail!("{name} {path} is a folder: give a file's path (nothing was read or written)");
    }
    let absolute = std::path::absolute(output.path).with_context(|| format!("resolving {path}"))?;
    if let Some(folder) = absolute.parent()
        && !folder.is_dir()
    {
        bail!(
            "{name} {path}: there is no folder {} to write it in (nothing was read or written)",
            folder.display()
        );
    }
    Ok(())
}

/// `path` with `suffix` added to its file name (`intake.db` → `intake.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where a path leads: the file it names once links are resolved, and for an existing file
/// its device and inode (a hard link has another path but the same inode).
#[derive(Debug, PartialEq, Eq)]
struct Target {
    path: PathBuf,
    inode: Option<(u64, u64)>,
}

impl Target {
    fn of(path: &Path) -> anyhow::Result<Target> {
        let absolute = std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))?;
        let resolved = match absolute.canonicalize() {
            Ok(resolved) => resolved,
            // Not there yet: its folder's real path and its name.
            Err(_) => match (absolute.parent().and_then(|p| p.canonicalize().ok()), absolute.file_name()) {
                (Some(folder), Some(name)) => folder.join(name),
                _ => absolute,
            },
        };
        Ok(Target { inode: inode(&resolved), path: resolved })
    }

    fn is(&self, other: &Target) -> bool {
        self.path == other.path || (self.inode.is_some() && self.inode == other.inode)
    }
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn inode(_: &Path) -> Option<(u64, u64)> {
    None
}

/// `path` made absolute as text, to be stored: a resumed import writes to the same files
/// from any working directory.
pub fn absolute_text(path: &Path) -> anyhow::Result<String> {
    let absolute = std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))?;
    Ok(absolute.to_string_lossy().into_owned())
}

/// A file being written whole: a temporary file beside `target`, readable by its owner only,
/// renamed onto `target` by [`WholeFile::finish`]; dropped unfinished, it is removed.
pub struct WholeFile {
    target: PathBuf,
    temporary: PathBuf,
    file: Option<File>,
}

impl WholeFile {
    /// Starts writing `target`; with `replace` false an existing `target` is refused.
    pub fn create(target: &Path, replace: bool) -> anyhow::Result<WholeFile> {
        if !replace && target.exists() {
            bail!("{} exists; use --force to replace it", target.display());
        }
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = target.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = create_private(&temporary).with_context(|| format!("creating {}", temporary.display()))?;
        Ok(WholeFile { target: target.to_path_buf(), temporary, file: Some(file) })
    }

    /// Syncs the file and renames it into place; on failure the temporary file is removed.
    pub fn finish(mut self) -> anyhow::Result<()> {
        let finished = match self.file.take() {
            Some(file) => file.sync_all().with_context(|| format!("writing {}", self.target.display())),
            None => Ok(()),
        }
        .and_then(|()| {
            std::fs::rename(&self.temporary, &self.target)
                .with_context(|| format!("replacing {}", self.target.display()))
        });
        if finished.is_err() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        finished
    }
}

impl Write for WholeFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(bytes),
            None => Err(std::io::Error::other("the file is finished")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for WholeFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Creates (or truncates) `path`, readable and writable by its owner only, whatever the
/// umask: contact data is personal data.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role<'a>(name: &'static str, path: &'a Path) -> Role<'a> {
        Role { name, path }
    }

    #[test]
    fn an_output_that_is_an_input_or_the_store_or_another_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let store = dir.path().join("intake.db");
        let other = dir.path().join("out.csv");
        let reads = [role("the input file", &input)];
        let refused = |output: &Path| {
            let outputs = [role("--errors", &other), role("--results", output)];
            check_outputs(&outputs, &reads, &store).is_err()
        };
        assert!(refused(&input));
        assert!(refused(&dir.path().join("sub/../in.csv")));
        assert!(refused(&store));
        assert!(refused(&dir.path().join("intake.db-wal")));
        assert!(refused(&other));
        assert!(!refused(&dir.path().join("results.csv")));
        assert!(refused(&dir.path().join("sub")), "a folder");
        assert!(refused(&dir.path().join("missing/results.csv")), "a missing folder");
        assert!(refused(&input.join("results.csv")), "a file as the folder");
    }

    #[cfg(unix)]
    #[test]
    fn links_to_the_input_are_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n").unwrap();
        let soft = dir.path().join("soft.csv");
        std::os::unix::fs::symlink(&input, &soft).unwrap();
        let hard = dir.path().join("hard.csv");
        std::fs::hard_link(&input, &hard).unwrap();
        let store = dir.path().join("intake.db");
        for link in [&soft, &hard] {
            let outputs = [role("--results", link)];
            assert!(check_outputs(&outputs, &[role("the input file", &input)], &store).is_err());
        }
    }

    #[test]
    fn a_whole_file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mapping.toml");
        let mut file = WholeFile::create(&target, false).unwrap();
        file.write_all(b"x").unwrap();
        assert!(!target.exists());
        file.finish().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"x");
        assert!(WholeFile::create(&target, false).is_err());
        drop(WholeFile::create(&target, true).unwrap());
        assert_eq!(std::fs::read(&target).unwrap(), b"x", "an unfinished file leaves the old one");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }
}
