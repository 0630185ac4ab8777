//! Component diffs: a backup set against the live server (databases, settings, certificates, folders).
