//! Themes: semantic styles (`severity.error`, `list.selected`) read from TOML. Built-in themes
//! are embedded; every field is optional and falls back to the default theme, which uses only
//! the 16 ANSI colours. Selection always adds reverse video so it survives `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};
use std::path::{Path, PathBuf};

/// The built-in themes, embedded in the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

macro_rules! roles {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A meaning the console draws; code asks for a role, never for a colour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Role { $(#[doc = $doc] $variant,)* }
        impl Role {
            /// Every role, in theme-file order.
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];
            /// The dotted name used in theme files.
            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name,)* }
            }
        }
    };
}

roles! {
    Text => "text", "Ordinary text.";
    Muted => "muted", "Secondary text: units, labels, empty states.";
    Title => "title", "Pane and overlay titles.";
    Border => "border", "Pane borders.";
    BorderFocused => "border.focused", "Border of the focused pane.";
    Header => "header", "The header bar.";
    HeaderLabel => "header.label", "Labels inside the header.";
    Footer => "footer", "The footer bar.";
    Tab => "tab", "Inactive tabs.";
    TabActive => "tab.active", "The active tab.";
    ListHeader => "list.header", "Column headings.";
    ListSelected => "list.selected", "The selected row (reverse video is always added).";
    Key => "key", "Key names in hints and help.";
    Status => "status", "The status message.";
    Gauge => "gauge", "The filled part of a progress gauge.";
    SeverityOk => "severity.ok", "Checked and fine.";
    SeverityInfo => "severity.info", "Worth knowing.";
    SeverityWarning => "severity.warning", "Look at it soon.";
    SeverityError => "severity.error", "Broken.";
    SeverityCritical => "severity.critical", "Recovery at risk.";
    Pending => "pending", "Not checked yet.";
    VerdictRestorable => "verdict.restorable", "Backup set that can be restored.";
    VerdictUnverified => "verdict.unverified", "Backup set whose full check has not run.";
    VerdictIncomplete => "verdict.incomplete", "Backup set missing a member.";
    VerdictCorrupt => "verdict.corrupt", "Backup set with a corrupt member.";
    DiffAdded => "diff.added", "Added in a diff.";
    DiffRemoved => "diff.removed", "Removed in a diff.";
    DiffChanged => "diff.changed", "Changed in a diff.";
}

/// A loaded theme: one style per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Where it came from (`default`, a file path), for messages.
    pub name: String,
    styles: Vec<Style>,
    /// Draw with ASCII only (see `tui::ascii`).
    ascii: bool,
}

