//! The full-screen console: app state, actions, event loop, keymap, theme, panes and overlays.
