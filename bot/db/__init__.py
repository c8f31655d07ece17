"""Database access shared by the ticket store and Rasa's tracker store: engines and migrations."""
