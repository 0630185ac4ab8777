//! The write-ahead undo journal: transactions, stash, crash recovery and undo.
