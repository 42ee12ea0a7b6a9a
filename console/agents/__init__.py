"""Agents: who they are to the console (desk, skills), the state they are in and its history,
and routing's choice of who takes the next call. The messages kept for an agent's browser are
stored here too; console.realtime sends them.

May import: console.realtime, the rooms below (contacts, customers). Other packages use
`presence` and `models`."""

__all__ = ["models", "presence", "tasks"]
