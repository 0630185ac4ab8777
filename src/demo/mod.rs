//! Generators for demo and test installations (scenarios, seeds, scale).
