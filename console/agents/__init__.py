"""Agents: who they are to the console (desk, skills), the state they are in and its history,
routing's choice of who takes the next call, and the help sign an agent raises for a supervisor
(`help_sign`). The messages kept for an agent's browser are
stored here too; console.realtime sends them.

May import: console.realtime, the rooms below (contacts, customers). Other packages use
`presence`, `help_sign` and `models`."""

__all__ = ["help_sign", "models", "presence", "tasks"]
