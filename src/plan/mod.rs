//! Plans: the ordered, printable steps and preconditions of every mutating action.
//! A plan is plain data (`Serialize`): built without writing anything, shown before anything
//! is touched, and executed only by the journal. A plan never executes itself.

pub mod definitions;
pub mod hash;
pub mod integrity;
pub mod keyfile;
pub mod modes;
pub mod preconditions;
pub mod probe;
pub mod restore;
mod text;
pub use text::bytes as format_bytes;
pub use text::write_preconditions;

use serde::{Deserialize, Serialize};
use std::path::{Component as PathPart, Path, PathBuf};

pub use preconditions::check_preconditions;
pub use probe::{DiskProbe, Entry, EntryKind, Probe};
pub use restore::{RestoreError, build_restore_plan};

/// What a plan does, as the journal lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Put components back from a backup set.
    Restore {
        /// The backup set's id.
        set: String,
    },
    /// Revert a committed transaction.
    Undo {
        /// The transaction being reverted.
        txid: String,
    },
    /// Bring payload trees (distribution points, repositories) up to a source tree.
    Sync {
        /// The source (a point's name or a folder).
        from: String,
        /// The trees brought up to it.
        to: Vec<String>,
    },
    /// Change distribution-point definitions in the server's database.
    Definitions {
        /// What changes, in words (`promote Mirror London`).
        change: String,
    },
    /// Record the operator's mark on a runbook step; changes no file (a plan without steps).
    Mark {
        /// The profile whose runbook holds the step.
        profile: String,
        /// The step's id.
        step: String,
        /// Done, skipped, or the earlier mark cleared.
        mark: MarkKind,
        /// The operator's note (what was done, or why it was skipped).
        note: String,
    },
}

impl Action {
    /// Short name (`restore`, `undo`, `mark`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Restore { .. } => "restore",
            Action::Undo { .. } => "undo",
            Action::Sync { .. } => "sync",
            Action::Definitions { .. } => "dp-edit",
            Action::Mark { .. } => "mark",
        }
    }

    /// Whether executing it changes files (a mark only adds to the journal).
    pub fn changes_files(&self) -> bool {
        !matches!(self, Action::Mark { .. })
    }
}

/// What the operator said about a runbook step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// Done by hand.
    Done,
    /// Deliberately not done.
    Skipped,
    /// The earlier mark no longer holds.
    Cleared,
}

impl MarkKind {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkKind::Done => "done",
            MarkKind::Skipped => "skipped",
            MarkKind::Cleared => "cleared",
        }
    }
}

/// The ordered steps and the preconditions of one mutating action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// What the plan does.
    pub action: Action,
    /// The root every step's target is relative to (absolute).
    pub root: PathBuf,
    /// Component ids the plan touches (`database:ServerDatabase`, ...).
    pub components: Vec<String>,
    /// The steps, in execution order.
    pub steps: Vec<Step>,
    /// Databases (root-relative) that must pass a full integrity check before the commit.
    pub verify: Vec<PathBuf>,
    /// What must hold before the first change; filled in by `check_preconditions`.
    pub preconditions: Vec<Precondition>,
    /// Notes for the operator (skipped symbolic links and the like).
    pub notes: Vec<String>,
    /// Root-relative trees whose stash must never lie inside them (payloads clients read:
    /// a stashed file there would still be served); absent in older journals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stash_outside: Vec<PathBuf>,
}

/// One step: what happens to one target path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Component id the step belongs to.
    pub component: String,
    /// Target, relative to the plan's root.
    pub target: PathBuf,
    /// What happens to the target.
    pub kind: StepKind,
    /// Bytes of new content the step writes (0 for renames).
    pub bytes: u64,
    /// What is at the target now, moved into the stash before the change.
    pub replaces: Option<Entry>,
}

/// How a step changes its target. Whatever the target held is first renamed into the stash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StepKind {
    /// Copy a file to a temporary name beside the target, then rename it into place.
    CopyFile {
        /// Absolute source file.
        source: PathBuf,
    },
    /// Copy a folder tree to a temporary folder beside the target, then rename it into place.
    CopyTree {
        /// Absolute source folder.
        source: PathBuf,
    },
    /// Rename a file or folder (from an earlier transaction's stash) into place.
    MoveBack {
        /// Absolute path of the stashed entry.
        from: PathBuf,
    },
    /// Only move the target into the stash (a stale `-wal`, or content an undo takes away).
    Stash,
    /// Create a missing folder.
    CreateDir,
    /// Copy a file like `CopyFile`, giving the copy the source's modification time (payload
    /// sync: a copy compared by size and time must compare equal afterwards).
    SyncFile {
        /// Absolute source file.
        source: PathBuf,
    },
    /// Write the given bytes to a temporary name beside the target, then rename it into place.
    WriteFile {
        /// The content, base64 (the journal's records are JSON).
        base64: String,
    },
    /// Replace a SQLite database as a whole by a modified copy written beside it: the copy
    /// (with the `-wal` content of step `wal`'s stash entry, if any) is changed in one SQLite
    /// transaction, must pass `integrity_check`, is fsynced and renamed into place.
    EditDatabase {
        /// The change.
        edit: DbEdit,
        /// Index of the earlier step that moved the database's `-wal` into the stash.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wal: Option<usize>,
    },
}

