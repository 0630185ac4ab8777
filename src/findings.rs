//! Findings: facts worth the operator's attention, with a stable code catalogue.
//! Codes are public API (JSON consumers match on them); severity and hint live beside
//! each code in one `match` so the catalogue stays one screen long.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a finding is; ordered from harmless to worst.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Checked and fine.
    #[default]
    Ok,
    /// Worth knowing, nothing to do.
    Info,
    /// Something to look at soon.
    Warning,
    /// Something is broken.
    Error,
    /// Recovery is at risk.
    Critical,
}

impl Severity {
    /// Lower-case name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// Nagios-style exit code for a run whose worst finding has this severity.
    pub fn exit_code(self) -> i32 {
        match self {
            Severity::Ok | Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Error | Severity::Critical => 2,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable finding codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    DbMissing,
    DbNotSqlite,
    DbCorrupt,
    DbUnreadable,
    DbHotJournal,
    DbUnverifiable,
    BackupNone,
    BackupIncomplete,
    BackupCorrupt,
    BackupNoneRestorable,
    BackupStale,
    BackupRecommended,
    BackupUnverifiable,
    BackupDateSuspect,
    PathUnsafe,
    PathLoop,
    PathUnreadable,
    PathNotUtf8,
    CertExpired,
    CertExpiring,
    CertNotYetValid,
    CertKeyMismatch,
    CertKeyMissing,
    CertKeyUnsupported,
    CertChainBroken,
    CertUnreadable,
    PfxLocked,
    PfxUnsupported,
    KeyPermissions,
    CertBackupMismatch,
    MdmTrustMissing,
    SettingsMissing,
    SettingsUnreadable,
    SettingsUnverifiable,
    SettingsDiffer,
    MdmHostnameMismatch,
    FolderDiffers,
    ServerRunning,
    HostnameDiffers,
    DiskSpaceLow,
    DpNoMaster,
    DpMultipleMasters,
    DpUnreachable,
    DpOutOfSync,
    DpSingle,
    DpPathUnsafe,
    DpStale,
    DpDisabled,
    DpHashMismatch,
    DpCatalogDamaged,
    DpMetadataInvalid,
    EpoKeysMissing,
    DpDuplicate,
    DpDefinitionsUnreadable,
    JournalDamaged,
    SqlBackupUnverified,
    ItmsKmsKeysMissing,
    ItmsKmsKeysStale,
    ItmsNsConfigBackupMissing,
    ItmsNsConfigBackupStale,
    ItmsSoftwareLibraryMissing,
    ItmsSoftwareLibraryBackupIncomplete,
    ItmsPackageShareMissing,
    ItmsSimPackageMissing,
    ItmsPatchPackagesMissing,
}

impl Code {
    /// Every code, in catalogue order.
    pub const ALL: &'static [Code] = &[
        Code::DbMissing,
        Code::DbNotSqlite,
        Code::DbCorrupt,
        Code::DbUnreadable,
        Code::DbHotJournal,
        Code::DbUnverifiable,
        Code::BackupNone,
        Code::BackupIncomplete,
        Code::BackupCorrupt,
        Code::BackupNoneRestorable,
        Code::BackupStale,
        Code::BackupRecommended,
        Code::BackupUnverifiable,
        Code::BackupDateSuspect,
        Code::PathUnsafe,
        Code::PathLoop,
        Code::PathUnreadable,
        Code::PathNotUtf8,
        Code::CertExpired,
        Code::CertExpiring,
        Code::CertNotYetValid,
        Code::CertKeyMismatch,
        Code::CertKeyMissing,
        Code::CertKeyUnsupported,
        Code::CertChainBroken,
        Code::CertUnreadable,
        Code::PfxLocked,
        Code::PfxUnsupported,
        Code::KeyPermissions,
        Code::CertBackupMismatch,
        Code::MdmTrustMissing,
        Code::SettingsMissing,
        Code::SettingsUnreadable,
        Code::SettingsUnverifiable,
        Code::SettingsDiffer,
        Code::MdmHostnameMismatch,
        Code::FolderDiffers,
        Code::ServerRunning,
        Code::HostnameDiffers,
        Code::DiskSpaceLow,
        Code::DpNoMaster,
        Code::DpMultipleMasters,
        Code::DpUnreachable,
        Code::DpOutOfSync,
        Code::DpSingle,
        Code::DpPathUnsafe,
        Code::DpStale,
        Code::DpDisabled,
        Code::DpHashMismatch,
        Code::DpCatalogDamaged,
        Code::DpMetadataInvalid,
        Code::EpoKeysMissing,
        Code::DpDuplicate,
        Code::DpDefinitionsUnreadable,
        Code::JournalDamaged,
        Code::SqlBackupUnverified,
        Code::ItmsKmsKeysMissing,
        Code::ItmsKmsKeysStale,
        Code::ItmsNsConfigBackupMissing,
        Code::ItmsNsConfigBackupStale,
        Code::ItmsSoftwareLibraryMissing,
        Code::ItmsSoftwareLibraryBackupIncomplete,
        Code::ItmsPackageShareMissing,
        Code::ItmsSimPackageMissing,
        Code::ItmsPatchPackagesMissing,
    ];

    /// Default severity and the operator's next step.
    pub fn catalogue(self) -> (Severity, &'static str) {
        use Severity::*;
        match self {
            Code::DbMissing => (
                Critical,
                "Restore the database from the recommended backup set",
            ),
            Code::DbNotSqlite => (
                Critical,
                "The file is not a SQLite database: restore it from the recommended backup set",
            ),
            Code::DbCorrupt => (
                Error,
                "Take a copy of the database (with its -wal and -journal files) before anything else; then restart the server once (it runs database maintenance); if the error stays, restore from the recommended backup set",
            ),
            Code::DbUnreadable => (
                Error,
                "Check the file's permissions and the disk; run drconsole as a user that can read it",
            ),
            Code::DbHotJournal => (
                Warning,
                "A leftover -journal/-wal means the server stopped mid-write: keep it beside the database until the server has started once, and never copy the database without it",
            ),
            Code::DbUnverifiable => (
                Warning,
                "drconsole could not read or check this database, which says nothing about damage: do what the message says (run as root, stop the process holding it, ...) and check again",
            ),
            Code::BackupNone => (
                Critical,
                "No backup set was found: pass the folder holding your .dbbackup sets with --backups DIR",
            ),
            Code::BackupIncomplete => (
                Warning,
                "This set lacks a database: do not restore it; use a complete set",
            ),
            Code::BackupCorrupt => (
                Warning,
                "This set fails its integrity check: do not restore it; use an older set",
            ),
            Code::BackupNoneRestorable => (
                Critical,
                "No backup set passes a full integrity check: look for other backup media (--backups DIR) or contact the vendor",
            ),
            Code::BackupStale => (
                Warning,
                "The newest restorable set is older than the recovery-point objective: check that scheduled backups run",
            ),
            Code::BackupRecommended => (
                Info,
                "Restore from this set if the live databases are damaged",
            ),
            Code::BackupUnverifiable => (
                Warning,
                "A member of this set could not be read or checked, so the set is neither judged corrupt nor restorable: fix what the message says and check again before choosing an older set",
            ),
            Code::BackupDateSuspect => (
                Warning,
                "The time in this set's name is not believable: the set is dated by its files' modification times instead; look at its contents before restoring it",
            ),
            Code::PathUnsafe => (
                Warning,
                "A symbolic link was found where a file or folder was expected, or one leads out of its folder; drconsole never follows links: inspect it by hand",
            ),
            Code::PathLoop => (
                Warning,
                "A symbolic link loop was skipped: remove or fix the link",
            ),
            Code::PathUnreadable => (
                Warning,
                "A path could not be read: check its permissions and run drconsole as a user that can read it",
            ),
            Code::PathNotUtf8 => (
                Warning,
                "A file name is not valid UTF-8: it was inspected by its raw name; rename it if the server cannot use it",
            ),
            Code::CertExpired => (
                Error,
                "Renew the certificate, or restore a valid one from a backup set",
            ),
            Code::CertExpiring => (Warning, "Renew the certificate before it expires"),
            Code::CertNotYetValid => (
                Warning,
                "Check the system clock and the certificate's validity dates",
            ),
            Code::CertKeyMismatch => (
                Error,
                "Put the private key that belongs to this certificate beside it (restore the store from a backup set)",
            ),
            Code::CertKeyMissing => (
                Critical,
                "Restore the private key from a backup set: without it every agent and mobile device must enrol again",
            ),
            Code::CertKeyUnsupported => (
                Warning,
                "A private key is present but drconsole cannot pair it (type or encoding named): compare its public key with the certificate's using openssl",
            ),
            Code::CertChainBroken => (
                Warning,
                "Add the missing intermediate or root certificate to the store or bundle",
            ),
            Code::CertUnreadable => (
                Warning,
                "The file is not a readable certificate or key: replace it from a backup set",
            ),
            Code::PfxLocked => (
                Warning,
                "Give the PKCS#12 password with --pfx-password-file FILE so the file can be checked",
            ),
            Code::PfxUnsupported => (
                Warning,
                "The PKCS#12 file uses an encryption or integrity scheme drconsole cannot open: check it with openssl pkcs12 -info",
            ),
            Code::KeyPermissions => (
                Error,
                "Make the private key readable by its owner only: chmod 600",
            ),
            Code::CertBackupMismatch => (
                Critical,
                "Agents will reject this server until the Certificates folder is restored from the backup set",
            ),
            Code::MdmTrustMissing => (
                Error,
                "Add the LANrev server certificate to TrustedCertificates.pem",
            ),
            Code::SettingsMissing => (
                Warning,
                "Import the settings from a backup set (--ImportPreferences)",
            ),
            Code::SettingsUnreadable => (
                Error,
                "The settings file is damaged: restore it from a backup set",
            ),
            Code::SettingsUnverifiable => (
                Warning,
                "Not shown damaged: run as root if access was denied, else check it with `plutil -lint` on a Mac before replacing it",
            ),
            Code::SettingsDiffer => (
                Info,
                "Review the difference before importing the settings from the backup set",
            ),
            Code::MdmHostnameMismatch => (
                Error,
                "Set LANrevServerHostname to a name on the LANrev server certificate",
            ),
            Code::FolderDiffers => (
                Info,
                "Review the difference before restoring the folder from the backup set",
            ),
            Code::ServerRunning => (Info, "Stop the server before any restore"),
            Code::HostnameDiffers => (
                Warning,
                "The new server must answer at the old server's DNS name: rename the host or fix DNS",
            ),
            Code::DiskSpaceLow => (
                Error,
                "Free space on the volume before restoring: the restore needs room for the set and the stash",
            ),
            Code::DpNoMaster => (Error, "Promote one distribution point to master"),
            Code::DpMultipleMasters => (Error, "Demote all but one master distribution point"),
            Code::DpUnreachable => (
                Error,
                "Mount or reconnect the distribution point's payload folder, or replace the point",
            ),
            Code::DpOutOfSync => (Warning, "Sync the mirror from the master"),
            Code::DpSingle => (
                Warning,
                "Add a mirror distribution point: best practice is one master and at least one mirror",
            ),
            Code::DpPathUnsafe => (
                Error,
                "Correct the point's payload path in the database: drconsole reads only beneath the root",
            ),
            Code::DpStale => (
                Warning,
                "Clients skip this repository (its catalog is older than the source's): bring it up to date with `drconsole dp sync NAME`",
            ),
            Code::DpDisabled => (
                Warning,
                "The repository was left mid-replication or is being written (clients skip it): when no replication runs, `drconsole dp sync NAME` rewrites it and enables it",
            ),
            Code::DpHashMismatch => (
                Error,
                "Files disagree with the folder's replica.log (missing, truncated or changed): `drconsole dp sync NAME` copies them again from a verified source",
            ),
            Code::DpCatalogDamaged => (
                Error,
                "Clients refuse this repository (\"catalog.z is corrupt\"): `drconsole dp sync NAME` copies the catalog from a verified source",
            ),
            Code::DpMetadataInvalid => (
                Error,
                "A replica.log or SiteStat.xml cannot be read (file and line named): what it lists cannot be verified; `drconsole dp sync NAME --full` rewrites the repository from a verified source",
            ),
            Code::EpoKeysMissing => (
                Critical,
                "Bring the keystore's sm<SERVER>.zip (DSA) and sm2048<SERVER>.zip (RSA) from the old server or a backup before agents talk to this one: catalogs signed with new keys are rejected by every agent",
            ),
            Code::DpDuplicate => (
                Error,
                "Give every distribution point its own name and payload folder: retire or correct the duplicate definition",
            ),
            Code::DpDefinitionsUnreadable => (
                Error,
                "The distribution-point definitions table is missing or unreadable: restore the database from a backup set",
            ),
            Code::JournalDamaged => (
                Error,
                "A transaction's journal record is damaged: nothing was rolled back automatically. Read `drconsole journal`, check the paths it names, then keep them or run `drconsole undo TXID`",
            ),
            Code::SqlBackupUnverified => (
                Info,
                "Its structure reads complete offline; only SQL Server can check its pages: run RESTORE VERIFYONLY FROM DISK = '<file>' WITH CHECKSUM before relying on it",
            ),
            Code::ItmsKmsKeysMissing => (
                Critical,
                "Back up the KMS encryption keys now (Notification Server Settings > Critical Data Backup, or Symantec Installation Manager): without them the encrypted data in the CMDB cannot be read after a restore",
            ),
            Code::ItmsKmsKeysStale => (
                Critical,
                "Back up the KMS encryption keys again: keys older than the CMDB backup may not decrypt what it holds",
            ),
            Code::ItmsNsConfigBackupMissing => (
                Error,
                "Back up the Notification Server configuration (Symantec Installation Manager > Repair installed products > Back up NS configuration) and keep a copy on another server",
            ),
            Code::ItmsNsConfigBackupStale => (
                Warning,
                "Turn on the scheduled Notification Server Configuration Backup (Notification Server Settings > Critical Data Backup) or run it now",
            ),
            Code::ItmsSoftwareLibraryMissing => (
                Error,
                "Mount or restore the Software Library at the path the CMDB expects, with the same share name",
            ),
            Code::ItmsSoftwareLibraryBackupIncomplete => (
                Error,
                "Run the Software Library Backup (Notification Server Settings > Critical Data Backup > Run now): packages missing from it are lost with the server",
            ),
            Code::ItmsPackageShareMissing => (
                Warning,
                "Mount or restore the package share, or back it up: packages on it cannot be recreated from the CMDB",
            ),
            Code::ItmsSimPackageMissing => (
                Warning,
                "Create the installation package in Symantec Installation Manager (Installed Products) and keep it with the backups: it re-installs exactly the version the CMDB expects",
            ),
            Code::ItmsPatchPackagesMissing => (
                Info,
                "Keep a copy of the patch packages (Patch Management > Core Services): recreating them can take days",
            ),
        }
    }

    /// Default severity of this code.
    pub fn severity(self) -> Severity {
        self.catalogue().0
    }

    /// What the operator should do.
    pub fn hint(self) -> &'static str {
        self.catalogue().1
    }

