"""The accounts app's pages, a module per area: the home page and one's profile, people and hand-overs,
departments and teams, and training plans."""
