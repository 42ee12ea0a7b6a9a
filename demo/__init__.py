"""The demo: believable customers and their history, demo users, and a call simulator driving a
running server through its public API (`seed_demo`, `simulate`). It may use every room; nothing
imports it."""
