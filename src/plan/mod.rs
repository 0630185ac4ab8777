//! Plans: the ordered, printable steps and preconditions of every mutating action.
