"""The support mailbox: mail read over IMAP becomes tickets; replies from Slack go back threaded by SMTP."""
