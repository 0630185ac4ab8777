//! Key remapping: the configuration's `[keys]` table laid over the built-in keymap, checked
//! for unknown commands, unreadable keys and keys bound twice. The result is installed once at
//! start-up, so the help overlay, the footer hints and the key lookup all follow it.

use super::action::Command;
use super::keymap::{Binding, KEYMAP, Key};
use crossterm::event::{KeyCode, KeyModifiers};
use std::sync::OnceLock;

static ACTIVE: OnceLock<&'static [Binding]> = OnceLock::new();

/// The keymap in force: the remapped one once installed, else the built-in one.
pub fn active() -> &'static [Binding] {
    ACTIVE.get().copied().unwrap_or(KEYMAP)
}

/// Make `map` the keymap of this process (the first call wins; the console calls it once).
pub fn install(map: &'static [Binding]) {
    let _ = ACTIVE.set(map);
}

/// A command's name in the configuration's `[keys]` table: `restore`, `journal_view`,
/// `focus_pane_backups` (its variant name in snake case, so every command has one).
pub fn command_name(command: Command) -> String {
    let debug = format!("{command:?}");
    let mut out = String::new();
    for (i, ch) in debug.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Read a key as written in the configuration: one character (`R`, `?`), a name (`Enter`,
/// `Esc`, `Tab`, `BackTab`, `Space`, `Up`, `PgDn`, `F5`, ...), optionally after `ctrl-` or
/// `alt-`. Names are case-insensitive; a single character is taken as it is.
pub fn parse_key(text: &str) -> Result<Key, String> {
    let mut rest = text;
    let mut mods = KeyModifiers::NONE;
    loop {
        let lower = rest.to_ascii_lowercase();
        if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
            mods |= KeyModifiers::CONTROL;
            rest = &rest[5..];
        } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
            mods |= KeyModifiers::ALT;
            rest = &rest[4..];
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_control() => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" | "s-tab" => KeyCode::BackTab,
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                Some(n) if (1..=12).contains(&n) => KeyCode::F(n),
                _ => {
                    return Err(format!(
                        "'{text}' is not a key: write one character (R, ?), a name (Enter, Esc, Tab, BackTab, Space, Up, Down, Left, Right, PgUp, PgDn, Home, End, F1-F12), optionally after ctrl- or alt-"
                    ));
                }
            },
        },
    };
    Ok((code, mods))
}

/// Why a `[keys]` entry cannot be applied; `entry` is its index in the list given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemapError {
    /// Which entry.
    pub entry: usize,
    /// What is wrong with it.
    pub message: String,
    /// The command's name is at fault (else its keys are).
    pub about_command: bool,
}

