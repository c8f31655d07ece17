"""Human handoff: triggers, the agent queue, the gate in front of Rasa, business hours, satisfaction."""
