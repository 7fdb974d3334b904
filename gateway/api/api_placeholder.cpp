// Replaced when the API server lands.