/// A change to a SQLite database: statements run in one transaction, each changing exactly
/// the number of rows it expects, then checks that must hold before the commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbEdit {
    /// What it does, in words.
    pub description: String,
    /// The statements, in order.
    pub statements: Vec<SqlStatement>,
    /// Queries returning one integer, and the value each must return after the statements.
    pub checks: Vec<(String, i64)>,
}

/// One parameterised SQL statement and the rows it must change (`None`: any number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlStatement {
    /// The SQL, with `?` placeholders.
    pub sql: String,
    /// The parameters.
    pub params: Vec<SqlValue>,
    /// Rows it must change.
    pub rows: Option<u64>,
}

/// A SQL parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqlValue {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// NULL.
    Null,
}

impl StepKind {
    /// Verb for listings.
    pub fn verb(&self) -> &'static str {
        match self {
            StepKind::CopyFile { .. } => "copy file",
            StepKind::CopyTree { .. } => "copy folder",
            StepKind::MoveBack { .. } => "put back",
            StepKind::Stash => "move aside",
            StepKind::CreateDir => "create folder",
            StepKind::SyncFile { .. } => "copy file",
            StepKind::WriteFile { .. } => "write file",
            StepKind::EditDatabase { .. } => "edit database",
        }
    }
}

/// Whether a precondition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not checked yet.
    #[default]
    Pending,
    /// Holds.
    Pass,
    /// Does not hold, but the operator overrode it (`--force`).
    Overridden,
    /// Does not hold: the plan must not run.
    Fail,
}

/// What a precondition is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    /// No server process of the profile is running.
    ServerStopped,
    /// No process has a database the plan replaces (or its `-wal`, `-shm`, `-journal`) open
    /// or locked.
    DatabasesNotInUse,
    /// Enough free space on the volume holding this (root-relative) folder.
    FreeSpace {
        /// A folder on the volume.
        folder: PathBuf,
        /// Bytes of new content written there.
        needed: u64,
    },
    /// A source file or folder can be read (and, for a database, passes a full integrity check).
    SourceReadable {
        /// Absolute source path.
        source: PathBuf,
        /// Whether it is a database that must pass `integrity_check`.
        database: bool,
    },
    /// Every target lies inside the root with no symbolic link on the way.
    TargetsInsideRoot,
    /// No other drconsole holds the journal lock.
    JournalLock,
    /// A stashed entry an undo puts back still exists.
    StashPresent {
        /// Absolute stash path.
        path: PathBuf,
    },
    /// A fact established when the plan was built (a payload's completeness, the last
    /// master); its status is kept as decided, `Overridden` when `--force` was given.
    Decided {
        /// Whether `--force` overrode it.
        force: bool,
    },
    /// A file an undo replaces is unchanged since the commit.
    UnchangedSinceCommit {
        /// Root-relative target.
        target: PathBuf,
        /// Hash recorded at commit (`None`: the path was absent).
        hash: Option<String>,
        /// Whether `--force` overrides a change.
        force: bool,
    },
}

/// One precondition with its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Precondition {
    /// What is checked.
    pub check: Check,
    /// One line saying what must hold.
    pub description: String,
    /// The result.
    pub status: Status,
    /// Why it failed (or what was seen), with what to do.
    pub detail: String,
}

impl Precondition {
    /// A precondition not checked yet.
    pub fn pending(check: Check, description: impl Into<String>) -> Self {
        Precondition {
            check,
            description: description.into(),
            status: Status::Pending,
            detail: String::new(),
        }
    }
}

impl Plan {
    /// An empty plan for `action` under `root`.
    pub fn new(action: Action, root: impl Into<PathBuf>) -> Self {
        Plan {
            action,
            root: root.into(),
            components: Vec::new(),
            steps: Vec::new(),
            verify: Vec::new(),
            preconditions: Vec::new(),
            notes: Vec::new(),
            stash_outside: Vec::new(),
        }
    }

    /// Absolute path of a root-relative target.
    pub fn abs(&self, target: &Path) -> PathBuf {
        self.root.join(target)
    }

    /// Bytes of new content all steps write.
    pub fn bytes_written(&self) -> u64 {
        self.steps.iter().map(|s| s.bytes).sum()
    }

    /// Bytes moved into the stash (by rename: they stay where they are on disk).
    pub fn bytes_stashed(&self) -> u64 {
        self.steps
            .iter()
            .filter_map(|s| s.replaces.as_ref())
            .map(|e| e.bytes)
            .sum()
    }

    /// True when every precondition passed (or was overridden).
    pub fn ready(&self) -> bool {
        self.preconditions
            .iter()
            .all(|p| matches!(p.status, Status::Pass | Status::Overridden))
    }

    /// The preconditions that failed.
    pub fn failed(&self) -> impl Iterator<Item = &Precondition> {
        self.preconditions
            .iter()
            .filter(|p| p.status == Status::Fail)
    }
}

/// True when `rel` is a plain relative path (no root, no `..`, not empty).
pub fn is_plain_relative(rel: &Path) -> bool {
    !rel.as_os_str().is_empty()
        && rel
            .components()
            .all(|c| matches!(c, PathPart::Normal(_) | PathPart::CurDir))
}
