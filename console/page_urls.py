"""Pages for people: customers, match review."""

urlpatterns: list = []