    /// The code as written in JSON (`DB_CORRUPT`).
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// Severity (the code's default unless a rule raised or lowered it).
    pub severity: Severity,
    /// Component id, e.g. `database:ServerDatabase`, `backup:2026-11-20`.
    pub component: String,
    /// What was found, naming the path.
    pub message: String,
    /// What to do.
    pub hint: String,
    /// The path concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[serde(serialize_with = "crate::pathser::option::serialize")]
    pub path: Option<std::path::PathBuf>,
}

impl Finding {
    /// A finding with the code's default severity and hint.
    pub fn new(code: Code, component: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity(),
            component: component.into(),
            message: message.into(),
            hint: code.hint().to_string(),
            path: None,
        }
    }

    /// Attach the path concerned.
    pub fn at(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Override the severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Override the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
}

/// Sort findings worst first, then by component and code, so output is stable.
pub fn sort_worst_first(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.component.cmp(&b.component))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// The worst severity among findings (`Ok` when there are none).
pub fn worst(findings: &[Finding]) -> Severity {
    findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_screaming_snake_case() {
        assert_eq!(Code::DbHotJournal.as_str(), "DB_HOT_JOURNAL");
        assert_eq!(Code::PfxLocked.as_str(), "PFX_LOCKED");
        assert_eq!(Code::DpOutOfSync.as_str(), "DP_OUT_OF_SYNC");
    }

    #[test]
    fn catalogue_lists_every_code_once_with_a_hint() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(*c));
            assert!(!c.hint().is_empty());
        }
        assert_eq!(seen.len(), Code::ALL.len());
    }

    #[test]
    fn exit_codes_follow_nagios() {
        assert_eq!(Severity::Info.exit_code(), 0);
        assert_eq!(Severity::Warning.exit_code(), 1);
        assert_eq!(Severity::Critical.exit_code(), 2);
    }
}