/// Why a theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// Neither a built-in, a user theme nor a file.
    #[error(
        "theme '{0}' not found: use one of {builtins}, a theme in {user}, or a path to a .toml file",
        builtins = builtin_names(),
        user = user_dir().map(|d| d.display().to_string()).unwrap_or_else(|| "the config folder".into())
    )]
    NotFound(String),
    /// The file could not be read.
    #[error("cannot read theme file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not TOML.
    #[error("theme {origin} is not valid TOML: {message}")]
    Syntax {
        /// File or built-in name.
        origin: String,
        /// Parser message.
        message: String,
    },
    /// A field is unknown or has a bad value.
    #[error("theme {origin}: field `{field}`: {message}")]
    Field {
        /// File or built-in name.
        origin: String,
        /// Dotted field name.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

fn builtin_names() -> String {
    BUILTIN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Theme {
    /// The built-in default theme.
    pub fn default_theme() -> Theme {
        // The embedded default is checked by a unit test; an empty fallback keeps this total.
        parse(BUILTIN[0].1, "default", &Theme::empty("default"))
            .unwrap_or_else(|_| Theme::empty("default"))
    }

    fn empty(name: &str) -> Theme {
        Theme {
            name: name.to_string(),
            styles: vec![Style::default(); Role::ALL.len()],
            ascii: false,
        }
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        let i = Role::ALL.iter().position(|r| *r == role).unwrap_or(0);
        let style = self.styles.get(i).copied().unwrap_or_default();
        if role == Role::ListSelected {
            style.add_modifier(Modifier::REVERSED)
        } else {
            style
        }
    }

    /// The same theme drawn with ASCII only: `+-|` borders and `v x ! ? X *` glyphs.
    pub fn with_ascii(mut self, ascii: bool) -> Theme {
        self.ascii = ascii;
        self
    }

    /// Whether the screen is drawn with ASCII only.
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// The same theme with every colour a 16-colour terminal cannot show (256-colour indices,
    /// RGB) replaced by the nearest of the 16 ANSI colours.
    pub fn with_16_colours(mut self) -> Theme {
        for s in &mut self.styles {
            s.fg = s.fg.map(ansi16);
            s.bg = s.bg.map(ansi16);
            s.underline_color = s.underline_color.map(ansi16);
        }
        self
    }

    /// The same theme without colours (for `NO_COLOR` and `--no-color`): modifiers stay.
    pub fn without_colour(mut self) -> Theme {
        for s in &mut self.styles {
            s.fg = None;
            s.bg = None;
            s.underline_color = None;
        }
        self
    }
}

/// The nearest of the 16 ANSI colours to `c`.
fn ansi16(c: Color) -> Color {
    let (r, g, b) = match c {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => indexed_rgb(i),
        other => return other,
    };
    const ANSI: [(Color, (u8, u8, u8)); 16] = [
        (Color::Black, (0, 0, 0)),
        (Color::Red, (205, 0, 0)),
        (Color::Green, (0, 205, 0)),
        (Color::Yellow, (205, 205, 0)),
        (Color::Blue, (0, 0, 238)),
        (Color::Magenta, (205, 0, 205)),
        (Color::Cyan, (0, 205, 205)),
        (Color::Gray, (229, 229, 229)),
        (Color::DarkGray, (127, 127, 127)),
        (Color::LightRed, (255, 0, 0)),
        (Color::LightGreen, (0, 255, 0)),
        (Color::LightYellow, (255, 255, 0)),
        (Color::LightBlue, (92, 92, 255)),
        (Color::LightMagenta, (255, 0, 255)),
        (Color::LightCyan, (0, 255, 255)),
        (Color::White, (255, 255, 255)),
    ];
    let d = |(x, y, z): (u8, u8, u8)| {
        let dx = i32::from(x) - i32::from(r);
        let dy = i32::from(y) - i32::from(g);
        let dz = i32::from(z) - i32::from(b);
        dx * dx + dy * dy + dz * dz
    };
    ANSI.iter()
        .min_by_key(|(_, rgb)| d(*rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

/// The RGB value of a 256-colour palette index (xterm's palette).
fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => {
            let base = [
                (0, 0, 0),
                (205, 0, 0),
                (0, 205, 0),
                (205, 205, 0),
                (0, 0, 238),
                (205, 0, 205),
                (0, 205, 205),
                (229, 229, 229),
                (127, 127, 127),
                (255, 0, 0),
                (0, 255, 0),
                (255, 255, 0),
                (92, 92, 255),
                (255, 0, 255),
                (0, 255, 255),
                (255, 255, 255),
            ];
            base[i as usize]
        }
        16..=231 => {
            let v = i - 16;
            let step = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
            (step(v / 36), step((v / 6) % 6), step(v % 6))
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

/// How many colours the terminal shows, from `COLORTERM` and `TERM`: `truecolor`/`24bit` and
/// `*-256color` allow the theme as written; anything else gets the 16 ANSI colours.
pub fn has_256_colours(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let colorterm = env("COLORTERM").unwrap_or_default().to_ascii_lowercase();
    let term = env("TERM").unwrap_or_default();
    colorterm == "truecolor" || colorterm == "24bit" || term.contains("256color")
}

/// Load a theme by built-in name, user theme name or file; `None` is the default theme.
pub fn load(name_or_file: Option<&str>, no_colour: bool) -> Result<Theme, ThemeError> {
    let theme = match name_or_file {
        None => Theme::default_theme(),
        Some(spec) => resolve(spec, user_dir().as_deref())?,
    };
    Ok(if no_colour {
        theme.without_colour()
    } else {
        theme
    })
}

/// Find a theme: an existing file path, then `NAME.toml` in the user folder, then a built-in.
pub fn resolve(spec: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
    let as_path = Path::new(spec);
    let looks_like_path =
        spec.ends_with(".toml") || spec.contains(std::path::MAIN_SEPARATOR) || spec.contains('/');
    if looks_like_path {
        return load_file(as_path);
    }
    if let Some(dir) = user_dir {
        let file = dir.join(format!("{spec}.toml"));
        if file.is_file() {
            return load_file(&file);
        }
    }
    match BUILTIN.iter().find(|(n, _)| *n == spec) {
        Some((name, text)) => parse(text, name, &Theme::default_theme()),
        None => Err(ThemeError::NotFound(spec.to_string())),
    }
}

fn load_file(path: &Path) -> Result<Theme, ThemeError> {
    let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, &path.display().to_string(), &Theme::default_theme())
}

/// The user's theme folder: `$XDG_CONFIG_HOME/drconsole/themes` or `~/.config/drconsole/themes`
/// (`%APPDATA%\drconsole\themes` on Windows).
pub fn user_dir() -> Option<PathBuf> {
    crate::config::user_dir().map(|d| d.join("themes"))
}

/// Parse theme TOML over `base`: fields given replace the base's, others are kept.
pub fn parse(text: &str, origin: &str, base: &Theme) -> Result<Theme, ThemeError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ThemeError::Syntax {
            origin: origin.to_string(),
            message: e.message().to_string(),
        })?;
    let mut theme = Theme {
        ascii: base.ascii,
        name: origin.to_string(),
        styles: base.styles.clone(),
    };
    let field_err = |field: &str, message: String| ThemeError::Field {
        origin: origin.to_string(),
        field: field.to_string(),
        message,
    };
    let mut entries = Vec::new();
    flatten("", &table, &mut entries);
    for (field, value) in entries {
        let Some(i) = Role::ALL.iter().position(|r| r.name() == field) else {
            let known = Role::ALL
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(field_err(&field, format!("unknown field (known: {known})")));
        };
        theme.styles[i] = style_of(value).map_err(|(sub, msg)| {
            let name = if sub.is_empty() {
                field.clone()
            } else {
                format!("{field}.{sub}")
            };
            field_err(&name, msg)
        })?;
    }
    Ok(theme)
}

/// Collect `(dotted.name, value)` pairs; a table with style keys is a style, not a section.
fn flatten<'a>(prefix: &str, table: &'a toml::Table, out: &mut Vec<(String, &'a toml::Value)>) {
    for (k, v) in table {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t)
                if !is_style_table(t) && Role::ALL.iter().all(|r| r.name() != name) =>
            {
                flatten(&name, t, out)
            }
            _ => out.push((name, v)),
        }
    }
}

const STYLE_KEYS: &[&str] = &["fg", "bg", "bold", "dim", "italic", "underline", "reversed"];

fn is_style_table(t: &toml::Table) -> bool {
    !t.is_empty() && t.keys().all(|k| STYLE_KEYS.contains(&k.as_str()))
}

fn style_of(value: &toml::Value) -> Result<Style, (String, String)> {
    match value {
        toml::Value::String(s) => {
            Ok(Style::default().fg(colour(s).map_err(|m| (String::new(), m))?))
        }
        toml::Value::Table(t) => {
            let mut style = Style::default();
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("fg", toml::Value::String(s)) => {
                        style = style.fg(colour(s).map_err(|m| (k.clone(), m))?)
                    }
                    ("bg", toml::Value::String(s)) => {
                        style = style.bg(colour(s).map_err(|m| (k.clone(), m))?)
                    }
                    (m, toml::Value::Boolean(on)) if STYLE_KEYS[2..].contains(&m) => {
                        let modifier = match m {
                            "bold" => Modifier::BOLD,
                            "dim" => Modifier::DIM,
                            "italic" => Modifier::ITALIC,
                            "underline" => Modifier::UNDERLINED,
                            _ => Modifier::REVERSED,
                        };
                        style = if *on {
                            style.add_modifier(modifier)
                        } else {
                            style.remove_modifier(modifier)
                        };
                    }
                    ("fg" | "bg", _) => {
                        return Err((k.clone(), "must be a colour name in quotes".into()));
                    }
                    (m, _) if STYLE_KEYS.contains(&m) => {
                        return Err((k.clone(), "must be true or false".into()));
                    }
                    _ => {
                        return Err((
                            k.clone(),
                            format!("unknown style key (use {})", STYLE_KEYS.join(", ")),
                        ));
                    }
                }
            }
            Ok(style)
        }
        _ => Err((
            String::new(),
            "must be a colour name (\"red\") or a table such as { fg = \"red\", bold = true }"
                .into(),
        )),
    }
}

