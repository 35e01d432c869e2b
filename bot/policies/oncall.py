"""Where the on-call decisions used to be, kept only while other branches still import from here.

The decisions are in oncall_rotation, oncall_escalation, oncall_waiting, oncall_deadlines and oncall_digest;
the relayout script rewrites `from bot.policies.oncall import X` to the module that defines X.
"""

from __future__ import annotations

from bot.policies.oncall_deadlines import DEADLINE_REMINDERS as DEADLINE_REMINDERS
from bot.policies.oncall_deadlines import Reminder as Reminder
from bot.policies.oncall_deadlines import ReminderLevel as ReminderLevel
from bot.policies.oncall_deadlines import deadline_reminders as deadline_reminders
from bot.policies.oncall_deadlines import next_reminder as next_reminder
from bot.policies.oncall_deadlines import reminder_due as reminder_due
from bot.policies.oncall_digest import digest_due as digest_due
from bot.policies.oncall_digest import night_window as night_window
from bot.policies.oncall_escalation import URGENT_KINDS as URGENT_KINDS
from bot.policies.oncall_escalation import URGENT_MARKER as URGENT_MARKER
from bot.policies.oncall_escalation import AlertKind as AlertKind
from bot.policies.oncall_escalation import EscalationPolicy as EscalationPolicy
from bot.policies.oncall_escalation import EscalationStep as EscalationStep
from bot.policies.oncall_escalation import Routing as Routing
from bot.policies.oncall_escalation import Urgency as Urgency
from bot.policies.oncall_escalation import classify_alert as classify_alert
from bot.policies.oncall_escalation import due_steps as due_steps
from bot.policies.oncall_escalation import escalation_plan as escalation_plan
from bot.policies.oncall_escalation import next_due as next_due
from bot.policies.oncall_escalation import route as route
from bot.policies.oncall_rotation import Rotation as Rotation
from bot.policies.oncall_rotation import handover as handover
from bot.policies.oncall_rotation import next_in_line as next_in_line
from bot.policies.oncall_rotation import next_shift as next_shift
from bot.policies.oncall_rotation import on_call as on_call
from bot.policies.oncall_rotation import parse_rotation as parse_rotation
from bot.policies.oncall_waiting import ResponseTargets as ResponseTargets
from bot.policies.oncall_waiting import Waiting as Waiting
from bot.policies.oncall_waiting import waiting as waiting
