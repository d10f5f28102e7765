"""The accounts app's forms, a module per area: people and profiles, departments and teams, training
plans, the password reset, and the form fields the apps share."""