const COLOURS: &[(&str, Color)] = &[
    ("default", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

fn colour(s: &str) -> Result<Color, String> {
    let lower = s.to_ascii_lowercase().replace(['-', '_', ' '], "");
    if let Some((_, c)) = COLOURS.iter().find(|(n, _)| *n == lower) {
        return Ok(*c);
    }
    if let Some(hex) = lower.strip_prefix('#')
        && hex.len() == 6
        && let Ok(v) = u32::from_str_radix(hex, 16)
    {
        return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    let names = COLOURS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ");
    Err(format!(
        "'{s}' is not a colour (use one of {names}, or #rrggbb)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses() {
        for (name, text) in BUILTIN {
            parse(text, name, &Theme::empty(name)).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn default_theme_sets_every_role_with_ansi_colours_only() {
        let table: toml::Table = BUILTIN[0].1.parse().expect("default theme is TOML");
        let mut entries = Vec::new();
        flatten("", &table, &mut entries);
        for role in Role::ALL {
            assert!(
                entries.iter().any(|(n, _)| n == role.name()),
                "default lacks {}",
                role.name()
            );
        }
        let theme = Theme::default_theme();
        for role in Role::ALL {
            let s = theme.style(*role);
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{} not ANSI",
                    role.name()
                );
            }
        }
    }

    #[test]
    fn a_16_colour_terminal_gets_the_nearest_ansi_colours() {
        let t = parse(
            "[severity]\nerror = { fg = \"#ff0000\" }\nwarning = { fg = \"#d7af00\" }\n",
            "t",
            &Theme::default_theme(),
        )
        .expect("theme")
        .with_16_colours();
        assert_eq!(t.style(Role::SeverityError).fg, Some(Color::LightRed));
        assert_eq!(t.style(Role::SeverityWarning).fg, Some(Color::Yellow));
        for r in Role::ALL {
            let s = t.style(*r);
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{r:?}");
            }
        }
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(!has_256_colours(&env(&[("TERM", "xterm")])));
        assert!(!has_256_colours(&env(&[("TERM", "vt100")])));
        assert!(has_256_colours(&env(&[("TERM", "xterm-256color")])));
        assert!(has_256_colours(&env(&[
            ("TERM", "screen"),
            ("COLORTERM", "truecolor")
        ])));
    }

    #[test]
    fn missing_fields_fall_back_to_the_default() {
        let theme = parse(
            "[severity]\nerror = \"magenta\"\n",
            "t",
            &Theme::default_theme(),
        )
        .expect("parses");
        assert_eq!(theme.style(Role::SeverityError).fg, Some(Color::Magenta));
        assert_eq!(
            theme.style(Role::SeverityOk),
            Theme::default_theme().style(Role::SeverityOk)
        );
    }

    #[test]
    fn dotted_keys_and_style_tables_both_work() {
        let text =
            "\"severity.warning\" = { fg = \"#ff8800\", bold = true }\n[list]\nheader = \"cyan\"\n";
        let theme = parse(text, "t", &Theme::default_theme()).expect("parses");
        let w = theme.style(Role::SeverityWarning);
        assert_eq!(w.fg, Some(Color::Rgb(0xff, 0x88, 0)));
        assert!(w.add_modifier.contains(Modifier::BOLD));
        assert_eq!(theme.style(Role::ListHeader).fg, Some(Color::Cyan));
    }

    #[test]
    fn bad_colour_names_the_field() {
        let err = parse(
            "[severity]\nerror = { fg = \"rouge\" }\n",
            "my.toml",
            &Theme::default_theme(),
        )
        .expect_err("rouge is no colour")
        .to_string();
        assert!(err.contains("my.toml"), "{err}");
        assert!(err.contains("`severity.error.fg`"), "{err}");
        assert!(err.contains("'rouge'"), "{err}");
    }

    #[test]
    fn unknown_field_is_named() {
        let err = parse("[severity]\neror = \"red\"\n", "t", &Theme::default_theme())
            .expect_err("typo")
            .to_string();
        assert!(err.contains("`severity.eror`"), "{err}");
    }

    #[test]
    fn selection_is_reverse_video_even_without_colour() {
        let theme = Theme::default_theme().without_colour();
        let s = theme.style(Role::ListSelected);
        assert!(s.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(s.fg, None);
    }

    #[test]
    fn user_theme_folder_is_searched_before_builtins() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("ops.toml"), "title = \"green\"\n").expect("write");
        let theme = resolve("ops", Some(dir.path())).expect("user theme");
        assert_eq!(theme.style(Role::Title).fg, Some(Color::Green));
        assert!(resolve("mono", Some(dir.path())).is_ok());
        let err = resolve("nope", Some(dir.path()))
            .expect_err("unknown")
            .to_string();
        assert!(err.contains("default, light, high-contrast, mono"), "{err}");
    }

    #[test]
    fn theme_file_that_cannot_be_read_names_the_path() {
        let err = resolve("/nonexistent/x.toml", None)
            .expect_err("missing")
            .to_string();
        assert!(err.contains("/nonexistent/x.toml"), "{err}");
    }
}