/// The built-in keymap with the keys of some commands replaced: `(command name, keys)`.
/// Fails on an unknown command, an unreadable key, an empty list, or a key that ends up bound
/// to two commands. The map lives for the rest of the process.
pub fn remap(entries: &[(String, Vec<String>)]) -> Result<&'static [Binding], RemapError> {
    let mut map: Vec<Binding> = KEYMAP.to_vec();
    let mut touched = vec![None; map.len()];
    for (entry, (name, keys)) in entries.iter().enumerate() {
        let err = |message: String| RemapError {
            entry,
            message,
            about_command: false,
        };
        let Some(index) = map.iter().position(|b| command_name(b.command) == *name) else {
            let known: Vec<String> = KEYMAP.iter().map(|b| command_name(b.command)).collect();
            return Err(RemapError {
                about_command: true,
                ..err(format!(
                    "'{name}' is not a console command; the commands are: {}",
                    known.join(", ")
                ))
            });
        };
        if keys.is_empty() {
            return Err(err(format!("'{name}' needs at least one key")));
        }
        let parsed = keys
            .iter()
            .map(|k| parse_key(k))
            .collect::<Result<Vec<Key>, String>>()
            .map_err(err)?;
        map[index].keys = Box::leak(parsed.into_boxed_slice());
        touched[index] = Some(entry);
    }
    // Every key once: a remapped key may not keep another command's key.
    for (i, binding) in map.iter().enumerate() {
        for key in binding.keys {
            if let Some((j, other)) = map
                .iter()
                .enumerate()
                .find(|(j, b)| *j != i && b.keys.contains(key))
            {
                let entry = touched[i].or(touched[j]).unwrap_or(0);
                return Err(RemapError {
                    entry,
                    about_command: false,
                    message: format!(
                        "key {} would be bound to both {} and {}: give {} another key too",
                        super::keymap::key_name(*key),
                        command_name(binding.command),
                        command_name(other.command),
                        command_name(if touched[i].is_some() {
                            other.command
                        } else {
                            binding.command
                        }),
                    ),
                });
            }
        }
    }
    Ok(Box::leak(map.into_boxed_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::PaneId;
    use crate::tui::keymap::{hints_in, lookup_in, offered_in};
    use crossterm::event::KeyEvent;

    fn entries(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(c, ks)| (c.to_string(), ks.iter().map(|k| k.to_string()).collect()))
            .collect()
    }

    #[test]
    fn command_names_are_snake_case_variants() {
        assert_eq!(command_name(Command::Restore), "restore");
        assert_eq!(command_name(Command::JournalView), "journal_view");
        assert_eq!(
            command_name(Command::FocusPane(PaneId::Backups)),
            "focus_pane_backups"
        );
    }

    #[test]
    fn keys_parse_by_character_and_name() {
        assert_eq!(parse_key("R"), Ok((KeyCode::Char('R'), KeyModifiers::NONE)));
        assert_eq!(
            parse_key("ctrl-r"),
            Ok((KeyCode::Char('r'), KeyModifiers::CONTROL))
        );
        assert_eq!(parse_key("F5"), Ok((KeyCode::F(5), KeyModifiers::NONE)));
        assert_eq!(
            parse_key("space"),
            Ok((KeyCode::Char(' '), KeyModifiers::NONE))
        );
        assert_eq!(parse_key("-"), Ok((KeyCode::Char('-'), KeyModifiers::NONE)));
        assert_eq!(
            parse_key("ctrl--"),
            Ok((KeyCode::Char('-'), KeyModifiers::CONTROL))
        );
        assert!(parse_key("ctrl-").is_err());
        assert!(parse_key("hyper-x").is_err());
        assert!(parse_key("").is_err());
        assert!(parse_key("F13").is_err());
    }

    #[test]
    fn a_remapped_command_answers_its_new_key_and_not_its_old_one() {
        let map = remap(&entries(&[("restore", &["R"])])).unwrap();
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(
            lookup_in(map, key('R')).map(|b| b.command),
            Some(Command::Restore)
        );
        assert!(lookup_in(map, key('r')).is_none());
        // The built-in map is untouched.
        assert_eq!(
            lookup_in(KEYMAP, key('r')).map(|b| b.command),
            Some(Command::Restore)
        );
    }

    #[test]
    fn help_and_hints_follow_a_remap() {
        // `Q`: a key no binding uses (`x` is the runbook's skip).
        let map = remap(&entries(&[("diff", &["D"]), ("quit", &["Q", "ctrl-q"])])).unwrap();
        let hints = hints_in(map, PaneId::Backups, false);
        assert!(hints.contains(&("D".to_string(), "diff")), "{hints:?}");
        assert!(hints.contains(&("Q".to_string(), "quit")), "{hints:?}");
        let quit = offered_in(map, false)
            .find(|b| b.command == Command::Quit)
            .unwrap();
        assert_eq!(quit.label(), "Q/Ctrl-q");
    }

    #[test]
    fn unknown_commands_bad_keys_and_double_bindings_are_refused() {
        let e = remap(&entries(&[("diff", &["D"]), ("restor", &["R"])])).unwrap_err();
        assert_eq!(e.entry, 1);
        assert!(
            e.message.contains("'restor' is not a console command"),
            "{}",
            e.message
        );
        assert!(e.message.contains("restore"), "{}", e.message);
        let e = remap(&entries(&[("diff", &["hyper-d"])])).unwrap_err();
        assert!(e.message.contains("not a key"), "{}", e.message);
        let e = remap(&entries(&[("diff", &[])])).unwrap_err();
        assert!(e.message.contains("at least one key"), "{}", e.message);
        // `c` already re-runs the checks.
        let e = remap(&entries(&[("restore", &["c"])])).unwrap_err();
        assert_eq!(e.entry, 0);
        assert!(e.message.contains("recheck"), "{}", e.message);
        // Swapping two keys is fine when both move.
        let map = remap(&entries(&[("restore", &["c"]), ("recheck", &["r"])])).unwrap();
        let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(
            lookup_in(map, key).map(|b| b.command),
            Some(Command::Restore)
        );
    }
}
