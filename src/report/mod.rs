//! Text and JSON renderings of an `Inventory` (and later of plans).
