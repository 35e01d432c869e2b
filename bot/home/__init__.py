"""The App Home tab: each person's desk in Slack, read from the database and kept up to date."""
