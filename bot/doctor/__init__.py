"""`supportbot doctor`: checks the settings and every configured connection, and says how to fix what fails."""

from bot.doctor.run import diagnose, run_doctor

__all__ = ["diagnose", "run_doctor"]
