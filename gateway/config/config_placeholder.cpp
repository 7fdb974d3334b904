// Replaced when config lands.
