//! Settings plists (XML, binary or OpenStep): found, parsed (by `plistfile`), compared with
//! the backup set's copy, and the MDM server's host name checked against the LANrev server
//! certificate.

use crate::component::Component;
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::fs::Confined;
use crate::inventory::certificates::{host_matches, names, server_identity};
use crate::inventory::compare::comparison_set;
use crate::inventory::plistfile::{self, PlistError, PlistFormat, same_value};
use crate::inventory::{Inventory, ProgressSink, ScanOptions, SettingsFile, Source};
use crate::profile::{SettingsFormat, SettingsSpec};
use plist::{Dictionary, Value};
use std::path::{Path, PathBuf};

/// Read every settings file of the profile into `inv` and judge the live ones.
pub fn scan(ctx: &Context, _opts: &ScanOptions, inv: &mut Inventory, _progress: &dyn ProgressSink) {
    let mut findings = Vec::new();
    for spec in &ctx.profile.settings {
        let component = Component::Settings(spec.name.clone());
        let id = component.to_string();
        let found = spec
            .paths
            .iter()
            .map(|p| ctx.live(p))
            .find(|p| std::fs::symlink_metadata(p).is_ok());
        let mut live = SettingsFile {
            name: spec.name.clone(),
            component: id.clone(),
            source: Source::Live,
            path: found.clone(),
            ..SettingsFile::default()
        };
        let Some(path) = found else {
            let tried: Vec<String> = spec
                .paths
                .iter()
                .map(|p| ctx.live(p).display().to_string())
                .collect();
            findings.push(
                Finding::new(
                    Code::SettingsMissing,
                    &id,
                    format!(
                        "no settings file for {}: looked for {}",
                        spec.name,
                        tried.join(", ")
                    ),
                )
                .at(ctx.live(&spec.paths[0])),
            );
            inv.settings.push(live);
            continue;
        };
        let live_dict = read_into(&ctx.root, &path, spec.format, &mut live);
        if let Err(err) = &live_dict {
            let code = if err.is_damage() {
                Code::SettingsUnreadable
            } else {
                Code::SettingsUnverifiable
            };
            findings.push(Finding::new(code, &id, format!("{}: {err}", path.display())).at(&path));
        }
        let live_dict = live_dict.ok();

        if let Some((set, set_path)) = comparison_set(inv, &ctx.profile, &component) {
            let mut copy = SettingsFile {
                name: spec.name.clone(),
                component: id.clone(),
                source: Source::Set(set.id.clone()),
                path: Some(set_path.clone()),
                ..SettingsFile::default()
            };
            let set_dict = read_into(&set.path, &set_path, spec.format, &mut copy).ok();
            if let (Some(a), Some(b)) = (&live_dict, &set_dict) {
                let n = differing_keys(a, b);
                live.differs_from_set = Some(n);
                if n > 0 {
                    findings.push(
                        Finding::new(
                            Code::SettingsDiffer,
                            &id,
                            format!(
                                "{} differs from backup set {}'s copy in {n} top-level key{}",
                                path.display(),
                                set.id,
                                if n == 1 { "" } else { "s" }
                            ),
                        )
                        .at(&path),
                    );
                }
            }
            inv.settings.push(live);
            inv.settings.push(copy);
        } else {
            inv.settings.push(live);
        }

        if let Some(dict) = &live_dict {
            findings.extend(mdm_hostname(ctx, inv, spec, dict, &path));
        }
    }
    inv.findings.extend(findings);
}

/// Parse `path` (beneath `base`, read through the root-confined layer) into `file` (format,
/// keys, error); the dictionary when readable.
fn read_into(
    base: &Path,
    path: &Path,
    format: SettingsFormat,
    file: &mut SettingsFile,
) -> Result<Dictionary, PlistError> {
    let result = Confined::within(base, path)
        .map_err(|e| PlistError::Io(e.to_string()))
        .and_then(|c| plistfile::read_as(&c, format)?.into_dictionary());
    match &result {
        Ok((format, dict)) => {
            file.format = Some(format.as_str().into());
            file.keys = dict.len();
        }
        Err(e) => file.error = Some(e.to_string()),
    }
    result.map(|(_, d)| d)
}

/// Read a plist whose top level is a dictionary, beneath its base without following links.
pub fn read(file: &Confined) -> Result<(PlistFormat, Dictionary), PlistError> {
    plistfile::read(file)?.into_dictionary()
}

/// Top-level keys present in only one of the dictionaries or with different values.
pub fn differing_keys(a: &Dictionary, b: &Dictionary) -> u64 {
    let only_or_changed = a
        .iter()
        .filter(|(k, v)| !b.get(k.as_str()).is_some_and(|w| same_value(v, w)))
        .count();
    let only_b = b.keys().filter(|k| !a.contains_key(k.as_str())).count();
    (only_or_changed + only_b) as u64
}

/// `MDM_HOSTNAME_MISMATCH`: the MDM plist's server host name is not on the server certificate.
fn mdm_hostname(
    ctx: &Context,
    inv: &Inventory,
    spec: &SettingsSpec,
    dict: &Dictionary,
    path: &PathBuf,
) -> Option<Finding> {
    let key = spec.mdm_hostname_key.as_ref()?;
    let id = format!("settings:{}", spec.name);
    // The certificate agents will see: the live one, or the backup's when none is live.
    let mut certs = server_identity(inv, &ctx.profile, &Source::Live);
    if certs.is_empty() {
        let store = crate::inventory::certificates::server_identity_store(&ctx.profile)?;
        let (set, _) = comparison_set(
            inv,
            &ctx.profile,
            &Component::Certificates(store.name.clone()),
        )?;
        certs = server_identity(inv, &ctx.profile, &Source::Set(set.id.clone()));
    }
    if certs.is_empty() {
        return None;
    }
    let all_names: Vec<String> = certs.iter().flat_map(|c| names(c)).collect();
    let shown = all_names.join(", ");
    let message = match dict.get(key) {
        Some(Value::String(host)) if host_matches(host, &all_names) => return None,
        Some(Value::String(host)) => format!(
            "{key} in {} is '{host}', which is not a name on the LANrev server certificate ({shown})",
            path.display()
        ),
        Some(_) => format!("{key} in {} is not a string", path.display()),
        None => format!(
            "{} does not define {key}; the MDM server needs the LANrev server's name ({shown})",
            path.display()
        ),
    };
    Some(Finding::new(Code::MdmHostnameMismatch, id, message).at(path))
}
