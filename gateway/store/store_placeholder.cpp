// Replaced when the store lands.
